//! Benchmarks: ktest's mode when root-pd runs it with the argument `bench`
//! (`cargo xtask bench`). Each result is one console line `bench:
//! <name>=<integer> <unit>`; a benchmark that cannot run says why on a
//! `ktest:` line instead. root-pd prints `bench: done` once ktest counts up
//! its `done` semaphore.
//!
//! - `ipc_roundtrip`: the median TSC cycles of one `Call` + `Reply` from
//!   ktest's main EC to a portal of a local EC in another PD on the same
//!   CPU, whose handler replies with 0 words at once (a three-instruction
//!   stub); measured around each call with `rdtsc`, 1000 calls after 100
//!   to warm up. `ipc_roundtrip_min` is the smallest of the 1000.
//! - `vm_exit_cpuid(_min)`, `vm_bounce_min`, `vm_bounce_median`: VM exits
//!   with and without the VMM (see [`vm`]); on a machine without VMX or
//!   SVM a `ktest:` line says they were skipped.

use crate::check::{ok, Fail};
use crate::ctx::Ctx;
use crate::tests::kit::{rdtsc, Other};
use alloc::vec::Vec;
use user_rt::sys::{self, Mtd, Sm};
use user_rt::Line;

mod vm;

const WARM_UP: usize = 100;
const ROUNDS: usize = 1000;

// The server's portal entry: `Reply` with 0 words, again at every call.
core::arch::global_asm!(
    ".pushsection .text.ktest_reply_stub, \"ax\", @progbits",
    ".globl ktest_reply_stub",
    "ktest_reply_stub:",
    "xor edi, edi",
    "mov eax, {reply}",
    "syscall",
    "ud2",
    ".popsection",
    reply = const abi::Hypercall::Reply as u64,
);

extern "C" {
    fn ktest_reply_stub() -> !;
}

/// Whether ktest was started to run the benchmarks.
pub fn wanted(ctx: &Ctx) -> bool {
    ctx.info.args().split(|b| *b == b' ').any(|w| w == b"bench")
}

/// Runs every benchmark, then tells root-pd.
pub fn run(ctx: &mut Ctx) {
    ctx.mark();
    match ipc_roundtrip(ctx) {
        Ok((median, min)) => {
            result("ipc_roundtrip", median, "cycles");
            result("ipc_roundtrip_min", min, "cycles");
        }
        Err(f) => Line::new()
            .str("ktest: bench ipc_roundtrip failed: ")
            .bytes(f.line().as_bytes())
            .print(),
    }
    ctx.cleanup();
    ctx.mark();
    match vm::vm_exits(ctx) {
        Ok(results) => {
            for (name, cycles) in results {
                result(name, cycles, "cycles");
            }
        }
        Err(f) => {
            let how = if f.is_skip() { "skipped: " } else { "failed: " };
            Line::new()
                .str("ktest: bench vm_exit ")
                .str(how)
                .bytes(f.line().as_bytes())
                .print()
        }
    }
    ctx.cleanup();
    if let Some((done, _)) = ctx.info.cap("done") {
        let _ = Sm(done).up();
    }
}

fn result(name: &str, value: u64, unit: &str) {
    Line::new()
        .str("bench: ")
        .str(name)
        .str("=")
        .dec(value)
        .str(" ")
        .str(unit)
        .print();
}

/// (median, minimum) cycles of a call and its reply across PDs.
fn ipc_roundtrip(ctx: &mut Ctx) -> Result<(u64, u64), Fail> {
    let mut server = Other::new(ctx)?;
    let unused = ctx.sm(0)?;
    let handler = server.ec(ctx, 0, 0, false, unused)?;
    let entry = ktest_reply_stub as *const () as u64;
    let pt = ok(
        "create_pt",
        sys::create_pt(ctx.sel(), handler.ec, entry, Mtd(0)),
    )?;
    let mut cycles = Vec::with_capacity(ROUNDS);
    for i in 0..WARM_UP + ROUNDS {
        let t0 = rdtsc();
        let r = pt.call(&mut ctx.utcb, 0);
        let t1 = rdtsc();
        ok("call", r)?;
        if i >= WARM_UP {
            cycles.push(t1 - t0);
        }
    }
    cycles.sort_unstable();
    Ok((cycles[ROUNDS / 2], cycles[0]))
}

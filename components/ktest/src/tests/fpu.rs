//! FPU/SSE state stays with its EC: EC A fills xmm0–xmm15 and MXCSR with a
//! pattern and blocks; a fresh EC in another PD and a fresh EC in ktest's
//! own PD, on the same CPU, find the initial state (xmm all zero, MXCSR
//! 0x1f80, x87 control word 0x037f), never A's; A then resumes with its
//! pattern intact.
//!
//! ktest is built without SSE, so Rust code never touches these registers;
//! the instructions below are the only ones that do. They are written as
//! bytes (the assembler may refuse SSE mnemonics for a target without
//! SSE): `movdqu xmmN, [rsi + 16N]` is F3 (44) 0F 6F /r, `movdqu
//! [rdi + 16N], xmmN` is F3 (44) 0F 7F /r (REX.R = 44 for xmm8–15), with
//! ModRM 0x80 | (N & 7) << 3 | base and a 32-bit displacement.

use super::kit::{self, remote_finish, remote_words, Other};
use crate::check::{eq, ok, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::Sm;
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[("fpu_sse_state_isolated", isolated)];

/// xmm0..xmm15 as 32 quadwords (low, high).
type Xmm = [u64; 32];

/// MXCSR and x87 control word after reset.
const MXCSR_INIT: u64 = 0x1f80;
const FCW_INIT: u64 = 0x037f;
/// A's MXCSR: round toward zero (RC = 11), exceptions masked.
const MXCSR_A: u32 = 0x7f80;

/// `movdqu` between xmm0..xmm15 and 16-byte slots at a base register, as
/// bytes: opcode `$op` (0x6f load, 0x7f store), ModRM base `$base`.
macro_rules! xmm_bytes {
    ($op:literal, $base:literal) => {
        concat!(
            ".irp n, 0, 1, 2, 3, 4, 5, 6, 7\n",
            ".byte 0xf3, 0x0f, ",
            $op,
            ", 0x80 | (\\n << 3) | ",
            $base,
            "\n",
            ".long 16 * \\n\n",
            ".byte 0xf3, 0x44, 0x0f, ",
            $op,
            ", 0x80 | (\\n << 3) | ",
            $base,
            "\n",
            ".long 128 + 16 * \\n\n",
            ".endr",
        )
    };
}

/// Loads xmm0..xmm15 from `src`.
fn load_xmm(src: &Xmm) {
    // SAFETY: reads 256 bytes of `src` into xmm registers, which no Rust
    // code of ktest uses (built without SSE). Base register: rsi (6).
    unsafe {
        core::arch::asm!(xmm_bytes!("0x6f", "6"), in("rsi") src.as_ptr(), options(nostack, readonly))
    };
}

/// Stores xmm0..xmm15 to `dst`.
fn store_xmm(dst: &mut Xmm) {
    // SAFETY: writes 256 bytes to `dst`. Base register: rdi (7).
    unsafe {
        core::arch::asm!(xmm_bytes!("0x7f", "7"), in("rdi") dst.as_mut_ptr(), options(nostack))
    };
}

/// MXCSR (`stmxcsr [rdi]`: 0F AE /3) and the x87 control word (`fnstcw
/// [rdi + 4]`: D9 /7, disp8).
fn control_words() -> (u64, u64) {
    let mut m = [0u32; 2];
    // SAFETY: stores 4 + 2 bytes into `m`.
    unsafe {
        core::arch::asm!(".byte 0x0f, 0xae, 0x1f", ".byte 0xd9, 0x7f, 0x04", in("rdi") m.as_mut_ptr(), options(nostack))
    };
    (u64::from(m[0]), u64::from(m[1] & 0xffff))
}

/// `ldmxcsr [rdi]`: 0F AE /2.
fn set_mxcsr(v: u32) {
    // SAFETY: loads a valid MXCSR value (only RC and mask bits set).
    unsafe { core::arch::asm!(".byte 0x0f, 0xae, 0x17", in("rdi") &v, options(nostack, readonly)) };
}

/// A's pattern: no two quadwords alike, none zero.
fn pattern() -> Xmm {
    core::array::from_fn(|i| 0xa5a5_0000_0000_0000 | ((i as u64 + 1) * 0x0101_0101))
}

/// What A found after it resumed: xmm, then MXCSR.
static A_AFTER: [AtomicU64; 33] = [const { AtomicU64::new(0) }; 33];
/// What the fresh EC of this PD found: xmm, MXCSR, FCW.
static C_FOUND: [AtomicU64; 34] = [const { AtomicU64::new(0) }; 34];

/// EC A: pattern in, `ready` up, wait on `go`, pattern out.
fn ec_a(_: &mut Utcb, arg: u64) {
    let (ready, go) = (Sm(arg >> 20), Sm(arg & 0xf_ffff));
    load_xmm(&pattern());
    set_mxcsr(MXCSR_A);
    let _ = ready.up();
    let _ = go.down();
    let mut x = [0; 32];
    store_xmm(&mut x);
    let (mxcsr, _) = control_words();
    for (a, v) in A_AFTER.iter().zip(x.iter().chain([mxcsr].iter())) {
        a.store(*v, SeqCst);
    }
}

/// Stores the xmm registers and the control words into `out`.
fn probe_into(out: &[AtomicU64]) {
    let mut x = [0; 32];
    store_xmm(&mut x);
    let (mxcsr, fcw) = control_words();
    for (o, v) in out.iter().zip(x.iter().chain([mxcsr, fcw].iter())) {
        o.store(*v, SeqCst);
    }
}

/// A fresh EC of this PD.
fn ec_c(_: &mut Utcb, _: u64) {
    probe_into(&C_FOUND);
}

/// A fresh EC in the other PD: words 2.. of its data page.
extern "C" fn ec_b(utcb: u64) -> ! {
    // SAFETY: `ec_b` is only entered by the EC `isolated` makes with
    // `Other::ec`, which passes its UTCB address.
    let w = unsafe { remote_words(utcb) };
    probe_into(&w[2..36]);
    remote_finish(w)
}

/// `found` (xmm, MXCSR, FCW) is the initial state.
fn initial(who: &str, found: &[AtomicU64]) -> TResult {
    let pat = pattern();
    for (i, f) in found[..32].iter().enumerate() {
        let v = f.load(SeqCst);
        if v != 0 {
            let leak = if pat.contains(&v) {
                " (A's pattern!)"
            } else {
                ""
            };
            let line = Line::new().str(who).str(": xmm").dec(i as u64 / 2);
            let line = line.str(if i % 2 == 0 { " low" } else { " high" });
            return Err(Fail::from(line.str(" is ").hex(v).str(leak)));
        }
    }
    eq("MXCSR of a fresh EC", found[32].load(SeqCst), MXCSR_INIT)?;
    eq(
        "x87 control word of a fresh EC",
        found[33].load(SeqCst),
        FCW_INIT,
    )
}

fn isolated(ctx: &mut Ctx) -> TResult {
    let (ready, go, b_done) = (ctx.sm(0)?, ctx.sm(0)?, ctx.sm(0)?);
    A_AFTER
        .iter()
        .chain(C_FOUND.iter())
        .for_each(|a| a.store(u64::MAX, SeqCst));
    let mut other = Other::new(ctx)?;
    let a = ctx.thread(0, 40, 0, ec_a, (ready.0 << 20) | go.0)?;
    ok("A loaded its pattern", ready.down_until(ctx.deadline(500)))?;
    // A waits now, its registers still live on CPU 0.
    let b = other.ec(ctx, 0, ec_b as *const () as u64, true, b_done)?;
    b.words[2..36]
        .iter()
        .for_each(|w| w.store(u64::MAX, SeqCst));
    kit::start(ctx, b.ec, 40, 10_000)?;
    ok("B (other PD) ran", b_done.down_until(ctx.deadline(500)))?;
    initial("EC of another PD", &b.words[2..36])?;
    let c = ctx.thread(0, 40, 0, ec_c, 0)?;
    ctx.join(&c, 500)?;
    initial("fresh EC of A's PD", &C_FOUND)?;
    ok("let A go on", go.up())?;
    ctx.join(&a, 500)?;
    for (i, want) in pattern().iter().enumerate() {
        let what = Line::new()
            .str("A's xmm")
            .dec(i as u64 / 2)
            .str(" after B ran");
        let got = A_AFTER[i].load(SeqCst);
        if got != *want {
            return Err(Fail::from(
                what.str(": expected ").hex(*want).str(", got ").hex(got),
            ));
        }
    }
    eq(
        "A's MXCSR after B ran",
        A_AFTER[32].load(SeqCst),
        u64::from(MXCSR_A),
    )?;
    Ok(())
}

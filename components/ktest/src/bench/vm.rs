//! VM-exit benchmarks with the guest `guests/vmbench/guest.S`, which starts
//! in 64-bit mode on identity page tables the VMM builds.
//!
//! - `vm_exit_cpuid`: the median TSC cycles of one CPUID in the guest, an
//!   exit delivered to ktest's handler and its answer, as the guest
//!   measures it with `rdtsc` around each CPUID (1000 after 100 to warm
//!   up). The portal's MTD is `RIP` alone and its entry a stub that adds
//!   `inst_len` to `rip` and replies, like the IPC benchmark's server.
//!   `vm_exit_cpuid_min` is the smallest of the 1000.
//! - `vm_bounce_min`, `vm_bounce_median`: exits the hypervisor handles on
//!   its own. The guest reads the TSC in a tight loop on a vCPU with a
//!   100 µs quantum; every gap far above the loop's own time is the CPU
//!   leaving the guest for the host timer and coming back, unseen by the
//!   VMM. The smallest and the median gap, in TSC cycles.

use crate::check::{ok, Fail};
use crate::ctx::Ctx;
use crate::tests::kit;
use crate::tests::vm_kit::{self, all_exits, long_mode_state, Vm};
use crate::thread::Reply;
use abi::cap::rights::mem;
use abi::vcpu::{io, mtd, word, Exit};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Mtd, Sm, Status};
use user_rt::{Line, Utcb};

core::arch::global_asm!(
    include_str!("../../../../guests/vmbench/guest.S"),
    options(att_syntax)
);

// The CPUID portal's entry: `rdi` (the portal id) is the handler's UTCB;
// skip the instruction and answer with `RIP`, again at every call.
core::arch::global_asm!(
    ".pushsection .text.ktest_vm_cpuid_stub, \"ax\", @progbits",
    ".globl ktest_vm_cpuid_stub",
    "ktest_vm_cpuid_stub:",
    "mov rax, qword ptr [rdi + {inst_len}]",
    "add qword ptr [rdi + {rip}], rax",
    "mov edi, {mtd}",
    "mov eax, {reply}",
    "syscall",
    "ud2",
    ".popsection",
    inst_len = const core::mem::offset_of!(abi::Utcb, words) + 8 * word::INST_LEN,
    rip = const core::mem::offset_of!(abi::Utcb, words) + 8 * word::RIP,
    mtd = const mtd::RIP,
    reply = const abi::Hypercall::Reply as u64,
);

extern "C" {
    fn ktest_vm_cpuid_stub() -> !;
    fn vmbench_guest_start();
    fn vmbench_guest_end();
}

const LOAD: u64 = 0x1000;
const STACK: u64 = 0x9000;
const TABLES: u64 = 0x1_0000;
const CPUID_BUF: u64 = 0x2_0000;
const GAP_BUF: u64 = 0x3_0000;
const GAPS: u64 = 256;
const WARM_UP: u64 = 100;
const ROUNDS: u64 = 1000;
const PORT_CPUID_DONE: u16 = 0xb0;
const PORT_BOUNCE_DONE: u16 = 0xb1;
/// How long the guest looks for gaps.
const BOUNCE_MS: u64 = 200;
const QUANTUM_US: u64 = 100;

/// What the handler saw: the end of the gaps (0: not yet), the loop's own
/// time, an unexpected exit's number plus one.
static GAP_END: AtomicU64 = AtomicU64::new(0);
static LOOP: AtomicU64 = AtomicU64::new(0);
static UNEXPECTED: AtomicU64 = AtomicU64::new(0);
static EVENT: AtomicU64 = AtomicU64::new(0);

/// Every exit but CPUID; `budget` is the bounce time in TSC cycles.
fn on_exit(u: &mut Utcb, id: u64, _words: u64, budget: u64) -> Reply {
    let mut s = u.vcpu_state();
    let port = io::port(s.qual[0]);
    if id == Exit::Startup.event() {
        s = long_mode_state(TABLES, LOAD);
        // Interrupts on, as in a running guest OS (the VMM injects none);
        // Bochs lets host interrupts exit only then (/tmp/vm/kernel-bugs.md).
        s.rflags |= vm_kit::bits::RFLAGS_IF;
        s.gpr[4] = STACK;
        s.gpr[7] = WARM_UP + ROUNDS; // rdi
        s.gpr[6] = CPUID_BUF; // rsi
        s.gpr[2] = GAP_BUF; // rdx
        s.gpr[1] = GAPS; // rcx
        s.gpr[8] = budget;
        u.set_vcpu_state(&s);
        return Reply::State(mtd::ALL & !mtd::QUAL);
    }
    if id == Exit::Io.event() && port == PORT_CPUID_DONE {
        s.rip += s.inst_len;
        u.set_vcpu_state(&s);
        return Reply::State(mtd::RIP);
    }
    if id == Exit::Io.event() && port == PORT_BOUNCE_DONE {
        LOOP.store(s.gpr[0], SeqCst);
        GAP_END.store(s.gpr[9], SeqCst);
    } else {
        UNEXPECTED.store(id + 1, SeqCst);
    }
    let _ = Sm(EVENT.load(SeqCst)).up();
    Reply::Park
}

/// The median and the smallest of `v` (not empty).
fn median_min(mut v: Vec<u64>) -> (u64, u64) {
    v.sort_unstable();
    (v[v.len() / 2], v[0])
}

/// `n` words of guest RAM at `gpa`.
fn guest_words(ram: u64, gpa: u64, n: u64) -> Result<Vec<u64>, Fail> {
    (0..n)
        .map(|i| vm_kit::guest_word(ram, gpa + 8 * i).ok_or(Fail::new("outside guest RAM")))
        .collect()
}

/// Runs the guest; `(name, cycles)` of each result.
pub fn vm_exits(ctx: &mut Ctx) -> Result<Vec<(&'static str, u64)>, Fail> {
    vm_kit::backend(ctx)?;
    for a in [&GAP_END, &LOOP, &UNEXPECTED] {
        a.store(0, SeqCst);
    }
    // The boot CPU: Bochs 2.7 delivers no local-APIC timer interrupt to a
    // second CPU while it runs a guest, so the bounces would never show
    // there (the main EC only waits meanwhile).
    let cpu = 0;
    let ram = vm_kit::guest_ram(ctx)?;
    let (start, end) = (
        vmbench_guest_start as *const () as usize,
        vmbench_guest_end as *const () as usize,
    );
    // SAFETY: the guest's bytes in ktest's read-only image, `end` after
    // `start`.
    let image = unsafe { core::slice::from_raw_parts(start as *const u8, end - start) };
    vm_kit::copy_in(ram, LOAD, image);
    vm_kit::identity_tables(ram, TABLES);
    let vm = Vm::new(ctx)?;
    vm.map(ctx, ram, crate::tests::vm_guest::RAM_ORDER, mem::RWX, 0)?;
    let budget = kit::ms(ctx, BOUNCE_MS);
    let (h, utcb) = ctx.handler_utcb(cpu, on_exit, budget)?;
    let base = vm_kit::portal_block(ctx);
    let cpuid = Exit::Cpuid.event();
    vm_kit::portals_at(ctx, base, h, mtd::ALL, all_exits().filter(|n| *n != cpuid))?;
    let stub = ktest_vm_cpuid_stub as *const () as u64;
    let pt = ok(
        "create_pt(cpuid)",
        sys::create_pt(base + cpuid, h, stub, Mtd(mtd::RIP)),
    )?;
    ok("pt_ctrl", pt.set_id(utcb))?;
    vm.hand_over(ctx, base)?;
    let event = ctx.sm(0)?;
    EVENT.store(event.0, SeqCst);
    let vcpu = vm.vcpu(ctx, cpu)?;
    kit::start(ctx, vcpu, 40, QUANTUM_US)?;
    match event.down_until(ctx.deadline(30_000)) {
        Err(Status::Timeout) => return Err(Fail::new("the guest did not finish in 30 s")),
        r => ok("wait for the guest", r)?,
    }
    let bad = UNEXPECTED.load(SeqCst);
    if bad != 0 {
        let why = Line::new()
            .str("unexpected exit ")
            .bytes(vm_kit::exit_name(bad - 1).as_bytes());
        return Err(Fail::from(why));
    }
    let cpuid = guest_words(ram, CPUID_BUF + 8 * WARM_UP, ROUNDS)?;
    let gaps = GAP_END.load(SeqCst).saturating_sub(GAP_BUF) / 8;
    if gaps == 0 || gaps > GAPS {
        let why = Line::new()
            .str("no gaps in the guest's TSC loop (loop time ")
            .dec(LOOP.load(SeqCst))
            .str(")");
        return Err(Fail::from(why));
    }
    Line::new()
        .str("ktest: bench vm_bounce: ")
        .dec(gaps)
        .str(" gaps in ")
        .dec(BOUNCE_MS)
        .str(" ms at most, the loop alone ")
        .dec(LOOP.load(SeqCst))
        .str(" cycles")
        .print();
    let gaps = guest_words(ram, GAP_BUF, gaps)?;
    let (cpuid_median, cpuid_min) = median_min(cpuid);
    let (gap_median, gap_min) = median_min(gaps);
    Ok(Vec::from([
        ("vm_exit_cpuid", cpuid_median),
        ("vm_exit_cpuid_min", cpuid_min),
        ("vm_bounce_min", gap_min),
        ("vm_bounce_median", gap_median),
    ]))
}

//! Kernel entry and exit at the edge of the user half. A `syscall` in the
//! last two bytes of the user half (0x7fff_ffff_fffe) would return to the
//! non-canonical 0x0000_8000_0000_0000; SYSRET there faults in ring 0 on
//! many CPUs with the user's registers (the SYSRET pitfall), so the
//! hypervisor must kill the EC instead (console: `ec killed: ... return to
//! a non-canonical or kernel address`). Likewise an exception handler that
//! sets such a RIP gets the faulting EC killed. Both times the EC makes no
//! further progress and the machine goes on.

use super::kit::{self, Other};
use crate::check::{eq, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights::mem;
use abi::{Crd, Mtd, ObjType};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Sc, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("entry_syscall_at_top_of_user_half", syscall_at_top),
    ("entry_handler_sets_noncanonical_rip", handler_sets_rip),
];

/// The last page of the user half.
const TOP_PAGE: u64 = 0x0000_7fff_ffff_f000;
/// The first address past the user half.
const NON_CANONICAL: u64 = 0x0000_8000_0000_0000;

// A page of code for the top of the user half: it counts once at `[rsp]`,
// then runs a `syscall` in the page's last two bytes.
core::arch::global_asm!(
    ".pushsection .text.ktest_top_page, \"ax\", @progbits",
    ".balign 4096",
    ".globl ktest_top_page",
    "ktest_top_page:",
    "lock inc qword ptr [rsp]",
    "jmp 2f",
    ".org ktest_top_page + 0xffe, 0xcc",
    "2: syscall",
    ".popsection",
);

extern "C" {
    static ktest_top_page: u8;
}

/// Vector + 1 of the last exception [`record_exception`] saw.
static EXCEPTION: AtomicU64 = AtomicU64::new(0);

/// An exception handler that records the vector and leaves the EC blocked.
fn record_exception(u: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    EXCEPTION.store(u.exc_state().vector + 1, SeqCst);
    Reply::Park
}

/// `ScCtrl` of `sc` is the same over 20 ms.
fn no_progress(ctx: &Ctx, sc: Sc) -> TResult {
    let before = ok("sc_ctrl", sc.consumed())?;
    ctx.sleep(20);
    eq(
        "time consumed by the killed EC",
        ok("sc_ctrl", sc.consumed())?,
        before,
    )
}

fn syscall_at_top(ctx: &mut Ctx) -> TResult {
    let page = core::ptr::addr_of!(ktest_top_page) as u64;
    eq("the code page is page-aligned", page & 0xfff, 0)?;
    let mut other = Other::new(ctx)?;
    other.map(ctx, page, TOP_PAGE, mem::READ | mem::EXEC)?;
    // Its stack pointer is a shared word, which the page counts up.
    let (words, remote) = other.shared(ctx, 1)?;
    let count = &words[0];
    // Every exception of it goes to a handler here: the kernel must stop
    // it before it returns, not let the CPU fault (in ring 3 on AMD, in
    // ring 0 on Intel).
    EXCEPTION.store(0, SeqCst);
    let h = ctx.handler(0, record_exception, 0)?;
    let pt = ctx.portal(h, Mtd::QUAL | Mtd::RIP)?;
    let evt = other.events(ctx, pt.0)?;
    let utcb = ctx.va(4096);
    let spec = sys::EcSpec::global(other.pd, 0, utcb, remote, evt, TOP_PAGE);
    let e = ok("create_ec(top)", sys::create_ec(ctx.sel(), &spec))?;
    let sc = kit::start(ctx, e, 40, 10_000)?;
    that("it ran", ctx.wait_until(500, || count.load(SeqCst) != 0))?;
    no_progress(ctx, sc)?;
    eq("it counted once and no more", count.load(SeqCst), 1)?;
    eq(
        "exceptions it raised (vector + 1)",
        EXCEPTION.load(SeqCst),
        0,
    )?;
    let found = ok("lookup", sys::lookup(ctx.me, Crd::obj(e.0, 0)))?;
    eq(
        "its capability stays",
        found.1.map_or(0, |t| t as u64),
        ObjType::Ec as u64,
    )
}

static STEPS: AtomicU64 = AtomicU64::new(0);
static SEEN: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Counts, raises #UD, counts again.
fn steps(_: &mut Utcb, _: u64) {
    STEPS.fetch_add(1, SeqCst);
    // SAFETY: raises #UD on purpose; the handler either skips the two
    // bytes of `ud2` or gets this EC killed.
    unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    STEPS.fetch_add(1, SeqCst);
}

/// The #UD handler: records vector and RIP, then resumes at `rip` (or past
/// the `ud2` if 0).
fn ud_handler(u: &mut Utcb, _: u64, _: u64, rip: u64) -> Reply {
    let mut s = u.exc_state();
    SEEN[0].store(s.vector, SeqCst);
    SEEN[1].store(s.rip, SeqCst);
    s.rip = if rip == 0 { s.rip + 2 } else { rip };
    u.set_exc_state(&s);
    Reply::State(Mtd::RIP)
}

/// Runs `steps` with a #UD handler that resumes at `rip`; whether it
/// finished within 100 ms, and its SC.
fn run_steps(ctx: &mut Ctx, rip: u64) -> Result<(bool, Sc), crate::check::Fail> {
    STEPS.store(0, SeqCst);
    SEEN.iter().for_each(|s| s.store(0, SeqCst));
    let evt = ctx.sels(32);
    let h = ctx.handler(0, ud_handler, rip)?;
    ctx.portal_at(evt + 6, h, Mtd::RIP | Mtd::QUAL)?;
    let (t, sc) = kit::thread_q(ctx, 0, 40, 10_000, evt, steps, 0)?;
    let finished = t.done.down_until(ctx.deadline(100));
    eq("the handler saw #UD", SEEN[0].load(SeqCst), 6)?;
    Ok((finished == Ok(()), sc))
}

fn handler_sets_rip(ctx: &mut Ctx) -> TResult {
    // Control: skipping the `ud2` lets it finish.
    let (finished, _) = run_steps(ctx, 0)?;
    that("resumed past ud2, it finished", finished)?;
    eq("steps", STEPS.load(SeqCst), 2)?;
    let (finished, sc) = run_steps(ctx, NON_CANONICAL)?;
    that("resumed at 0x8000_0000_0000, it did not finish", !finished)?;
    eq("steps", STEPS.load(SeqCst), 1)?;
    no_progress(ctx, sc)?;
    eq("still no second step", STEPS.load(SeqCst), 1)?;
    status("the machine goes on", st(ctx.me.quota()), Status::Success)
}

//! Two CPUs: an up on CPU 0 wakes a waiter on CPU 1 at once (an IPI, not
//! its next timer); an up from CPU 1 preempts a low-priority spinner on
//! CPU 0; a portal whose handler runs on the other CPU is `BadCpu`; and a
//! revoked page is gone from the other CPU's TLB when `Revoke` returns;
//! `ScCtrl` counts the time of an SC running on the other CPU.
//!
//! Each test is skipped when there is only one CPU.

use super::kit::{self, rdtsc};
use super::sched::{self, H_STATUS, H_WOKE};
use crate::check::{eq, need_cpus, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights::mem;
use abi::Mtd;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Portal, Sm, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("smp_cross_cpu_wakeup", cross_cpu_wakeup),
    ("smp_remote_up_preempts", remote_up_preempts),
    ("smp_portal_on_other_cpu", portal_other_cpu),
    ("smp_tlb_shootdown", tlb_shootdown),
    ("smp_consumed_time_on_other_cpu", consumed_other_cpu),
];

static W: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
const W_READY: usize = 0;
const W_WOKE: usize = 1;
const W_STATUS: usize = 2;

/// Waits on semaphore `arg >> 40` until `arg & (2^40 - 1)` cycles from
/// now; records when and how it woke.
fn waiter(_: &mut Utcb, arg: u64) {
    let (sm, cycles) = (arg >> 40, arg & ((1 << 40) - 1));
    W[W_READY].store(1, SeqCst);
    let got = st(Sm(sm).down_until(rdtsc() + cycles));
    W[W_WOKE].store(rdtsc(), SeqCst);
    W[W_STATUS].store(got as u64 + 1, SeqCst);
}

fn cross_cpu_wakeup(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    let s = ctx.sm(0)?;
    W.iter().for_each(|w| w.store(0, SeqCst));
    // Without an IPI, CPU 1 would sleep until the waiter's deadline.
    let t = ctx.thread(1, 40, 0, waiter, (s.0 << 40) | kit::ms(ctx, 2000))?;
    that(
        "the waiter started",
        ctx.wait_until(200, || W[W_READY].load(SeqCst) == 1),
    )?;
    ctx.sleep(10);
    eq("still waiting (status + 1)", W[W_STATUS].load(SeqCst), 0)?;
    let upped = rdtsc();
    ok("up from CPU 0", s.up())?;
    ctx.join(&t, 3000)?;
    eq(
        "woken by the up (status + 1)",
        W[W_STATUS].load(SeqCst),
        Status::Success as u64 + 1,
    )?;
    sched::prompt(
        ctx,
        "the wake-up on CPU 1",
        W[W_WOKE].load(SeqCst).saturating_sub(upped),
        500,
    )
}

static UPPER: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Spins `cycles`, records when it is done and counts up `UPPER[0]`.
fn upper(_: &mut Utcb, cycles: u64) {
    let end = rdtsc() + cycles;
    while rdtsc() < end {
        core::hint::spin_loop();
    }
    UPPER[1].store(rdtsc(), SeqCst);
    let _ = Sm(UPPER[0].load(SeqCst)).up();
}

fn remote_up_preempts(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    UPPER[1].store(0, SeqCst);
    let h = sched::preemption(ctx, 0, |ctx, sm| {
        UPPER[0].store(sm.0, SeqCst);
        ctx.thread(1, 40, 0, upper, kit::ms(ctx, 20)).map(drop)
    })?;
    eq(
        "the high EC's down (status + 1)",
        h[H_STATUS],
        Status::Success as u64 + 1,
    )?;
    let upped = UPPER[1].load(SeqCst);
    that("the up came from CPU 1", upped != 0)?;
    sched::prompt(
        ctx,
        "the high EC after the up",
        h[H_WOKE].saturating_sub(upped),
        150,
    )
}

static CALLS: AtomicU64 = AtomicU64::new(0);
static CALLED: AtomicU64 = AtomicU64::new(0);

fn count_call(_: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    CALLS.fetch_add(1, SeqCst);
    Reply::Words(0)
}

/// Calls portal `pt` and records the status plus one.
fn caller(u: &mut Utcb, pt: u64) {
    let got = st(Portal(pt).call(u, 0));
    CALLED.store(got as u64 + 1, SeqCst);
}

fn portal_other_cpu(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    CALLS.store(0, SeqCst);
    let on1 = ctx.handler(1, count_call, 0)?;
    let pt1 = ctx.portal(on1, 0)?;
    let utcb = &mut ctx.utcb;
    status(
        "call from CPU 0 to CPU 1",
        st(pt1.call(utcb, 0)),
        Status::BadCpu,
    )?;
    eq("the handler did not run", CALLS.load(SeqCst), 0)?;
    let on0 = ctx.handler(0, count_call, 0)?;
    let pt0 = ctx.portal(on0, 0)?;
    // From CPU 1: its own CPU's handler answers, CPU 0's is refused.
    for (pt, want, calls) in [(pt1, Status::Success, 1), (pt0, Status::BadCpu, 1)] {
        CALLED.store(0, SeqCst);
        let t = ctx.thread(1, 40, 0, caller, pt.0)?;
        ctx.join(&t, 500)?;
        eq(
            "call from CPU 1 (status + 1)",
            CALLED.load(SeqCst),
            want as u64 + 1,
        )?;
        eq("handler calls", CALLS.load(SeqCst), calls)?;
    }
    Ok(())
}

static PF: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// The page-fault handler on CPU 1: records vector, error code and CR2,
/// and never replies, so the faulting EC stays stopped.
fn pf_handler(u: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    let s = u.exc_state();
    PF[1].store(s.error, SeqCst);
    PF[2].store(s.cr2, SeqCst);
    PF[0].store(s.vector, SeqCst);
    Reply::Park
}

/// Increments the word at `at` for good; each increment reads and writes
/// the page in one instruction, so it happens only while the page is
/// still mapped.
fn toucher(_: &mut Utcb, at: u64) {
    loop {
        // SAFETY: `at` is a page of ours mapped read-write for this EC;
        // when it is revoked the access faults and the handler stops us.
        unsafe { core::arch::asm!("lock inc qword ptr [{0}]", in(reg) at, options(nostack)) };
    }
}

fn tlb_shootdown(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    PF.iter().for_each(|p| p.store(0, SeqCst));
    let (page, words) = kit::fresh_page(ctx)?;
    let count = &words[0];
    let at = ctx.va(4096);
    ok(
        "map",
        sys::delegate(ctx.me, ctx.me, Crd::mem(page >> 12, 0, mem::RW), at >> 12),
    )?;
    let evt = ctx.sels(32);
    let h = ctx.handler(1, pf_handler, 0)?;
    ctx.portal_at(evt + 14, h, Mtd::QUAL | Mtd::RIP)?;
    let t = ctx.thread(1, 40, evt, toucher, at)?;
    that(
        "CPU 1 writes the page",
        ctx.wait_until(500, || count.load(SeqCst) > 1000),
    )?;
    that(
        "and keeps writing it",
        ctx.wait_until(500, || count.load(SeqCst) > 2000),
    )?;
    ok(
        "revoke the mapping",
        sys::revoke(ctx.me, Crd::mem(page >> 12, 0, 0), false),
    )?;
    let after = count.load(SeqCst);
    ctx.sleep(20);
    eq(
        "writes after Revoke returned",
        count.load(SeqCst) - after,
        0,
    )?;
    that(
        "CPU 1 faulted",
        ctx.wait_until(500, || PF[0].load(SeqCst) != 0),
    )?;
    eq("vector", PF[0].load(SeqCst), 14)?;
    eq("cr2", PF[2].load(SeqCst), at)?;
    eq("error: not present, write, user", PF[1].load(SeqCst) & 7, 6)?;
    status(
        "the mapping is gone",
        st(sys::lookup(ctx.me, Crd::mem(at >> 12, 0, 0))),
        Status::BadSelector,
    )?;
    eq("the EC stays stopped", count.load(SeqCst) - after, 0)?;
    let _ = t;
    Ok(())
}

static SPIN_STOP: AtomicU64 = AtomicU64::new(0);

fn spin_until_stop(_: &mut Utcb, _: u64) {
    while SPIN_STOP.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
}

fn consumed_other_cpu(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    SPIN_STOP.store(0, SeqCst);
    // A quantum of 1 s: no timer tick on CPU 1 charges it while it runs.
    let (t, sc) = kit::thread_q(ctx, 1, 40, 1_000_000, 0, spin_until_stop, 0)?;
    ctx.sleep(20);
    let (r1, c1) = (rdtsc(), ok("sc_ctrl", sc.consumed())?);
    ctx.sleep(50);
    let (c2, r2) = (ok("sc_ctrl", sc.consumed())?, rdtsc());
    SPIN_STOP.store(1, SeqCst);
    kit::join(ctx, t.done, 500)?;
    let after = ok("sc_ctrl", sc.consumed())?;
    that(
        "its time is counted once it stopped",
        after.saturating_sub(c1) >= (r2 - r1) / 2,
    )?;
    // An SC on another CPU is charged up to now, not as of its last
    // switch or tick (a 1 s quantum has no tick in between).
    that(
        "time grows while it runs on CPU 1",
        2 * (c2 - c1) >= r2 - r1,
    )
}

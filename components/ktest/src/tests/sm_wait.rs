//! Semaphores: counting, `DownZero`, absolute TSC deadlines (past, reached,
//! beaten by an up from another EC), FIFO wake-up order, `Aborted` for the
//! waiters of a destroyed semaphore, and the `UP`/`DOWN` rights.

use super::kit::{self, rdtsc};
use crate::check::{eq, ok, raw, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::sm;
use abi::{Hypercall, SmOp};
use core::sync::atomic::{AtomicU64, Ordering};
use user_rt::sys::{self, req, Crd, Sm, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("sm_up_down_counting", counting),
    ("sm_down_zero_takes_all", down_zero),
    ("sm_deadline_in_the_past", deadline_past),
    ("sm_deadline_reached", deadline_reached),
    ("sm_up_before_deadline", up_before_deadline),
    ("sm_waiters_fifo", fifo),
    ("sm_destroy_aborts_waiters", destroy_aborts),
    ("sm_rights", sm_rights),
];

/// A down that must not wait: the deadline is long past.
fn try_down(s: Sm) -> Status {
    st(s.down_until(1))
}

fn counting(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(2)?;
    status("down 1 of 2", try_down(s), Status::Success)?;
    status("down 2 of 2", try_down(s), Status::Success)?;
    status("down at 0", try_down(s), Status::Timeout)?;
    for _ in 0..3 {
        ok("up", s.up())?;
    }
    for i in 0..3 {
        status(
            if i == 0 { "down after 3 ups" } else { "down" },
            try_down(s),
            Status::Success,
        )?;
    }
    status("4th down after 3 ups", try_down(s), Status::Timeout)?;
    let undefined = sys::raw8(Hypercall::SmCtrl as u64, [s.0, 3, 0, 0, 0, 0, 0, 0]);
    status("undefined operation", raw(undefined), Status::BadParameter)?;
    status("still 0 after it", try_down(s), Status::Timeout)
}

fn down_zero(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(5)?;
    ok("down_zero at 5", s.down_zero())?;
    status("down after down_zero", try_down(s), Status::Timeout)?;
    let dz = |deadline| raw(req::sm_ctrl(s, SmOp::DownZero, deadline).issue());
    status("down_zero at 0, past deadline", dz(1), Status::Timeout)?;
    for _ in 0..3 {
        ok("up", s.up())?;
    }
    status("down_zero at 3", dz(1), Status::Success)?;
    status("down after it", try_down(s), Status::Timeout)?;
    ok("up", s.up())?;
    status("down_zero at 1", dz(0), Status::Success)?;
    status("down after it", try_down(s), Status::Timeout)
}

fn deadline_past(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(0)?;
    let t0 = rdtsc();
    status("deadline 1", try_down(s), Status::Timeout)?;
    status(
        "deadline now - 1",
        st(s.down_until(rdtsc() - 1)),
        Status::Timeout,
    )?;
    let took = rdtsc() - t0;
    // "At once": no waiting for a timer (a margin for emulated CPUs that
    // their host holds up).
    that(
        "past deadlines return at once (< 50 ms)",
        took < kit::ms(ctx, 50),
    )
}

fn deadline_reached(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(0)?;
    let deadline = rdtsc() + kit::ms(ctx, 2);
    status(
        "down with a deadline 2 ms ahead",
        st(s.down_until(deadline)),
        Status::Timeout,
    )?;
    let now = rdtsc();
    that("woken at or after the deadline", now >= deadline)?;
    that(
        "woken within 500 ms of the deadline",
        now - deadline < kit::ms(ctx, 500),
    )?;
    ok("up", s.up())?;
    status(
        "the up counted (nobody waits)",
        try_down(s),
        Status::Success,
    )
}

static UPPER_SM: AtomicU64 = AtomicU64::new(0);
static UPPER_AT: AtomicU64 = AtomicU64::new(0);

/// Waits about 2 ms (busy) and counts up the semaphore of `UPPER_SM`.
fn upper(_: &mut Utcb, delay: u64) {
    let end = rdtsc() + delay;
    while rdtsc() < end {
        core::hint::spin_loop();
    }
    UPPER_AT.store(rdtsc(), Ordering::SeqCst);
    let _ = Sm(UPPER_SM.load(Ordering::SeqCst)).up();
}

fn up_before_deadline(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(0)?;
    UPPER_SM.store(s.0, Ordering::SeqCst);
    UPPER_AT.store(0, Ordering::SeqCst);
    // Lower priority than ours: it runs once we wait.
    let t = ctx.thread(0, 40, 0, upper, kit::ms(ctx, 2))?;
    let deadline = rdtsc() + kit::ms(ctx, 1000);
    status(
        "down woken by an up",
        st(s.down_until(deadline)),
        Status::Success,
    )?;
    let now = rdtsc();
    let up_at = UPPER_AT.load(Ordering::SeqCst);
    that("the other EC counted up first", up_at != 0 && up_at <= now)?;
    that("woken before the deadline", now < deadline)?;
    ctx.join(&t, 100)?;
    status("the up was consumed", try_down(s), Status::Timeout)
}

static FIFO_SM: AtomicU64 = AtomicU64::new(0);
static FIFO_ORDER: AtomicU64 = AtomicU64::new(0);
static FIFO_COUNT: AtomicU64 = AtomicU64::new(0);

/// Waits on `FIFO_SM`, then appends its number to `FIFO_ORDER` (a digit
/// per waiter woken).
fn fifo_waiter(_: &mut Utcb, n: u64) {
    if Sm(FIFO_SM.load(Ordering::SeqCst)).down().is_ok() {
        let i = FIFO_COUNT.fetch_add(1, Ordering::SeqCst);
        FIFO_ORDER.fetch_or(n << (4 * i), Ordering::SeqCst);
    }
}

fn fifo(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(0)?;
    FIFO_SM.store(s.0, Ordering::SeqCst);
    FIFO_ORDER.store(0, Ordering::SeqCst);
    FIFO_COUNT.store(0, Ordering::SeqCst);
    // They wait in the order 1, 2, 3, with priorities that do not follow
    // it: FIFO, not priority, decides who wakes.
    for (n, prio) in [(1, 30), (2, 45), (3, 40)] {
        ctx.thread(0, prio, 0, fifo_waiter, n)?;
        ctx.sleep(2);
        eq("nobody woke yet", FIFO_COUNT.load(Ordering::SeqCst), 0)?;
    }
    let mut want = 0;
    for (i, n) in [1u64, 2, 3].into_iter().enumerate() {
        ok("up", s.up())?;
        want |= n << (4 * i);
        let woke = ctx.wait_until(200, || FIFO_COUNT.load(Ordering::SeqCst) == i as u64 + 1);
        that("one up wakes one waiter", woke)?;
        ctx.sleep(1);
        eq(
            "waiters woken, in order (a digit each)",
            FIFO_ORDER.load(Ordering::SeqCst),
            want,
        )?;
    }
    status("no count left", try_down(s), Status::Timeout)
}

static ABORT_SM: AtomicU64 = AtomicU64::new(0);
static ABORT_GOT: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Waits on `ABORT_SM` (with a far deadline if `which` is 1) and records
/// the status plus one.
fn abort_waiter(_: &mut Utcb, which: u64) {
    let s = Sm(ABORT_SM.load(Ordering::SeqCst));
    let deadline = if which == 1 { rdtsc() + (1 << 40) } else { 0 };
    let got = st(s.down_until(deadline));
    ABORT_GOT[which as usize].store(got as u64 + 1, Ordering::SeqCst);
}

fn destroy_aborts(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(0)?;
    ABORT_SM.store(s.0, Ordering::SeqCst);
    let got = |i: usize| ABORT_GOT[i].load(Ordering::SeqCst);
    ABORT_GOT.iter().for_each(|g| g.store(0, Ordering::SeqCst));
    let a = ctx.thread(0, 40, 0, abort_waiter, 0)?;
    let b = ctx.thread(1 % ctx.cpus, 40, 0, abort_waiter, 1)?;
    ctx.sleep(5);
    that("both wait", got(0) == 0 && got(1) == 0)?;
    ok(
        "destroy the semaphore",
        sys::revoke(ctx.me, Crd::obj(s.0, 0), true),
    )?;
    ctx.join(&a, 200)?;
    ctx.join(&b, 200)?;
    let aborted = Status::Aborted as u64 + 1;
    eq("waiter without deadline (status + 1)", got(0), aborted)?;
    eq("waiter with a deadline (status + 1)", got(1), aborted)?;
    status("the selector is empty", try_down(s), Status::BadSelector)
}

fn sm_rights(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(1)?;
    let up_only = Sm(ctx.copy(s.0, sm::UP)?);
    let down_only = Sm(ctx.copy(s.0, sm::DOWN)?);
    let ctrl_only = Sm(ctx.copy(s.0, sm::CTRL)?);
    status("down without DOWN", try_down(up_only), Status::Denied)?;
    status(
        "down (no deadline) without DOWN",
        st(up_only.down()),
        Status::Denied,
    )?;
    status(
        "down_zero without DOWN",
        st(up_only.down_zero()),
        Status::Denied,
    )?;
    status("down with CTRL only", try_down(ctrl_only), Status::Denied)?;
    status("up without UP", st(down_only.up()), Status::Denied)?;
    status("up with CTRL only", st(ctrl_only.up()), Status::Denied)?;
    // The refusals took nothing: the count is still exactly 1.
    status("down with DOWN", try_down(down_only), Status::Success)?;
    status("count was 1", try_down(s), Status::Timeout)?;
    ok("up with UP", up_only.up())?;
    status("the up counted", try_down(down_only), Status::Success)?;
    let pd = ctx.me.0;
    status("not a semaphore", try_down(Sm(pd)), Status::WrongType)?;
    status(
        "empty selector",
        try_down(Sm(ctx.sel())),
        Status::BadSelector,
    )?;
    let out = Sm(abi::cap::OBJ_SPACE_SELECTORS);
    status("selector out of range", try_down(out), Status::BadSelector)
}

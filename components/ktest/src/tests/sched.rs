//! Scheduling on one CPU: equal priorities share the CPU, a higher
//! priority that becomes runnable preempts at once, `ScCtrl` time grows
//! only while an EC runs, and a short quantum makes equal priorities take
//! turns.
//!
//! The test EC (priority 50) sleeps with timed downs while the ECs under
//! test (lower priorities, CPU 0) run; they talk through statics.

use super::kit::{self, rdtsc};
use crate::check::{eq, ok, st, status, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{Sc, Sm, Status};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[
    ("sched_equal_priorities_share", equal_share),
    ("sched_wake_preempts_lower", preempt_on_wake),
    ("sched_consumed_time", consumed_time),
    ("sched_quantum_round_robin", quantum_round_robin),
];

static STOP: AtomicU64 = AtomicU64::new(0);
static SPIN: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
static SWITCHES: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

fn reset() {
    STOP.store(0, SeqCst);
    for a in SPIN.iter().chain(SWITCHES.iter()) {
        a.store(0, SeqCst);
    }
}

/// Counts `SPIN[i]` up until `STOP`; counts in `SWITCHES[i]` how often it
/// finds that the other spinner ran in between.
fn spinner(_: &mut Utcb, i: u64) {
    let (me, other) = (i as usize, 1 - i as usize);
    let mut last = SPIN[other].load(SeqCst);
    while STOP.load(SeqCst) == 0 {
        SPIN[me].fetch_add(1, SeqCst);
        let o = SPIN[other].load(SeqCst);
        if o != last {
            SWITCHES[me].fetch_add(1, SeqCst);
            last = o;
        }
    }
}

fn counts() -> (u64, u64) {
    (SPIN[0].load(SeqCst), SPIN[1].load(SeqCst))
}

fn equal_share(ctx: &mut Ctx) -> TResult {
    reset();
    let a = ctx.thread(0, 40, 0, spinner, 0)?;
    let b = ctx.thread(0, 40, 0, spinner, 1)?;
    ctx.sleep(50);
    let (a1, b1) = counts();
    ctx.sleep(50);
    let (a2, b2) = counts();
    STOP.store(1, SeqCst);
    ctx.join(&a, 200)?;
    ctx.join(&b, 200)?;
    that("the first EC made progress", a1 > 0)?;
    that("the second EC made progress", b1 > 0)?;
    that("the first EC made progress again", a2 > a1)?;
    that("the second EC made progress again", b2 > b1)
}

static LOW_END: AtomicU64 = AtomicU64::new(0);
/// What the high EC of [`preemption`] records.
static HIGH: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
pub(super) const H_DEADLINE: usize = 0;
pub(super) const H_WOKE: usize = 1;
pub(super) const H_SAW: usize = 2;
pub(super) const H_LOW_END: usize = 3;
/// Its down's status plus one.
pub(super) const H_STATUS: usize = 4;

/// Spins for `cycles` (or until `STOP`) counting `SPIN[0]`, then records
/// when it ended.
fn low(_: &mut Utcb, cycles: u64) {
    let end = rdtsc() + cycles;
    while STOP.load(SeqCst) == 0 && rdtsc() < end {
        SPIN[0].fetch_add(1, SeqCst);
    }
    LOW_END.store(rdtsc(), SeqCst);
}

/// Waits on semaphore `sm` (until a deadline `cycles` ahead, or for good
/// if 0), then records how far the low EC got.
fn high(_: &mut Utcb, arg: u64) {
    let (sm, cycles) = (arg >> 40, arg & ((1 << 40) - 1));
    let deadline = if cycles == 0 { 0 } else { rdtsc() + cycles };
    HIGH[H_DEADLINE].store(deadline, SeqCst);
    let woke = st(Sm(sm).down_until(deadline));
    HIGH[H_WOKE].store(rdtsc(), SeqCst);
    HIGH[H_SAW].store(SPIN[0].load(SeqCst), SeqCst);
    HIGH[H_LOW_END].store(LOW_END.load(SeqCst), SeqCst);
    HIGH[H_STATUS].store(woke as u64 + 1, SeqCst);
}

/// On CPU 0, a spinner at priority 20 runs for 300 ms on a quantum of 1 s,
/// and an EC at priority 30 waits on a semaphore (until `wait_ms` from its
/// start, or for good if 0); `wake` is then called with that semaphore.
/// Once the high EC has run: what it recorded (`HIGH[H_*]`), and that the
/// low one went on afterwards. Only a preemption lets the high EC in
/// before the low one is done.
pub(super) fn preemption(
    ctx: &mut Ctx,
    wait_ms: u64,
    wake: impl FnOnce(&mut Ctx, Sm) -> TResult,
) -> Result<[u64; 5], Fail> {
    reset();
    LOW_END.store(0, SeqCst);
    HIGH.iter().for_each(|h| h.store(0, SeqCst));
    let sm = ctx.sm(0)?;
    let (lo, _) = kit::thread_q(ctx, 0, 20, 1_000_000, 0, low, kit::ms(ctx, 300))?;
    let arg = (sm.0 << 40) | kit::ms(ctx, wait_ms);
    let (hi, _) = kit::thread_q(ctx, 0, 30, 10_000, 0, high, arg)?;
    wake(ctx, sm)?;
    kit::join(ctx, hi.done, 2000)?;
    let h = core::array::from_fn(|i| HIGH[i].load(SeqCst));
    that("the low EC ran before the high one woke", h[H_SAW] > 0)?;
    that(
        "the high EC ran before the low one finished",
        h[H_LOW_END] == 0,
    )?;
    kit::join(ctx, lo.done, 2000)?;
    that(
        "the low EC went on after the high one",
        SPIN[0].load(SeqCst) > h[H_SAW],
    )?;
    Ok(h)
}

/// `late` cycles must be under `limit` ms. Limits are generous (emulated
/// CPUs may be held up by their host) but far below what the same step
/// takes without the mechanism under test.
pub(super) fn prompt(ctx: &Ctx, what: &str, late: u64, limit: u64) -> TResult {
    if late < kit::ms(ctx, limit) {
        return Ok(());
    }
    let line = Line::new().str(what).str(": ").dec(late / ctx.tsc_khz);
    Err(Fail::from(
        line.str(" ms late (want < ").dec(limit).str(")"),
    ))
}

fn preempt_on_wake(ctx: &mut Ctx) -> TResult {
    // The high EC's deadline (20 ms) ends its wait while the low one runs;
    // without preemption it would run only after the low one's 300 ms.
    let h = preemption(ctx, 20, |_, _| Ok(()))?;
    eq(
        "the high EC's down (status + 1)",
        h[H_STATUS],
        Status::Timeout as u64 + 1,
    )?;
    prompt(
        ctx,
        "the high EC after its deadline",
        h[H_WOKE].saturating_sub(h[H_DEADLINE]),
        150,
    )
}

static CT_PHASE: AtomicU64 = AtomicU64::new(0);

/// Spins until `CT_PHASE` is 1, then sets it to 2 and waits on `sm`.
fn spin_then_block(_: &mut Utcb, sm: u64) {
    while CT_PHASE.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
    CT_PHASE.store(2, SeqCst);
    let _ = Sm(sm).down();
}

/// `ScCtrl` of `sc`, between two TSC reads.
fn consumed(sc: Sc) -> Result<(u64, u64, u64), Fail> {
    let before = rdtsc();
    let c = ok("sc_ctrl", sc.consumed())?;
    Ok((before, c, rdtsc()))
}

fn consumed_time(ctx: &mut Ctx) -> TResult {
    CT_PHASE.store(0, SeqCst);
    let s = ctx.sm(0)?;
    let t = ctx.thread(0, 40, 0, spin_then_block, s.0)?;
    ctx.sleep(5);
    let (r1, c1, _) = consumed(t.sc)?;
    ctx.sleep(20);
    let (_, c2, r2) = consumed(t.sc)?;
    that("time grows while the EC runs", c2 > c1)?;
    that("no more than the time that passed", c2 - c1 <= r2 - r1)?;
    that(
        "at least half of it (nothing else runs)",
        2 * (c2 - c1) >= r2 - r1,
    )?;
    CT_PHASE.store(1, SeqCst);
    ctx.sleep(5);
    eq("the EC got to its down", CT_PHASE.load(SeqCst), 2)?;
    let (_, c3, _) = consumed(t.sc)?;
    ctx.sleep(20);
    let (_, c4, _) = consumed(t.sc)?;
    eq("time stays put while blocked", c4, c3)?;
    ok("up", s.up())?;
    ctx.join(&t, 200)?;
    let no_ctrl = Sc(ctx.copy(t.sc.0, 0x2)?);
    status(
        "sc_ctrl without CTRL",
        st(no_ctrl.consumed()),
        Status::Denied,
    )?;
    status(
        "sc_ctrl of a semaphore",
        st(Sc(s.0).consumed()),
        Status::WrongType,
    )?;
    status(
        "sc_ctrl of an empty selector",
        st(Sc(ctx.sel()).consumed()),
        Status::BadSelector,
    )
}

/// Two spinners of one priority with `quantum_us` for `ms`: how often
/// each found that the other had run.
fn take_turns(ctx: &mut Ctx, quantum_us: u64, ms: u64) -> Result<(u64, u64), Fail> {
    reset();
    let (a, _) = kit::thread_q(ctx, 0, 40, quantum_us, 0, spinner, 0)?;
    let (b, _) = kit::thread_q(ctx, 0, 40, quantum_us, 0, spinner, 1)?;
    ctx.sleep(ms);
    let turns = (SWITCHES[0].load(SeqCst), SWITCHES[1].load(SeqCst));
    STOP.store(1, SeqCst);
    kit::join(ctx, a.done, 500)?;
    kit::join(ctx, b.done, 500)?;
    Ok(turns)
}

fn quantum_round_robin(ctx: &mut Ctx) -> TResult {
    // 100 ms of 1 ms quanta: about 50 turns each.
    let (a, b) = take_turns(ctx, 1_000, 100)?;
    let (ran_a, ran_b) = counts();
    that("both spinners ran", ran_a > 0 && ran_b > 0)?;
    if a < 6 || b < 6 {
        return Err(Fail::from(
            Line::new()
                .str("1 ms quanta, 100 ms: turns ")
                .dec(a)
                .str(" and ")
                .dec(b)
                .str(" (want >= 6 each)"),
        ));
    }
    // The same with 500 ms quanta: the first runs all the time, at most one
    // turn each.
    let (a, b) = take_turns(ctx, 500_000, 100)?;
    if a > 1 || b > 1 {
        return Err(Fail::from(
            Line::new()
                .str("500 ms quanta, 100 ms: turns ")
                .dec(a)
                .str(" and ")
                .dec(b)
                .str(" (want <= 1 each)"),
        ));
    }
    Ok(())
}

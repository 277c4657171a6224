//! Who a busy handler serves next, and on whose scheduling context: callers
//! that find the handler busy are served in the order they called, not by
//! priority; the handler runs on the caller's SC, so the time it spends is
//! charged to the caller's SC and it runs at the caller's priority (a
//! low-priority spinner on the same CPU does not run during the call).

use super::calls::{self, arg, caller, finish, queued, replied, TRACE};
use super::kit::{self, rdtsc};
use super::sched;
use crate::check::{eq, ok, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{Portal, Sc, Sm, Status};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[
    ("ipc_busy_handler_serves_in_fifo_order", fifo),
    ("ipc_handler_time_charged_to_callers_sc", donated_time),
    ("ipc_handler_runs_at_callers_priority", donated_priority),
];

/// Reply word 0 is the tag with this mixed in.
const MARK: u64 = 0x5e_0000;
/// The tag of the call that keeps the handler busy.
const FIRST: u64 = 0xf1;

/// Traces the tag; the first call waits on semaphore `gate`. Replies the
/// marked tag and its place in the trace.
fn gatekeeper(u: &mut Utcb, _: u64, _: u64, gate: u64) -> Reply {
    let tag = u.words()[0];
    TRACE.push(tag);
    if tag == FIRST {
        let _ = Sm(gate).down();
    }
    u.words_mut()[0] = tag ^ MARK;
    u.words_mut()[1] = TRACE.len();
    Reply::Words(2)
}

fn fifo(ctx: &mut Ctx) -> TResult {
    calls::reset();
    let gate = ctx.sm(0)?;
    let h = ctx.handler(0, gatekeeper, gate.0)?;
    let p = ctx.portal(h, 0)?;
    let mut threads = Vec::new();
    threads.push(ctx.thread(0, 40, 0, caller, arg(0, p, FIRST))?);
    that(
        "the first call holds the handler",
        ctx.wait_until(1000, || TRACE.len() == 1),
    )?;
    // They call in the order 1, 2, 3 with priorities that do not follow it.
    for (slot, prio) in [(1, 30), (2, 45), (3, 40)] {
        let t = ctx.thread(0, prio, 0, caller, arg(slot, p, slot as u64))?;
        queued(ctx, slot, &t, "a caller")?;
        threads.push(t);
        eq("the handler is still busy", TRACE.len(), 1)?;
    }
    ok("release the first call", gate.up())?;
    for t in &threads {
        finish(ctx, t, "a caller")?;
    }
    TRACE.expect("served, in order", &[FIRST, 1, 2, 3])?;
    replied("the first caller's reply", 0, FIRST ^ MARK, 1)?;
    for slot in 1..4 {
        replied(
            "a queued caller's reply",
            slot,
            slot as u64 ^ MARK,
            slot as u64 + 1,
        )?;
    }
    Ok(())
}

/// Shared with the donation tests' ECs.
static D: [AtomicU64; 12] = [const { AtomicU64::new(0) }; 12];
/// Inputs: the portal, the semaphore the caller waits on first, its SC.
const PT: usize = 0;
const GO: usize = 1;
const SC: usize = 2;
/// Outputs: SC time before and after the call, TSC before and after, the
/// spinner's count before and after, the handler's spin start and end, the
/// call's status plus one.
const C0: usize = 3;
const C1: usize = 4;
const T0: usize = 5;
const T1: usize = 6;
const S0: usize = 7;
const S1: usize = 8;
const H0: usize = 9;
const H1: usize = 10;
const ST: usize = 11;
/// The low-priority spinner's count, and its stop flag.
static SPINS: AtomicU64 = AtomicU64::new(0);
static STOP: AtomicU64 = AtomicU64::new(0);

/// Spins `cycles` in user mode, recording when it started and ended.
fn spin_handler(_: &mut Utcb, _: u64, _: u64, cycles: u64) -> Reply {
    let start = rdtsc();
    D[H0].store(start, SeqCst);
    while rdtsc() - start < cycles {
        core::hint::spin_loop();
    }
    D[H1].store(rdtsc(), SeqCst);
    Reply::Words(0)
}

/// Waits for `GO`, then calls `PT` once, recording its SC's time, the TSC
/// and the spinner's count around the call.
fn timed_caller(u: &mut Utcb, _: u64) {
    let _ = Sm(D[GO].load(SeqCst)).down();
    let sc = Sc(D[SC].load(SeqCst));
    D[C0].store(sc.consumed().unwrap_or(u64::MAX), SeqCst);
    D[S0].store(SPINS.load(SeqCst), SeqCst);
    D[T0].store(rdtsc(), SeqCst);
    let got = Portal(D[PT].load(SeqCst)).call(u, 0);
    D[T1].store(rdtsc(), SeqCst);
    D[S1].store(SPINS.load(SeqCst), SeqCst);
    D[C1].store(sc.consumed().unwrap_or(0), SeqCst);
    let status = got.map_or_else(|e| e, |_| Status::Success);
    D[ST].store(status as u64 + 1, SeqCst);
}

/// Counts `SPINS` up until `STOP`.
fn spinner(_: &mut Utcb, _: u64) {
    while STOP.load(SeqCst) == 0 {
        SPINS.fetch_add(1, SeqCst);
    }
}

/// On the last CPU: a handler that spins `ms`, and a caller at priority
/// 40 waiting to call it; the caller is released once `before` has run,
/// and its call must succeed within 3 s. What it saw is in `D`.
fn timed_call(ctx: &mut Ctx, ms: u64, before: impl FnOnce(&mut Ctx) -> TResult) -> TResult {
    D.iter().for_each(|d| d.store(0, SeqCst));
    let cpu = ctx.cpus - 1;
    let h = ctx.handler(cpu, spin_handler, kit::ms(ctx, ms))?;
    D[PT].store(ctx.portal(h, 0)?.0, SeqCst);
    let go = ctx.sm(0)?;
    D[GO].store(go.0, SeqCst);
    let t = kit::parked(ctx, cpu, 0, timed_caller, 0)?;
    D[SC].store(kit::start(ctx, t.ec, 40, 10_000)?.0, SeqCst);
    before(ctx)?;
    ok("release the caller", go.up())?;
    kit::join(ctx, t.done, 3000).map_err(|_| Fail::new("the call did not return within 3 s"))?;
    eq(
        "the call (status + 1)",
        D[ST].load(SeqCst),
        Status::Success as u64 + 1,
    )
}

/// Word `i` of `D`.
fn d(i: usize) -> u64 {
    D[i].load(SeqCst)
}

/// `what` took `got` cycles, not at least `want` (in µs).
fn short(ctx: &Ctx, what: &str, got: u64, want: u64) -> Fail {
    let us = |c: u64| c * 1000 / ctx.tsc_khz;
    let line = Line::new()
        .str(what)
        .str(": ")
        .dec(us(got))
        .str(" us, want >= ");
    Fail::from(line.dec(us(want)).str(" us"))
}

fn donated_time(ctx: &mut Ctx) -> TResult {
    timed_call(ctx, 10, |_| Ok(()))?;
    let spun = d(H1) - d(H0);
    that("the handler spun 10 ms", spun >= kit::ms(ctx, 10))?;
    that(
        "the handler spun within the call",
        d(T0) <= d(H0) && d(H1) <= d(T1),
    )?;
    let charged = d(C1).saturating_sub(d(C0));
    // All of the spin runs on the caller's SC; allow a tenth for charging
    // that lags behind the TSC.
    if charged < spun - spun / 10 {
        return Err(short(ctx, "the caller's SC was charged", charged, spun));
    }
    that(
        "no more than the time that passed",
        charged <= d(T1) - d(T0) + kit::ms(ctx, 1),
    )
}

fn donated_priority(ctx: &mut Ctx) -> TResult {
    SPINS.store(0, SeqCst);
    STOP.store(0, SeqCst);
    let cpu = ctx.cpus - 1;
    let result = timed_call(ctx, 10, |ctx| {
        // A quantum of 1 s: it runs until something of higher priority
        // does, and never yields on its own.
        kit::thread_q(ctx, cpu, 20, 1_000_000, 0, spinner, 0)?;
        that(
            "the spinner runs",
            ctx.wait_until(1000, || SPINS.load(SeqCst) > 1000),
        )
    });
    STOP.store(1, SeqCst);
    result?;
    eq(
        "spinner steps during the call (it must not run)",
        d(S1) - d(S0),
        0,
    )?;
    sched::prompt(
        ctx,
        "the call beyond the handler's 10 ms",
        (d(T1) - d(T0)).saturating_sub(kit::ms(ctx, 10)),
        50,
    )
}

//! A handler whose caller is destroyed in the middle of a call is reset:
//! whatever it was doing for the dead caller is void, and it serves its
//! next queued caller afresh (portal entry, that caller's words), who gets
//! its own reply. The handler may have been blocked on a busy handler of
//! its own (its call there must be dropped, never delivered later), on a
//! semaphore with or without a deadline (neither an up nor the deadline may
//! wake it in the middle of the next call), or running in user mode on
//! another CPU than the one destroying the caller.
//!
//! Tags: the dead caller C, the next caller X, others Y and W; trace
//! entries are the tag plus [`AT_H`] or [`AT_H2`] for the handler entered.

use super::calls::{self, arg, blocked, caller, finish, pending, queued, replied, SEND, TRACE};
use super::kit::{self, rdtsc};
use crate::check::{eq, need_cpus, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Ec, Portal, Sm, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("ipc_reset_handler_queued_on_busy_handler", queued_on_busy),
    ("ipc_reset_handler_waiting_on_semaphore", waiting_on_sm),
    (
        "ipc_reset_handler_waiting_with_deadline",
        waiting_with_deadline,
    ),
    ("smp_reset_handler_running_on_other_cpu", running_elsewhere),
];

const C: u64 = 0xc;
const X: u64 = 0xe;
const Y: u64 = 0xa;
const AT_H: u64 = 0x100;
const AT_H2: u64 = 0x200;
/// What each handler mixes into reply word 0.
const MIX_H: u64 = 0x11_0000;
const MIX_H2: u64 = 0x22_0000;

/// Destroys the caller thread `ec`.
fn destroy(ctx: &Ctx, ec: Ec) -> TResult {
    ok(
        "destroy the caller",
        sys::revoke(ctx.me, Crd::obj(ec.0, 0), true),
    )
}

/// H2: traces the tag; for Y it waits on semaphore `gate` first.
fn h2(u: &mut Utcb, _: u64, _: u64, gate: u64) -> Reply {
    let tag = u.words()[0];
    TRACE.push(AT_H2 | tag);
    if tag == Y {
        let _ = Sm(gate).down();
    }
    u.words_mut()[0] = tag ^ MIX_H2;
    Reply::Words(1)
}

/// H: traces the tag; passes it on to H2 (portal `p2`) if word 1 says so.
/// Replies H2's word (or the tag) mixed, and the tag.
fn h_calls_h2(u: &mut Utcb, _: u64, _: u64, p2: u64) -> Reply {
    let (tag, via_h2) = (u.words()[0], u.words()[1]);
    TRACE.push(AT_H | tag);
    let got = if via_h2 == 0 {
        tag
    } else {
        match Portal(p2).call(u, 1) {
            Ok(_) => u.words()[0],
            Err(e) => e as u64,
        }
    };
    u.words_mut()[0] = got ^ MIX_H;
    u.words_mut()[1] = tag;
    Reply::Words(2)
}

/// A fourth tag, for a call through H and H2 after the reset.
const W: u64 = 0xb;

fn queued_on_busy(ctx: &mut Ctx) -> TResult {
    calls::reset();
    let gate = ctx.sm(0)?;
    let hb = ctx.handler(0, h2, gate.0)?;
    let p2 = ctx.portal(hb, 0)?;
    let ha = ctx.handler(0, h_calls_h2, p2.0)?;
    let p = ctx.portal(ha, 0)?;
    let y = ctx.thread(0, 40, 0, caller, arg(0, p2, Y))?;
    that("Y holds H2", ctx.wait_until(1000, || TRACE.len() == 1))?;
    SEND[1].store(1, SeqCst);
    let c = ctx.thread(0, 40, 0, caller, arg(1, p, C))?;
    that("C is in H", ctx.wait_until(1000, || TRACE.len() == 2))?;
    // H's call for C to the busy H2 waits in H2's queue.
    blocked(ctx, c.sc, "H's call to H2 for C")?;
    let x = ctx.thread(0, 40, 0, caller, arg(2, p, X))?;
    queued(ctx, 2, &x, "X")?;
    TRACE.expect("before", &[AT_H2 | Y, AT_H | C])?;
    destroy(ctx, c.ec)?;
    // H serves X at once, by itself.
    finish(ctx, &x, "X")?;
    replied("X's reply", 2, X ^ MIX_H, X)?;
    pending("Y waits for H2", 0)?;
    ok("release H2", gate.up())?;
    finish(ctx, &y, "Y")?;
    replied("Y's reply", 0, Y ^ MIX_H2, 0)?;
    // H2 is idle now; C's call to it must not come back from its queue.
    ctx.sleep(5);
    SEND[3].store(1, SeqCst);
    let w = ctx.thread(0, 40, 0, caller, arg(3, p, W))?;
    finish(ctx, &w, "W")?;
    replied("W's reply (through H and H2)", 3, W ^ MIX_H2 ^ MIX_H, W)?;
    TRACE.expect(
        "handler entries",
        &[AT_H2 | Y, AT_H | C, AT_H | X, AT_H | W, AT_H2 | W],
    )
}

/// H: traces the tag; for C it downs semaphore `sms & 0xfffff` until the
/// deadline in word 1 (0: none), for others semaphore `sms >> 20` (no
/// deadline). Replies
/// the mixed tag and the down's status.
fn h_downs(u: &mut Utcb, _: u64, _: u64, sms: u64) -> Reply {
    let (tag, deadline) = (u.words()[0], u.words()[1]);
    TRACE.push(AT_H | tag);
    let got = if tag == C {
        st(Sm(sms & 0xf_ffff).down_until(deadline))
    } else {
        st(Sm(sms >> 20).down())
    };
    u.words_mut()[0] = tag ^ MIX_H;
    u.words_mut()[1] = got as u64;
    Reply::Words(2)
}

/// C's call has H wait on semaphore A, until `deadline_ms` from now or
/// for good if 0; C is destroyed with X queued, whose call has H wait on A
/// as well (with a deadline: the expiry must not end X's wait) or on
/// semaphore B (without: an up of A must not end X's wait). An up of what
/// X's call waits on ends it.
fn sm_reset(ctx: &mut Ctx, deadline_ms: u64) -> TResult {
    calls::reset();
    let a = ctx.sm(0)?;
    let b = if deadline_ms == 0 { ctx.sm(0)? } else { a };
    let h = ctx.handler(0, h_downs, a.0 | b.0 << 20)?;
    let p = ctx.portal(h, 0)?;
    let deadline = if deadline_ms == 0 {
        0
    } else {
        ctx.deadline(deadline_ms)
    };
    SEND[1].store(deadline, SeqCst);
    let c = ctx.thread(0, 40, 0, caller, arg(1, p, C))?;
    that("C is in H", ctx.wait_until(1000, || TRACE.len() == 1))?;
    let x = ctx.thread(0, 40, 0, caller, arg(2, p, X))?;
    queued(ctx, 2, &x, "X")?;
    TRACE.expect("before", &[AT_H | C])?;
    destroy(ctx, c.ec)?;
    that("H took X at once", ctx.wait_until(500, || TRACE.len() == 2))?;
    if a != b {
        ok("up A", a.up())?;
    }
    // Past C's deadline too.
    let until = deadline.max(rdtsc()) + kit::ms(ctx, 20);
    ctx.wait_until(1000, || rdtsc() > until);
    pending("X's call still waits", 2)?;
    if a != b {
        status(
            "the up of A was counted",
            st(a.down_until(1)),
            Status::Success,
        )?;
    }
    ok("up what X's call waits on", b.up())?;
    finish(ctx, &x, "X")?;
    replied("X's reply (status 0: its down succeeded)", 2, X ^ MIX_H, 0)?;
    TRACE.expect("handler entries", &[AT_H | C, AT_H | X])?;
    status(
        "the up went to X's call",
        st(b.down_until(1)),
        Status::Timeout,
    )
}

fn waiting_on_sm(ctx: &mut Ctx) -> TResult {
    sm_reset(ctx, 0)
}

fn waiting_with_deadline(ctx: &mut Ctx) -> TResult {
    sm_reset(ctx, 30)
}

static INVOCATIONS: AtomicU64 = AtomicU64::new(0);
static SECOND_TAG: AtomicU64 = AtomicU64::new(0);
static SPINS: AtomicU64 = AtomicU64::new(0);
static RELEASE: AtomicU64 = AtomicU64::new(0);

/// Counts its invocations, then spins in user mode until `RELEASE`;
/// replies the mixed tag and which invocation it was.
fn busy(u: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    let n = INVOCATIONS.fetch_add(1, SeqCst) + 1;
    let tag = u.words()[0];
    if n == 2 {
        SECOND_TAG.store(tag, SeqCst);
    }
    while RELEASE.load(SeqCst) == 0 {
        SPINS.fetch_add(1, SeqCst);
    }
    u.words_mut()[0] = tag ^ MIX_H;
    u.words_mut()[1] = n;
    Reply::Words(2)
}

fn running_elsewhere(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    calls::reset();
    for a in [&INVOCATIONS, &SECOND_TAG, &SPINS, &RELEASE] {
        a.store(0, SeqCst);
    }
    let h = ctx.handler(1, busy, 0)?;
    let p = ctx.portal(h, 0)?;
    let c = ctx.thread(1, 30, 0, caller, arg(1, p, C))?;
    that(
        "H runs for C on CPU 1",
        ctx.wait_until(1000, || SPINS.load(SeqCst) > 1000),
    )?;
    // X preempts H, finds it busy and waits; H spins on for C.
    let x = ctx.thread(1, 40, 0, caller, arg(2, p, X))?;
    queued(ctx, 2, &x, "X")?;
    let spins = SPINS.load(SeqCst);
    that(
        "H spins on after X queued",
        ctx.wait_until(1000, || SPINS.load(SeqCst) > spins + 1000),
    )?;
    eq("invocations before", INVOCATIONS.load(SeqCst), 1)?;
    destroy(ctx, c.ec)?;
    let restarted = ctx.wait_until(1000, || INVOCATIONS.load(SeqCst) >= 2);
    RELEASE.store(1, SeqCst);
    finish(ctx, &x, "X")?;
    replied("X's reply (its tag, a fresh invocation)", 2, X ^ MIX_H, 2)?;
    that("H was entered afresh for X", restarted)?;
    eq("the tag of that invocation", SECOND_TAG.load(SeqCst), X)?;
    eq("invocations", INVOCATIONS.load(SeqCst), 2)
}

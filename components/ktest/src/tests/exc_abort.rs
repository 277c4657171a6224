//! An exception call that cannot be answered any more: the exception
//! handler EC is destroyed while the faulting EC waits for its reply, or
//! while the faulting EC waits in the queue of the busy handler. Its state
//! was never answered, so it must not resume (with a status in `rax`, as a
//! call would): the kernel kills it (console: `ec killed: ... its
//! exception handler went away`). Each faulting EC raises `int3`, a trap:
//! resumed, it would run on and count.

use super::calls::blocked;
use crate::check::{eq, ok, that, Fail, TResult};
use crate::ctx::{Ctx, Thread};
use crate::probe;
use crate::suite::Test;
use crate::thread::Reply;
use abi::{Mtd, ObjType};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Ec, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("exception_handler_destroyed_while_handling", while_handling),
    ("exception_handler_destroyed_while_queued", while_queued),
];

/// Calls the handler took.
static ENTERED: AtomicU64 = AtomicU64::new(0);
/// Per faulting EC: 1 before its `int3`, 2 and more after it.
static STEP: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Takes the exception and never answers.
fn keep(_: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    ENTERED.fetch_add(1, SeqCst);
    Reply::Park
}

/// Counts to 1, raises #BP, and counts on if it is ever resumed.
fn trap(_: &mut Utcb, i: u64) {
    let step = &STEP[i as usize];
    step.store(1, SeqCst);
    probe::bp();
    for _ in 0..1000 {
        step.fetch_add(1, SeqCst);
    }
}

/// A handler for #BP on CPU 0 that keeps what it gets, and `n` ECs that
/// fault into it one after the other; the handler and the ECs.
fn setup(ctx: &mut Ctx, n: usize) -> Result<(Ec, Vec<Thread>), Fail> {
    ENTERED.store(0, SeqCst);
    STEP.iter().for_each(|s| s.store(0, SeqCst));
    let evt = ctx.sels(32);
    let h = ctx.handler(0, keep, 0)?;
    ctx.portal_at(evt + 3, h, Mtd::ALL)?;
    let mut threads = Vec::new();
    for (i, step) in STEP.iter().enumerate().take(n) {
        let t = ctx.thread(0, 40, evt, trap, i as u64)?;
        that(
            "it reached its int3",
            ctx.wait_until(1000, || step.load(SeqCst) == 1),
        )?;
        // In the handler (parked) or in its queue.
        blocked(ctx, t.sc, "a faulting EC")?;
        threads.push(t);
    }
    eq("the handler took one call", ENTERED.load(SeqCst), 1)?;
    Ok((h, threads))
}

/// Destroys the handler; then none of `threads` runs on.
fn destroy_and_check(ctx: &mut Ctx, h: Ec, threads: &[Thread]) -> TResult {
    ok(
        "destroy the handler",
        sys::revoke(ctx.me, Crd::obj(h.0, 0), true),
    )?;
    ctx.sleep(20);
    for (i, t) in threads.iter().enumerate() {
        eq(
            "steps of a faulting EC after its handler went (1: none)",
            STEP[i].load(SeqCst),
            1,
        )?;
        let t0 = ok("sc_ctrl", t.sc.consumed())?;
        ctx.sleep(5);
        let t1 = ok("sc_ctrl", t.sc.consumed())?;
        eq("its SC's time over 5 ms (it no longer runs)", t1 - t0, 0)?;
        let (_, kind) = ok(
            "its capability stays",
            sys::lookup(ctx.me, Crd::obj(t.ec.0, 0)),
        )?;
        eq(
            "still an EC",
            kind.map_or(0, |k| k as u64),
            ObjType::Ec as u64,
        )?;
        let finished = t.done.down_until(ctx.deadline(1));
        that("it did not finish", finished == Err(Status::Timeout))?;
    }
    Ok(())
}

fn while_handling(ctx: &mut Ctx) -> TResult {
    let (h, threads) = setup(ctx, 1)?;
    destroy_and_check(ctx, h, &threads)
}

fn while_queued(ctx: &mut Ctx) -> TResult {
    // The first EC's exception keeps the handler busy; the second waits
    // in its queue.
    let (h, threads) = setup(ctx, 2)?;
    destroy_and_check(ctx, h, &threads)
}

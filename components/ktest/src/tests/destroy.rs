//! Destruction: destroying a PD (revoking its original capability with
//! `SELF`) destroys everything that belongs to it, grandchildren included,
//! empties every capability to its objects held elsewhere, aborts waiters
//! on its semaphores and returns its whole quota; destroying an EC takes
//! its portals and SC with it.

use crate::check::{eq, need_cpus, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::roles::builder;
use crate::roles::server::echo;
use crate::spawn::{spawn, Spawn};
use crate::suite::Test;
use abi::cap::rights::{self, sm};
use abi::ObjType;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::loader::sel;
use user_rt::sys::{self, Crd, Pd, Sm, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("destroy_pd_returns_quota_and_empties_caps", destroy_pd),
    ("destroy_ec_takes_portals_and_sc", destroy_ec),
    ("destroy_running_ec_frees_its_cpu", destroy_running),
];

static GO: AtomicU64 = AtomicU64::new(0);
static ON: AtomicU64 = AtomicU64::new(0);
static STATUS: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);

/// Waits for `GO`, then downs the semaphore at `ON`; records how that
/// ended; again, until `GO` is gone (it must not spin above our priority).
fn waiter(_: &mut Utcb, _: u64) {
    loop {
        if Sm(GO.load(SeqCst)).down().is_err() {
            return;
        }
        let r = st(Sm(ON.load(SeqCst)).down());
        STATUS.store(r as u64, SeqCst);
        DONE.fetch_add(1, SeqCst);
    }
}

fn gone(ctx: &Ctx, what: &str, sel: u64) -> TResult {
    status(
        what,
        st(sys::lookup(ctx.me, Crd::obj(sel, 0))),
        Status::BadSelector,
    )
}

fn destroy_pd(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let go = ctx.sm(0)?;
    let on = ctx.sel();
    GO.store(go.0, SeqCst);
    ON.store(on, SeqCst);
    DONE.store(0, SeqCst);
    ctx.thread(0, 60, 0, waiter, 0)?;
    ctx.warm(32)?;
    // The first round also warms what the second measures exactly.
    for round in 0..2u64 {
        let before = ok("quota", me.quota())?.used;
        let ready = ctx.sm(0)?;
        let spec = Spawn {
            args: "role=builder",
            ..Spawn::default()
        };
        let child = spawn(ctx, &spec, |l| {
            l.grant_cap("ready", ready.0, sm::UP, sel::SELF + 1, ObjType::Sm)
        })?;
        ok("builder ready", ready.down_until(ctx.deadline(2000)))?;
        let (pt, g) = (ctx.sel(), ctx.sel());
        let all = rights::ALL;
        ok(
            "copy its portal",
            sys::delegate(child.pd, me, Crd::obj(builder::PORTAL, all), pt),
        )?;
        ok(
            "copy its semaphore",
            sys::delegate(child.pd, me, Crd::obj(builder::SM, all), on),
        )?;
        ok(
            "copy its child",
            sys::delegate(child.pd, me, Crd::obj(builder::GRANDCHILD, all), g),
        )?;
        ok(
            "its portal works",
            user_rt::sys::Portal(pt).call(&mut ctx.utcb, 0),
        )?;
        let cq = ok("child quota", child.pd.quota())?;
        that("the child has used quota", cq.used > 20)?;
        ok("start waiting on its semaphore", go.up())?;
        ctx.sleep(2);
        eq("waiting", DONE.load(SeqCst), round)?;
        ok("destroy it", sys::revoke(me, Crd::obj(child.pd.0, 0), true))?;
        that(
            "the waiter returned",
            ctx.wait_until(1000, || DONE.load(SeqCst) == round + 1),
        )?;
        let s = Status::from_raw(STATUS.load(SeqCst)).unwrap_or(Status::BadCall);
        status("the waiter's down", s, Status::Aborted)?;
        gone(ctx, "its PD", child.pd.0)?;
        gone(ctx, "its first EC", child.ec.0)?;
        gone(ctx, "its SC", child.sc.0)?;
        gone(ctx, "its portal", pt)?;
        gone(ctx, "its semaphore", on)?;
        gone(ctx, "its child PD", g)?;
        ok(
            "destroy the ready semaphore",
            sys::revoke(me, Crd::obj(ready.0, 0), true),
        )?;
        let after = ok("quota", me.quota())?.used;
        if round == 1 {
            eq("used quota after == before", after, before)?;
        }
    }
    Ok(())
}

static SPINS: AtomicU64 = AtomicU64::new(0);

fn spin(_: &mut Utcb, _: u64) {
    loop {
        SPINS.fetch_add(1, SeqCst);
    }
}

fn destroy_running(ctx: &mut Ctx) -> TResult {
    need_cpus(ctx.cpus, 2)?;
    let t = ctx.thread(1, 40, 0, spin, 0)?;
    that(
        "it spins",
        ctx.wait_until(1000, || SPINS.load(SeqCst) > 1000),
    )?;
    ok(
        "destroy it while it runs",
        sys::revoke(ctx.me, Crd::obj(t.ec.0, 0), true),
    )?;
    let stopped = SPINS.load(SeqCst);
    ctx.sleep(5);
    that("it stopped", SPINS.load(SeqCst) <= stopped + 1)?;
    let next = ctx.thread(1, 30, 0, |_, _| {}, 0)?;
    ctx.join(&next, 500)
}

fn destroy_ec(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let h = ctx.handler(0, echo, 0)?;
    let (p1, p2) = (ctx.portal(h, 0)?, ctx.portal(h, 0)?);
    let child = ctx.child_pd(16)?;
    ok(
        "give a portal away",
        sys::delegate(me, child, Crd::obj(p1.0, rights::ALL), 9),
    )?;
    ok(
        "destroy the handler",
        sys::revoke(me, Crd::obj(h.0, 0), true),
    )?;
    gone(ctx, "portal 1", p1.0)?;
    gone(ctx, "portal 2", p2.0)?;
    let theirs = st(sys::lookup(child, Crd::obj(9, 0)));
    status("the copy given away", theirs, Status::BadSelector)?;
    let t = ctx.thread(0, 60, 0, |_, _| {}, 0)?;
    ctx.join(&t, 1000)?;
    ok(
        "destroy a global EC",
        sys::revoke(me, Crd::obj(t.ec.0, 0), true),
    )?;
    gone(ctx, "its SC", t.sc.0)?;
    let q = ok("quota", Pd(me.0).quota())?;
    that("quota still sane", q.used < q.limit)
}

//! `CreateSc`, `CreatePt` and `CreateSm`: every refusal in the documented
//! order, that a refusal changes nothing, and who pays for a success.

use crate::check::{eq, ok, refused, status, Fail, TResult};
use crate::ctx::Ctx;
use crate::roles::server::echo;
use crate::suite::Test;
use crate::thread;
use abi::cap::rights::{ec, pd};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::{Mtd, MAX_QUANTUM_US, PRIORITIES};
use user_rt::sys::{self, req, Crd, Ec, EcSpec, Pd, Status};

pub const TESTS: &[Test] = &[
    ("create_sc_refusals_and_charge", sc),
    ("create_pt_refusals_and_charge", pt),
    ("create_sm_refusals_and_charge", sm),
];

fn used(p: Pd) -> Result<u64, Fail> {
    ok("quota", p.quota()).map(|q| q.used)
}

/// A child PD with one EC (local or global) and exactly no quota left.
fn full_pd_with_ec(ctx: &mut Ctx, global: bool) -> Result<(Pd, Ec), Fail> {
    let p = ctx.child_pd(7)?;
    let spec = EcSpec {
        global,
        ..EcSpec::local(p, 0, 0x10_0000, 0x1000, 0)
    };
    let e = ok("EC in the full PD", sys::create_ec(ctx.sel(), &spec))?;
    eq("the PD is full", used(p)?, 7)?;
    Ok((p, e))
}

fn cs(dst: u64, ec: u64, prio: u64, quantum: u64) -> Status {
    let mut r = req::create_sc(dst, Ec(ec), 0, 0);
    r.args[2] = prio;
    r.args[3] = quantum;
    r.issue().status()
}

fn sc(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let (dst, empty) = (ctx.sel(), ctx.sel());
    let idle = ctx.idle_thread(0)?;
    let local = ctx.handler(0, echo, 0)?;
    let no_bind = ctx.copy(idle.0, ec::CTRL | ec::BIND_PT)?;
    let s = ctx.sm(0)?;
    let w = [(me, Crd::obj(dst, 0))];
    let q = 1000;
    let cases = [
        (
            "priority too high",
            Status::BadParameter,
            dst,
            idle.0,
            PRIORITIES,
            q,
        ),
        ("quantum 0", Status::BadParameter, dst, idle.0, 1, 0),
        (
            "quantum too long",
            Status::BadParameter,
            dst,
            idle.0,
            1,
            MAX_QUANTUM_US + 1,
        ),
        (
            "bad quantum, bad EC",
            Status::BadParameter,
            dst,
            empty,
            1,
            0,
        ),
        (
            "destination out of range",
            Status::BadSelector,
            OBJ_SPACE_SELECTORS,
            idle.0,
            1,
            q,
        ),
        (
            "EC out of range",
            Status::BadSelector,
            dst,
            OBJ_SPACE_SELECTORS,
            1,
            q,
        ),
        ("EC empty", Status::BadSelector, dst, empty, 1, q),
        ("not an EC", Status::WrongType, dst, s.0, 1, q),
        ("EC without BIND_SC", Status::Denied, dst, no_bind, 1, q),
        ("a local EC", Status::BadParameter, dst, local.0, 1, q),
        ("destination occupied", Status::Occupied, s.0, idle.0, 1, q),
    ];
    for (what, want, at, e, prio, quantum) in cases {
        refused(what, want, &[me], &w, || cs(at, e, prio, quantum))?;
    }
    let t = ctx.thread(0, 1, 0, |_, _| {}, 0)?;
    refused("EC has an SC", Status::Occupied, &[me], &w, || {
        cs(dst, t.ec.0, 1, q)
    })?;
    let (p, full) = full_pd_with_ec(ctx, true)?;
    refused("PD out of quota", Status::OutOfQuota, &[me, p], &w, || {
        cs(dst, full.0, 1, q)
    })?;
    // Success: the SC belongs to (and is paid by) the EC's PD; the extremes
    // of priority and quantum are valid. The EC finds nothing to do and
    // parks.
    let e = ctx.idle_thread(0)?;
    ctx.warm(2)?;
    let at = ctx.sel();
    let before = used(me)?;
    status(
        "valid extremes",
        cs(at, e.0, PRIORITIES - 1, MAX_QUANTUM_US),
        Status::Success,
    )?;
    eq("the SC costs its EC's PD one page", used(me)? - before, 1)?;
    let (crd, _) = ok("lookup", sys::lookup(me, Crd::obj(at, 0)))?;
    eq("SC rights", u64::from(crd.rights()), 1)
}

fn cp(dst: u64, ec: u64, mtd: u64) -> Status {
    let entry = thread::local_entry as *const () as u64;
    req::create_pt(dst, Ec(ec), entry, Mtd(mtd))
        .issue()
        .status()
}

fn pt(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let (dst, empty) = (ctx.sel(), ctx.sel());
    let local = ctx.handler(0, echo, 0)?;
    let global = ctx.idle_thread(0)?;
    let no_bind = ctx.copy(local.0, ec::CTRL | ec::BIND_SC)?;
    let s = ctx.sm(0)?;
    let w = [(me, Crd::obj(dst, 0))];
    let cases = [
        (
            "undefined MTD bit",
            Status::BadParameter,
            dst,
            local.0,
            abi::vcpu::mtd::ALL + 1,
        ),
        (
            "undefined MTD bit, bad EC",
            Status::BadParameter,
            dst,
            empty,
            1 << 40,
        ),
        (
            "destination out of range",
            Status::BadSelector,
            OBJ_SPACE_SELECTORS,
            local.0,
            0,
        ),
        (
            "EC out of range",
            Status::BadSelector,
            dst,
            OBJ_SPACE_SELECTORS,
            0,
        ),
        ("EC empty", Status::BadSelector, dst, empty, 0),
        ("not an EC", Status::WrongType, dst, s.0, 0),
        ("EC without BIND_PT", Status::Denied, dst, no_bind, 0),
        ("a global EC", Status::BadParameter, dst, global.0, 0),
        ("destination occupied", Status::Occupied, s.0, local.0, 0),
    ];
    for (what, want, at, e, mtd) in cases {
        refused(what, want, &[me], &w, || cp(at, e, mtd))?;
    }
    let (p, full) = full_pd_with_ec(ctx, false)?;
    refused("PD out of quota", Status::OutOfQuota, &[me, p], &w, || {
        cp(dst, full.0, 0)
    })?;
    let c = ctx.child_pd(16)?;
    let e = ok(
        "EC",
        sys::create_ec(ctx.sel(), &EcSpec::local(c, 0, 0x10_0000, 0x1000, 0)),
    )?;
    let before = used(c)?;
    status(
        "portal with every MTD bit",
        cp(dst, e.0, Mtd::ALL),
        Status::Success,
    )?;
    eq(
        "the portal costs its EC's PD one page",
        used(c)? - before,
        1,
    )?;
    let (crd, _) = ok("lookup", sys::lookup(me, Crd::obj(dst, 0)))?;
    eq("portal rights", u64::from(crd.rights()), 3)?;
    // A new portal's id is 0 (the echo handler returns it first).
    let p0 = ctx.portal(local, 0)?;
    ok("call", p0.call(&mut ctx.utcb, 0))?;
    eq("initial id", ctx.utcb.words()[0], 0)
}

fn csm(dst: u64, pd: u64, count: u64) -> Status {
    req::create_sm(dst, Pd(pd), count).issue().status()
}

fn sm(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let (dst, empty) = (ctx.sel(), ctx.sel());
    let no_create = ctx.copy(me.0, pd::CTRL)?;
    let s = ctx.sm(0)?;
    let w = [(me, Crd::obj(dst, 0))];
    let cases = [
        (
            "destination out of range",
            Status::BadSelector,
            OBJ_SPACE_SELECTORS,
            me.0,
        ),
        (
            "pd out of range",
            Status::BadSelector,
            dst,
            OBJ_SPACE_SELECTORS,
        ),
        ("pd empty", Status::BadSelector, dst, empty),
        ("not a PD", Status::WrongType, dst, s.0),
        ("pd without CREATE", Status::Denied, dst, no_create),
        ("destination occupied", Status::Occupied, s.0, me.0),
    ];
    for (what, want, at, p) in cases {
        refused(what, want, &[me], &w, || csm(at, p, 0))?;
    }
    let full = ctx.child_pd(1)?;
    refused(
        "PD out of quota",
        Status::OutOfQuota,
        &[me, full],
        &w,
        || csm(dst, full.0, 0),
    )?;
    // The destination's table would be new: the refusal must not keep it.
    let fresh = ctx.fresh_leaf();
    refused(
        "out of quota, fresh destination leaf",
        Status::OutOfQuota,
        &[me, full],
        &[],
        || csm(fresh, full.0, 0),
    )?;
    let c = ctx.child_pd(2)?;
    ctx.warm(2)?;
    let at = ctx.sel();
    let before = used(me)?;
    status("sm of a child", csm(at, c.0, u64::MAX), Status::Success)?;
    eq("paid by the PD named", used(c)?, 2)?;
    eq("the caller pays nothing", used(me)?, before)?;
    let (crd, _) = ok("lookup", sys::lookup(me, Crd::obj(at, 0)))?;
    eq("sm rights", u64::from(crd.rights()), 7)?;
    ok(
        "count u64::MAX: a down succeeds",
        user_rt::sys::Sm(at).down(),
    )
}

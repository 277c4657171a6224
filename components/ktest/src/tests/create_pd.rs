//! `CreatePd`: every refusal in the documented order (each changing
//! nothing, including a destination whose table would be new), and what a
//! success creates and who pays for it.

use crate::check::{eq, ok, refused, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::pd;
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::ObjType;
use user_rt::sys::{self, req, Crd, Pd, Status};

pub const TESTS: &[Test] = &[
    ("create_pd_refusals", pd_refusals),
    ("create_pd_charges_the_parent", pd_success),
];

fn cp(dst: u64, parent: u64, quota: u64) -> Status {
    req::create_pd(dst, Pd(parent), quota).issue().status()
}

/// The capability at `sel` of `pd`, as a look-up to watch.
pub fn obj(pd: Pd, sel: u64) -> (Pd, Crd) {
    (pd, Crd::obj(sel, 0))
}

fn pd_refusals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let s = ctx.sm(0)?;
    let no_create = ctx.copy(me.0, pd::CTRL)?;
    let (dst, empty) = (ctx.sel(), ctx.sel());
    let w = [obj(me, dst)];
    refused("quota 0", Status::BadParameter, &[me], &w, || {
        cp(dst, me.0, 0)
    })?;
    refused(
        "quota 0, bad parent",
        Status::BadParameter,
        &[me],
        &w,
        || cp(dst, OBJ_SPACE_SELECTORS, 0),
    )?;
    refused(
        "destination out of range",
        Status::BadSelector,
        &[me],
        &[],
        || cp(OBJ_SPACE_SELECTORS, me.0, 1),
    )?;
    refused(
        "destination out of range, parent wrong type",
        Status::BadSelector,
        &[me],
        &[],
        || cp(OBJ_SPACE_SELECTORS, s.0, 1),
    )?;
    refused(
        "parent out of range",
        Status::BadSelector,
        &[me],
        &w,
        || cp(dst, OBJ_SPACE_SELECTORS, 1),
    )?;
    refused("parent empty", Status::BadSelector, &[me], &w, || {
        cp(dst, empty, 1)
    })?;
    refused("parent wrong type", Status::WrongType, &[me], &w, || {
        cp(dst, s.0, 1)
    })?;
    refused("parent without CREATE", Status::Denied, &[me], &w, || {
        cp(dst, no_create, 1)
    })?;
    let occupied = [obj(me, s.0)];
    refused(
        "destination occupied",
        Status::Occupied,
        &[me],
        &occupied,
        || cp(s.0, me.0, 1),
    )?;
    let q = ok("quota", me.quota())?;
    refused(
        "more quota than the parent has",
        Status::OutOfQuota,
        &[me],
        &w,
        || cp(dst, me.0, q.limit - q.used),
    )?;
    let small = ctx.child_pd(5)?;
    refused(
        "a parent that cannot pay 1 + 4",
        Status::OutOfQuota,
        &[me, small],
        &w,
        || cp(dst, small.0, 4),
    )?;
    // The destination's table would be new: the refusal must not keep it.
    let fresh = ctx.fresh_leaf();
    refused(
        "out of quota, fresh destination leaf",
        Status::OutOfQuota,
        &[me, small],
        &[],
        || cp(fresh, small.0, 4),
    )
}

fn pd_success(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    ctx.warm(4)?;
    let small = ctx.child_pd(5)?;
    let dst = ctx.sel();
    let before = ok("quota", me.quota())?;
    status(
        "a parent that can pay 1 + 3",
        cp(dst, small.0, 3),
        Status::Success,
    )?;
    let q = ok("parent's quota", small.quota())?;
    eq("parent's use: its PML4, the PD, the quota moved", q.used, 5)?;
    eq(
        "the caller pays nothing",
        ok("quota", me.quota())?.used,
        before.used,
    )?;
    let g = Pd(dst);
    let gq = ok("new PD's quota", g.quota())?;
    eq("new PD's limit", gq.limit, 3)?;
    eq("new PD's use", gq.used, 1)?;
    let (c, kind) = ok("lookup", sys::lookup(me, Crd::obj(dst, 0)))?;
    eq(
        "original rights",
        u64::from(c.rights()),
        u64::from(pd::CTRL | pd::CREATE),
    )?;
    eq("type", kind.map_or(0, |k| k as u64), ObjType::Pd as u64)?;
    for (what, crd) in [
        ("its object space is empty", Crd::obj(0, 0)),
        ("its object space is empty", Crd::obj(1024, 0)),
        ("its memory space is empty", Crd::mem(0x200, 0, 0)),
        ("its I/O space is empty", Crd::io(0x70, 0)),
    ] {
        status(
            what,
            crate::check::st(sys::lookup(g, crd)),
            Status::BadSelector,
        )?;
    }
    ok(
        "destroy the parent",
        sys::revoke(me, Crd::obj(small.0, 0), true),
    )?;
    let gone = crate::check::st(sys::lookup(me, Crd::obj(dst, 0)));
    status("its child went with it", gone, Status::BadSelector)?;
    eq("quota back", ok("quota", me.quota())?.used, before.used - 6)
}

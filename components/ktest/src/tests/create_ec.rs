//! `CreateEc`: every refusal in the documented order (each changing
//! nothing), and what a success charges and maps.

use super::create_pd::obj;
use crate::check::{eq, ok, refused, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{mem, pd};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::ObjType;
use user_rt::start::entry_sp;
use user_rt::sys::{self, req, Crd, EcSpec, Pd, Status};

pub const TESTS: &[Test] = &[
    ("create_ec_refusals", ec_refusals),
    ("create_ec_charges_and_maps_the_utcb", ec_success),
];

/// `CreateEc` with `spec`, and `flags` instead of the spec's if given.
fn ce(dst: u64, spec: &EcSpec, flags: Option<u64>) -> Status {
    let mut r = req::create_ec(dst, spec);
    if let Some(f) = flags {
        r.args[7] = f;
    }
    r.issue().status()
}

fn ec_refusals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let sm = ctx.sm(0)?;
    let no_create = Pd(ctx.copy(me.0, pd::CTRL)?);
    let (dst, empty) = (ctx.sel(), ctx.sel());
    let utcb = ctx.va(4096);
    let (cpus, main_utcb) = (ctx.cpus, ctx.utcb.address());
    let good = EcSpec::local(me, 0, utcb, entry_sp(utcb), 0);
    let w = [obj(me, dst), (me, Crd::mem(utcb >> 12, 0, 0))];
    let with = |f: &dyn Fn(&mut EcSpec)| {
        let mut e = good;
        f(&mut e);
        e
    };
    let cases: [(&str, Status, EcSpec, Option<u64>, u64); 14] = [
        (
            "cpu not online",
            Status::BadCpu,
            with(&|e| e.cpu = cpus),
            None,
            dst,
        ),
        (
            "cpu u32::MAX",
            Status::BadCpu,
            with(&|e| e.cpu = u32::MAX),
            None,
            dst,
        ),
        (
            "utcb misaligned",
            Status::BadParameter,
            with(&|e| e.utcb += 8),
            None,
            dst,
        ),
        (
            "utcb in the kernel half",
            Status::BadParameter,
            with(&|e| e.utcb = !0 << 47),
            None,
            dst,
        ),
        (
            "utcb not canonical",
            Status::BadParameter,
            with(&|e| e.utcb = 1 << 47),
            None,
            dst,
        ),
        ("undefined flag", Status::BadParameter, good, Some(2), dst),
        (
            "destination out of range",
            Status::BadSelector,
            good,
            None,
            OBJ_SPACE_SELECTORS,
        ),
        (
            "pd out of range",
            Status::BadSelector,
            with(&|e| e.pd = Pd(OBJ_SPACE_SELECTORS)),
            None,
            dst,
        ),
        (
            "pd empty",
            Status::BadSelector,
            with(&|e| e.pd = Pd(empty)),
            None,
            dst,
        ),
        (
            "pd wrong type",
            Status::WrongType,
            with(&|e| e.pd = Pd(sm.0)),
            None,
            dst,
        ),
        (
            "pd without CREATE",
            Status::Denied,
            with(&|e| e.pd = no_create),
            None,
            dst,
        ),
        (
            "event base out of range",
            Status::BadSelector,
            with(&|e| e.evt_base = OBJ_SPACE_SELECTORS),
            None,
            dst,
        ),
        ("destination occupied", Status::Occupied, good, None, sm.0),
        (
            "utcb already mapped",
            Status::Occupied,
            with(&|e| e.utcb = main_utcb),
            None,
            dst,
        ),
    ];
    for (what, want, spec, flags, at) in cases {
        refused(what, want, &[me], &w, || ce(at, &spec, flags))?;
    }
    // Argument order: the CPU (rdx) before the UTCB (r8), the PD (rsi)
    // before the event base (r10).
    let both = with(&|e| {
        e.cpu = 1000;
        e.utcb += 8;
    });
    status(
        "bad cpu before bad utcb",
        ce(dst, &both, None),
        Status::BadCpu,
    )?;
    let both = with(&|e| {
        e.pd = Pd(sm.0);
        e.evt_base = OBJ_SPACE_SELECTORS;
    });
    status(
        "pd before event base",
        ce(dst, &both, None),
        Status::WrongType,
    )?;
    let small = ctx.child_pd(5)?;
    let fresh = ctx.fresh_leaf();
    let in_small = EcSpec::local(small, 0, utcb, entry_sp(utcb), 0);
    refused(
        "pd out of quota",
        Status::OutOfQuota,
        &[me, small],
        &[obj(me, fresh)],
        || ce(fresh, &in_small, None),
    )
}

fn ec_success(ctx: &mut Ctx) -> TResult {
    let c = ctx.child_pd(64)?;
    let base = 0x4000_0000u64;
    let used = |c: Pd| ok("quota", c.quota()).map(|q| q.used);
    eq("a new PD uses its PML4", used(c)?, 1)?;
    let local = EcSpec::local(c, 0, base, 0x1000, 0);
    let e1 = ok("local EC", sys::create_ec(ctx.sel(), &local))?;
    eq("EC, UTCB, a node page and 3 page tables", used(c)?, 7)?;
    let (m, _) = ok("utcb mapped", sys::lookup(c, Crd::mem(base >> 12, 0, 0)))?;
    eq("utcb crd", m.0, Crd::mem(base >> 12, 0, mem::RW).0)?;
    let global = EcSpec::global(c, ctx.cpus - 1, base + 0x1000, 0x2000, 7, 0x40_0000);
    let e2 = ok("global EC", sys::create_ec(ctx.sel(), &global))?;
    eq("the next EC: 2 pages", used(c)?, 9)?;
    for e in [e1, e2] {
        let (crd, kind) = ok("lookup", sys::lookup(ctx.me, Crd::obj(e.0, 0)))?;
        eq("type", kind.map_or(0, |k| k as u64), ObjType::Ec as u64)?;
        eq("all EC rights", u64::from(crd.rights()), 7)?;
    }
    ok("destroy one", sys::revoke(ctx.me, Crd::obj(e1.0, 0), true))?;
    eq("its 2 pages return", used(c)?, 7)?;
    let gone = crate::check::st(sys::lookup(c, Crd::mem(base >> 12, 0, 0)));
    status("its UTCB is unmapped", gone, Status::BadSelector)
}

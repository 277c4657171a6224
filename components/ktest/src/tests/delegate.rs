//! `Delegate`: what object, memory and port delegations produce: rights
//! ANDed with the mask, empty selectors skipped, parts of larger
//! capabilities, and who pays (the refusals are in `delegate_refusals`).

use crate::check::{eq, ok, st, status, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{self, io, mem, sm};
use abi::{Hypercall, ObjType, Space};
use user_rt::sys::{self, Crd, Pd, Status};

pub const TESTS: &[Test] = &[
    ("delegate_objects", objects),
    ("delegate_memory", memory),
    ("delegate_ports", ports),
];

/// `Delegate` as raw registers, for arguments the wrappers would not make.
pub fn d(src: u64, dst: u64, crd: Crd, base: u64) -> Status {
    sys::raw8(
        Hypercall::Delegate as u64,
        [src, dst, crd.0, base, 0, 0, 0, 0],
    )
    .status()
}

fn used(p: Pd) -> Result<u64, Fail> {
    ok("quota", p.quota()).map(|q| q.used)
}

fn look(p: Pd, crd: Crd) -> Result<(Crd, u64), Status> {
    sys::lookup(p, crd).map(|(c, k)| (c, k.map_or(0, |k| k as u64)))
}

fn objects(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let c = ctx.child_pd(64)?;
    let b = ctx.sels(4);
    ok("sm at +0", sys::create_sm(b, me, 0))?;
    ok("sm at +2", sys::create_sm(b + 2, me, 0))?;
    let mine = used(me)?;
    eq("a new PD has no object tables", used(c)?, 1)?;
    let range = Crd::new(Space::Obj, b, 2, rights::ALL);
    ok(
        "delegate 4 selectors, 2 filled",
        sys::delegate(me, c, range, 200),
    )?;
    eq(
        "the receiver pays root and leaf table and a node page",
        used(c)?,
        4,
    )?;
    eq("the sender pays nothing", used(me)?, mine)?;
    for (i, present) in [(0, true), (1, false), (2, true), (3, false)] {
        let got = look(c, Crd::obj(200 + i, 0));
        if present {
            let (crd, kind) = ok("lookup delegated", got)?;
            eq("type", kind, ObjType::Sm as u64)?;
            eq("rights", u64::from(crd.rights()), 7)?;
        } else {
            status("empty selectors are skipped", st(got), Status::BadSelector)?;
        }
    }
    ok(
        "delegate with UP only",
        sys::delegate(me, c, Crd::obj(b, sm::UP), 300),
    )?;
    ok(
        "and on, with every right",
        sys::delegate(c, c, Crd::obj(300, rights::ALL), 301),
    )?;
    let (crd, _) = ok("lookup", look(c, Crd::obj(301, 0)))?;
    eq(
        "rights only shrink",
        u64::from(crd.rights()),
        u64::from(sm::UP),
    )?;
    eq("nodes come from the slab page", used(c)?, 4)
}

fn memory(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let c = ctx.child_pd(64)?;
    let src = ctx.block(4)? >> 12;
    ok(
        "16 pages read-only",
        sys::delegate(me, c, Crd::mem(src, 4, mem::READ), 0x400),
    )?;
    let (crd, kind) = ok("lookup", look(c, Crd::mem(0x40f, 0, 0)))?;
    eq(
        "one capability, rights RW & READ",
        crd.0,
        Crd::mem(0x400, 4, mem::READ).0,
    )?;
    eq("no type", kind, 0)?;
    eq("page tables and a node page", used(c)?, 1 + 3 + 1)?;
    ok(
        "a page out of a larger capability",
        sys::delegate(me, c, Crd::mem(src + 3, 0, mem::RWX), 0x800),
    )?;
    let (crd, _) = ok("lookup", look(c, Crd::mem(0x800, 0, 0)))?;
    eq(
        "its own capability, RW (no EXEC to give)",
        crd.0,
        Crd::mem(0x800, 0, mem::RW).0,
    )?;
    // Two source capabilities in one range give two.
    let va = ctx.va(4 << 12).next_multiple_of(2 << 12) >> 12;
    let (p1, p2) = (ctx.pages(1)? >> 12, ctx.pages(1)? >> 12);
    ok("map a", sys::delegate(me, me, Crd::mem(p1, 0, mem::RW), va))?;
    ok(
        "map b",
        sys::delegate(me, me, Crd::mem(p2, 0, mem::RW), va + 1),
    )?;
    ok(
        "both at once",
        sys::delegate(me, c, Crd::mem(va, 1, mem::RW), 0x900),
    )?;
    for p in [0x900, 0x901] {
        let (crd, _) = ok("lookup", look(c, Crd::mem(p, 0, 0)))?;
        eq("each its own", crd.0, Crd::mem(p, 0, mem::RW).0)?;
    }
    // A range whose first page is taken delegates nothing.
    let q = used(c)?;
    let both = Crd::mem(src + 4, 1, mem::RW);
    status(
        "partly occupied",
        d(me.0, c.0, both, 0x800),
        Status::Occupied,
    )?;
    eq("nothing charged", used(c)?, q)?;
    status(
        "nothing delegated",
        st(look(c, Crd::mem(0x801, 0, 0))),
        Status::BadSelector,
    )?;
    ok(
        "revoke our pages",
        sys::revoke(me, Crd::mem(va, 1, 0), true),
    )?;
    status(
        "a derived copy went too",
        st(look(c, Crd::mem(0x900, 0, 0))),
        Status::BadSelector,
    )
}

fn ports(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let c = ctx.child_pd(64)?;
    ok("rtc ports", sys::delegate(me, c, Crd::io(0x70, 1), 0x70))?;
    let (crd, kind) = ok("lookup", look(c, Crd::io(0x71, 0)))?;
    eq("crd", crd.0, Crd::io(0x70, 1).0)?;
    eq("no type", kind, 0)?;
    eq("the I/O bitmap and a node page", used(c)?, 1 + 2 + 1)?;
    let c2 = ctx.child_pd(64)?;
    ok(
        "one of two ports",
        sys::delegate(me, c2, Crd::io(0x71, 0), 0x71),
    )?;
    let (crd, _) = ok("lookup", look(c2, Crd::io(0x71, 0)))?;
    eq("just that port", crd.0, Crd::io(0x71, 0).0)?;
    eq("rights", u64::from(crd.rights()), u64::from(io::ACCESS))?;
    status(
        "not the other",
        st(look(c2, Crd::io(0x70, 0))),
        Status::BadSelector,
    )?;
    ok(
        "revoke from the child",
        sys::revoke(c, Crd::io(0x70, 1), true),
    )?;
    status("gone", st(look(c, Crd::io(0x70, 0))), Status::BadSelector)?;
    ok("still ours", look(me, Crd::io(0x70, 0))).map(drop)
}

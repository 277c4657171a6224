//! `Revoke` (refusals: `revoke_refusals`): revocation takes effect at once: an EC
//! reading revoked memory on another CPU faults on the next access with CR2
//! = that address; a revoked portal copy cannot be called; revocation is
//! recursive across PDs; only revoking an original with `SELF` destroys.

use super::exc::{self, mode, RESULT, SEEN};
use super::ipc::start_server;
use crate::check::{eq, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::probe::{self, MARK};
use crate::roles::server;
use crate::suite::Test;
use abi::cap::rights::{self, mem};
use abi::{Mtd, ObjType};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Pd, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("revoke_memory_faults_at_once", memory_at_once),
    ("revoke_portal_copy", portal),
    ("revoke_is_recursive", recursive),
    ("revoke_self_destroys_only_originals", originals),
];

fn kind(p: Pd, crd: Crd) -> Result<u64, Status> {
    sys::lookup(p, crd).map(|(_, k)| k.map_or(0, |k| k as u64))
}

static READS: AtomicU64 = AtomicU64::new(0);

fn reader(_: &mut Utcb, at: u64) {
    loop {
        let v = probe::read(at);
        if v == MARK | 14 {
            RESULT[0].store(1, SeqCst);
            return;
        }
        RESULT[1].store(v, SeqCst);
        READS.fetch_add(1, SeqCst);
    }
}

fn memory_at_once(ctx: &mut Ctx) -> TResult {
    exc::reset();
    READS.store(0, SeqCst);
    let page = ctx.pages(1)?;
    // SAFETY: a fresh page of our RAM, mapped read-write.
    unsafe { (page as *mut u64).write_volatile(0x5eed) };
    let at = ctx.va(4096);
    ok(
        "map",
        sys::delegate(ctx.me, ctx.me, Crd::mem(page >> 12, 0, mem::RW), at >> 12),
    )?;
    // On the other CPU if there is one: the revocation must reach its TLB.
    let cpu = ctx.cpus - 1;
    let evt = exc::handler(ctx, cpu, mode::RECOVER, Mtd::ALL, &[14])?;
    let t = ctx.thread(cpu, 40, evt, reader, at)?;
    that(
        "reads succeed",
        ctx.wait_until(1000, || READS.load(SeqCst) > 100),
    )?;
    eq("the value", RESULT[1].load(SeqCst), 0x5eed)?;
    ok(
        "revoke",
        sys::revoke(ctx.me, Crd::mem(at >> 12, 0, 0), true),
    )?;
    let after = READS.load(SeqCst);
    ctx.join(&t, 1000)?;
    that(
        "at most a read in flight completes after",
        READS.load(SeqCst) <= after + 1,
    )?;
    eq("faulted", RESULT[0].load(SeqCst), 1)?;
    eq("one fault", SEEN.count.load(SeqCst), 1)?;
    eq("cr2", SEEN.cr2.load(SeqCst), at)?;
    eq("vector", SEEN.vector.load(SeqCst), 14)
}

fn portal(ctx: &mut Ctx) -> TResult {
    let (p, child) = start_server(ctx)?;
    ok("call", p.call(&mut ctx.utcb, 1))?;
    ok(
        "revoke in the server's space",
        sys::revoke(child.pd, Crd::obj(server::PORTAL, 0), false),
    )?;
    status(
        "our copy is gone",
        st(p.call(&mut ctx.utcb, 1)),
        Status::BadSelector,
    )?;
    status(
        "lookup",
        st(sys::lookup(ctx.me, Crd::obj(p.0, 0))),
        Status::BadSelector,
    )?;
    eq(
        "the original stays",
        ok("lookup", kind(child.pd, Crd::obj(server::PORTAL, 0)))?,
        ObjType::Pt as u64,
    )
}

fn recursive(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let (b, c) = (ctx.child_pd(64)?, ctx.child_pd(64)?);
    let s = ctx.sm(0)?;
    let page = ctx.pages(1)? >> 12;
    let all = rights::ALL;
    for round in 0..2 {
        ok("A to B", sys::delegate(me, b, Crd::obj(s.0, all), 10))?;
        ok("B to C", sys::delegate(b, c, Crd::obj(10, all), 20))?;
        ok("C to C", sys::delegate(c, c, Crd::obj(20, all), 21))?;
        ok(
            "A to B: memory",
            sys::delegate(me, b, Crd::mem(page, 0, mem::RW), 0x100),
        )?;
        ok(
            "B to C: memory",
            sys::delegate(b, c, Crd::mem(0x100, 0, mem::RW), 0x200),
        )?;
        let (top, top_mem) = if round == 0 { (me, page) } else { (b, 0x100) };
        let top_sel = if round == 0 { s.0 } else { 10 };
        ok(
            "revoke objects",
            sys::revoke(top, Crd::obj(top_sel, 0), false),
        )?;
        ok(
            "revoke memory",
            sys::revoke(top, Crd::mem(top_mem, 0, 0), false),
        )?;
        for (p, crd) in [
            (c, Crd::obj(20, 0)),
            (c, Crd::obj(21, 0)),
            (c, Crd::mem(0x200, 0, 0)),
        ] {
            status(
                "derived copies in C are gone",
                st(kind(p, crd)),
                Status::BadSelector,
            )?;
        }
        let b_left = if round == 0 {
            Status::BadSelector
        } else {
            Status::Success
        };
        status("B's copy", st(kind(b, Crd::obj(10, 0))), b_left)?;
        status("B's memory", st(kind(b, Crd::mem(0x100, 0, 0))), b_left)?;
        eq(
            "A keeps its own",
            ok("lookup", kind(me, Crd::obj(s.0, 0)))?,
            ObjType::Sm as u64,
        )?;
        ok("A keeps its page", kind(me, Crd::mem(page, 0, 0)))?;
        let _ = sys::revoke(me, Crd::obj(s.0, 0), false);
        let _ = sys::revoke(me, Crd::mem(page, 0, 0), false);
    }
    Ok(())
}

fn originals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let child = ctx.child_pd(8)?;
    ctx.warm(4)?;
    let before = ok("quota", me.quota())?.used;
    let s = ctx.sm(0)?;
    let copy = ctx.copy(s.0, rights::ALL)?;
    ok(
        "revoke the copy with SELF",
        sys::revoke(me, Crd::obj(copy, 0), true),
    )?;
    status(
        "the copy is gone",
        st(kind(me, Crd::obj(copy, 0))),
        Status::BadSelector,
    )?;
    ok("the object is not", s.up())?;
    let copy = ctx.copy(s.0, rights::ALL)?;
    ok(
        "revoke the original without SELF",
        sys::revoke(me, Crd::obj(s.0, 0), false),
    )?;
    status(
        "copies are gone",
        st(kind(me, Crd::obj(copy, 0))),
        Status::BadSelector,
    )?;
    ok("the original stays", s.down())?;
    ok(
        "give the child a copy",
        sys::delegate(me, child, Crd::obj(s.0, rights::ALL), 5),
    )?;
    ok(
        "revoke the original with SELF",
        sys::revoke(me, Crd::obj(s.0, 0), true),
    )?;
    status(
        "destroyed: our selector",
        st(kind(me, Crd::obj(s.0, 0))),
        Status::BadSelector,
    )?;
    status(
        "destroyed: the child's copy",
        st(kind(child, Crd::obj(5, 0))),
        Status::BadSelector,
    )?;
    eq("its page is back", ok("quota", me.quota())?.used, before)
}

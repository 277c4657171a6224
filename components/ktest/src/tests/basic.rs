//! The calls that need no partner: console, machine control, unknown call
//! numbers, quota reads and look-ups of object, memory and port
//! capabilities.

use crate::check::{eq, ok, raw, refused, st, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{mem, pd, sm};
use abi::cap::{MEM_SPACE_PAGES, OBJ_SPACE_SELECTORS};
use abi::{Hypercall, MachineOp, Space, CONSOLE_WRITE_MAX};
use user_rt::sys::{self, req, Crd, ObjType, Pd, Status};

pub const TESTS: &[Test] = &[
    ("console_write", console_write),
    ("machine_control_refusals", machine_control),
    ("unknown_call_numbers", unknown_calls),
    ("pd_quota", pd_quota),
    ("lookup_objects", lookup_objects),
    ("lookup_memory", lookup_memory),
    ("lookup_ports", lookup_ports),
];

fn console_write(ctx: &mut Ctx) -> TResult {
    status("empty write", st(sys::console_write(b"")), Status::Success)?;
    let line = b"ktest: (console write check)\n";
    status(
        "write",
        raw(req::console_write(line).issue()),
        Status::Success,
    )?;
    let big = alloc::vec![b'x'; CONSOLE_WRITE_MAX as usize + 1];
    let c = Hypercall::ConsoleWrite as u64;
    let write = |addr: u64, len: u64| sys::raw(c, addr, len);
    let s = |v: u64| Status::from_raw(v).unwrap_or(Status::BadCall);
    status(
        "too long",
        s(write(big.as_ptr() as u64, big.len() as u64)),
        Status::BadParameter,
    )?;
    let unmapped = ctx.va(4096);
    status("unmapped", s(write(unmapped, 8)), Status::BadMemory)?;
    status(
        "kernel half",
        s(write(0xffff_8000_0000_0000, 8)),
        Status::BadMemory,
    )?;
    status(
        "non-canonical",
        s(write(0x0000_8000_0000_0000 - 4, 8)),
        Status::BadMemory,
    )?;
    status("wrapping", s(write(u64::MAX - 3, 8)), Status::BadMemory)?;
    // A buffer whose tail runs off a mapped page.
    let page = ctx.pages(1)?;
    let at = ctx.va(4096);
    ok(
        "map a page",
        sys::delegate(ctx.me, ctx.me, Crd::mem(page >> 12, 0, mem::RW), at >> 12),
    )?;
    status("mapped", s(write(at, 0)), Status::Success)?;
    status(
        "runs off the page",
        s(write(at + 4090, 10)),
        Status::BadMemory,
    )?;
    ok("unmap", sys::revoke(ctx.me, Crd::mem(at >> 12, 0, 0), true))?;
    status("after unmap", s(write(at, 4)), Status::BadMemory)
}

fn machine_control(ctx: &mut Ctx) -> TResult {
    let sm = ctx.sm(0)?;
    let m = |sel: u64, op: u64| {
        raw(sys::raw8(
            Hypercall::MachineControl as u64,
            [sel, op, 0, 0, 0, 0, 0, 0],
        ))
    };
    status("undefined op", m(ctx.me.0, 7), Status::BadParameter)?;
    status(
        "undefined op, bad sel",
        m(OBJ_SPACE_SELECTORS, 2),
        Status::BadParameter,
    )?;
    let off = MachineOp::PowerOff as u64;
    status(
        "out of range",
        m(OBJ_SPACE_SELECTORS, off),
        Status::BadSelector,
    )?;
    status("empty", m(ctx.sel(), off), Status::BadSelector)?;
    status("wrong type", m(sm.0, off), Status::WrongType)?;
    status("no MACHINE: power off", m(ctx.me.0, off), Status::Denied)?;
    status(
        "no MACHINE: reboot",
        m(ctx.me.0, MachineOp::Reboot as u64),
        Status::Denied,
    )
}

fn unknown_calls(_: &mut Ctx) -> TResult {
    for n in [Hypercall::ALL.len() as u64, 0x100, u64::MAX] {
        status("unknown number", raw(sys::raw8(n, [0; 8])), Status::BadCall)?;
    }
    Ok(())
}

fn pd_quota(ctx: &mut Ctx) -> TResult {
    let q = ok("own quota", ctx.me.quota())?;
    crate::check::that("used below limit", 0 < q.used && q.used < q.limit)?;
    // Only the PD's own charge shows: the selectors are warm.
    ctx.warm(8)?;
    let at = ctx.sel();
    let before = ok("quota", ctx.me.quota())?;
    let child = ok("create_pd", sys::create_pd(at, ctx.me, 10))?;
    let after = ok("quota", ctx.me.quota())?;
    eq("parent pays quota + 1", after.used - before.used, 11)?;
    eq("parent limit unchanged", after.limit, before.limit)?;
    let cq = ok("child quota", child.quota())?;
    eq("child limit", cq.limit, 10)?;
    eq("child used (its PML4)", cq.used, 1)?;
    let sm = ctx.sm(0)?;
    let no_ctrl = Pd(ctx.copy(child.0, pd::CREATE)?);
    let pq = |p: Pd| st(p.quota());
    let me = ctx.me;
    refused("out of range", Status::BadSelector, &[me], &[], || {
        pq(Pd(OBJ_SPACE_SELECTORS))
    })?;
    status("empty", pq(Pd(ctx.sel())), Status::BadSelector)?;
    status("wrong type", pq(Pd(sm.0)), Status::WrongType)?;
    status("without CTRL", pq(no_ctrl), Status::Denied)?;
    ok("destroy sm", sys::revoke(ctx.me, Crd::obj(sm.0, 0), true))?;
    ok("destroy child", sys::revoke(ctx.me, Crd::obj(at, 0), true))?;
    eq(
        "used after destroy",
        ok("quota", ctx.me.quota())?.used,
        before.used,
    )
}

fn lookup_objects(ctx: &mut Ctx) -> TResult {
    let s = ctx.sm(3)?;
    let all = sm::CTRL | sm::UP | sm::DOWN;
    let found = ok("lookup sm", sys::lookup(ctx.me, Crd::obj(s.0, 0)))?;
    eq("sm crd", found.0 .0, Crd::new(Space::Obj, s.0, 0, all).0)?;
    eq(
        "sm type",
        found.1.map_or(0, |t| t as u64),
        ObjType::Sm as u64,
    )?;
    let up = ctx.copy(s.0, sm::UP | 0x10)?;
    let found = ok("lookup copy", sys::lookup(ctx.me, Crd::obj(up, 0)))?;
    eq(
        "copy rights",
        u64::from(found.0.rights()),
        u64::from(sm::UP),
    )?;
    let me = ok("lookup self", sys::lookup(ctx.me, Crd::obj(ctx.me.0, 0)))?;
    eq(
        "self rights",
        u64::from(me.0.rights()),
        u64::from(pd::CTRL | pd::CREATE),
    )?;
    eq(
        "self type",
        me.1.map_or(0, |t| t as u64),
        ObjType::Pd as u64,
    )?;
    let t = ctx.idle_thread(0)?;
    let h = ctx.handler(0, |_, _, _, _| crate::thread::Reply::Words(0), 0)?;
    let pt = ctx.portal(h, 0)?;
    for (sel, kind) in [(t.0, ObjType::Ec), (h.0, ObjType::Ec), (pt.0, ObjType::Pt)] {
        let f = ok("lookup", sys::lookup(ctx.me, Crd::obj(sel, 0)))?;
        eq("type", f.1.map_or(0, |t| t as u64), kind as u64)?;
        eq("order", u64::from(f.0.order()), 0)?;
        eq("base", f.0.base(), sel)?;
    }
    let me = ctx.me;
    let lk = |p: Pd, c: Crd| st(sys::lookup(p, c));
    refused("empty", Status::BadSelector, &[me], &[], || {
        lk(me, Crd::obj(up + 100, 0))
    })?;
    status(
        "out of range",
        lk(me, Crd::obj(OBJ_SPACE_SELECTORS, 0)),
        Status::BadRange,
    )?;
    status("null crd", lk(me, Crd(0)), Status::BadRange)?;
    status(
        "pd out of range",
        lk(Pd(OBJ_SPACE_SELECTORS), Crd::obj(1, 0)),
        Status::BadSelector,
    )?;
    status(
        "pd empty",
        lk(Pd(up + 100), Crd::obj(s.0, 0)),
        Status::BadSelector,
    )?;
    status(
        "pd wrong type",
        lk(Pd(s.0), Crd::obj(s.0, 0)),
        Status::WrongType,
    )?;
    let no_ctrl = Pd(ctx.copy(me.0, pd::CREATE)?);
    status(
        "pd without CTRL",
        lk(no_ctrl, Crd::obj(s.0, 0)),
        Status::Denied,
    )
}

fn lookup_memory(ctx: &mut Ctx) -> TResult {
    let block = ctx.block(4)?;
    let at = ctx.va(32 << 12).next_multiple_of(16 << 12);
    let (src, dst) = (block >> 12, at >> 12);
    ok(
        "map",
        sys::delegate(ctx.me, ctx.me, Crd::mem(src, 4, mem::RWX), dst),
    )?;
    let f = ok("lookup", sys::lookup(ctx.me, Crd::mem(dst + 5, 0, 0)))?;
    eq("crd (rights RW & RWX)", f.0 .0, Crd::mem(dst, 4, mem::RW).0)?;
    eq("no type", f.1.map_or(0, |t| t as u64), 0)?;
    let at2 = ctx.va(4096);
    ok(
        "map read-only",
        sys::delegate(ctx.me, ctx.me, Crd::mem(src + 3, 0, mem::READ), at2 >> 12),
    )?;
    let f = ok("lookup ro", sys::lookup(ctx.me, Crd::mem(at2 >> 12, 0, 0)))?;
    eq("ro crd", f.0 .0, Crd::mem(at2 >> 12, 0, mem::READ).0)?;
    let u = ok(
        "lookup utcb",
        sys::lookup(ctx.me, Crd::mem(ctx.utcb.address() >> 12, 0, 0)),
    )?;
    eq(
        "utcb crd",
        u.0 .0,
        Crd::mem(ctx.utcb.address() >> 12, 0, mem::RW).0,
    )?;
    let lk = |c: Crd| st(sys::lookup(ctx.me, c));
    status(
        "unmapped",
        lk(Crd::mem(dst + 16, 0, 0)),
        Status::BadSelector,
    )?;
    status(
        "outside the space",
        lk(Crd::mem(MEM_SPACE_PAGES, 0, 0)),
        Status::BadRange,
    )?;
    ok("unmap", sys::revoke(ctx.me, Crd::mem(src, 4, 0), false))?;
    status("after revoke", lk(Crd::mem(dst, 0, 0)), Status::BadSelector)?;
    status(
        "ro after revoke",
        lk(Crd::mem(at2 >> 12, 0, 0)),
        Status::BadSelector,
    )
}

fn lookup_ports(ctx: &mut Ctx) -> TResult {
    let lk = |port: u64| sys::lookup(ctx.me, Crd::io(port, 0));
    for port in [0x70, 0x71] {
        let f = ok("lookup rtc", lk(port))?;
        eq("rtc crd", f.0 .0, Crd::io(0x70, 1).0)?;
        eq("no type", f.1.map_or(0, |t| t as u64), 0)?;
    }
    status("not granted", st(lk(0x72)), Status::BadSelector)?;
    status("not granted", st(lk(0x6f)), Status::BadSelector)?;
    status("outside the space", st(lk(0x1_0000)), Status::BadRange)
}

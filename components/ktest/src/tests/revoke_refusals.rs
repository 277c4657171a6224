//! `Revoke`'s refusals in the documented check order, each leaving quotas
//! and capabilities as they were, and revocations of nothing succeeding.

use crate::check::{ok, refused, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{mem, pd};
use abi::cap::{MEM_SPACE_PAGES, OBJ_SPACE_SELECTORS};
use abi::{revoke_flags, Hypercall, Space};
use user_rt::sys::{self, Crd, Status};

pub const TESTS: &[Test] = &[("revoke_refusals", refusals)];

fn r(p: u64, crd: Crd, flags: u64) -> Status {
    sys::raw8(Hypercall::Revoke as u64, [p, crd.0, flags, 0, 0, 0, 0, 0]).status()
}

fn refusals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let s = ctx.sm(0)?;
    let no_ctrl = ctx.copy(me.0, pd::CREATE)?;
    let empty = ctx.sel();
    let block = ctx.block(4)? >> 12;
    let va = ctx.va(32 << 12).next_multiple_of(16 << 12) >> 12;
    ok(
        "map 16 pages",
        sys::delegate(me, me, Crd::mem(block, 4, mem::RW), va),
    )?;
    let self_ = revoke_flags::SELF;
    let cases = [
        (
            "misaligned",
            Status::BadRange,
            me.0,
            Crd::new(Space::Obj, 1, 1, 0),
            0,
        ),
        (
            "past the space",
            Status::BadRange,
            me.0,
            Crd::mem(MEM_SPACE_PAGES, 0, 0),
            0,
        ),
        ("null", Status::BadRange, me.0, Crd(0), 0),
        (
            "undefined flag",
            Status::BadParameter,
            me.0,
            Crd::obj(s.0, 0),
            2,
        ),
        (
            "PD out of range",
            Status::BadSelector,
            OBJ_SPACE_SELECTORS,
            Crd::obj(s.0, 0),
            0,
        ),
        ("PD empty", Status::BadSelector, empty, Crd::obj(s.0, 0), 0),
        ("not a PD", Status::WrongType, s.0, Crd::obj(s.0, 0), 0),
        (
            "PD without CTRL",
            Status::Denied,
            no_ctrl,
            Crd::obj(s.0, 0),
            0,
        ),
        (
            "memory partly inside, with SELF",
            Status::BadRange,
            me.0,
            Crd::mem(va + 1, 0, 0),
            self_,
        ),
        (
            "ports partly inside, with SELF",
            Status::BadRange,
            me.0,
            Crd::io(0x71, 0),
            self_,
        ),
    ];
    let caps = [
        (me, Crd::obj(s.0, 0)),
        (me, Crd::mem(va, 0, 0)),
        (me, Crd::io(0x70, 0)),
    ];
    for (what, want, p, crd, flags) in cases {
        refused(what, want, &[me], &caps, || r(p, crd, flags))?;
    }
    status(
        "nothing to revoke",
        r(me.0, Crd::obj(empty, 0), self_),
        Status::Success,
    )?;
    status(
        "nothing mapped",
        r(me.0, Crd::mem(va + 16, 4, 0), self_),
        Status::Success,
    )?;
    // The range (rsi) is checked before the flags (rdx).
    let bad = Crd::new(Space::Obj, 1, 1, 0);
    status("range before flags", r(me.0, bad, 2), Status::BadRange)?;
    ok("unmap", sys::revoke(me, Crd::mem(va, 4, 0), true))
}

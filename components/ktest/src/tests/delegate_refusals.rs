//! `Delegate`'s refusals, each in the documented check order and each
//! leaving quotas and capabilities (source and destination) as they were.

use super::delegate::d;
use crate::check::{refused, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{self, pd};
use abi::cap::{MEM_SPACE_PAGES, OBJ_SPACE_SELECTORS};
use abi::Space;
use user_rt::sys::{Crd, Status};

pub const TESTS: &[Test] = &[("delegate_refusals", refusals)];

/// One past the last port.
const IO_END: u64 = 0x1_0000;

fn refusals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let s = ctx.sm(0)?;
    let c = ctx.child_pd(64)?;
    let tiny = ctx.child_pd(1)?;
    let no_ctrl = ctx.copy(me.0, pd::CREATE)?;
    let empty = ctx.sel();
    let page = ctx.pages(1)? >> 12;
    let unmapped = ctx.va(4096) >> 12;
    let pair = s.0 & !1;
    let all = rights::ALL;
    let cases = [
        (
            "misaligned range",
            Status::BadRange,
            me.0,
            c.0,
            Crd::new(Space::Obj, 1, 1, all),
            0,
        ),
        (
            "range past the space",
            Status::BadRange,
            me.0,
            c.0,
            Crd::mem(MEM_SPACE_PAGES, 0, 1),
            0,
        ),
        (
            "ports past the space",
            Status::BadRange,
            me.0,
            c.0,
            Crd::io(IO_END, 0),
            0,
        ),
        (
            "null space",
            Status::BadRange,
            me.0,
            c.0,
            Crd::new(Space::Null, 0, 0, all),
            0,
        ),
        (
            "destination misaligned",
            Status::BadRange,
            me.0,
            c.0,
            Crd::new(Space::Obj, pair, 1, all),
            3,
        ),
        (
            "destination leaves the space",
            Status::BadRange,
            me.0,
            c.0,
            Crd::obj(s.0, all),
            OBJ_SPACE_SELECTORS,
        ),
        (
            "ports to other ports",
            Status::BadRange,
            me.0,
            c.0,
            Crd::io(0x70, 0),
            0x80,
        ),
        (
            "ports to other ports, bad PD",
            Status::BadRange,
            empty,
            c.0,
            Crd::io(0x70, 0),
            0x80,
        ),
        (
            "rights mask 0",
            Status::BadParameter,
            me.0,
            c.0,
            Crd::obj(s.0, 0),
            100,
        ),
        (
            "source PD out of range",
            Status::BadSelector,
            OBJ_SPACE_SELECTORS,
            c.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "source PD empty",
            Status::BadSelector,
            empty,
            c.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "source PD wrong type",
            Status::WrongType,
            s.0,
            c.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "source PD without CTRL",
            Status::Denied,
            no_ctrl,
            c.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "destination PD out of range",
            Status::BadSelector,
            me.0,
            OBJ_SPACE_SELECTORS,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "destination PD empty",
            Status::BadSelector,
            me.0,
            empty,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "destination PD wrong type",
            Status::WrongType,
            me.0,
            s.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "destination PD without CTRL",
            Status::Denied,
            me.0,
            no_ctrl,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "nothing at the source selector",
            Status::BadSelector,
            me.0,
            c.0,
            Crd::obj(empty, all),
            100,
        ),
        (
            "nothing in the source pages",
            Status::BadSelector,
            me.0,
            c.0,
            Crd::mem(unmapped, 0, all),
            0x100,
        ),
        (
            "no source ports",
            Status::BadSelector,
            me.0,
            c.0,
            Crd::io(0x60, 0),
            0x60,
        ),
        (
            "destination selector occupied",
            Status::Occupied,
            me.0,
            me.0,
            Crd::obj(s.0, all),
            s.0,
        ),
        (
            "destination pages occupied",
            Status::Occupied,
            me.0,
            me.0,
            Crd::mem(page, 0, all),
            page,
        ),
        (
            "destination ports occupied",
            Status::Occupied,
            me.0,
            me.0,
            Crd::io(0x70, 0),
            0x70,
        ),
        (
            "destination cannot pay for the node",
            Status::OutOfQuota,
            me.0,
            tiny.0,
            Crd::obj(s.0, all),
            100,
        ),
        (
            "destination cannot pay for page tables",
            Status::OutOfQuota,
            me.0,
            tiny.0,
            Crd::mem(page, 0, all),
            0x100,
        ),
        (
            "destination cannot pay for the I/O bitmap",
            Status::OutOfQuota,
            me.0,
            tiny.0,
            Crd::io(0x70, 0),
            0x70,
        ),
    ];
    let pds = [me, c, tiny];
    let mut caps = alloc::vec::Vec::new();
    for p in [c, tiny] {
        caps.extend([
            (p, Crd::obj(100, 0)),
            (p, Crd::mem(0x100, 0, 0)),
            (p, Crd::io(0x70, 0)),
        ]);
    }
    caps.extend([
        (me, Crd::obj(s.0, 0)),
        (me, Crd::mem(page, 0, 0)),
        (me, Crd::io(0x70, 0)),
    ]);
    for (what, want, src, dst, crd, base) in cases {
        refused(what, want, &pds, &caps, || d(src, dst, crd, base))?;
    }
    // The range is checked before the rights mask.
    let bad_both = Crd::new(Space::Obj, 1, 1, 0);
    status(
        "range before rights",
        d(me.0, c.0, bad_both, 0),
        Status::BadRange,
    )
}

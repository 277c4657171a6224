//! `SmCtrl` and `ScCtrl` refusals in the documented order, each leaving
//! quotas and the semaphore's count as they were (the semaphore semantics
//! themselves are in `sm_wait`, scheduling time in `sched`).

use crate::check::{ok, refused, st, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::{sc, sm};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::{Hypercall, SmOp};
use user_rt::sys::{self, Sc, Status};

pub const TESTS: &[Test] = &[
    ("sm_ctrl_refusals_change_nothing", sm_refusals),
    ("sc_ctrl_refusals", sc_refusals),
];

fn smc(sel: u64, op: u64, deadline: u64) -> Status {
    sys::raw8(Hypercall::SmCtrl as u64, [sel, op, deadline, 0, 0, 0, 0, 0]).status()
}

const UP: u64 = SmOp::Up as u64;
const DOWN: u64 = SmOp::Down as u64;
const ZERO: u64 = SmOp::DownZero as u64;

fn sm_refusals(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let s = ctx.sm(1)?;
    let up_only = ctx.copy(s.0, sm::UP)?;
    let down_only = ctx.copy(s.0, sm::DOWN)?;
    let ctrl_only = ctx.copy(s.0, sm::CTRL)?;
    let empty = ctx.sel();
    let cases = [
        ("undefined op", Status::BadParameter, s.0, 3),
        (
            "undefined op before a bad selector",
            Status::BadParameter,
            OBJ_SPACE_SELECTORS,
            u64::MAX,
        ),
        ("out of range", Status::BadSelector, OBJ_SPACE_SELECTORS, UP),
        ("empty", Status::BadSelector, empty, DOWN),
        ("not a semaphore", Status::WrongType, me.0, ZERO),
        ("up without UP", Status::Denied, down_only, UP),
        ("up with CTRL only", Status::Denied, ctrl_only, UP),
        ("down without DOWN", Status::Denied, up_only, DOWN),
        ("down-zero without DOWN", Status::Denied, up_only, ZERO),
    ];
    for (what, want, sel, op) in cases {
        refused(what, want, &[me], &[], || smc(sel, op, 1))?;
    }
    status("the count is still 1", smc(s.0, DOWN, 1), Status::Success)?;
    status("and now 0", smc(s.0, DOWN, 1), Status::Timeout)
}

fn sc_refusals(ctx: &mut Ctx) -> TResult {
    let t = ctx.thread(0, 60, 0, |_, _| {}, 0)?;
    ctx.join(&t, 1000)?;
    ok("consumed", t.sc.consumed())?;
    let no_ctrl = Sc(ctx.copy(t.sc.0, !sc::CTRL & 0x1f)?);
    let s = ctx.sm(0)?;
    let me = ctx.me;
    let read = |c: Sc| st(c.consumed());
    refused("out of range", Status::BadSelector, &[me], &[], || {
        read(Sc(OBJ_SPACE_SELECTORS))
    })?;
    refused("empty", Status::BadSelector, &[me], &[], || {
        read(Sc(s.0 + 1))
    })?;
    refused("not an SC", Status::WrongType, &[me], &[], || read(Sc(s.0)))?;
    refused("an EC", Status::WrongType, &[me], &[], || read(Sc(t.ec.0)))?;
    refused("without CTRL", Status::Denied, &[me], &[], || read(no_ctrl))
}

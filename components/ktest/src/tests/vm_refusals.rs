//! Refused virtualization calls, each leaving quotas and capabilities as
//! they were: a vCPU with a UTCB, stack pointer or entry; `EcCtrl` on an EC
//! that is not a vCPU, with an undefined operation, without `CTRL`, on a
//! semaphore; a guest delegation of capabilities or ports, or with an
//! undefined flag.

use super::vm_kit::{self, Vm, VM_EVT};
use crate::check::{ok, raw, refused, st, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights;
use abi::{delegate_flags, EcOp};
use user_rt::sys::{self, req, Crd, Ec, Status};

pub const TESTS: &[Test] = &[
    ("vm_create_vcpu_refusals", create_refusals),
    ("vm_ec_ctrl_refusals", ec_ctrl_refusals),
    ("vm_delegate_guest_refusals", delegate_refusals),
];

fn create_refusals(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let vm = Vm::new(ctx)?;
    let dst = ctx.sel();
    let pds = [ctx.me, vm.pd];
    let caps = [(ctx.me, Crd::obj(dst, 0))];
    let cases: [(usize, &str); 3] = [
        (3, "a vCPU with a UTCB"),
        (4, "a vCPU with a stack pointer"),
        (6, "a vCPU with an entry"),
    ];
    for (arg, what) in cases {
        let mut r = req::create_vcpu(dst, vm.pd, 0, VM_EVT);
        r.args[arg] = 0x1000;
        refused(what, Status::BadParameter, &pds, &caps, || raw(r.issue()))?;
    }
    // The same call without them is fine.
    ok("create_vcpu", sys::create_vcpu(dst, vm.pd, 0, VM_EVT)).map(drop)
}

fn ec_ctrl_refusals(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let global = ctx.idle_thread(0)?;
    status(
        "recall of a global EC",
        st(global.recall()),
        Status::BadParameter,
    )?;
    let local = ctx.handler(0, |_, _, _, _| Reply::Words(0), 0)?;
    status(
        "recall of a local EC",
        st(local.recall()),
        Status::BadParameter,
    )?;
    let vm = Vm::new(ctx)?;
    let vcpu = vm.vcpu(ctx, 0)?;
    let mut r = req::ec_ctrl(vcpu, EcOp::Recall);
    r.args[1] = 7;
    status(
        "EcCtrl with operation 7",
        raw(r.issue()),
        Status::BadParameter,
    )?;
    let weak = ctx.copy(vcpu.0, rights::ec::BIND_PT | rights::ec::BIND_SC)?;
    status("recall without CTRL", st(Ec(weak).recall()), Status::Denied)?;
    let sm = ctx.sm(0)?;
    status(
        "recall of a semaphore",
        st(Ec(sm.0).recall()),
        Status::WrongType,
    )?;
    ok("recall of a vCPU that has not run yet", vcpu.recall())
}

fn delegate_refusals(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let vm = Vm::new(ctx)?;
    let pds = [ctx.me, vm.pd];
    let sm = ctx.sm(0)?;
    let at = 200;
    let caps = [(vm.pd, Crd::obj(at, 0))];
    refused(
        "guest delegation of a capability",
        Status::BadParameter,
        &pds,
        &caps,
        || {
            st(sys::delegate_guest(
                ctx.me,
                vm.pd,
                Crd::obj(sm.0, rights::ALL),
                at,
            ))
        },
    )?;
    let (port, _) = ctx
        .info
        .io("rtc")
        .ok_or(crate::check::Fail::new("no rtc ports"))?;
    let caps = [(vm.pd, Crd::io(port, 0))];
    refused(
        "guest delegation of ports",
        Status::BadParameter,
        &pds,
        &caps,
        || st(sys::delegate_guest(ctx.me, vm.pd, Crd::io(port, 1), port)),
    )?;
    let page = vm_kit::spare_page(ctx)?;
    let crd = Crd::mem(page >> 12, 0, rights::mem::RW);
    let flags = delegate_flags::GUEST | (1 << 5);
    let r = req::delegate_with(ctx.me, vm.pd, crd, 0, flags);
    refused(
        "guest delegation with an undefined flag",
        Status::BadParameter,
        &pds,
        &[],
        || raw(r.issue()),
    )?;
    // The same delegation without the undefined flag is fine.
    ok("delegate_guest", sys::delegate_guest(ctx.me, vm.pd, crd, 0))
}

//! Calls on vCPUs: recall.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::obj::ec::{Ec, State};
use crate::obj::{Obj, Ref};
use crate::sched;
use abi::cap::rights;
use abi::{EcOp, Status};
use core::sync::atomic::Ordering;

pub fn ec_ctrl(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [sel, op, ..] = args(f);
    let op = EcOp::from_raw(op).ok_or(Status::BadParameter)?;
    let target = obj_cap(ec, sel, rights::ec::CTRL, Obj::ec)?;
    match op {
        EcOp::Recall => {
            let t = target.get();
            let v = t.vcpu.ok_or(Status::BadParameter)?;
            if t.state == State::Dead {
                return Err(Status::Aborted);
            }
            v.get().recall.store(true, Ordering::Release);
            // A vCPU in its guest on another CPU leaves it at the IPI and
            // sees the request before it enters again.
            let cpu = t.cpu as usize;
            if cpu != sched::this_index() {
                sched::request_resched(cpu);
            }
            Ok(NONE)
        }
    }
}

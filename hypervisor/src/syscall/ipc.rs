//! Calls for IPC, semaphores, portals and scheduling contexts.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::obj::ec::{Ec, PendingCall};
use crate::obj::{Obj, Ref};
use abi::cap::rights;
use abi::utcb::UTCB_WORDS;
use abi::{SmOp, Status};

pub fn call(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [sel, words, ..] = args(f);
    if words > UTCB_WORDS as u64 {
        return Err(Status::BadParameter);
    }
    let pt = obj_cap(ec, sel, rights::pt::CALL, Obj::pt)?;
    let handler = pt.get().ec.ok_or(Status::Aborted)?;
    if handler.get().cpu != ec.get().cpu {
        return Err(Status::BadCpu);
    }
    if handler == ec {
        // It would wait for itself forever.
        return Err(Status::BadParameter);
    }
    let p = pt.get();
    crate::ipc::begin_call(
        ec,
        handler,
        PendingCall {
            entry: p.entry,
            id: p.id,
            mtd: p.mtd,
            words,
            exception: false,
            vector: 0,
            error: 0,
            cr2: 0,
        },
    )?;
    Ok(NONE)
}

pub fn reply(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    crate::ipc::reply(ec, f.rdi)?;
    Ok(NONE)
}

pub fn pt_ctrl(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [sel, id, ..] = args(f);
    let pt = obj_cap(ec, sel, rights::pt::CTRL, Obj::pt)?;
    pt.get().id = id;
    Ok(NONE)
}

pub fn sm_ctrl(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [sel, op, deadline, ..] = args(f);
    let op = SmOp::from_raw(op).ok_or(Status::BadParameter)?;
    let right = match op {
        SmOp::Up => rights::sm::UP,
        SmOp::Down | SmOp::DownZero => rights::sm::DOWN,
    };
    let sm = obj_cap(ec, sel, right, Obj::sm)?;
    match op {
        SmOp::Up => crate::ipc::sm::up(sm),
        SmOp::Down | SmOp::DownZero => {
            if let Some(status) = crate::ipc::sm::down(ec, sm, op == SmOp::DownZero, deadline) {
                status.into_result()?;
            }
        }
    }
    Ok(NONE)
}

pub fn sc_ctrl(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let sc = obj_cap(ec, f.rdi, rights::sc::CTRL, Obj::sc)?;
    // Include the time the SC has run since it was last charged, also when
    // it runs on another CPU right now.
    let c = crate::sched::cpu(sc.get().cpu as usize);
    let running = if c.current_sc == Some(sc) {
        crate::arch::cpu::rdtsc().saturating_sub(c.started)
    } else {
        0
    };
    Ok((Some(sc.get().consumed + running), None))
}

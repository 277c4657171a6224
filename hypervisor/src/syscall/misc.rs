//! The console, machine control, and routing interrupts to semaphores.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::obj::ec::Ec;
use crate::obj::{Obj, Ref};
use crate::{power, sched, user_memory};
use abi::cap::rights;
use abi::{int_flags, MachineOp, Status, CONSOLE_WRITE_MAX};

pub fn console_write(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let (addr, len) = (f.rdi, f.rsi);
    if len > CONSOLE_WRITE_MAX {
        return Err(Status::BadParameter);
    }
    let pml4 = ec.get().pd.get().mem.pml4;
    // Sent when this CPU leaves the kernel, after the kernel lock is free.
    user_memory::read(pml4, addr, len, crate::console_out::queue)?;
    Ok(NONE)
}

pub fn machine_control(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [pd, op, ..] = args(f);
    let op = MachineOp::from_raw(op).ok_or(Status::BadParameter)?;
    obj_cap(ec, pd, rights::pd::MACHINE, Obj::pd)?;
    let status = match op {
        MachineOp::PowerOff => power::power_off(),
        MachineOp::Reboot => power::reboot(),
    };
    status.into_result()?;
    Ok(NONE)
}

pub fn assign_int(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [sel, cpu, flags, ..] = args(f);
    if cpu >= sched::online_cpus() as u64 {
        return Err(Status::BadCpu);
    }
    if flags & !(int_flags::LEVEL | int_flags::ACTIVE_LOW | int_flags::MASK) != 0 {
        return Err(Status::BadParameter);
    }
    let sm = obj_cap(ec, sel, rights::sm::CTRL, Obj::sm)?;
    let source = sm.get().irq.ok_or(Status::WrongType)?;
    let (address, data) = crate::irq::assign(source, cpu as usize, flags)?;
    Ok((Some(address), Some(data)))
}

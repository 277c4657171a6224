//! Hypercall dispatch: one table indexed by the call number from the ABI
//! crate. Each handler validates its arguments and returns a status.

use crate::arch::frame::SyscallFrame;
use crate::arch::percpu;
use crate::{console, power, user_memory};
use abi::{Hypercall, MachineOp, Status, CONSOLE_WRITE_MAX};

type Handler = fn(&mut SyscallFrame) -> Status;

/// Indexed by `Hypercall as u64`.
const TABLE: [Handler; 2] = [console_write, machine_control];
const _: () = assert!(TABLE.len() == Hypercall::MachineControl as usize + 1);

fn console_write(frame: &mut SyscallFrame) -> Status {
    let (addr, len) = (frame.rdi, frame.rsi);
    if len > CONSOLE_WRITE_MAX {
        return Status::BadParameter;
    }
    let root = percpu::current().user_space;
    let mut out = console::lock();
    let result = user_memory::read(root, addr, len, |bytes| {
        hv_core::show!(&mut *out, hv_core::fmt::Bytes(bytes));
    });
    match result {
        Ok(()) => Status::Success,
        Err(e) => e,
    }
}

fn machine_control(frame: &mut SyscallFrame) -> Status {
    // Only the root PD runs in user mode so far; capability checks for this
    // call arrive with the object model.
    match MachineOp::from_raw(frame.rdi) {
        Some(MachineOp::PowerOff) => power::power_off(),
        Some(MachineOp::Reboot) => power::reboot(),
        None => Status::BadParameter,
    }
}

/// Entered from `syscall_entry` with interrupts off on the kernel stack.
#[no_mangle]
extern "C" fn syscall_dispatch(frame: &mut SyscallFrame) {
    let status = match Hypercall::from_raw(frame.rax) {
        Some(call) => TABLE[call as usize](frame),
        None => Status::BadCall,
    };
    frame.rax = status as u64;
    // SYSRET to a non-canonical RIP would fault in ring 0 with the user's
    // stack (the SYSRET pitfall); only `syscall` as the very last instruction
    // of the user half can produce one. Such a caller is stopped instead.
    if frame.rip >= user_memory::USER_END {
        crate::rootpd::kill_current("a SYSCALL whose return address is not canonical", frame.rip);
    }
}

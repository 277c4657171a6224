//! SYSCALL/SYSRET setup. The GDT order (kernel code, kernel data, user data,
//! user code) is what STAR needs: SYSCALL loads CS = STAR[47:32] and SS = +8;
//! SYSRET loads SS = STAR[63:48] + 8 and CS = STAR[63:48] + 16, with RPL 3.

use super::gdt::{KERNEL_CODE, KERNEL_DATA};
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask};
use x86_64::registers::rflags::RFlags;

extern "C" {
    fn syscall_entry();
}

/// Enables SYSCALL on the executing CPU.
pub fn init() {
    // SAFETY: the entry point handles SYSCALL per `entry.S` (switching to the
    // per-CPU kernel stack before touching memory); FMASK keeps interrupts,
    // traps and alignment checks off until it has, and the direction flag
    // clear for Rust.
    unsafe {
        Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
        LStar::write(x86_64::VirtAddr::new(syscall_entry as *const () as u64));
        SFMask::write(
            RFlags::INTERRUPT_FLAG
                | RFlags::TRAP_FLAG
                | RFlags::DIRECTION_FLAG
                | RFlags::ALIGNMENT_CHECK
                | RFlags::NESTED_TASK
                | RFlags::IOPL_HIGH
                | RFlags::IOPL_LOW,
        );
        let star = (u64::from(KERNEL_DATA) << 48) | (u64::from(KERNEL_CODE) << 32);
        x86_64::registers::model_specific::Msr::new(0xC000_0081).write(star);
    }
}

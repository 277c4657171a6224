//! The host state a VM exit restores, and what it leaves wrong.
//!
//! An exit loads the host's CR0/CR3/CR4, segment selectors, FS/GS/TR bases,
//! descriptor-table bases, SYSENTER MSRs, EFER, PAT and RSP/RIP from the
//! VMCS, but it sets the GDT and IDT limits to 0xffff and the TR limit to
//! 0x67. The IDT limit is harmless; a GDT limit past the real table would
//! let user code load descriptors from whatever follows it, and a short TR
//! limit hides the TSS's I/O bitmap. Both are put back before the CPU
//! returns to user mode (`msrs::before_user`).

use super::vmcs::{field as f, write};
use crate::arch::{gdt, percpu};
use core::sync::atomic::{AtomicBool, Ordering};

#[allow(clippy::declare_interior_mutable_const)] // only initialises CLOBBERED
const CLEAN: AtomicBool = AtomicBool::new(false);
static CLOBBERED: [AtomicBool; percpu::MAX_CPUS] = [CLEAN; percpu::MAX_CPUS];

fn me() -> usize {
    percpu::current().index as usize
}

/// The host fields of the current VMCS for this CPU (its first use here).
pub fn write_fields() {
    let cpu = percpu::current();
    let cr0: u64;
    let cr4: u64;
    // SAFETY: reading control registers has no side effects.
    unsafe {
        core::arch::asm!("mov {}, cr0", out(reg) cr0, options(nomem, nostack));
        core::arch::asm!("mov {}, cr4", out(reg) cr4, options(nomem, nostack));
    }
    write(f::HOST_CR0, cr0);
    write(f::HOST_CR4, cr4);
    write(f::HOST_CS_SEL, u64::from(gdt::KERNEL_CODE));
    for sel in [f::HOST_SS_SEL, f::HOST_DS_SEL, f::HOST_ES_SEL] {
        write(sel, u64::from(gdt::KERNEL_DATA));
    }
    write(f::HOST_FS_SEL, 0);
    write(f::HOST_GS_SEL, 0);
    write(f::HOST_TR_SEL, u64::from(gdt::TSS));
    write(f::HOST_FS_BASE, 0);
    write(f::HOST_GS_BASE, cpu as *const percpu::PerCpu as u64);
    write(f::HOST_TR_BASE, crate::arch::tss::mine() as *const _ as u64);
    write(f::HOST_GDTR_BASE, cpu.gdt.as_ptr() as u64);
    write(f::HOST_IDTR_BASE, crate::arch::idt::base());
    write(f::HOST_SYSENTER_CS, 0);
    write(f::HOST_SYSENTER_ESP, 0);
    write(f::HOST_SYSENTER_EIP, 0);
    // SAFETY: EFER and PAT exist on every CPU that has VMX.
    let (efer, pat) = unsafe {
        (
            x86_64::registers::model_specific::Msr::new(0xc000_0080).read(),
            x86_64::registers::model_specific::Msr::new(0x277).read(),
        )
    };
    write(f::HOST_EFER, efer);
    write(f::HOST_PAT, pat);
    write(f::HOST_RSP, cpu.kernel_stack_top);
    extern "C" {
        static vmx_exit: u8;
    }
    write(f::HOST_RIP, &raw const vmx_exit as u64);
}

/// Before each entry: the host CR3 (the kernel tables, `run` switched to
/// them) and CR0 (its TS bit follows the FPU owner).
pub fn refresh() {
    let (cr0, cr3): (u64, u64);
    // SAFETY: reading control registers has no side effects.
    unsafe {
        core::arch::asm!("mov {}, cr0", out(reg) cr0, options(nomem, nostack));
        core::arch::asm!("mov {}, cr3", out(reg) cr3, options(nomem, nostack));
    }
    write(f::HOST_CR0, cr0);
    write(f::HOST_CR3, cr3);
}

/// First thing after an exit: note that the limits need repair.
pub fn after_exit() {
    CLOBBERED[me()].store(true, Ordering::Relaxed);
}

/// Reloads the GDT (its limit) and the TR (its limit) if an exit cut them.
pub fn restore_tables() {
    if CLOBBERED[me()].swap(false, Ordering::Relaxed) {
        gdt::reload_after_vm_exit(percpu::current());
    }
}

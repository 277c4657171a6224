//! Intel VMX with EPT and unrestricted guests: per-CPU VMXON, the VMCS of
//! a vCPU (set up on its own CPU at first use, since its host fields are
//! that CPU's), entering the guest and turning exits into neutral ones.
//!
//! A VMCS is loaded (VMPTRLD) on the vCPU's CPU whenever the hypervisor
//! touches it; it stays loaded until another VMCS is, and `remote` makes the
//! CPU VMCLEAR it before its page is freed.

mod caps;
mod exit;
mod host;
mod msrs;
mod setup;
mod state;
mod vmcs;

pub use exit::decode;
pub use host::after_exit;
pub use msrs::{before_user, forget};
pub use state::{load, save};

use super::remote;
use super::vcpu::Vcpu;
use crate::arch::percpu;
use crate::mem;
use hv_core::paging::PageSize;
use x86_64::registers::control::{Cr4, Cr4Flags};
use x86_64::registers::model_specific::Msr;

const FEATURE_CONTROL: u32 = 0x3a;

/// The boot CPU's one-time setup: capabilities, controls and the MSR
/// bitmap. Returns the largest EPT page.
pub fn init_boot() -> Option<PageSize> {
    caps::read()?;
    setup::make_msr_bitmap()?;
    let ept = caps::get(&caps::EPT_CAPS);
    Some(if ept & (1 << 17) != 0 {
        PageSize::Size1G
    } else if ept & (1 << 16) != 0 {
        PageSize::Size2M
    } else {
        PageSize::Size4K
    })
}

/// Enters VMX operation on the executing CPU.
pub fn init_cpu() -> bool {
    let Some(region) = mem::alloc_zeroed(1) else {
        return false;
    };
    write_revision(region);
    // SAFETY: VMX was found usable (CPUID, the feature-control MSR); the
    // lock bit is set only with VMX outside SMX enabled, CR4.VMXE only
    // enables the VMX instructions, and VMXON takes a page of our own.
    unsafe {
        let mut fc = Msr::new(FEATURE_CONTROL);
        let v = fc.read();
        if v & 1 == 0 {
            fc.write(v | 1 | (1 << 2));
        }
        Cr4::update(|f| f.insert(Cr4Flags::VIRTUAL_MACHINE_EXTENSIONS));
    }
    let failed: u8;
    // SAFETY: as above; VMXON reads the region's physical address from
    // the operand and fails (CF/ZF) rather than faulting when refused.
    unsafe {
        core::arch::asm!("vmxon [{}]", "setna {}", in(reg) &region, out(reg_byte) failed, options(nostack))
    };
    if failed == 0 {
        msrs::capture_host();
    }
    failed == 0
}

fn write_revision(pa: u64) {
    let rev = caps::get(&caps::REVISION) as u32;
    // SAFETY: `pa` is a page of ours in the direct map; its first dword is
    // the revision identifier VMXON and VMPTRLD require.
    unsafe { (mem::phys_to_virt(pa) as *mut u32).write_volatile(rev) };
}

/// VPIDs beyond 0 (the host's) a vCPU may use.
pub fn tags() -> u64 {
    if caps::vpid() {
        0xffff
    } else {
        1
    }
}

/// A new vCPU's VMCS page: only the revision identifier now; the fields
/// are written on the vCPU's own CPU at first use (`current`).
pub fn init_control(v: &mut Vcpu, _cpu: u32) {
    write_revision(v.control);
}

/// Makes `v`'s VMCS the current one on this CPU (the vCPU's own), setting
/// it up on first use.
pub fn current(v: &mut Vcpu) {
    if !v.vmcs_ready {
        clear(v.control);
        load_vmcs(v.control);
        setup::vmcs(v);
        v.vmcs_ready = true;
    } else if remote::loaded_vmcs() != v.control {
        load_vmcs(v.control);
    }
}

fn load_vmcs(pa: u64) {
    // SAFETY: `pa` is this vCPU's VMCS page (revision written), not loaded
    // on another CPU: a vCPU only runs and is answered on its own CPU.
    unsafe { core::arch::asm!("vmptrld [{}]", in(reg) &pa, options(nostack)) };
    remote::set_loaded_vmcs(pa);
}

/// VMCLEARs the VMCS at `pa` (this CPU's, or not loaded anywhere).
pub fn clear(pa: u64) {
    // SAFETY: VMCLEAR writes the VMCS's cached state back to its own page
    // and marks it inactive; the page belongs to a live vCPU.
    unsafe { core::arch::asm!("vmclear [{}]", in(reg) &pa, options(nostack)) };
    if remote::loaded_vmcs() == pa {
        remote::set_loaded_vmcs(0);
    }
}

/// Under the kernel lock, before `enter`: the guest's system-call MSRs.
pub fn before_entry(v: &mut Vcpu) {
    msrs::load_guest(v);
}

/// Enters the guest of `v` (see `vmx_enter`).
pub fn enter(v: &mut Vcpu, flush: bool) -> ! {
    current(v);
    host::refresh();
    if flush {
        setup::flush(v);
    }
    exit::prepare_entry(v);
    let cpu = percpu::current();
    cpu.vm_gprs = v.gpr.as_mut_ptr() as u64;
    // See `vmx_enter`: an interrupt right after a failed entry.
    cpu.vm_window = true;
    extern "C" {
        fn vmx_enter(launched: u64) -> !;
    }
    let launched = u64::from(v.launched);
    v.launched_at_entry = v.launched;
    v.launched = true;
    // SAFETY: the VMCS is current and complete (setup, state loads), this
    // CPU is in VMX operation, the vCPU's registers stay valid until it
    // leaves guest mode (`remote`), and the exit continues in
    // `vm_exit_dispatch` (or `vmx_entry_failed`).
    unsafe { vmx_enter(launched) }
}

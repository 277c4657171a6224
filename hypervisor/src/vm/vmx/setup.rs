//! A new VMCS: controls, host state, the x86 reset state for the guest,
//! and the shared MSR bitmap; flushing a vCPU's EPT-tagged translations.

use super::caps::{self, get};
use super::vmcs::{field as f, segment_fields, write};
use crate::mem;
use crate::vm::vcpu::Vcpu;
use core::sync::atomic::{AtomicU64, Ordering};

static MSR_BITMAP: AtomicU64 = AtomicU64::new(0);

/// Every MSR exits except `backend::PASS_THROUGH_MSRS`.
pub fn make_msr_bitmap() -> Option<()> {
    let pa = mem::alloc_zeroed(1)?;
    let base = mem::phys_to_virt(pa) as *mut u8;
    // SAFETY: a fresh page of ours.
    unsafe { core::ptr::write_bytes(base, 0xff, 4096) };
    for msr in crate::vm::backend::PASS_THROUGH_MSRS {
        // Read bitmaps for low and high MSRs at 0 and 1 KiB, write bitmaps
        // 2 KiB further.
        let high = if msr >> 16 == 0xc000 { 1024 } else { 0 };
        let bit = (msr & 0x1fff) as usize;
        for half in [0, 2048] {
            // SAFETY: the byte lies inside the page.
            unsafe { *base.add(half + high + bit / 8) &= !(1 << (bit % 8)) };
        }
    }
    MSR_BITMAP.store(pa, Ordering::Relaxed);
    Some(())
}

/// EPT pointer: 4-level walk, write-back tables.
pub fn eptp(root: u64) -> u64 {
    root | (3 << 3) | 6
}

/// Fills the current (fresh) VMCS for `v` on its own CPU.
pub fn vmcs(v: &mut Vcpu) {
    write(f::PIN_CONTROLS, get(&caps::PIN_CTL));
    write(f::PROC_CONTROLS, get(&caps::PROC_CTL));
    write(f::PROC2_CONTROLS, get(&caps::PROC2_CTL));
    write(f::EXIT_CONTROLS, get(&caps::EXIT_CTL));
    write(f::ENTRY_CONTROLS, get(&caps::ENTRY_CTL));
    write(f::MSR_BITMAP, MSR_BITMAP.load(Ordering::Relaxed));
    write(f::VIRTUAL_APIC, v.apic_page);
    write(f::EPTP, eptp(v.root));
    if caps::vpid() {
        write(f::VPID, v.tag);
    }
    write(f::LINK_POINTER, u64::MAX);
    // A cleared VMCS's contents are the CPU's business: every field the
    // entry checks read is written.
    for zero in [
        f::PF_ERROR_MASK,
        f::PF_ERROR_MATCH,
        f::CR3_TARGET_COUNT,
        f::EXIT_MSR_STORE_COUNT,
        f::EXIT_MSR_LOAD_COUNT,
        f::ENTRY_MSR_LOAD_COUNT,
        f::ENTRY_INTR_INFO,
        f::TPR_THRESHOLD,
        f::TSC_OFFSET,
        f::GUEST_DEBUGCTL,
        f::GUEST_PENDING_DEBUG,
    ] {
        write(zero, 0);
    }
    for i in 0..4 {
        write(f::GUEST_PDPTE0 + 2 * i, 0);
    }
    super::host::write_fields();
    reset_guest();
    super::state::apply_intercepts(v);
}

/// The state of an x86 CPU after reset (until the VMM's STARTUP reply).
fn reset_guest() {
    for i in 0..8 {
        let (sel, limit, ar, base) = segment_fields(i);
        let (s, b, a) = match i {
            1 => (0xf000, 0xffff_0000, 0x9b),
            6 => (0, 0, 0x82),
            7 => (0, 0, 0x8b),
            _ => (0, 0, 0x93),
        };
        write(sel, s);
        write(base, b);
        write(limit, 0xffff);
        write(ar, a);
    }
    write(f::GUEST_GDTR_LIMIT, 0xffff);
    write(f::GUEST_IDTR_LIMIT, 0xffff);
    write(f::GUEST_GDTR_BASE, 0);
    write(f::GUEST_IDTR_BASE, 0);
    super::state::set_cr0(0x6000_0010);
    super::state::set_cr4(0);
    write(f::GUEST_CR3, 0);
    write(f::GUEST_EFER, 0);
    write(f::GUEST_DR7, 0x400);
    write(f::GUEST_RFLAGS, 2);
    write(f::GUEST_RIP, 0xfff0);
    write(f::GUEST_RSP, 0);
    write(f::GUEST_PAT, 0x0007_0406_0007_0406);
    write(f::GUEST_INTERRUPTIBILITY, 0);
    write(f::GUEST_ACTIVITY, 0);
    for sysenter in [
        f::GUEST_SYSENTER_CS,
        f::GUEST_SYSENTER_ESP,
        f::GUEST_SYSENTER_EIP,
    ] {
        write(sysenter, 0);
    }
}

/// Drops every translation tagged with `v`'s EPT pointer on this CPU.
pub fn flush(v: &Vcpu) {
    let single = caps::invept_single();
    let descriptor = [eptp(v.root), 0u64];
    let kind: u64 = if single { 1 } else { 2 };
    // SAFETY: INVEPT only invalidates cached translations; the descriptor
    // is on the stack and the type is one the CPU supports.
    unsafe {
        core::arch::asm!("invept {}, [{}]", in(reg) kind, in(reg) &descriptor, options(nostack))
    };
}

//! AMD SVM with nested paging: per-CPU enabling, the VMCB of a new vCPU,
//! entering the guest, and turning exit codes into neutral exits.
//!
//! Where the CPU lacks NRIP-save (QEMU's TCG), the instruction lengths of
//! the exits that report one are the architectural lengths of those
//! instructions; port I/O always has the next RIP (EXITINFO2).

mod exit;
mod intercepts;
mod state;
pub mod vmcb;

pub use exit::{decode, nmi_window_open};
pub use state::{load, save};

use super::vcpu::Vcpu;
use crate::arch::percpu;
use crate::mem;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use hv_core::paging::PageSize;
use vmcb::{off, Vmcb};
use x86_64::registers::model_specific::Msr;

const EFER: u32 = 0xc000_0080;
const EFER_SVME: u64 = 1 << 12;
const VM_HSAVE_PA: u32 = 0xc001_0117;

static IOPM: AtomicU64 = AtomicU64::new(0);
static MSRPM: AtomicU64 = AtomicU64::new(0);
static NRIP: AtomicBool = AtomicBool::new(false);
static DECODE_ASSISTS: AtomicBool = AtomicBool::new(false);
static FLUSH_BY_ASID: AtomicBool = AtomicBool::new(false);
/// Usable ASIDs are 1..ASIDS.
static ASIDS: AtomicU64 = AtomicU64::new(2);

/// Whether the CPU reports the next RIP (and so every instruction length).
pub fn nrip() -> bool {
    NRIP.load(Ordering::Relaxed)
}

/// Whether CR-access exits name the register.
pub fn decode_assists() -> bool {
    DECODE_ASSISTS.load(Ordering::Relaxed)
}

/// The boot CPU's one-time setup: features, and the I/O and MSR
/// permission maps every vCPU shares. Returns the largest nested page.
pub fn init_boot() -> Option<PageSize> {
    let r = core::arch::x86_64::__cpuid(0x8000_000a);
    NRIP.store(r.edx & (1 << 3) != 0, Ordering::Relaxed);
    FLUSH_BY_ASID.store(r.edx & (1 << 6) != 0, Ordering::Relaxed);
    DECODE_ASSISTS.store(r.edx & (1 << 7) != 0, Ordering::Relaxed);
    ASIDS.store(u64::from(r.ebx).max(2), Ordering::Relaxed);
    let iopm = mem::alloc_zeroed(3)?;
    let msrpm = mem::alloc_zeroed(2)?;
    intercepts::fill_iopm(iopm);
    intercepts::fill_msrpm(msrpm);
    IOPM.store(iopm, Ordering::Relaxed);
    MSRPM.store(msrpm, Ordering::Relaxed);
    let gb = core::arch::x86_64::__cpuid(0x8000_0001).edx & (1 << 26) != 0;
    Some(if gb {
        PageSize::Size1G
    } else {
        PageSize::Size2M
    })
}

/// Enables SVM on the executing CPU and saves its host state for VMLOAD.
pub fn init_cpu() -> bool {
    let (Some(hsave), Some(host)) = (mem::alloc_zeroed(1), mem::alloc_zeroed(1)) else {
        return false;
    };
    // SAFETY: SVM was found usable (CPUID, VM_CR); setting EFER.SVME only
    // enables the SVM instructions, and VM_HSAVE_PA points at a page of our
    // own that nothing else uses.
    unsafe {
        let mut efer = Msr::new(EFER);
        efer.write(efer.read() | EFER_SVME);
        Msr::new(VM_HSAVE_PA).write(hsave);
    }
    vmsave(host);
    percpu::current().vm_host = host;
    true
}

fn vmsave(pa: u64) {
    // SAFETY: VMSAVE stores the CPU's FS, GS, TR, LDTR and system-call MSRs
    // into the page at `pa`, which belongs to this CPU alone.
    unsafe { core::arch::asm!(".byte 0x0f, 0x01, 0xdb", in("rax") pa, options(nostack)) };
}

/// The ASID for a vCPU: a tag shared round robin (`run` flushes when
/// another vCPU last used it on the CPU).
pub fn tags() -> u64 {
    ASIDS.load(Ordering::Relaxed) - 1
}

/// A new vCPU's VMCB: every mandatory intercept, nested paging on its
/// guest space, and the x86 reset state.
pub fn init_control(v: &mut Vcpu) {
    let c = Vmcb(v.control);
    intercepts::apply(c, v.intercepts);
    c.write64(off::IOPM, IOPM.load(Ordering::Relaxed));
    c.write64(off::MSRPM, MSRPM.load(Ordering::Relaxed));
    c.write32(off::ASID, v.tag as u32);
    // Guest RFLAGS.IF then governs only virtual interrupts; host interrupts
    // always exit.
    c.write64(off::INT_CTL, 1 << 24);
    c.write64(off::NP_ENABLE, 1);
    c.write64(off::N_CR3, v.root);
    state::reset(c);
}

/// Enters the guest of `v`; see `svm_enter`.
pub fn enter(v: &mut Vcpu, flush: bool) -> ! {
    let c = Vmcb(v.control);
    let tlb = match (flush, FLUSH_BY_ASID.load(Ordering::Relaxed)) {
        (false, _) => 0,
        (true, true) => 3,
        (true, false) => 1,
    };
    c.write8(off::TLB_CONTROL, tlb);
    exit::prepare_entry(v, c);
    let cpu = percpu::current();
    cpu.vm_gprs = v.gpr.as_mut_ptr() as u64;
    cpu.vm_control = v.control;
    extern "C" {
        fn svm_enter() -> !;
    }
    // SAFETY: the VMCB is complete (init_control, state loads), this CPU
    // has SVM enabled with its host areas, the vCPU's registers stay valid
    // until it leaves guest mode (destruction waits for that: `remote`),
    // and the stub continues in `vm_exit_dispatch`.
    unsafe { svm_enter() }
}

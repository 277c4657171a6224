//! What this CPU's VMX offers (the capability MSRs), read once on the boot
//! CPU, and the control values every VMCS starts from.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

const BASIC: u32 = 0x480;
const PIN: u32 = 0x481;
const PROC: u32 = 0x482;
const EXIT: u32 = 0x483;
const ENTRY: u32 = 0x484;
const CR0_FIXED0: u32 = 0x486;
const CR0_FIXED1: u32 = 0x487;
const CR4_FIXED0: u32 = 0x488;
const CR4_FIXED1: u32 = 0x489;
const PROC2: u32 = 0x48b;
const EPT_VPID: u32 = 0x48c;
const TRUE_PIN: u32 = 0x48d;
const TRUE_PROC: u32 = 0x48e;
const TRUE_EXIT: u32 = 0x48f;
const TRUE_ENTRY: u32 = 0x490;

pub mod pin {
    pub const EXTERNAL_INTERRUPT: u32 = 1 << 0;
    pub const NMI: u32 = 1 << 3;
    pub const VIRTUAL_NMI: u32 = 1 << 5;
}
pub mod proc {
    pub const INTR_WINDOW: u32 = 1 << 2;
    pub const TSC_OFFSET: u32 = 1 << 3;
    pub const HLT: u32 = 1 << 7;
    pub const MWAIT: u32 = 1 << 10;
    pub const RDPMC: u32 = 1 << 11;
    pub const RDTSC: u32 = 1 << 12;
    pub const CR3_LOAD: u32 = 1 << 15;
    pub const TPR_SHADOW: u32 = 1 << 21;
    pub const NMI_WINDOW: u32 = 1 << 22;
    pub const IO: u32 = 1 << 24;
    pub const MSR_BITMAP: u32 = 1 << 28;
    pub const MONITOR: u32 = 1 << 29;
    pub const PAUSE: u32 = 1 << 30;
    pub const SECONDARY: u32 = 1 << 31;
}
pub mod proc2 {
    pub const EPT: u32 = 1 << 1;
    pub const RDTSCP: u32 = 1 << 3;
    pub const VPID: u32 = 1 << 5;
    pub const UNRESTRICTED: u32 = 1 << 7;
    pub const INVPCID: u32 = 1 << 12;
}
pub mod exit {
    pub const SAVE_DEBUG: u32 = 1 << 2;
    pub const HOST_64: u32 = 1 << 9;
    pub const SAVE_PAT: u32 = 1 << 18;
    pub const LOAD_PAT: u32 = 1 << 19;
    pub const SAVE_EFER: u32 = 1 << 20;
    pub const LOAD_EFER: u32 = 1 << 21;
}
pub mod entry {
    pub const LOAD_DEBUG: u32 = 1 << 2;
    pub const IA32E_GUEST: u32 = 1 << 9;
    pub const LOAD_PAT: u32 = 1 << 14;
    pub const LOAD_EFER: u32 = 1 << 15;
}

pub static REVISION: AtomicU64 = AtomicU64::new(0);
pub static PIN_CTL: AtomicU64 = AtomicU64::new(0);
pub static PROC_CTL: AtomicU64 = AtomicU64::new(0);
pub static PROC2_CTL: AtomicU64 = AtomicU64::new(0);
pub static EXIT_CTL: AtomicU64 = AtomicU64::new(0);
pub static ENTRY_CTL: AtomicU64 = AtomicU64::new(0);
/// EPT/VPID capabilities (IA32_VMX_EPT_VPID_CAP).
pub static EPT_CAPS: AtomicU64 = AtomicU64::new(0);
/// CR0 and CR4 bits that must be 1 / may be 1 in VMX operation (CR0.PE and
/// CR0.PG are free with unrestricted guests).
pub static CR0_MUST: AtomicU64 = AtomicU64::new(0);
pub static CR0_MAY: AtomicU64 = AtomicU64::new(0);
pub static CR4_MUST: AtomicU64 = AtomicU64::new(0);
pub static CR4_MAY: AtomicU64 = AtomicU64::new(0);

pub fn msr(index: u32) -> u64 {
    // SAFETY: only VMX capability MSRs are read, after CPUID reported VMX.
    unsafe { Msr::new(index).read() }
}

/// `wanted | required` if every bit of `needed` is allowed.
fn adjust(msr_index: u32, wanted: u32, needed: u32) -> Option<u32> {
    let m = msr(msr_index);
    let (must, may) = (m as u32, (m >> 32) as u32);
    (may & needed == needed).then_some((wanted | must) & may)
}

/// Reads the capabilities and picks the controls; `None` if this CPU lacks
/// something the hypervisor needs (EPT with write-back 4-level tables and
/// INVEPT, unrestricted guests, the MSR bitmap, a TPR shadow).
pub fn read() -> Option<()> {
    let basic = msr(BASIC);
    let true_ctls = basic & (1 << 55) != 0;
    let pick = |plain, tru| if true_ctls { tru } else { plain };
    REVISION.store(basic & 0x7fff_ffff, Ordering::Relaxed);
    let pin_need = pin::EXTERNAL_INTERRUPT | pin::NMI | pin::VIRTUAL_NMI;
    let pin = adjust(pick(PIN, TRUE_PIN), pin_need, pin_need)?;
    let proc_need = proc::HLT
        | proc::IO
        | proc::MSR_BITMAP
        | proc::SECONDARY
        | proc::TSC_OFFSET
        | proc::TPR_SHADOW
        | proc::MWAIT
        | proc::MONITOR
        | proc::RDPMC;
    // Guest CR3 accesses need no exits with EPT: CR3-load and -store exiting
    // stay off unless the CPU insists (then they exit as CR accesses).
    let proc = adjust(pick(PROC, TRUE_PROC), proc_need, proc_need)?;
    let proc2_need = proc2::EPT | proc2::UNRESTRICTED;
    let proc2_want = proc2_need | proc2::RDTSCP | proc2::VPID | proc2::INVPCID;
    let proc2 = adjust(PROC2, proc2_want, proc2_need)?;
    let exit_need =
        exit::HOST_64 | exit::SAVE_EFER | exit::LOAD_EFER | exit::SAVE_PAT | exit::LOAD_PAT;
    // DR7 and DEBUGCTL are the guest's across exits where the CPU saves them.
    let exit = adjust(
        pick(EXIT, TRUE_EXIT),
        exit_need | exit::SAVE_DEBUG,
        exit_need,
    )?;
    let entry_need = entry::LOAD_EFER | entry::LOAD_PAT | entry::LOAD_DEBUG;
    let entry = adjust(pick(ENTRY, TRUE_ENTRY), entry_need, entry_need)? & !entry::IA32E_GUEST;
    let ept = msr(EPT_VPID);
    // 4-level walks (bit 6), write-back tables (14), INVEPT (20) with a
    // single- or all-context type (25, 26).
    let ept_ok = ept & (1 << 6) != 0 && ept & (1 << 14) != 0 && ept & (1 << 20) != 0;
    if !ept_ok || ept & (3 << 25) == 0 {
        return None;
    }
    PIN_CTL.store(u64::from(pin), Ordering::Relaxed);
    PROC_CTL.store(u64::from(proc), Ordering::Relaxed);
    PROC2_CTL.store(u64::from(proc2), Ordering::Relaxed);
    EXIT_CTL.store(u64::from(exit), Ordering::Relaxed);
    ENTRY_CTL.store(u64::from(entry), Ordering::Relaxed);
    EPT_CAPS.store(ept, Ordering::Relaxed);
    const PE_PG: u64 = 1 | (1 << 31);
    CR0_MUST.store(msr(CR0_FIXED0) & !PE_PG, Ordering::Relaxed);
    CR0_MAY.store(msr(CR0_FIXED1), Ordering::Relaxed);
    CR4_MUST.store(msr(CR4_FIXED0), Ordering::Relaxed);
    CR4_MAY.store(msr(CR4_FIXED1), Ordering::Relaxed);
    Some(())
}

pub fn get(s: &AtomicU64) -> u64 {
    s.load(Ordering::Relaxed)
}

/// Whether vCPUs get VPIDs. With EPT the CPU caches guest translations by
/// EPT pointer (and VPID), so INVEPT alone flushes what a guest space lost.
pub fn vpid() -> bool {
    get(&PROC2_CTL) as u32 & proc2::VPID != 0
}

/// Whether INVEPT can flush one EPT pointer (else it flushes all).
pub fn invept_single() -> bool {
    get(&EPT_CAPS) & (1 << 25) != 0
}

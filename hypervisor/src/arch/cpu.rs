//! CPU identification and the control-register setup every CPU shares.

use raw_cpuid::CpuId;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::Msr;

const IA32_FEATURE_CONTROL: u32 = 0x3A;
const IA32_VMX_PROCBASED_CTLS: u32 = 0x482;
const IA32_VMX_PROCBASED_CTLS2: u32 = 0x48B;
const VM_CR: u32 = 0xC001_0114;

/// What the hypervisor needs to know about the CPU.
#[derive(Clone, Copy)]
pub struct Features {
    pub vendor: [u8; 12],
    pub vmx_ept: bool,
    pub svm_npt: bool,
    pub x2apic: bool,
    pub tsc_deadline: bool,
    pub invariant_tsc: bool,
    smep: bool,
    smap: bool,
}

fn read_msr(msr: u32) -> u64 {
    // SAFETY: callers only read MSRs that CPUID says exist.
    unsafe { Msr::new(msr).read() }
}

/// VMX is usable with EPT: present, not locked off by firmware, and the
/// secondary controls can enable EPT (bit 1 of their allowed-1 settings).
fn detect_vmx_ept(cpuid: &CpuId<raw_cpuid::CpuIdReaderNative>) -> bool {
    let vmx = cpuid.get_feature_info().is_some_and(|f| f.has_vmx());
    if !vmx {
        return false;
    }
    let control = read_msr(IA32_FEATURE_CONTROL);
    let locked = control & 1 != 0;
    let vmx_outside_smx = control & (1 << 2) != 0;
    if locked && !vmx_outside_smx {
        return false;
    }
    let secondary_allowed = read_msr(IA32_VMX_PROCBASED_CTLS) & (1 << 63) != 0;
    secondary_allowed && read_msr(IA32_VMX_PROCBASED_CTLS2) & (1 << 33) != 0
}

/// SVM is usable with nested paging and not disabled by firmware (VM_CR).
fn detect_svm_npt(cpuid: &CpuId<raw_cpuid::CpuIdReaderNative>) -> bool {
    let svm = cpuid
        .get_extended_processor_and_feature_identifiers()
        .is_some_and(|f| f.has_svm());
    svm && cpuid.get_svm_info().is_some_and(|s| s.has_nested_paging())
        && read_msr(VM_CR) & (1 << 4) == 0
}

/// Reads the features of the executing CPU.
pub fn detect() -> Features {
    let cpuid = CpuId::new();
    let mut vendor = [0u8; 12];
    if let Some(v) = cpuid.get_vendor_info() {
        let s = v.as_str().as_bytes();
        let n = s.len().min(12);
        vendor[..n].copy_from_slice(&s[..n]);
    }
    let f = cpuid.get_feature_info();
    let ext = cpuid.get_extended_feature_info();
    Features {
        vendor,
        vmx_ept: detect_vmx_ept(&cpuid),
        svm_npt: detect_svm_npt(&cpuid),
        x2apic: f.as_ref().is_some_and(|f| f.has_x2apic()),
        tsc_deadline: f.as_ref().is_some_and(|f| f.has_tsc_deadline()),
        invariant_tsc: cpuid
            .get_advanced_power_mgmt_info()
            .is_some_and(|p| p.has_invariant_tsc()),
        smep: ext.as_ref().is_some_and(|e| e.has_smep()),
        smap: ext.as_ref().is_some_and(|e| e.has_smap()),
    }
}

/// Control registers for the kernel and for user code: SSE usable in ring 3
/// (the kernel itself never touches vector registers), and the kernel kept
/// from executing (SMEP) or touching (SMAP) user pages by accident; it reads
/// user memory only through the direct map after checking the user's rights.
pub fn setup_control_registers(features: &Features) {
    let mut cr0 = Cr0::read();
    cr0.remove(Cr0Flags::EMULATE_COPROCESSOR);
    cr0.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::WRITE_PROTECT | Cr0Flags::NUMERIC_ERROR);
    let mut cr4 = Cr4::read();
    cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE | Cr4Flags::PAGE_GLOBAL);
    if features.smep {
        cr4.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
    }
    if features.smap {
        cr4.insert(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
    }
    // SAFETY: these bits only change how ring 3 may use SSE and what ring 0
    // may do with user pages; the kernel relies on neither.
    unsafe {
        Cr0::write(cr0);
        Cr4::write(cr4);
    }
}

/// The local APIC ID of the executing CPU (x2APIC ID where CPUID has it).
pub fn apic_id() -> u32 {
    let cpuid = CpuId::new();
    if let Some(id) = cpuid
        .get_extended_topology_info()
        .and_then(|mut t| t.next())
        .map(|l| l.x2apic_id())
    {
        return id;
    }
    cpuid
        .get_feature_info()
        .map_or(0, |f| u32::from(f.initial_local_apic_id()))
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

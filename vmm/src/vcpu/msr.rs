//! MSRs the VMM answers itself, beyond the APIC's (which the platform
//! owns). The hypervisor passes the syscall, SYSENTER, FS/GS-base and PAT
//! MSRs through (or keeps them in the vCPU state); what reaches the VMM is
//! everything else.
//!
//! A guest kernel probes many MSRs; the ones a PC without those features
//! would still answer get their power-on values (reads) and accept writes
//! without effect; the rest raise #GP, which is what a kernel expects of
//! an MSR its CPUID did not promise.

use abi::vcpu::VcpuState;

/// IA32_EFER: part of the vCPU state the hypervisor switches, but writes
/// are the VMM's to check.
pub const EFER: u32 = 0xc000_0080;
const EFER_SCE: u64 = 1 << 0;
const EFER_LME: u64 = 1 << 8;
const EFER_LMA: u64 = 1 << 10;
const EFER_NXE: u64 = 1 << 11;

/// The EFER a guest write of `v` leaves, or `None` for #GP: reserved bits
/// (SVME among them: no nested virtualization), or LME changed while
/// paging is on. LMA is the processor's and keeps its value.
pub fn efer(state: &VcpuState, v: u64) -> Option<u64> {
    if v & !(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE) != 0 {
        return None;
    }
    let paging = state.cr0 & (1 << 31) != 0;
    if paging && (v ^ state.efer) & EFER_LME != 0 {
        return None;
    }
    Some((v & !EFER_LMA) | (state.efer & EFER_LMA))
}

/// IA32_MISC_ENABLE: fast strings (bit 0) on, as firmware leaves it.
const MISC_ENABLE: u32 = 0x1a0;
/// What a guest reads from the MSRs this module knows, `None` for #GP.
pub fn read(msr: u32) -> Option<u64> {
    Some(match msr {
        MISC_ENABLE => 1,
        // IA32_MTRRCAP: no variable ranges, no fixed ranges, no WC: the
        // guest's memory types come from PAT alone.
        0xfe => 0,
        // IA32_MTRR_DEF_TYPE: MTRRs off.
        0x2ff => 0,
        // IA32_PLATFORM_ID, IA32_BIOS_SIGN_ID (microcode), IA32_FEATURE_CONTROL
        // (locked, VMX off), MCG_CAP/MCG_STATUS (no banks).
        0x17 | 0x8b | 0x179 | 0x17a => 0,
        0x3a => 1,
        // AMD: HWCR, SYSCFG, VM_CR (SVM disabled and locked), OSVW.
        0xc001_0015 | 0xc001_0010 => 0,
        0xc001_0114 => 0x18,
        0xc001_0140 | 0xc001_0141 => 0,
        _ => return None,
    })
}

/// Whether a guest write to `msr` is accepted (and dropped).
pub fn write(msr: u32, value: u64) -> bool {
    match msr {
        MISC_ENABLE | 0x8b | 0x17a | 0xc001_0015 => true,
        0x2ff => value == 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_msrs_read_their_power_on_values_and_others_fault() {
        assert_eq!(read(0x1a0), Some(1));
        assert_eq!(read(0x3a), Some(1), "feature control locked, VMX off");
        assert_eq!(read(0xfe), Some(0));
        assert_eq!(read(0x12345), None);
        assert!(write(0x1a0, 0));
        assert!(write(0x2ff, 0));
        assert!(!write(0x2ff, 0xc06), "MTRRs cannot be enabled");
        assert!(!write(0x3a, 5), "feature control is locked");
        assert!(!write(0x12345, 0));
    }

    #[test]
    fn efer_takes_sce_lme_nxe_and_keeps_lma() {
        let mut s = VcpuState::default();
        assert_eq!(efer(&s, EFER_LME | EFER_NXE), Some(EFER_LME | EFER_NXE));
        assert_eq!(efer(&s, EFER_LMA), Some(0), "LMA is not the guest's to set");
        assert_eq!(efer(&s, 1 << 12), None, "SVME");
        s.cr0 = 1 << 31;
        s.efer = EFER_LME | EFER_LMA;
        assert_eq!(efer(&s, 0), None, "LME cleared with paging on");
        assert_eq!(
            efer(&s, EFER_LME | EFER_SCE),
            Some(EFER_LME | EFER_LMA | EFER_SCE)
        );
    }
}

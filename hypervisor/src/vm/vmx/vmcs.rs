//! The VMCS: Intel's per-vCPU control structure, reached only through
//! VMREAD/VMWRITE on the CPU that has it loaded (Intel SDM vol. 3, appendix
//! B, for the field encodings).

/// Field encodings the hypervisor uses.
pub mod field {
    pub const VPID: u32 = 0x0000;
    pub const GUEST_ES_SEL: u32 = 0x0800;
    pub const HOST_ES_SEL: u32 = 0x0c00;
    pub const HOST_CS_SEL: u32 = 0x0c02;
    pub const HOST_SS_SEL: u32 = 0x0c04;
    pub const HOST_DS_SEL: u32 = 0x0c06;
    pub const HOST_FS_SEL: u32 = 0x0c08;
    pub const HOST_GS_SEL: u32 = 0x0c0a;
    pub const HOST_TR_SEL: u32 = 0x0c0c;
    pub const MSR_BITMAP: u32 = 0x2004;
    pub const TSC_OFFSET: u32 = 0x2010;
    pub const VIRTUAL_APIC: u32 = 0x2012;
    pub const EPTP: u32 = 0x201a;
    pub const GUEST_PHYSICAL: u32 = 0x2400;
    pub const LINK_POINTER: u32 = 0x2800;
    pub const GUEST_PAT: u32 = 0x2804;
    pub const GUEST_EFER: u32 = 0x2806;
    pub const GUEST_DEBUGCTL: u32 = 0x2802;
    pub const GUEST_PDPTE0: u32 = 0x280a;
    pub const HOST_PAT: u32 = 0x2c00;
    pub const HOST_EFER: u32 = 0x2c02;
    pub const PIN_CONTROLS: u32 = 0x4000;
    pub const PROC_CONTROLS: u32 = 0x4002;
    pub const EXCEPTION_BITMAP: u32 = 0x4004;
    pub const PF_ERROR_MASK: u32 = 0x4006;
    pub const PF_ERROR_MATCH: u32 = 0x4008;
    pub const CR3_TARGET_COUNT: u32 = 0x400a;
    pub const EXIT_CONTROLS: u32 = 0x400c;
    pub const EXIT_MSR_STORE_COUNT: u32 = 0x400e;
    pub const EXIT_MSR_LOAD_COUNT: u32 = 0x4010;
    pub const ENTRY_CONTROLS: u32 = 0x4012;
    pub const ENTRY_MSR_LOAD_COUNT: u32 = 0x4014;
    pub const ENTRY_INTR_INFO: u32 = 0x4016;
    pub const ENTRY_EXCEPTION_ERROR: u32 = 0x4018;
    pub const ENTRY_INSTRUCTION_LEN: u32 = 0x401a;
    pub const TPR_THRESHOLD: u32 = 0x401c;
    pub const PROC2_CONTROLS: u32 = 0x401e;
    pub const INSTRUCTION_ERROR: u32 = 0x4400;
    pub const EXIT_REASON: u32 = 0x4402;
    pub const EXIT_INTR_INFO: u32 = 0x4404;
    pub const EXIT_INTR_ERROR: u32 = 0x4406;
    pub const IDT_VECTORING_INFO: u32 = 0x4408;
    pub const IDT_VECTORING_ERROR: u32 = 0x440a;
    pub const EXIT_INSTRUCTION_LEN: u32 = 0x440c;
    pub const GUEST_ES_LIMIT: u32 = 0x4800;
    pub const GUEST_GDTR_LIMIT: u32 = 0x4810;
    pub const GUEST_IDTR_LIMIT: u32 = 0x4812;
    pub const GUEST_ES_AR: u32 = 0x4814;
    pub const GUEST_INTERRUPTIBILITY: u32 = 0x4824;
    pub const GUEST_ACTIVITY: u32 = 0x4826;
    pub const GUEST_SYSENTER_CS: u32 = 0x482a;
    pub const HOST_SYSENTER_CS: u32 = 0x4c00;
    pub const CR0_MASK: u32 = 0x6000;
    pub const CR4_MASK: u32 = 0x6002;
    pub const CR0_SHADOW: u32 = 0x6004;
    pub const CR4_SHADOW: u32 = 0x6006;
    pub const EXIT_QUALIFICATION: u32 = 0x6400;
    pub const GUEST_CR0: u32 = 0x6800;
    pub const GUEST_CR3: u32 = 0x6802;
    pub const GUEST_CR4: u32 = 0x6804;
    pub const GUEST_ES_BASE: u32 = 0x6806;
    pub const GUEST_GDTR_BASE: u32 = 0x6816;
    pub const GUEST_IDTR_BASE: u32 = 0x6818;
    pub const GUEST_DR7: u32 = 0x681a;
    pub const GUEST_RSP: u32 = 0x681c;
    pub const GUEST_RIP: u32 = 0x681e;
    pub const GUEST_RFLAGS: u32 = 0x6820;
    pub const GUEST_PENDING_DEBUG: u32 = 0x6822;
    pub const GUEST_SYSENTER_ESP: u32 = 0x6824;
    pub const GUEST_SYSENTER_EIP: u32 = 0x6826;
    pub const HOST_CR0: u32 = 0x6c00;
    pub const HOST_CR3: u32 = 0x6c02;
    pub const HOST_CR4: u32 = 0x6c04;
    pub const HOST_FS_BASE: u32 = 0x6c06;
    pub const HOST_GS_BASE: u32 = 0x6c08;
    pub const HOST_TR_BASE: u32 = 0x6c0a;
    pub const HOST_GDTR_BASE: u32 = 0x6c0c;
    pub const HOST_IDTR_BASE: u32 = 0x6c0e;
    pub const HOST_SYSENTER_ESP: u32 = 0x6c10;
    pub const HOST_SYSENTER_EIP: u32 = 0x6c12;
    pub const HOST_RSP: u32 = 0x6c14;
    pub const HOST_RIP: u32 = 0x6c16;
}

/// Reads a field of the VMCS loaded on this CPU (0 if the read fails).
pub fn read(f: u32) -> u64 {
    let value: u64;
    // SAFETY: VMREAD only reads the current VMCS; callers run on the CPU
    // that loaded the vCPU's VMCS (`super::load`), and a failed read leaves
    // the flags set and the value 0, which callers treat as an empty field.
    unsafe {
        core::arch::asm!("xor {v:e}, {v:e}", "vmread {v}, {f}", f = in(reg) u64::from(f), v = out(reg) value, options(nostack))
    };
    value
}

/// Writes a field of the VMCS loaded on this CPU.
pub fn write(f: u32, value: u64) {
    // SAFETY: VMWRITE changes only the current VMCS, which belongs to the
    // vCPU being set up or run here; invalid values are caught by the
    // VM-entry checks, not by memory corruption.
    unsafe {
        core::arch::asm!("vmwrite {f}, {v}", f = in(reg) u64::from(f), v = in(reg) value, options(nostack))
    };
}

/// The guest segment fields of segment `i` (ES, CS, SS, DS, FS, GS, LDTR,
/// TR in encoding order): selector, limit, attributes, base.
pub fn segment_fields(i: u32) -> (u32, u32, u32, u32) {
    (
        field::GUEST_ES_SEL + 2 * i,
        field::GUEST_ES_LIMIT + 2 * i,
        field::GUEST_ES_AR + 2 * i,
        field::GUEST_ES_BASE + 2 * i,
    )
}

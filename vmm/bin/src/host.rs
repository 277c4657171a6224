//! What the VMM reads off the host CPU for its guests.

/// The host's CPUID leaf/subleaf as [eax, ebx, ecx, edx].
pub fn cpuid(leaf: u32, sub: u32) -> [u32; 4] {
    let r = core::arch::x86_64::__cpuid_count(leaf, sub);
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// The XCR0 bits this CPU supports (CPUID 0xd.0 EDX:EAX), x87 at least.
pub fn xcr0_mask() -> u64 {
    if cpuid(1, 0)[2] & (1 << 26) == 0 {
        return 1;
    }
    let [eax, _, _, edx] = cpuid(0xd, 0);
    (u64::from(edx) << 32 | u64::from(eax)) | 1
}

//! What CPUID tells a guest: the host's answer, with what the VMM does not
//! offer taken out and what it emulates put in.
//!
//! Taken out: VMX and SVM (no nested virtualization), MONITOR/MWAIT (not
//! intercepted: a guest would sleep in it unseen), the host's APIC IDs and
//! topology (replaced by the guest's), performance monitoring (leaf 0xa:
//! no PMU is virtualized). Put in: the local APIC, x2APIC and TSC-deadline
//! (all emulated), the hypervisor-present bit and a vendor leaf at
//! 0x40000000 ("NOVArsNOVArs"), and ARAT (the emulated APIC timer keeps
//! running in deep C-states, since there are none).

/// CPUID leaf and subleaf → (eax, ebx, ecx, edx), as the host answers.
pub type HostCpuid<'a> = &'a dyn Fn(u32, u32) -> [u32; 4];

const HYPERVISOR_LEAF: u32 = 0x4000_0000;

/// The guest's answer for `leaf`/`sub` on vCPU `vcpu` of `cpus`.
pub fn guest_cpuid(host: HostCpuid, leaf: u32, sub: u32, vcpu: u32, cpus: u32) -> [u32; 4] {
    let mut r = host(leaf, sub);
    match leaf {
        1 => {
            // EBX: APIC ID 31-24, logical processors 23-16, CLFLUSH 15-8.
            r[1] = (r[1] & 0xffff) | ((cpus.min(255) & 0xff) << 16) | (vcpu << 24);
            let drop_ecx = (1 << 3) | (1 << 5) | (1 << 6); // MONITOR, VMX, SMX
            let add_ecx = (1 << 21) | (1 << 24) | (1 << 31); // x2APIC, TSC-deadline, hypervisor
            r[2] = (r[2] & !drop_ecx) | add_ecx;
            // EDX: APIC (9), HTT (28) for the logical count above.
            r[3] |= (1 << 9) | (1 << 28);
        }
        5 | 0xa => r = [0; 4],
        6 => r[0] |= 1 << 2,
        0xb | 0x1f => r = topology(sub, vcpu, cpus),
        HYPERVISOR_LEAF => {
            let sig = *b"NOVArsNOVArs";
            let word = |i: usize| u32::from_le_bytes([sig[i], sig[i + 1], sig[i + 2], sig[i + 3]]);
            r = [HYPERVISOR_LEAF, word(0), word(4), word(8)];
        }
        0x4000_0001..=0x4000_00ff => r = [0; 4],
        0x8000_0001 => r[2] &= !(1 << 2), // SVM
        _ => {}
    }
    r
}

/// Leaf 0xb/0x1f: one thread per core, `cpus` cores, x2APIC ID = vCPU.
fn topology(sub: u32, vcpu: u32, cpus: u32) -> [u32; 4] {
    let core_bits = 32 - cpus.saturating_sub(1).leading_zeros();
    match sub {
        // SMT level: shift 0, one logical processor.
        0 => [0, 1, (1 << 8), vcpu],
        // Core level.
        1 => [core_bits, cpus, (2 << 8) | 1, vcpu],
        _ => [0, 0, sub & 0xff, vcpu],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(leaf: u32, _sub: u32) -> [u32; 4] {
        match leaf {
            1 => [0x806f8, 0x0401_0800, 0xfffa_32ff, 0xbfeb_fbff & !(1 << 9)],
            5 => [0x40, 0x40, 3, 0x11],
            0x8000_0001 => [0, 0, 0xffff_ffff, 0],
            _ => [leaf, 1, 2, 3],
        }
    }

    #[test]
    fn leaf_1_names_the_vcpu_and_offers_the_emulated_apic() {
        let [_, ebx, ecx, edx] = guest_cpuid(&host, 1, 0, 3, 4);
        assert_eq!(ebx >> 24, 3);
        assert_eq!((ebx >> 16) & 0xff, 4);
        assert_eq!(ebx & 0xffff, 0x0800, "CLFLUSH size kept");
        assert_eq!(ecx & (1 << 5), 0, "no VMX");
        assert_eq!(ecx & (1 << 3), 0, "no MONITOR");
        assert_ne!(ecx & (1 << 21), 0, "x2APIC");
        assert_ne!(ecx & (1 << 24), 0, "TSC deadline");
        assert_ne!(ecx & (1 << 31), 0, "hypervisor");
        assert_ne!(edx & (1 << 9), 0, "APIC");
    }

    #[test]
    fn svm_monitor_and_pmu_are_hidden() {
        assert_eq!(guest_cpuid(&host, 0x8000_0001, 0, 0, 1)[2] & (1 << 2), 0);
        assert_eq!(guest_cpuid(&host, 5, 0, 0, 1), [0; 4]);
        assert_eq!(guest_cpuid(&host, 0xa, 0, 0, 1), [0; 4]);
    }

    #[test]
    fn the_vendor_leaf_and_the_topology_are_ours() {
        let r = guest_cpuid(&host, 0x4000_0000, 0, 0, 1);
        assert_eq!(&r[1].to_le_bytes(), b"NOVA");
        assert_eq!(&r[2].to_le_bytes(), b"rsNO");
        assert_eq!(guest_cpuid(&host, 0xb, 0, 2, 4), [0, 1, 0x100, 2]);
        assert_eq!(guest_cpuid(&host, 0xb, 1, 2, 4), [2, 4, 0x201, 2]);
        assert_eq!(guest_cpuid(&host, 0xb, 2, 2, 4)[1], 0, "no further level");
        assert_eq!(guest_cpuid(&host, 0xb, 1, 0, 1)[0], 0);
        assert_eq!(
            guest_cpuid(&host, 7, 0, 0, 1),
            [7, 1, 2, 3],
            "others pass through"
        );
    }
}

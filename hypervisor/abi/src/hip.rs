//! The hypervisor information page (HIP): what the hypervisor tells the root
//! PD about the machine at start. One read-only 4 KiB page, mapped at
//! [`crate::ROOT_HIP_ADDRESS`].
//!
//! Fixed-size arrays with counts keep the layout a plain `#[repr(C)]` value
//! that both sides read without parsing; the size is checked below to fit a
//! page.

/// "HIP1" in little-endian byte order, so a reader can tell it found a HIP.
pub const HIP_MAGIC: u32 = u32::from_le_bytes(*b"HIP1");
/// CPUs the HIP can describe.
pub const HIP_MAX_CPUS: usize = 64;
/// Memory-map entries the HIP can carry.
pub const HIP_MAX_MEMORY: usize = 64;
/// Boot modules the HIP can carry.
pub const HIP_MAX_MODULES: usize = 16;
/// Bytes for the command lines (hypervisor's and modules').
pub const HIP_STRINGS: usize = 1024;

/// Kinds of memory-map entries.
pub mod mem_kind {
    /// RAM the root PD may use: mapped in its physical window
    /// ([`crate::cap::PHYS_WINDOW`]) and used by nothing else.
    pub const USABLE: u32 = 1;
    /// Not RAM for anyone (firmware, MMIO holes, ...).
    pub const RESERVED: u32 = 2;
    /// ACPI tables; reclaimable after they have been read.
    pub const ACPI_RECLAIMABLE: u32 = 3;
    /// ACPI non-volatile storage.
    pub const ACPI_NVS: u32 = 4;
    /// Memory the firmware reported as faulty.
    pub const BAD: u32 = 5;
    /// RAM the hypervisor keeps for itself (its image, page tables, heap).
    pub const HYPERVISOR: u32 = 6;
    /// A boot module's image: mapped in the root PD's physical window, to be
    /// read (and reused once read).
    pub const MODULE: u32 = 7;
    /// Not RAM and not claimed by the firmware: device memory (MMIO) below
    /// 4 GiB, mapped uncached in the root PD's physical window.
    pub const DEVICE: u32 = 8;
}

/// CPU features the hypervisor found (bits of [`Hip::features`]).
pub mod feature {
    /// Intel VMX with EPT: the VMX virtualization backend can run.
    pub const VMX_EPT: u64 = 1 << 0;
    /// AMD SVM with nested paging: the SVM backend can run.
    pub const SVM_NPT: u64 = 1 << 1;
    /// The local APICs run in x2APIC mode.
    pub const X2APIC: u64 = 1 << 2;
    /// The APIC timer runs in TSC-deadline mode.
    pub const TSC_DEADLINE: u64 = 1 << 3;
    /// The TSC runs at a constant rate (invariant TSC).
    pub const INVARIANT_TSC: u64 = 1 << 4;
}

/// One CPU that the hypervisor brought online.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HipCpu {
    /// Local APIC ID.
    pub apic_id: u32,
    /// The ACPI processor UID from the MADT.
    pub acpi_uid: u32,
}

/// One memory-map entry: `[base, base + size)` of `kind` ([`mem_kind`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HipMemory {
    pub base: u64,
    pub size: u64,
    pub kind: u32,
    pub _reserved: u32,
}

/// A boot module: its physical image and command line (a slice of
/// [`Hip::strings`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HipModule {
    pub base: u64,
    pub size: u64,
    pub cmdline: HipString,
    pub _reserved: u32,
}

/// A string stored in [`Hip::strings`] by offset and length.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HipString {
    pub offset: u16,
    pub len: u16,
}

/// The hypervisor information page.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Hip {
    pub magic: u32,
    /// Size of this structure in bytes, for layout checks by readers.
    pub size: u32,
    /// Bits of [`feature`].
    pub features: u64,
    /// TSC frequency in kHz as calibrated by the hypervisor.
    pub tsc_khz: u64,
    /// Number of valid entries in `cpus`: the CPUs that are online.
    pub cpu_count: u32,
    pub memory_count: u32,
    pub module_count: u32,
    /// The hypervisor's own command line.
    pub cmdline: HipString,
    /// GSIs the IOAPICs have; GSI `n`'s semaphore is at selector
    /// [`crate::cap::root::GSI_BASE`]` + n` in the root PD.
    pub gsi_count: u32,
    /// MSI semaphores, at the selectors following the GSI semaphores.
    pub msi_count: u32,
    pub cpus: [HipCpu; HIP_MAX_CPUS],
    pub memory: [HipMemory; HIP_MAX_MEMORY],
    pub modules: [HipModule; HIP_MAX_MODULES],
    pub strings: [u8; HIP_STRINGS],
}

const _: () = assert!(core::mem::size_of::<Hip>() <= 4096);

impl Hip {
    /// An empty HIP with the magic and size filled in.
    pub const fn new() -> Self {
        Self {
            magic: HIP_MAGIC,
            size: core::mem::size_of::<Hip>() as u32,
            features: 0,
            tsc_khz: 0,
            cpu_count: 0,
            memory_count: 0,
            module_count: 0,
            cmdline: HipString { offset: 0, len: 0 },
            gsi_count: 0,
            msi_count: 0,
            cpus: [HipCpu {
                apic_id: 0,
                acpi_uid: 0,
            }; HIP_MAX_CPUS],
            memory: [HipMemory {
                base: 0,
                size: 0,
                kind: 0,
                _reserved: 0,
            }; HIP_MAX_MEMORY],
            modules: [HipModule {
                base: 0,
                size: 0,
                cmdline: HipString { offset: 0, len: 0 },
                _reserved: 0,
            }; HIP_MAX_MODULES],
            strings: [0; HIP_STRINGS],
        }
    }

    /// Whether the page looks like a HIP of this layout.
    pub fn is_valid(&self) -> bool {
        self.magic == HIP_MAGIC && self.size as usize == core::mem::size_of::<Hip>()
    }

    /// Stores `s` in the string area; `None` when it is full.
    pub fn add_string(&mut self, used: &mut usize, s: &[u8]) -> Option<HipString> {
        let end = used.checked_add(s.len())?;
        let dest = self.strings.get_mut(*used..end)?;
        dest.copy_from_slice(s);
        let hs = HipString {
            offset: u16::try_from(*used).ok()?,
            len: u16::try_from(s.len()).ok()?,
        };
        *used = end;
        Some(hs)
    }

    /// The bytes of a stored string; empty if the reference is out of range.
    pub fn string(&self, s: HipString) -> &[u8] {
        let start = usize::from(s.offset);
        self.strings
            .get(start..start + usize::from(s.len))
            .unwrap_or(&[])
    }

    /// The online CPUs.
    pub fn cpus(&self) -> &[HipCpu] {
        &self.cpus[..(self.cpu_count as usize).min(HIP_MAX_CPUS)]
    }

    /// The memory map.
    pub fn memory(&self) -> &[HipMemory] {
        &self.memory[..(self.memory_count as usize).min(HIP_MAX_MEMORY)]
    }

    /// The selector of the root PD's semaphore for MSI number `n`.
    pub fn msi_selector(&self, n: u32) -> crate::Selector {
        crate::cap::root::GSI_BASE + u64::from(self.gsi_count) + u64::from(n)
    }

    /// The boot modules.
    pub fn modules(&self) -> &[HipModule] {
        &self.modules[..(self.module_count as usize).min(HIP_MAX_MODULES)]
    }
}

impl Default for Hip {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_stored_until_the_area_is_full() {
        let mut hip = Hip::new();
        let mut used = 0;
        let a = hip.add_string(&mut used, b"exit=debug").unwrap();
        let b = hip
            .add_string(&mut used, b"root-pd.elf then=poweroff")
            .unwrap();
        assert_eq!(hip.string(a), b"exit=debug");
        assert_eq!(hip.string(b), b"root-pd.elf then=poweroff");
        let big = [b'x'; HIP_STRINGS];
        assert_eq!(hip.add_string(&mut used, &big), None);
        assert_eq!(
            hip.string(b),
            b"root-pd.elf then=poweroff",
            "a refused string changes nothing"
        );
    }

    #[test]
    fn counts_beyond_the_arrays_are_clamped_and_bad_strings_are_empty() {
        let mut hip = Hip::new();
        assert!(hip.is_valid());
        hip.cpu_count = 1000;
        assert_eq!(hip.cpus().len(), HIP_MAX_CPUS);
        assert_eq!(
            hip.string(HipString {
                offset: 1020,
                len: 100
            }),
            b""
        );
        hip.magic = 0;
        assert!(!hip.is_valid());
    }
}

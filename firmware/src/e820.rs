//! The guest's physical memory map, in the terms of the BIOS E820 call
//! (INT 15h, AX=E820h) that Multiboot and Linux pass on to the kernel.
//!
//! The guest has `ram` bytes of RAM from guest-physical 0 and the PC's
//! fixed holes in it:
//!
//! | range                     | kind       | why                                  |
//! |---------------------------|------------|--------------------------------------|
//! | `0..0x9fc00`              | RAM        | conventional memory                  |
//! | `0x9fc00..0xa0000`        | reserved   | the EBDA a BIOS keeps below 640 KiB  |
//! | `0xa0000..0xf0000`        | (absent)   | VGA window and option ROMs: no RAM   |
//! | `0xf0000..0x100000`       | reserved   | the BIOS area                        |
//! | `0x100000..ram`           | RAM        | extended memory                      |
//! | `0xfec00000`, one page    | reserved   | the IOAPIC's registers               |
//! | `0xfee00000`, one page    | reserved   | the local APIC's registers           |
//!
//! There is no RAM above 4 GiB yet, so RAM ends below the 32-bit device
//! window: [`MAX_RAM`] is 3 GiB, leaving 3–4 GiB for the APICs and later
//! PCI BARs. Less than 1 MiB ([`MIN_RAM`]) has no extended memory at all,
//! which no Multiboot kernel can run in; both are refused.
//!
//! The APIC pages are listed although a kernel finds them through ACPI or
//! the MP table: a kernel that trusts the map alone then knows not to place
//! anything there.

use alloc::vec;
use alloc::vec::Vec;

/// What a range of guest-physical addresses holds, with the E820 type
/// numbers as discriminants.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Usable RAM (type 1).
    Ram = 1,
    /// Not for the OS (type 2).
    Reserved = 2,
    /// ACPI tables the OS may reclaim once read (type 3).
    Acpi = 3,
    /// ACPI non-volatile storage, kept across sleep (type 4).
    Nvs = 4,
}

impl Kind {
    /// The E820 type number.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// One range of the map: `len` bytes from `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub base: u64,
    pub len: u64,
    pub kind: Kind,
}

impl Region {
    /// The first address after the region.
    pub fn end(&self) -> u64 {
        self.base.saturating_add(self.len)
    }
}

/// [`pc_map`] cannot describe a guest with this much RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Less than [`MIN_RAM`].
    TooSmall,
    /// More than [`MAX_RAM`].
    TooLarge,
}

/// The least RAM [`pc_map`] accepts: up to the start of extended memory.
pub const MIN_RAM: u64 = 0x10_0000;
/// The most RAM [`pc_map`] accepts: up to the 32-bit device window.
pub const MAX_RAM: u64 = 0xc000_0000;

/// Start of the EBDA; conventional memory ends here.
const EBDA: u64 = 0x9_fc00;
const LOW_END: u64 = 0xa_0000;
const BIOS: u64 = 0xf_0000;
const IOAPIC: u64 = 0xfec0_0000;
const LAPIC: u64 = 0xfee0_0000;
const PAGE: u64 = 0x1000;

/// The map of a PC guest with `ram` bytes of RAM from guest-physical 0
/// (see the module documentation), in ascending address order. Extended
/// memory is left out when `ram` is exactly [`MIN_RAM`].
pub fn pc_map(ram: u64) -> Result<Vec<Region>, MapError> {
    if ram < MIN_RAM {
        return Err(MapError::TooSmall);
    }
    if ram > MAX_RAM {
        return Err(MapError::TooLarge);
    }
    let r = |base: u64, end: u64, kind| Region {
        base,
        len: end - base,
        kind,
    };
    let mut map = vec![
        r(0, EBDA, Kind::Ram),
        r(EBDA, LOW_END, Kind::Reserved),
        r(BIOS, MIN_RAM, Kind::Reserved),
    ];
    if ram > MIN_RAM {
        map.push(r(MIN_RAM, ram, Kind::Ram));
    }
    map.push(r(IOAPIC, IOAPIC + PAGE, Kind::Reserved));
    map.push(r(LAPIC, LAPIC + PAGE, Kind::Reserved));
    Ok(map)
}

/// Whether `[base, base + len)` lies wholly inside one RAM region of `map`
/// (an empty range: whether `base` does, or ends one).
pub fn is_ram(map: &[Region], base: u64, len: u64) -> bool {
    let Some(end) = base.checked_add(len) else {
        return false;
    };
    map.iter()
        .any(|r| r.kind == Kind::Ram && r.base <= base && end <= r.end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(base: u64, len: u64, kind: Kind) -> Region {
        Region { base, len, kind }
    }

    #[test]
    fn pc_layout_for_128_mib() {
        let map = pc_map(128 << 20).unwrap();
        assert_eq!(
            map,
            [
                reg(0, 0x9_fc00, Kind::Ram),
                reg(0x9_fc00, 0x400, Kind::Reserved),
                reg(0xf_0000, 0x1_0000, Kind::Reserved),
                reg(0x10_0000, (128 << 20) - 0x10_0000, Kind::Ram),
                reg(0xfec0_0000, 0x1000, Kind::Reserved),
                reg(0xfee0_0000, 0x1000, Kind::Reserved),
            ]
        );
        assert!(map.windows(2).all(|w| w[0].end() <= w[1].base));
    }

    #[test]
    fn ram_limits() {
        assert_eq!(pc_map(MIN_RAM - 1), Err(MapError::TooSmall));
        assert_eq!(pc_map(0), Err(MapError::TooSmall));
        assert_eq!(pc_map(MAX_RAM + 1), Err(MapError::TooLarge));
        assert_eq!(pc_map(u64::MAX), Err(MapError::TooLarge));
        let top = pc_map(MAX_RAM).unwrap();
        assert_eq!(top[3], reg(0x10_0000, 0xc000_0000 - 0x10_0000, Kind::Ram));
        // Exactly 1 MiB: no extended memory, the rest unchanged.
        let small = pc_map(MIN_RAM).unwrap();
        assert_eq!(small.len(), 5);
        assert!(small[3..].iter().all(|r| r.kind == Kind::Reserved));
    }

    #[test]
    fn e820_type_numbers() {
        assert_eq!(Kind::Ram.code(), 1);
        assert_eq!(Kind::Reserved.code(), 2);
        assert_eq!(Kind::Acpi.code(), 3);
        assert_eq!(Kind::Nvs.code(), 4);
    }

    #[test]
    fn is_ram_needs_one_usable_region() {
        let map = pc_map(4 << 20).unwrap();
        assert!(is_ram(&map, 0, 0x9_fc00));
        assert!(!is_ram(&map, 0, 0x9_fc01));
        assert!(!is_ram(&map, 0x9_fc00, 1));
        assert!(!is_ram(&map, 0xa_0000, 0x1000));
        assert!(is_ram(&map, 0x10_0000, 3 << 20));
        assert!(!is_ram(&map, 0x10_0000, (3 << 20) + 1));
        // Adjacent RAM regions would not join: the low one ends at the EBDA.
        assert!(!is_ram(&map, 0x9_f000, 0x20_0000));
        assert!(!is_ram(&map, 0xfee0_0000, 1));
        assert!(!is_ram(&map, u64::MAX, 2));
        assert!(is_ram(&map, 4 << 20, 0));
    }
}

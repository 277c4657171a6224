//! Multiboot 1 structures built field by field, and their error paths.

use super::super::*;
use super::{region, regions_of, Mem};
use MemKind::*;

const BASE: u64 = 0x1_0000;
const INFO: u64 = BASE;
const CMDLINE: u64 = BASE + 0x100;
const MODS: u64 = BASE + 0x200;
const MOD_STRINGS: u64 = BASE + 0x300;
const MMAP: u64 = BASE + 0x400;

fn mmap_entry(mem: &mut Mem, at: u64, size: u32, base: u64, len: u64, kind: u32) -> u64 {
    mem.put32(at, size);
    mem.put64(at + 4, base);
    mem.put64(at + 12, len);
    mem.put32(at + 20, kind);
    at + 4 + u64::from(size)
}

/// A structure as QEMU's `-kernel` builds it: command line, two modules and
/// a memory map with a padded entry, an unsorted entry, a zero-length entry
/// and a reserved hole inside usable memory.
fn fixture() -> Mem {
    let mut mem = Mem::new(BASE, 0x1000);
    mem.put32(INFO, 1 | 1 << 2 | 1 << 3 | 1 << 6);
    mem.put32(INFO + 4, 639);
    mem.put32(INFO + 8, 130_048);
    mem.put32(INFO + 16, CMDLINE as u32);
    mem.put(CMDLINE, b"serial=0x3f8 verbose\0");
    mem.put32(INFO + 20, 2);
    mem.put32(INFO + 24, MODS as u32);
    for (i, (start, end, s)) in [
        (0x20_0000u32, 0x25_0000u32, &b"root-pd arg\0"[..]),
        (0x30_0000, 0x30_0010, b"vmm\0"),
    ]
    .iter()
    .enumerate()
    {
        let m = MODS + 16 * i as u64;
        let string = MOD_STRINGS + 0x20 * i as u64;
        mem.put32(m, *start);
        mem.put32(m + 4, *end);
        mem.put32(m + 8, string as u32);
        mem.put(string, s);
    }
    let mut at = MMAP;
    at = mmap_entry(&mut mem, at, 20, 0, 0x9_fc00, 1);
    at = mmap_entry(&mut mem, at, 24, 0x9_fc00, 0x400, 2);
    at = mmap_entry(&mut mem, at, 20, 0x10_0000, 0x7ee_0000, 1);
    at = mmap_entry(&mut mem, at, 20, 0xf_0000, 0x1_0000, 2);
    at = mmap_entry(&mut mem, at, 20, 0x50_0000, 0x1000, 5);
    at = mmap_entry(&mut mem, at, 20, 0x7fe_0000, 0x2_0000, 3);
    at = mmap_entry(&mut mem, at, 20, 0x7000_0000, 0, 1);
    at = mmap_entry(&mut mem, at, 20, 0xfffc_0000, 0x4_0000, 4);
    mem.put32(INFO + 44, (at - MMAP) as u32);
    mem.put32(INFO + 48, MMAP as u32);
    mem
}

fn parse1(mem: &Mem) -> Result<BootInfo<'_>, BootError> {
    parse(MB1_BOOTLOADER_MAGIC, INFO, mem)
}

#[test]
fn full_structure_round_trips() {
    let mem = fixture();
    let info = parse1(&mem).unwrap();
    assert_eq!(info.protocol, Protocol::Multiboot1);
    assert_eq!(info.cmdline, "serial=0x3f8 verbose");
    assert_eq!(info.rsdp, None);
    assert_eq!(info.info, Range::new(INFO, INFO + 120));
    let mods: Vec<(Range, &str)> = info
        .modules()
        .iter()
        .map(|m| (m.range, m.cmdline))
        .collect();
    assert_eq!(
        mods,
        [
            (Range::new(0x20_0000, 0x25_0000), "root-pd arg"),
            (Range::new(0x30_0000, 0x30_0010), "vmm"),
        ]
    );
    assert_eq!(
        regions_of(&info),
        [
            region(0, 0x9_fc00, Usable),
            region(0x9_fc00, 0xa_0000, Reserved),
            region(0xf_0000, 0x10_0000, Reserved),
            region(0x10_0000, 0x50_0000, Usable),
            region(0x50_0000, 0x50_1000, Bad),
            region(0x50_1000, 0x7fe_0000, Usable),
            region(0x7fe_0000, 0x800_0000, AcpiReclaimable),
            region(0xfffc_0000, 0x1_0000_0000, AcpiNvs),
        ]
    );
    let mmap_len = 8 * 24 + 4;
    assert_eq!(
        info.aux_ranges(),
        [
            Range::new(CMDLINE, CMDLINE + 21),
            Range::new(MODS, MODS + 32),
            Range::new(MOD_STRINGS, MOD_STRINGS + 12),
            Range::new(MOD_STRINGS + 0x20, MOD_STRINGS + 0x24),
            Range::new(MMAP, MMAP + mmap_len),
        ]
    );
}

#[test]
fn absent_fields_are_empty() {
    let mut mem = fixture();
    mem.put32(INFO, 1 << 6);
    let info = parse1(&mem).unwrap();
    assert_eq!(info.cmdline, "");
    assert!(info.modules().is_empty());
    assert_eq!(info.aux_ranges().len(), 1);
    assert_eq!(info.regions().len(), 8);
}

#[test]
fn null_string_pointers_mean_empty_strings() {
    let mut mem = fixture();
    mem.put32(INFO + 16, 0);
    mem.put32(MODS + 8, 0);
    let info = parse1(&mem).unwrap();
    assert_eq!(info.cmdline, "");
    assert_eq!(info.modules()[0].cmdline, "");
    assert_eq!(info.modules()[1].cmdline, "vmm");
}

#[test]
fn basic_memory_fields_without_map() {
    let mut mem = fixture();
    mem.put32(INFO, 1);
    let info = parse1(&mem).unwrap();
    assert_eq!(
        regions_of(&info),
        [
            region(0, 639 * 1024, Usable),
            region(0x10_0000, 0x10_0000 + 130_048 * 1024, Usable),
        ]
    );
    // The map wins when both are present.
    mem.put32(INFO, 1 | 1 << 6);
    assert_eq!(parse1(&mem).unwrap().regions().len(), 8);
}

#[test]
fn no_memory_information() {
    let mut mem = fixture();
    mem.put32(INFO, 1 << 2 | 1 << 3);
    assert_eq!(parse1(&mem).err(), Some(BootError::NoMemoryMap));
}

#[test]
fn info_pointer_outside_memory() {
    let mem = fixture();
    assert_eq!(
        parse(MB1_BOOTLOADER_MAGIC, BASE - 8, &mem).err(),
        Some(BootError::Unreadable)
    );
    assert_eq!(
        parse(MB1_BOOTLOADER_MAGIC, BASE + 0xfd0, &mem).err(),
        Some(BootError::Unreadable)
    );
}

#[test]
fn pointers_outside_memory() {
    for (field, value) in [
        (16, 0x50_0000u32),
        (24, 0x10),
        (48, 0x50_0000),
        (44, 0x1_0000),
    ] {
        let mut mem = fixture();
        mem.put32(INFO + field, value);
        assert_eq!(
            parse1(&mem).err(),
            Some(BootError::Unreadable),
            "field {field}"
        );
    }
    let mut mem = fixture();
    mem.put32(MODS + 24, 0x50_0000);
    assert_eq!(parse1(&mem).err(), Some(BootError::Unreadable));
}

#[test]
fn bad_strings() {
    let mut mem = fixture();
    mem.put(CMDLINE, &[0xff, 0]);
    assert_eq!(parse1(&mem).err(), Some(BootError::BadString));
    // Unterminated up to the end of readable memory.
    let mut mem = fixture();
    let at = MOD_STRINGS + 0x20;
    mem.data[(at - BASE) as usize..].fill(b'a');
    mem.put32(INFO + 44, 0);
    assert_eq!(parse1(&mem).err(), Some(BootError::Unreadable));
}

#[test]
fn unterminated_string_within_4096_bytes() {
    let mut mem = fixture();
    mem.data.resize(0x3000, b'z');
    mem.put32(INFO + 16, 0x1_1000);
    assert_eq!(parse1(&mem).err(), Some(BootError::BadString));
}

#[test]
fn too_many_modules() {
    let mut mem = fixture();
    mem.put32(INFO + 20, MAX_MODULES as u32 + 1);
    assert_eq!(parse1(&mem).err(), Some(BootError::TooMany));
    mem.put32(INFO + 20, u32::MAX);
    assert_eq!(parse1(&mem).err(), Some(BootError::TooMany));
}

#[test]
fn sixteen_modules_fit() {
    let mut mem = fixture();
    mem.data.resize(0x2000, 0);
    let list = BASE + 0x1000;
    for i in 0..16u64 {
        mem.put32(list + 16 * i, 0x40_0000 + i as u32 * 0x1000);
        mem.put32(list + 16 * i + 4, 0x40_0800 + i as u32 * 0x1000);
    }
    mem.put32(INFO + 20, 16);
    mem.put32(INFO + 24, list as u32);
    let info = parse1(&mem).unwrap();
    assert_eq!(info.modules().len(), 16);
    assert_eq!(info.modules()[15].range, Range::new(0x40_f000, 0x40_f800));
}

#[test]
fn module_ending_before_start() {
    let mut mem = fixture();
    mem.put32(MODS + 4, 0x1f_ffff);
    assert_eq!(parse1(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn malformed_memory_map() {
    // An entry too small to hold base, length and type.
    let mut mem = fixture();
    mem.put32(MMAP, 16);
    assert_eq!(parse1(&mem).err(), Some(BootError::Malformed));
    // The last entry runs past mmap_length.
    let mut mem = fixture();
    mem.put32(INFO + 44, 8 * 24 + 4 - 1);
    assert_eq!(parse1(&mem).err(), Some(BootError::Malformed));
    // A size field that does not fit.
    let mut mem = fixture();
    mem.put32(INFO + 44, 8 * 24 + 4 + 2);
    assert_eq!(parse1(&mem).err(), Some(BootError::Malformed));
    // A huge size field.
    let mut mem = fixture();
    mem.put32(MMAP, u32::MAX);
    assert_eq!(parse1(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn empty_memory_map_is_accepted() {
    let mut mem = fixture();
    mem.put32(INFO + 44, 0);
    assert!(parse1(&mem).unwrap().regions().is_empty());
}

#[test]
fn too_many_regions() {
    let mut mem = Mem::new(BASE, 0x1000);
    mem.put32(INFO, 1 << 6);
    let mut at = MMAP;
    for i in 0..65u64 {
        at = mmap_entry(&mut mem, at, 20, i * 0x1000, 0x1000, 1 + (i % 2) as u32);
    }
    mem.put32(INFO + 44, (at - MMAP) as u32);
    mem.put32(INFO + 48, MMAP as u32);
    assert_eq!(parse1(&mem).err(), Some(BootError::TooMany));
}

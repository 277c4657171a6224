//! Multiboot 2 blocks built tag by tag, and their error paths.

use super::super::*;
use super::{region, regions_of, Mem};
use MemKind::*;

const BASE: u64 = 0x2_0000;

/// Builds a Multiboot 2 information block tag by tag.
struct Mb2 {
    bytes: Vec<u8>,
}

impl Mb2 {
    fn new() -> Self {
        Self { bytes: vec![0; 8] }
    }

    fn raw_tag(mut self, kind: u32, size: u32, body: &[u8]) -> Self {
        self.bytes.extend_from_slice(&kind.to_le_bytes());
        self.bytes.extend_from_slice(&size.to_le_bytes());
        self.bytes.extend_from_slice(body);
        while !self.bytes.len().is_multiple_of(8) {
            self.bytes.push(0);
        }
        self
    }

    fn tag(self, kind: u32, body: &[u8]) -> Self {
        let size = 8 + body.len() as u32;
        self.raw_tag(kind, size, body)
    }

    fn module(self, start: u32, end: u32, name: &[u8]) -> Self {
        let mut body = Vec::new();
        body.extend_from_slice(&start.to_le_bytes());
        body.extend_from_slice(&end.to_le_bytes());
        body.extend_from_slice(name);
        self.tag(3, &body)
    }

    fn mmap(self, entry_size: u32, entries: &[(u64, u64, u32)]) -> Self {
        let mut body = Vec::new();
        body.extend_from_slice(&entry_size.to_le_bytes());
        body.extend_from_slice(&0u32.to_le_bytes());
        for &(base, len, kind) in entries {
            let start = body.len();
            body.extend_from_slice(&base.to_le_bytes());
            body.extend_from_slice(&len.to_le_bytes());
            body.extend_from_slice(&kind.to_le_bytes());
            body.resize(start + entry_size as usize, 0);
        }
        self.tag(6, &body)
    }

    fn end(self) -> Self {
        self.tag(0, &[])
    }

    /// Sets total_size to the bytes written so far and places the block at BASE.
    fn build(mut self) -> Mem {
        let total = self.bytes.len() as u32;
        self.bytes[..4].copy_from_slice(&total.to_le_bytes());
        Mem {
            base: BASE,
            data: self.bytes,
        }
    }
}

fn rsdp_copy(len: usize, fill: u8) -> Vec<u8> {
    vec![fill; len]
}

fn standard() -> Mb2 {
    Mb2::new()
        .tag(1, b"console=com1 cpus=2\0")
        .tag(2, b"GRUB 2.12\0")
        .module(0x20_0000, 0x28_0000, b"root-pd\0")
        .module(0x30_0000, 0x30_1000, b"vmm guest=linux\0")
        .tag(4, &[0x7f, 0x02, 0, 0, 0x00, 0xfc, 0x01, 0])
        .mmap(
            24,
            &[
                (0, 0x9_fc00, 1),
                (0x9_fc00, 0x400, 2),
                (0x10_0000, 0x7ee_0000, 1),
                (0x7fe_0000, 0x2_0000, 2),
            ],
        )
        .tag(14, &rsdp_copy(20, 0xaa))
        .tag(15, &rsdp_copy(36, 0xbb))
        .tag(99, &[1, 2, 3])
}

fn parse2(mem: &Mem) -> Result<BootInfo<'_>, BootError> {
    parse(MB2_BOOTLOADER_MAGIC, BASE, mem)
}

#[test]
fn full_structure_round_trips() {
    let mem = standard().end().build();
    let info = parse2(&mem).unwrap();
    assert_eq!(info.protocol, Protocol::Multiboot2);
    assert_eq!(info.cmdline, "console=com1 cpus=2");
    assert_eq!(info.info, Range::new(BASE, BASE + mem.data.len() as u64));
    assert!(info.aux_ranges().is_empty());
    let mods: Vec<(Range, &str)> = info
        .modules()
        .iter()
        .map(|m| (m.range, m.cmdline))
        .collect();
    assert_eq!(
        mods,
        [
            (Range::new(0x20_0000, 0x28_0000), "root-pd"),
            (Range::new(0x30_0000, 0x30_1000), "vmm guest=linux"),
        ]
    );
    assert_eq!(
        regions_of(&info),
        [
            region(0, 0x9_fc00, Usable),
            region(0x9_fc00, 0xa_0000, Reserved),
            region(0x10_0000, 0x7fe_0000, Usable),
            region(0x7fe_0000, 0x800_0000, Reserved),
        ]
    );
    // The new-style copy wins, whatever the tag order.
    let rsdp = info.rsdp.unwrap();
    assert_eq!(mem.bytes(rsdp, 36).unwrap(), &rsdp_copy(36, 0xbb)[..]);
}

#[test]
fn old_rsdp_when_no_new_one() {
    let mem = Mb2::new()
        .tag(14, &rsdp_copy(20, 0xaa))
        .mmap(24, &[(0x10_0000, 0x1000, 1)])
        .end()
        .build();
    let info = parse2(&mem).unwrap();
    assert_eq!(info.rsdp, Some(BASE + 16));
    assert_eq!(info.cmdline, "");
    assert!(info.modules().is_empty());
}

#[test]
fn larger_map_entries_are_honoured() {
    let mem = Mb2::new()
        .mmap(32, &[(0x20_0000, 0x1000, 1), (0x10_0000, 0x1000, 5)])
        .end()
        .build();
    assert_eq!(
        regions_of(&parse2(&mem).unwrap()),
        [
            region(0x10_0000, 0x10_1000, Bad),
            region(0x20_0000, 0x20_1000, Usable)
        ]
    );
}

#[test]
fn basic_meminfo_without_map() {
    let mem = Mb2::new()
        .tag(4, &[0x7f, 0x02, 0, 0, 0x00, 0xfc, 0x01, 0])
        .end()
        .build();
    assert_eq!(
        regions_of(&parse2(&mem).unwrap()),
        [
            region(0, 639 * 1024, Usable),
            region(0x10_0000, 0x10_0000 + 130_048 * 1024, Usable),
        ]
    );
}

#[test]
fn no_memory_information() {
    let mem = Mb2::new().tag(1, b"x\0").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::NoMemoryMap));
}

#[test]
fn unreadable_block() {
    let mem = standard().end().build();
    assert_eq!(
        parse(MB2_BOOTLOADER_MAGIC, BASE - 4, &mem).err(),
        Some(BootError::Unreadable)
    );
    assert_eq!(
        parse(MB2_BOOTLOADER_MAGIC, 0x10, &mem).err(),
        Some(BootError::Unreadable)
    );
    let mut mem = standard().end().build();
    let total = mem.data.len() as u32 + 8;
    mem.put32(BASE, total);
    assert_eq!(parse2(&mem).err(), Some(BootError::Unreadable));
}

#[test]
fn total_size_too_small() {
    let mut mem = standard().end().build();
    mem.put32(BASE, 15);
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn missing_end_tag() {
    let mem = standard().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    // total_size cuts the block right after a tag header.
    let mut mem = standard().end().build();
    let total = mem.data.len() as u32 - 4;
    mem.put32(BASE, total);
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn truncated_tag() {
    let mem = Mb2::new().raw_tag(1, 64, b"abc\0").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    let mem = Mb2::new().raw_tag(1, u32::MAX, b"abc\0").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn tag_smaller_than_its_header() {
    let mem = Mb2::new().raw_tag(1, 4, &[0; 8]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn strings_without_nul_or_utf8() {
    let mem = Mb2::new().tag(1, b"no terminator").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::BadString));
    let mem = Mb2::new().module(1, 2, b"mod").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::BadString));
    let mem = Mb2::new().tag(1, &[0xff, 0]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::BadString));
}

#[test]
fn malformed_module_tags() {
    let mem = Mb2::new().tag(3, &[0; 6]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    let mem = Mb2::new().module(0x2000, 0x1000, b"\0").end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn too_many_modules() {
    let mut b = Mb2::new().mmap(24, &[(0x10_0000, 0x1000, 1)]);
    for i in 0..MAX_MODULES as u32 {
        b = b.module(i * 0x1000, i * 0x1000 + 0x10, b"m\0");
    }
    let mem = b.end().build();
    assert_eq!(parse2(&mem).unwrap().modules().len(), MAX_MODULES);
    let mut b = Mb2::new();
    for i in 0..=MAX_MODULES as u32 {
        b = b.module(i * 0x1000, i * 0x1000 + 0x10, b"m\0");
    }
    let mem = b.end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::TooMany));
}

#[test]
fn malformed_memory_maps() {
    let mem = Mb2::new().mmap(16, &[(0, 0x1000, 1)]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    let mem = Mb2::new().mmap(0, &[]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    // Entries not a multiple of entry_size.
    let mut body = vec![24, 0, 0, 0, 0, 0, 0, 0];
    body.extend_from_slice(&[0; 30]);
    let mem = Mb2::new().tag(6, &body).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    // Too short to hold entry_size and entry_version.
    let mem = Mb2::new().tag(6, &[24, 0, 0, 0]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn short_rsdp_copies_and_meminfo() {
    let mem = Mb2::new().tag(14, &rsdp_copy(19, 0)).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    let mem = Mb2::new().tag(15, &rsdp_copy(20, 0)).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
    let mem = Mb2::new().tag(4, &[0; 4]).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::Malformed));
}

#[test]
fn too_many_regions() {
    let entries: Vec<(u64, u64, u32)> = (0..65u64)
        .map(|i| (i * 0x1000, 0x1000, 1 + (i % 2) as u32))
        .collect();
    let mem = Mb2::new().mmap(24, &entries).end().build();
    assert_eq!(parse2(&mem).err(), Some(BootError::TooMany));
}

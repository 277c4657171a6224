//! The ELF32 program-header reader for Multiboot kernels without address
//! fields (System V ABI, ELF header and program header; i386 supplement).
//!
//! Accepted: ELFCLASS32, little-endian (ELFDATA2LSB), version 1, an
//! executable (ET_EXEC) for the i386 (EM_386). Each PT_LOAD segment is
//! loaded at its physical address `p_paddr`: `p_filesz` bytes from
//! `p_offset`, then zeros up to `p_memsz`. Other segment types are skipped,
//! as are empty PT_LOAD segments; section headers are not read (we pass no
//! symbols to the kernel).
//!
//! The entry point: a kernel linked to run at a virtual address other than
//! where it loads (a higher-half kernel) usually has a virtual `e_entry`.
//! As GRUB does, an `e_entry` inside some PT_LOAD's virtual range is moved
//! by that segment's `p_paddr - p_vaddr`; unlike GRUB, an `e_entry` inside
//! no virtual range is kept as it is (a physical entry, which QEMU accepts),
//! and the loader then checks that it lies in a loaded byte.
//!
//! ELF64 is refused ([`LoadError::Elf64`]): the spec defines ELF32 only; a
//! 64-bit kernel must carry address fields in its header.

use alloc::vec::Vec;

use super::{Image, LoadError, Piece};

const EHDR_SIZE: usize = 52;
const PHDR_SIZE: usize = 32;
const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ET_EXEC: u16 = 2;
const EM_386: u16 = 3;
const PT_LOAD: u32 = 1;
/// `e_phnum` value meaning "the count is in section header 0".
const PN_XNUM: u16 = 0xffff;

fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .map_or(0, |x| u16::from_le_bytes([x[0], x[1]]))
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// A PT_LOAD entry's fields that loading needs.
struct Segment {
    offset: u32,
    vaddr: u32,
    paddr: u32,
    filesz: u32,
    memsz: u32,
}

/// The image an ELF32 file describes.
pub(super) fn image(file: &[u8]) -> Result<Image<'_>, LoadError> {
    if file.get(..4) != Some(b"\x7fELF") {
        return Err(LoadError::NotElf);
    }
    match file.get(4).copied() {
        Some(ELFCLASS32) => {}
        Some(ELFCLASS64) => return Err(LoadError::Elf64),
        _ => return Err(LoadError::BadElf("unknown ELF class")),
    }
    if file.len() < EHDR_SIZE {
        return Err(LoadError::BadElf("ELF header cut short"));
    }
    if file[5] != ELFDATA2LSB {
        return Err(LoadError::BadElf("ELF file is not little-endian"));
    }
    if file[6] != EV_CURRENT {
        return Err(LoadError::BadElf("unknown ELF version"));
    }
    if u16_at(file, 16) != ET_EXEC {
        return Err(LoadError::BadElf("ELF file is not an executable"));
    }
    if u16_at(file, 18) != EM_386 {
        return Err(LoadError::BadElf("ELF file is not for the i386"));
    }
    let e_entry = u32_at(file, 24);
    let phoff = u32_at(file, 28) as usize;
    let phentsize = usize::from(u16_at(file, 42));
    let phnum = u16_at(file, 44);
    if phnum == PN_XNUM {
        return Err(LoadError::BadElf("too many ELF program headers"));
    }
    if phentsize < PHDR_SIZE {
        return Err(LoadError::BadElf("ELF program headers too small"));
    }
    let table_end = phentsize
        .checked_mul(usize::from(phnum))
        .and_then(|n| n.checked_add(phoff));
    if table_end.is_none_or(|end| end > file.len()) {
        return Err(LoadError::BadElf(
            "ELF program headers beyond the end of the file",
        ));
    }

    let mut pieces = Vec::new();
    let mut entry = None;
    for i in 0..usize::from(phnum) {
        let ph = &file[phoff + i * phentsize..];
        if u32_at(ph, 0) != PT_LOAD {
            continue;
        }
        let s = Segment {
            offset: u32_at(ph, 4),
            vaddr: u32_at(ph, 8),
            paddr: u32_at(ph, 12),
            filesz: u32_at(ph, 16),
            memsz: u32_at(ph, 20),
        };
        pieces.extend(piece(file, &s)?);
        let virt = u64::from(s.vaddr)..u64::from(s.vaddr) + u64::from(s.memsz);
        if entry.is_none() && virt.contains(&u64::from(e_entry)) {
            entry = Some(e_entry.wrapping_sub(s.vaddr).wrapping_add(s.paddr));
        }
    }
    if pieces.is_empty() {
        return Err(LoadError::BadElf("no loadable ELF segment"));
    }
    Ok(Image {
        pieces,
        entry: entry.unwrap_or(e_entry),
    })
}

/// What segment `s` loads: nothing if it is empty.
fn piece<'f>(file: &'f [u8], s: &Segment) -> Result<Option<Piece<'f>>, LoadError> {
    if s.filesz > s.memsz {
        return Err(LoadError::BadElf(
            "ELF segment larger in the file than in memory",
        ));
    }
    let start = s.offset as usize;
    let bytes = start
        .checked_add(s.filesz as usize)
        .and_then(|end| file.get(start..end))
        .ok_or(LoadError::BadElf("ELF segment beyond the end of the file"))?;
    if u64::from(s.paddr) + u64::from(s.memsz) > 1 << 32 {
        return Err(LoadError::BadElf("ELF segment beyond 4 GiB"));
    }
    if s.memsz == 0 {
        return Ok(None);
    }
    Ok(Some(Piece {
        gpa: u64::from(s.paddr),
        bytes,
        mem_len: u64::from(s.memsz),
    }))
}

//! Multiboot 1: a fixed structure whose flags say which fields are valid,
//! with the command line, module list and memory map behind 32-bit
//! physical pointers.

use super::regions::{entry, normalise};
use super::{
    c_string, module_range, BootError, BootInfo, MemRegion, PhysMem, Protocol, MAX_MODULES,
};
use crate::le::{u32_at, u64_at};
use crate::memmap::Range;

const FLAG_MEM: u32 = 1 << 0;
const FLAG_CMDLINE: u32 = 1 << 2;
const FLAG_MODS: u32 = 1 << 3;
const FLAG_MMAP: u32 = 1 << 6;

/// Bytes read: the fields up to and including `mmap_addr`.
const FIXED_READ: usize = 52;
/// Bytes reserved: the whole structure up to the framebuffer fields, so the
/// parts we do not read are not handed out either.
const INFO_SIZE: u64 = 120;
const MODULE_SIZE: usize = 16;
/// `size` field, then base (8), length (8) and type (4).
const MIN_MMAP_ENTRY: u32 = 20;

pub(super) fn parse(info_phys: u64, mem: &dyn PhysMem) -> Result<BootInfo<'_>, BootError> {
    let fixed = mem
        .bytes(info_phys, FIXED_READ)
        .ok_or(BootError::Unreadable)?;
    let field = |off| u32_at(fixed, off).ok_or(BootError::Unreadable);
    let flags = field(0)?;
    let mut info = BootInfo::new(
        Protocol::Multiboot1,
        Range::new(info_phys, info_phys.saturating_add(INFO_SIZE)),
    );

    if flags & FLAG_CMDLINE != 0 {
        let ptr = field(16)?;
        if ptr != 0 {
            let (s, range) = c_string(mem, u64::from(ptr))?;
            info.cmdline = s;
            info.push_aux(range)?;
        }
    }

    if flags & FLAG_MODS != 0 {
        let count = field(20)? as usize;
        if count > MAX_MODULES {
            return Err(BootError::TooMany);
        }
        let addr = u64::from(field(24)?);
        let list = mem
            .bytes(addr, count * MODULE_SIZE)
            .ok_or(BootError::Unreadable)?;
        info.push_aux(Range::new(addr, addr + (count * MODULE_SIZE) as u64))?;
        for m in list.chunks_exact(MODULE_SIZE) {
            let start = u32_at(m, 0).ok_or(BootError::Malformed)?;
            let end = u32_at(m, 4).ok_or(BootError::Malformed)?;
            let string = u32_at(m, 8).ok_or(BootError::Malformed)?;
            let cmdline = if string == 0 {
                ""
            } else {
                let (s, range) = c_string(mem, u64::from(string))?;
                info.push_aux(range)?;
                s
            };
            info.push_module(module_range(start, end)?, cmdline)?;
        }
    }

    if flags & FLAG_MMAP != 0 {
        let len = field(44)? as usize;
        let addr = u64::from(field(48)?);
        let map = mem.bytes(addr, len).ok_or(BootError::Unreadable)?;
        check_mmap(map)?;
        info.n_regions = normalise(|| MmapIter { map, off: 0 }, &mut info.regions)?;
        info.push_aux(Range::new(addr, addr + len as u64))?;
    } else if flags & FLAG_MEM != 0 {
        let lower_kib = u64::from(field(4)?);
        let upper_kib = u64::from(field(8)?);
        let basic = [
            entry(0, lower_kib * 1024, 1),
            entry(0x10_0000, upper_kib * 1024, 1),
        ];
        info.n_regions = normalise(|| basic.iter().copied(), &mut info.regions)?;
    } else {
        return Err(BootError::NoMemoryMap);
    }
    Ok(info)
}

/// Each entry is preceded by its own size, which excludes the size field.
fn check_mmap(map: &[u8]) -> Result<(), BootError> {
    let mut off = 0usize;
    while off < map.len() {
        let size = u32_at(map, off).ok_or(BootError::Malformed)?;
        if size < MIN_MMAP_ENTRY {
            return Err(BootError::Malformed);
        }
        off = off
            .checked_add(4 + size as usize)
            .filter(|&end| end <= map.len())
            .ok_or(BootError::Malformed)?;
    }
    Ok(())
}

/// Walks a memory map that `check_mmap` accepted.
struct MmapIter<'a> {
    map: &'a [u8],
    off: usize,
}

impl Iterator for MmapIter<'_> {
    type Item = MemRegion;

    fn next(&mut self) -> Option<MemRegion> {
        let size = u32_at(self.map, self.off)? as usize;
        let base = u64_at(self.map, self.off + 4)?;
        let len = u64_at(self.map, self.off + 12)?;
        let kind = u32_at(self.map, self.off + 20)?;
        self.off += 4 + size;
        Some(entry(base, len, kind))
    }
}

//! Multiboot 2: one self-contained block of 8-byte aligned tags, ended by a
//! tag of type 0. Everything, strings and RSDP copies included, lives inside
//! the block, so it is read once and then only sliced.

use super::regions::{entry, normalise};
use super::{embedded_string, module_range, BootError, BootInfo, MemRegion, PhysMem, Protocol};
use crate::le::{u32_at, u64_at};
use crate::memmap::Range;

const TAG_END: u32 = 0;
const TAG_CMDLINE: u32 = 1;
const TAG_MODULE: u32 = 3;
const TAG_BASIC_MEMINFO: u32 = 4;
const TAG_MMAP: u32 = 6;
const TAG_ACPI_OLD: u32 = 14;
const TAG_ACPI_NEW: u32 = 15;

const TAG_HEADER: usize = 8;
/// Base (8), length (8), type (4), reserved (4).
const MIN_MMAP_ENTRY: usize = 24;
const RSDP_V1_SIZE: usize = 20;
const RSDP_V2_SIZE: usize = 36;

/// Where the usable-memory facts came from; the full map wins.
enum Source<'a> {
    None,
    Basic {
        lower_kib: u32,
        upper_kib: u32,
    },
    Map {
        entries: &'a [u8],
        entry_size: usize,
    },
}

pub(super) fn parse(info_phys: u64, mem: &dyn PhysMem) -> Result<BootInfo<'_>, BootError> {
    let header = mem
        .bytes(info_phys, TAG_HEADER)
        .ok_or(BootError::Unreadable)?;
    let total = u32_at(header, 0).ok_or(BootError::Unreadable)? as usize;
    if total < 2 * TAG_HEADER {
        return Err(BootError::Malformed);
    }
    let all = mem.bytes(info_phys, total).ok_or(BootError::Unreadable)?;
    let mut info = BootInfo::new(
        Protocol::Multiboot2,
        Range::new(info_phys, info_phys.saturating_add(total as u64)),
    );
    let mut source = Source::None;
    let (mut rsdp_old, mut rsdp_new) = (None, None);

    let mut off = TAG_HEADER;
    loop {
        let kind = u32_at(all, off).ok_or(BootError::Malformed)?;
        let size = u32_at(all, off + 4).ok_or(BootError::Malformed)? as usize;
        let tag = off
            .checked_add(size)
            .filter(|_| size >= TAG_HEADER)
            .and_then(|end| all.get(off..end))
            .ok_or(BootError::Malformed)?;
        let body = tag.get(TAG_HEADER..).unwrap_or(&[]);
        let body_phys = info_phys.saturating_add((off + TAG_HEADER) as u64);
        match kind {
            TAG_END => break,
            TAG_CMDLINE => info.cmdline = embedded_string(body)?,
            TAG_MODULE => {
                let start = u32_at(body, 0).ok_or(BootError::Malformed)?;
                let end = u32_at(body, 4).ok_or(BootError::Malformed)?;
                let cmdline = embedded_string(body.get(8..).unwrap_or(&[]))?;
                info.push_module(module_range(start, end)?, cmdline)?;
            }
            TAG_BASIC_MEMINFO => {
                let lower_kib = u32_at(body, 0).ok_or(BootError::Malformed)?;
                let upper_kib = u32_at(body, 4).ok_or(BootError::Malformed)?;
                if !matches!(source, Source::Map { .. }) {
                    source = Source::Basic {
                        lower_kib,
                        upper_kib,
                    };
                }
            }
            TAG_MMAP => {
                let entry_size = u32_at(body, 0).ok_or(BootError::Malformed)? as usize;
                let entries = body.get(8..).ok_or(BootError::Malformed)?;
                if entry_size < MIN_MMAP_ENTRY || entries.len() % entry_size != 0 {
                    return Err(BootError::Malformed);
                }
                source = Source::Map {
                    entries,
                    entry_size,
                };
            }
            TAG_ACPI_OLD if body.len() >= RSDP_V1_SIZE => rsdp_old = Some(body_phys),
            TAG_ACPI_NEW if body.len() >= RSDP_V2_SIZE => rsdp_new = Some(body_phys),
            TAG_ACPI_OLD | TAG_ACPI_NEW => return Err(BootError::Malformed),
            _ => {}
        }
        off = (off + size)
            .checked_next_multiple_of(8)
            .ok_or(BootError::Malformed)?;
    }

    info.rsdp = rsdp_new.or(rsdp_old);
    info.n_regions = match source {
        Source::None => return Err(BootError::NoMemoryMap),
        Source::Basic {
            lower_kib,
            upper_kib,
        } => {
            let basic = [
                entry(0, u64::from(lower_kib) * 1024, 1),
                entry(0x10_0000, u64::from(upper_kib) * 1024, 1),
            ];
            normalise(|| basic.iter().copied(), &mut info.regions)?
        }
        Source::Map {
            entries,
            entry_size,
        } => normalise(
            || entries.chunks_exact(entry_size).filter_map(map_entry),
            &mut info.regions,
        )?,
    };
    Ok(info)
}

fn map_entry(e: &[u8]) -> Option<MemRegion> {
    Some(entry(u64_at(e, 0)?, u64_at(e, 8)?, u32_at(e, 16)?))
}

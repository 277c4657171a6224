//! The Multiboot 1 information structure (Multiboot Specification 0.6.96,
//! section 3.3): what a Multiboot kernel finds at the guest-physical
//! address in EBX.
//!
//! [`build`] lays out the whole information area as one byte image for a
//! given guest-physical address, so every pointer inside it is a
//! guest-physical address into the same image. The layout, from `at`:
//!
//! | offset             | what                                            |
//! |--------------------|-------------------------------------------------|
//! | 0                  | the fixed structure, [`INFO_SIZE`] bytes        |
//! | 120                | the module list, 16 bytes a module              |
//! | after the modules  | the memory map, 24 bytes an entry               |
//! | after the map      | the strings: command line, module strings,      |
//! |                    | boot-loader name, each NUL-terminated           |
//!
//! Alignment: the spec asks none, and x86 reads unaligned fields, but with
//! `at` 8-byte aligned (the VMM gives a page) the module list starts 8-byte
//! aligned and every map entry's `size` field 4-byte aligned. The map's
//! 64-bit fields sit 4 bytes after `size`, so they are only 4-byte aligned:
//! the format fixes that, not we. Strings are packed bytes.
//!
//! The fixed structure runs to the end of the framebuffer fields (offset
//! 116) although we fill nothing past `boot_loader_name` (offset 64): a
//! kernel that copies the whole C structure reads zeros, not our list.
//!
//! Flags set: memory sizes (bit 0), command line (bit 2, an empty string if
//! there is none), modules (bit 3, possibly zero of them), memory map (bit
//! 6) and boot-loader name (bit 9). Not given: the boot device (no BIOS
//! disks), symbols, drives, the BIOS configuration table, APM, VBE and the
//! framebuffer (no graphics).

use alloc::vec;
use alloc::vec::Vec;

use crate::e820::{Kind, Region};

/// What EAX holds when a Multiboot 1 kernel starts.
pub const LOADER_MAGIC: u32 = 0x2bad_b002;

/// Bits of the structure's `flags`: which fields are valid.
pub mod flags {
    /// `mem_lower` and `mem_upper`.
    pub const MEM: u32 = 1 << 0;
    /// `cmdline`.
    pub const CMDLINE: u32 = 1 << 2;
    /// `mods_count` and `mods_addr`.
    pub const MODS: u32 = 1 << 3;
    /// `mmap_length` and `mmap_addr`.
    pub const MMAP: u32 = 1 << 6;
    /// `boot_loader_name`.
    pub const LOADER_NAME: u32 = 1 << 9;
}

/// Bytes of the fixed structure (through the framebuffer's colour info).
pub const INFO_SIZE: usize = 116;
/// Bytes of one module-list entry.
pub const MODULE_SIZE: usize = 16;
/// Bytes of one memory-map entry, its `size` field included.
pub const MMAP_ENTRY_SIZE: usize = 24;

/// Where the module list starts: the fixed part rounded up to 8 bytes.
const MODS_OFFSET: usize = 120;
/// An entry's `size` counts the bytes after the field itself.
const MMAP_SIZE_FIELD: u32 = 20;
/// Conventional memory is 640 KiB at most, whatever the map says.
const MAX_MEM_LOWER_KIB: u64 = 640;
const HIGH_MEMORY: u64 = 0x10_0000;

/// One boot module, already in guest memory at `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module<'a> {
    pub start: u64,
    /// The first address after the module (the spec's `mod_end`).
    pub end: u64,
    /// Its string (usually a path and arguments), without the NUL.
    pub string: &'a [u8],
}

/// Everything the information structure reports.
#[derive(Clone, Copy, Debug)]
pub struct BootInfo<'a> {
    /// The guest's memory map; `mem_lower`/`mem_upper` derive from it.
    pub map: &'a [Region],
    /// The kernel's command line, without the NUL. A NUL inside ends it
    /// early as far as the kernel can tell.
    pub cmdline: &'a [u8],
    pub modules: &'a [Module<'a>],
    /// The boot-loader name, without the NUL.
    pub loader_name: &'a [u8],
}

/// A pointer the structure must hold does not fit its 32-bit field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// The area at `at` would reach beyond 4 GiB.
    AreaAbove4GiB,
    /// A module ends beyond 4 GiB (or before it starts).
    BadModule,
}

/// The information area for guest-physical address `at` (see the module
/// documentation). Its length does not depend on `at`, so a caller may
/// build once to learn the size and again for the address it then picks.
pub fn build(at: u64, info: &BootInfo) -> Result<Vec<u8>, BuildError> {
    let mmap_off = MODS_OFFSET + MODULE_SIZE * info.modules.len();
    let mmap_len = MMAP_ENTRY_SIZE * info.map.len();
    let strings_off = mmap_off + mmap_len;
    let strings_len = info.cmdline.len()
        + info.loader_name.len()
        + info.modules.iter().map(|m| m.string.len()).sum::<usize>()
        + 2
        + info.modules.len();
    let total = strings_off + strings_len;
    let fits = at
        .checked_add(total as u64)
        .is_some_and(|end| end <= 1 << 32);
    if !fits {
        return Err(BuildError::AreaAbove4GiB);
    }
    // Below 4 GiB from here on, as checked.
    let ptr = |off: usize| (at + off as u64) as u32;

    let mut b = vec![0u8; total];
    let mut strings = Strings {
        next: strings_off,
        buf: &mut b,
    };
    let cmdline = strings.add(info.cmdline);
    let mut mods = Vec::with_capacity(info.modules.len());
    for m in info.modules {
        let start = u32::try_from(m.start).map_err(|_| BuildError::BadModule)?;
        let end = u32::try_from(m.end).map_err(|_| BuildError::BadModule)?;
        if end < start {
            return Err(BuildError::BadModule);
        }
        mods.push((start, end, strings.add(m.string)));
    }
    let loader_name = strings.add(info.loader_name);

    let all = flags::MEM | flags::CMDLINE | flags::MODS | flags::MMAP | flags::LOADER_NAME;
    put32(&mut b, 0, all);
    let (lower, upper) = mem_sizes(info.map);
    put32(&mut b, 4, lower);
    put32(&mut b, 8, upper);
    put32(&mut b, 16, ptr(cmdline));
    put32(&mut b, 20, info.modules.len() as u32);
    put32(&mut b, 24, ptr(MODS_OFFSET));
    put32(&mut b, 44, mmap_len as u32);
    put32(&mut b, 48, ptr(mmap_off));
    put32(&mut b, 64, ptr(loader_name));

    for (i, (start, end, string)) in mods.into_iter().enumerate() {
        let e = MODS_OFFSET + MODULE_SIZE * i;
        put32(&mut b, e, start);
        put32(&mut b, e + 4, end);
        put32(&mut b, e + 8, ptr(string));
    }
    for (i, r) in info.map.iter().enumerate() {
        let e = mmap_off + MMAP_ENTRY_SIZE * i;
        put32(&mut b, e, MMAP_SIZE_FIELD);
        put64(&mut b, e + 4, r.base);
        put64(&mut b, e + 12, r.len);
        put32(&mut b, e + 20, r.kind.code());
    }
    Ok(b)
}

/// `mem_lower` and `mem_upper` in KiB: the RAM region from 0 (at most 640
/// KiB) and the one from 1 MiB up to the first hole, as the spec defines
/// them; 0 where the map has no such region.
fn mem_sizes(map: &[Region]) -> (u32, u32) {
    let kib_from = |base: u64| {
        map.iter()
            .find(|r| r.kind == Kind::Ram && r.base == base)
            .map_or(0, |r| r.len / 1024)
    };
    let lower = kib_from(0).min(MAX_MEM_LOWER_KIB);
    let upper = kib_from(HIGH_MEMORY).min(u64::from(u32::MAX));
    (lower as u32, upper as u32)
}

/// The string part of the area, filled front to back.
struct Strings<'b> {
    next: usize,
    buf: &'b mut [u8],
}

impl Strings<'_> {
    /// Appends `s` and its NUL (the buffer is zeroed); returns its offset.
    fn add(&mut self, s: &[u8]) -> usize {
        let at = self.next;
        if let Some(dst) = self.buf.get_mut(at..at + s.len()) {
            dst.copy_from_slice(s);
        }
        self.next = at + s.len() + 1;
        at
    }
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    if let Some(dst) = b.get_mut(off..off + 4) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

fn put64(b: &mut [u8], off: usize, v: u64) {
    if let Some(dst) = b.get_mut(off..off + 8) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests;

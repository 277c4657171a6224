//! x86-64 four-level page tables, edited through an abstract physical memory.
//!
//! User address spaces are built, torn down and shrunk from hypercalls, so
//! the table logic must be exact about sizes, splitting and freeing, and it
//! must be testable without a CPU. Tables are reached through [`PhysMem`]:
//! the kernel implements it over its direct map, tests over a simulated
//! memory that counts live tables to prove nothing leaks.
//!
//! Guest-physical spaces use the same code: AMD NPT tables have this very
//! format, Intel EPT tables are reached through a `PhysMem` that converts
//! entries with [`ept`], and [`map_range_max`] avoids page sizes the CPU's
//! EPT or NPT may lack.
//!
//! Rules kept by every operation here:
//! - Only the user half (below [`USER_END`]) is ever edited; the kernel half
//!   of a root is shared and belongs to the kernel.
//! - Intermediate entries are `PRESENT | WRITABLE | USER`, so the leaf alone
//!   decides the rights.
//! - No intermediate table below the root is left empty: [`map`] undoes its
//!   allocations on failure and [`unmap_range`] frees tables it empties.
//!   [`map`] relies on this to report a present table as [`MapError::AlreadyMapped`].
//! - Leaf flags cross this interface in the 4 KiB layout whatever the page
//!   size: PAT is [`flags::PAT_4K`] and `HUGE` is never passed or returned;
//!   the module moves PAT to bit 12 and sets `HUGE` for large pages itself.
//!
//! Nothing here flushes TLBs. After [`unmap_range`], [`protect_range`] or
//! [`free_user_half`] the caller must invalidate the affected translations
//! (on every CPU that may cache them) before the freed tables or unmapped
//! frames are reused, so `PhysMem::free_table` should defer reuse until then.

#![forbid(unsafe_code)]

mod edit;
pub mod ept;
mod map;

pub use edit::{free_user_half, protect_range, unmap_range};
pub use map::{map, map_range, map_range_max};

use flags::{HUGE, NO_EXECUTE, PAT_4K, PAT_LARGE, PRESENT, USER, WRITABLE};

/// Access to page-table pages by physical address.
pub trait PhysMem {
    /// Entry `index` (0..512) of the table at `table_pa`.
    fn read(&self, table_pa: u64, index: usize) -> u64;
    fn write(&mut self, table_pa: u64, index: usize, value: u64);
    /// A zeroed 4 KiB page for a table, or None if memory is exhausted.
    fn alloc_table(&mut self) -> Option<u64>;
    fn free_table(&mut self, pa: u64);
}

pub mod flags {
    pub const PRESENT: u64 = 1 << 0;
    pub const WRITABLE: u64 = 1 << 1;
    pub const USER: u64 = 1 << 2;
    pub const PWT: u64 = 1 << 3;
    pub const PCD: u64 = 1 << 4;
    pub const ACCESSED: u64 = 1 << 5;
    pub const DIRTY: u64 = 1 << 6;
    pub const HUGE: u64 = 1 << 7;
    pub const GLOBAL: u64 = 1 << 8;
    /// PAT in a 4 KiB entry; the layout this module's interface uses.
    pub const PAT_4K: u64 = 1 << 7;
    /// PAT in a 2 MiB or 1 GiB entry.
    pub const PAT_LARGE: u64 = 1 << 12;
    pub const NO_EXECUTE: u64 = 1 << 63;
}

/// First address above the user half (the lower canonical half).
pub const USER_END: u64 = abi::cap::USER_END;
/// First address of the upper canonical half.
const KERNEL_START: u64 = 0xffff_8000_0000_0000;
/// The physical-address bits of an entry (12..51).
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;
const TABLE_FLAGS: u64 = PRESENT | WRITABLE | USER;
const ENTRIES: usize = 512;
const PAGE: u64 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    Size4K,
    Size2M,
    Size1G,
}

impl PageSize {
    pub const fn bytes(self) -> u64 {
        match self {
            Self::Size4K => 1 << 12,
            Self::Size2M => 1 << 21,
            Self::Size1G => 1 << 30,
        }
    }

    /// The biggest page no bigger than `max` that `va` and `pa` are both
    /// aligned to and that fits in `len`; 4 KiB if nothing fits (the caller
    /// checks `len`).
    pub fn largest_fitting(va: u64, pa: u64, len: u64, max: PageSize) -> PageSize {
        [Self::Size1G, Self::Size2M]
            .into_iter()
            .filter(|s| s.bytes() <= max.bytes())
            .find(|s| {
                let b = s.bytes();
                va.is_multiple_of(b) && pa.is_multiple_of(b) && len >= b
            })
            .unwrap_or(Self::Size4K)
    }

    /// The table level holding leaves of this size (0 = page table).
    const fn level(self) -> u32 {
        match self {
            Self::Size4K => 0,
            Self::Size2M => 1,
            Self::Size1G => 2,
        }
    }

    const fn at_level(level: u32) -> Option<PageSize> {
        match level {
            0 => Some(Self::Size4K),
            1 => Some(Self::Size2M),
            2 => Some(Self::Size1G),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No memory for an intermediate table.
    OutOfMemory,
    /// Some page in the target range is already mapped.
    AlreadyMapped,
    /// An address or length is not a multiple of the page size.
    Misaligned,
    /// The target range reaches outside the user half.
    NotUser,
}

fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * level)) & 0x1ff) as usize
}

/// Bytes covered by one entry of a table at `level`.
const fn span(level: u32) -> u64 {
    1 << (12 + 9 * level)
}

/// Whether an entry at `level` maps a page rather than a table. Bit 7 of a
/// PML4 entry is reserved, so it never counts there.
fn is_leaf(entry: u64, level: u32) -> bool {
    level == 0 || (level <= 2 && entry & HUGE != 0)
}

/// A present leaf for `pa` of `size`, from 4 KiB-layout `flags`.
fn leaf_entry(pa: u64, size: PageSize, flags: u64) -> u64 {
    let flags = (flags & !ADDRESS_MASK) | PRESENT;
    if size == PageSize::Size4K {
        return pa | flags;
    }
    let pat = if flags & PAT_4K != 0 { PAT_LARGE } else { 0 };
    pa | (flags & !PAT_4K) | HUGE | pat
}

/// The 4 KiB-layout flags of a leaf of `size`.
fn leaf_flags(entry: u64, size: PageSize) -> u64 {
    if size == PageSize::Size4K {
        return entry & !ADDRESS_MASK;
    }
    let pat = if entry & PAT_LARGE != 0 { PAT_4K } else { 0 };
    (entry & !ADDRESS_MASK & !HUGE) | pat
}

fn leaf_pa(entry: u64, size: PageSize) -> u64 {
    entry & ADDRESS_MASK & !(size.bytes() - 1)
}

/// The physical address `va` translates to, the effective flags (4 KiB
/// layout) and the page size. USER and WRITABLE hold only if every level
/// grants them; NO_EXECUTE holds if any level sets it.
pub fn translate<M: PhysMem>(m: &M, root: u64, va: u64) -> Option<(u64, u64, PageSize)> {
    if (USER_END..KERNEL_START).contains(&va) {
        return None;
    }
    let mut table = root;
    let mut granted = USER | WRITABLE;
    let mut nx = 0;
    for level in (0..=3).rev() {
        let e = m.read(table, index(va, level));
        if e & PRESENT == 0 || (level == 3 && e & HUGE != 0) {
            return None;
        }
        granted &= e;
        nx |= e & NO_EXECUTE;
        if let Some(size) = PageSize::at_level(level).filter(|_| is_leaf(e, level)) {
            let offset = va & (size.bytes() - 1);
            let own = leaf_flags(e, size) & !(USER | WRITABLE | NO_EXECUTE);
            return Some((leaf_pa(e, size) | offset, own | granted | nx, size));
        }
        table = e & ADDRESS_MASK;
    }
    None
}

#[cfg(test)]
mod tests;

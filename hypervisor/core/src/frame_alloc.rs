//! Physical page allocator over the boot memory map.
//!
//! The kernel needs page tables, per-CPU stacks and object memory before it
//! has a heap (and it never gets one), so free memory is tracked as a
//! [`RangeSet`] of page-aligned ranges. First fit by address keeps low memory
//! used first and makes allocations reproducible across boots. The set of
//! ranges handed over at start-up is kept too, so `free` can reject pages the
//! allocator never owned.

#![forbid(unsafe_code)]

use crate::memmap::{Full, Range, RangeSet};

pub const PAGE_SIZE: u64 = 4096;

/// Capacity in disjoint ranges of both the managed and the free set.
const MAX_RANGES: usize = 256;

/// Firmware data, the real-mode IVT/BDA and the AP start-up trampoline live
/// below 1 MiB, so that memory is never handed out.
const LOW_MEMORY_END: u64 = 0x10_0000;

#[derive(Debug, PartialEq, Eq)]
pub enum FreeError {
    Misaligned,
    /// Some page lies outside the memory given to [`FrameAllocator::new`].
    NotAllocatable,
    /// Some page is already free.
    DoubleFree,
    /// The free set would need more than its fixed number of ranges.
    Full,
}

#[derive(Clone, Debug)]
pub struct FrameAllocator {
    free: RangeSet<MAX_RANGES>,
    managed: RangeSet<MAX_RANGES>,
}

impl FrameAllocator {
    /// An allocator owning no memory, for static initialisation.
    pub const fn empty() -> Self {
        Self {
            free: RangeSet::new(),
            managed: RangeSet::new(),
        }
    }

    /// usable: regions firmware calls usable; reserved: kernel image,
    /// modules, boot info, etc. Usable is shrunk to page boundaries, reserved
    /// grown to page boundaries and removed; the first 1 MiB is always
    /// excluded. Returns `Err(Full)` if more than 256 ranges would be needed.
    pub fn new(usable: &[Range], reserved: &[Range]) -> Result<Self, Full> {
        let mut managed = RangeSet::new();
        for r in usable {
            managed.insert(r.align_inward(PAGE_SIZE))?;
        }
        managed.remove(Range::new(0, LOW_MEMORY_END))?;
        for r in reserved {
            managed.remove(r.align_outward(PAGE_SIZE))?;
        }
        Ok(Self {
            free: managed,
            managed,
        })
    }

    /// `pages` contiguous pages aligned to `align` bytes (a power of two of
    /// at least `PAGE_SIZE`), entirely below `limit`; the lowest fitting
    /// address wins. A candidate whose removal would split a range while the
    /// free set is full is skipped, so extreme fragmentation can push the
    /// result higher but never corrupts the set.
    pub fn alloc(&mut self, pages: u64, align: u64, limit: u64) -> Option<u64> {
        if pages == 0 || !align.is_power_of_two() || align < PAGE_SIZE {
            return None;
        }
        let size = pages.checked_mul(PAGE_SIZE)?;
        // Index-based walk: a failed `remove` leaves the set unchanged, so
        // the indices stay valid while we keep looking.
        let mut i = 0;
        loop {
            let free = self.free.iter().nth(i)?;
            i += 1;
            let start = free.start.checked_next_multiple_of(align)?;
            let end = start.checked_add(size)?;
            if end > limit {
                return None;
            }
            if end <= free.end && self.free.remove(Range::new(start, end)).is_ok() {
                return Some(start);
            }
        }
    }

    /// Returns `pages` pages at `addr` to the free set; they must all have
    /// been handed to [`FrameAllocator::new`] and must all be allocated.
    pub fn free(&mut self, addr: u64, pages: u64) -> Result<(), FreeError> {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(FreeError::Misaligned);
        }
        let end = pages
            .checked_mul(PAGE_SIZE)
            .and_then(|size| addr.checked_add(size))
            .ok_or(FreeError::NotAllocatable)?;
        let r = Range::new(addr, end);
        if !self.managed.contains(r) {
            return Err(FreeError::NotAllocatable);
        }
        if self.free.overlaps(r) {
            return Err(FreeError::DoubleFree);
        }
        self.free.insert(r).map_err(|Full| FreeError::Full)
    }

    /// The free ranges, in address order.
    pub fn free_ranges(&self) -> impl Iterator<Item = Range> + '_ {
        self.free.iter()
    }

    pub fn free_bytes(&self) -> u64 {
        self.free.total()
    }

    /// Bytes owned by the allocator: usable memory after every exclusion.
    pub fn managed_bytes(&self) -> u64 {
        self.managed.total()
    }
}

#[cfg(test)]
mod tests;

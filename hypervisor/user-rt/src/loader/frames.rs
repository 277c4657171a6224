//! Physical pages for the loader, as the caller sees them: memory it has
//! mapped read-write in its own space (root-pd's physical window, a
//! component's RAM region). The loader copies through that mapping and
//! delegates the pages from the caller's memory space to the child.

use super::plan::PAGE;

/// A supply of the caller's own RAM.
///
/// # Safety
/// Every block `alloc` returns is mapped read-write in the caller's space,
/// backed by RAM the caller holds a memory capability for, and handed out
/// once: nothing else in the caller uses it.
pub unsafe trait Frames {
    /// `2^order` pages, aligned to their size in the caller's space (so they
    /// can be delegated as one block); the address in the caller's space.
    /// The pages need not be zeroed.
    fn alloc(&mut self, order: u8) -> Option<u64>;
}

/// Hands out a region from its start; takes pages back only in stack
/// order (everything after a [`Mark`]): enough for programs that load
/// children in rounds and end each round whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BumpFrames {
    next: u64,
    end: u64,
}

impl BumpFrames {
    /// The pages of `[base, base + len)` (rounded inwards to pages).
    ///
    /// # Safety
    /// The region is mapped read-write in the caller's space, backed by RAM
    /// it holds memory capabilities for, and used by nothing else.
    pub const unsafe fn new(base: u64, len: u64) -> Self {
        let start = base.next_multiple_of(PAGE);
        let end = (base + len) / PAGE * PAGE;
        Self {
            next: start,
            end: if end > start { end } else { start },
        }
    }

    /// `pages` pages aligned to `align` bytes (a power of two, at least a
    /// page); the pages skipped for alignment are lost.
    pub fn take(&mut self, pages: u64, align: u64) -> Option<u64> {
        let at = self.next.checked_next_multiple_of(align.max(PAGE))?;
        let end = at.checked_add(pages.checked_mul(PAGE)?)?;
        if end > self.end {
            return None;
        }
        self.next = end;
        Some(at)
    }

    /// Bytes still free.
    pub fn remaining(&self) -> u64 {
        self.end - self.next
    }

    /// Where the next [`BumpFrames::take`] starts: [`BumpFrames::release_to`]
    /// with it takes back all taken after.
    pub fn mark(&self) -> Mark {
        Mark(self.next)
    }

    /// Takes back every page handed out since `m`, zeroed, so the next
    /// owner finds nothing of the last one.
    ///
    /// # Safety
    /// Nothing uses those pages any more: every mapping of them outside
    /// the caller is gone (revoked and flushed), and the caller keeps no
    /// reference into them.
    pub unsafe fn release_to(&mut self, m: Mark) {
        if m.0 >= self.next {
            return;
        }
        // SAFETY: [m.0, next) lies in the region, which is mapped read-write
        // in the caller's space (contract of `new`); the caller vouches that
        // nothing else uses it.
        unsafe { core::ptr::write_bytes(m.0 as *mut u8, 0, (self.next - m.0) as usize) };
        self.next = m.0;
    }
}

/// A point in a [`BumpFrames`]' region (from [`BumpFrames::mark`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark(u64);

// SAFETY: the region is the caller's to give (contract of `BumpFrames::new`)
// and `take` never hands out a byte twice.
unsafe impl Frames for BumpFrames {
    fn alloc(&mut self, order: u8) -> Option<u64> {
        let pages = 1u64.checked_shl(u32::from(order))?;
        self.take(pages, pages.checked_mul(PAGE)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_to_their_size_and_never_overlap() {
        // SAFETY: the allocator only computes addresses; the test touches
        // none of them.
        let mut f = unsafe { BumpFrames::new(0x1000_0000_1800, 0x10_0000) };
        assert_eq!(f.alloc(0), Some(0x1000_0000_2000), "rounded up to a page");
        assert_eq!(f.alloc(2), Some(0x1000_0000_4000));
        assert_eq!(f.alloc(0), Some(0x1000_0000_8000));
        assert_eq!(f.take(1, 0x1_0000), Some(0x1000_0001_0000));
        assert_eq!(
            f.remaining(),
            0x1000_0010_1000 - 0x1000_0001_1000,
            "rounded down"
        );
    }

    #[test]
    fn releasing_to_a_mark_zeroes_and_hands_out_the_same_pages_again() {
        let mut region = vec![0u8; 0x6000];
        let base = region.as_mut_ptr() as u64;
        // SAFETY: the vector is ours, mapped read-write, and used by nothing
        // else while `f` lives.
        let mut f = unsafe { BumpFrames::new(base, 0x6000) };
        let first = f.take(1, PAGE).unwrap();
        let m = f.mark();
        let a = f.take(2, PAGE).unwrap();
        // SAFETY: `a` is two pages of the vector that `f` handed out.
        unsafe { core::ptr::write_bytes(a as *mut u8, 0xaa, 2 * PAGE as usize) };
        // SAFETY: nothing holds on to the pages taken since `m`.
        unsafe { f.release_to(m) };
        assert_eq!(f.take(2, PAGE), Some(a));
        let start = (a - base) as usize;
        assert!(region[start..start + 2 * PAGE as usize]
            .iter()
            .all(|&b| b == 0));
        assert!(first < a);
        // A mark at or past the end releases nothing.
        let end = f.mark();
        // SAFETY: as above (nothing is released).
        unsafe { f.release_to(end) };
        assert_eq!(f.mark(), end);
    }

    #[test]
    fn an_exhausted_region_refuses() {
        // SAFETY: as above, nothing is touched.
        let mut f = unsafe { BumpFrames::new(0x10_0000, 0x4000) };
        assert_eq!(f.alloc(2), Some(0x10_0000));
        assert_eq!(f.alloc(0), None);
        // SAFETY: as above.
        let mut none = unsafe { BumpFrames::new(0x1800, 0x1000) };
        assert_eq!(none.alloc(0), None, "no whole page");
        assert_eq!(f.alloc(63), None);
        assert_eq!(f.alloc(64), None);
    }
}

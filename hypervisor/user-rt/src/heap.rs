//! A heap for user programs: first fit over an address-ordered free list,
//! with neighbours merged on free, behind a spin lock (several ECs of one PD
//! may allocate at once).
//!
//! The memory comes at run time ([`Heap::init`]): a program declares
//! `#[global_allocator] static HEAP: Heap = Heap::new();` and hands it a
//! region once it has one. Everything is kept in units of 16 bytes, the size
//! of a free block's header, so every block and every remainder left by a
//! split is big enough to hold a header again.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{null_mut, NonNull};

/// A free block's header, stored at the start of the block.
#[repr(C, align(16))]
struct Block {
    size: usize,
    next: Option<NonNull<Block>>,
}

/// The allocation granule: blocks start and end on multiples of it.
const UNIT: usize = core::mem::size_of::<Block>();
const _: () = assert!(UNIT == 16 && core::mem::align_of::<Block>() == UNIT);

/// The free blocks, in address order. Invariant: every block lies in memory
/// handed to the heap and not allocated, starts on a multiple of `UNIT`, has
/// a size that is a non-zero multiple of `UNIT`, and does not touch the next
/// block (touching blocks are merged).
struct FreeList {
    head: Option<NonNull<Block>>,
    free: usize,
}

// SAFETY: the list owns the free memory it points to; moving it to another
// thread (under the heap's lock) moves that ownership along.
unsafe impl Send for FreeList {}

/// A heap over memory handed over at run time.
pub struct Heap {
    list: spin::Mutex<FreeList>,
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

/// The size a block for `layout` takes.
fn block_size(layout: Layout) -> Option<usize> {
    layout.size().max(1).checked_next_multiple_of(UNIT)
}

impl Heap {
    /// A heap without memory: every allocation fails until [`Heap::init`].
    pub const fn new() -> Self {
        Self {
            list: spin::Mutex::new(FreeList {
                head: None,
                free: 0,
            }),
        }
    }

    /// Hands `[base, base + len)` to the heap (the part of it aligned to 16
    /// bytes). May be called again to add more regions.
    ///
    /// # Safety
    /// 1. The region is mapped read-write and stays so while the heap is used.
    /// 2. Nothing else uses the region, now or later, and it overlaps no
    ///    region handed to a heap before.
    pub unsafe fn init(&self, base: usize, len: usize) {
        let Some(end) = base.checked_add(len) else {
            return;
        };
        let (start, end) = (base.next_multiple_of(UNIT), end / UNIT * UNIT);
        if start < end {
            // SAFETY: the aligned part lies inside the region, which the
            // caller hands over whole and unused (contracts 1 and 2).
            unsafe { self.list.lock().insert(start, end - start) };
        }
    }

    /// Bytes free, in all blocks together.
    pub fn free_bytes(&self) -> usize {
        self.list.lock().free
    }

    /// The largest block free, in bytes: the largest allocation that can
    /// succeed with an alignment of 16.
    pub fn largest_free(&self) -> usize {
        let list = self.list.lock();
        let mut largest = 0;
        let mut cur = list.head;
        while let Some(b) = cur {
            // SAFETY: a block of the list (invariant of `FreeList`).
            let block = unsafe { b.as_ptr().read() };
            largest = largest.max(block.size);
            cur = block.next;
        }
        largest
    }
}

impl FreeList {
    /// Takes `size` bytes aligned to `align` (both multiples of `UNIT`) from
    /// the first block they fit in.
    fn take(&mut self, size: usize, align: usize) -> Option<usize> {
        let mut prev: Option<NonNull<Block>> = None;
        let mut cur = self.head;
        while let Some(b) = cur {
            // SAFETY: a block of the list (invariant).
            let block = unsafe { b.as_ptr().read() };
            let at = b.as_ptr() as usize;
            let fit = at
                .checked_next_multiple_of(align)
                .and_then(|start| Some((start, start.checked_add(size)?)))
                .filter(|&(_, end)| end <= at + block.size);
            let Some((start, end)) = fit else {
                prev = cur;
                cur = block.next;
                continue;
            };
            // What is left on either side is a multiple of UNIT: 0, or
            // enough for a header.
            let tail_size = at + block.size - end;
            let after = if tail_size > 0 {
                let tail = end as *mut Block;
                // SAFETY: the tail lies inside the free block and is
                // UNIT-aligned; writing its header keeps the invariant.
                unsafe {
                    tail.write(Block {
                        size: tail_size,
                        next: block.next,
                    })
                };
                NonNull::new(tail)
            } else {
                block.next
            };
            if start > at {
                // The head stays free, shrunk to what precedes the start.
                // SAFETY: `b` is a block of the list.
                unsafe {
                    b.as_ptr().write(Block {
                        size: start - at,
                        next: after,
                    })
                };
            } else {
                match prev {
                    // SAFETY: `p` is a block of the list.
                    Some(p) => unsafe { (*p.as_ptr()).next = after },
                    None => self.head = after,
                }
            }
            self.free -= size;
            return Some(start);
        }
        None
    }

    /// Returns `[at, at + size)` to the list, merging it with touching
    /// neighbours.
    ///
    /// # Safety
    /// The range is UNIT-aligned, `size` a non-zero multiple of `UNIT`, it
    /// was handed to the heap, and it is neither free nor in use.
    unsafe fn insert(&mut self, at: usize, size: usize) {
        let mut prev: Option<NonNull<Block>> = None;
        let mut next = self.head;
        while let Some(n) = next.filter(|n| (n.as_ptr() as usize) < at) {
            prev = Some(n);
            // SAFETY: a block of the list (invariant).
            next = unsafe { (*n.as_ptr()).next };
        }
        let mut block = Block { size, next };
        if let Some(n) = next.filter(|n| n.as_ptr() as usize == at + size) {
            // SAFETY: a block of the list; it is absorbed into the new one.
            let following = unsafe { n.as_ptr().read() };
            block = Block {
                size: size + following.size,
                next: following.next,
            };
        }
        self.free += size;
        if let Some(p) = prev {
            // SAFETY: a block of the list, ending at most at `at` (blocks do
            // not overlap the range, which is not free).
            let p_block = unsafe { &mut *p.as_ptr() };
            if p.as_ptr() as usize + p_block.size == at {
                p_block.size += block.size;
                p_block.next = block.next;
                return;
            }
        }
        let new = at as *mut Block;
        // SAFETY: the caller hands the range over; it is aligned and large
        // enough for a header.
        unsafe { new.write(block) };
        match prev {
            // SAFETY: a block of the list.
            Some(p) => unsafe { (*p.as_ptr()).next = NonNull::new(new) },
            None => self.head = NonNull::new(new),
        }
    }
}

// SAFETY: `alloc` returns blocks of at least the layout's size and
// alignment, taken from memory handed to the heap and removed from the free
// list, so no two live allocations overlap; `dealloc` returns exactly the
// block `alloc` computed for the same layout. The lock serializes all of it.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(size) = block_size(layout) else {
            return null_mut();
        };
        let align = layout.align().max(UNIT);
        match self.list.lock().take(size, align) {
            Some(at) => at as *mut u8,
            None => null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(size) = block_size(layout) else {
            return;
        };
        // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc's
        // contract), so it is a UNIT-aligned block of `size` bytes that was
        // handed to the heap and is no longer used.
        unsafe { self.list.lock().insert(ptr as usize, size) };
    }
}

#[cfg(test)]
mod tests;

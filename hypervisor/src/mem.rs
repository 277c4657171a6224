//! Physical memory: the frame allocator and the direct map through which the
//! kernel reaches any physical address.
//!
//! Until the kernel's own page tables are live, the boot tables identity-map
//! the first 4 GiB, so the physical-to-virtual offset starts at 0 and every
//! early allocation is taken below 4 GiB.

use core::sync::atomic::{AtomicU64, Ordering};
use hv_core::frame_alloc::{FrameAllocator, PAGE_SIZE};
use spin::Mutex;

/// Base of the direct map of all physical memory in the kernel half.
pub const DIRECT_MAP: u64 = 0xffff_8000_0000_0000;
/// Where the kernel image runs: this offset plus its physical address.
pub const KERNEL_OFFSET: u64 = 0xffff_ffff_8000_0000;

static PHYS_TO_VIRT: AtomicU64 = AtomicU64::new(0);
static FRAMES: Mutex<FrameAllocator> = Mutex::new(FrameAllocator::empty());

/// Installs the allocator built from the boot memory map.
pub fn init(frames: FrameAllocator) {
    *FRAMES.lock() = frames;
}

/// Switches physical accesses to the direct map (after its tables are live).
pub fn use_direct_map() {
    PHYS_TO_VIRT.store(DIRECT_MAP, Ordering::Release);
}

/// The virtual address at which the kernel reaches physical `pa`.
pub fn phys_to_virt(pa: u64) -> u64 {
    pa.wrapping_add(PHYS_TO_VIRT.load(Ordering::Acquire))
}

/// The physical address of a kernel-image symbol.
pub fn image_phys(va: u64) -> u64 {
    va - KERNEL_OFFSET
}

/// Allocates `pages` zeroed contiguous pages; `None` when memory is exhausted.
/// Before the direct map is live, only memory the boot tables reach is used.
pub fn alloc_zeroed(pages: u64) -> Option<u64> {
    let limit = if PHYS_TO_VIRT.load(Ordering::Acquire) == 0 {
        1 << 32
    } else {
        u64::MAX
    };
    let pa = FRAMES.lock().alloc(pages, PAGE_SIZE, limit)?;
    // SAFETY: the allocator handed out these pages exclusively to us, and
    // `phys_to_virt` maps them (identity below 4 GiB early, the direct map
    // later) as writable kernel memory.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, (pages * PAGE_SIZE) as usize) };
    Some(pa)
}

/// Takes up to `pages` contiguous pages (halving the request until it fits)
/// out of the boot allocator for good: (address, pages).
pub fn take(pages: u64) -> Option<(u64, u64)> {
    let mut frames = FRAMES.lock();
    let mut n = pages;
    loop {
        if let Some(pa) = frames.alloc(n, PAGE_SIZE, u64::MAX) {
            return Some((pa, n));
        }
        if n <= 1 {
            return None;
        }
        n /= 2;
    }
}

/// Calls `f` with every range still free in the boot allocator: at the end
/// of boot, the memory the root PD receives.
pub fn for_each_free(mut f: impl FnMut(hv_core::memmap::Range)) {
    for r in FRAMES.lock().free_ranges() {
        f(r);
    }
}

/// Bytes still free for allocation.
pub fn free_bytes() -> u64 {
    FRAMES.lock().free_bytes()
}

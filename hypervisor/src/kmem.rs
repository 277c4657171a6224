//! Kernel memory: the pool of pages the kernel keeps for objects, capability
//! tables and page tables after boot, and the charging of every page to the
//! quota of the PD it is used for.
//!
//! At the end of boot a fixed share of free RAM becomes the pool (`kmem=` on
//! the command line sets it in MiB); the rest goes to the root PD as user
//! memory. The root PD's quota is the whole pool, and every other quota is
//! split from it, so the pages charged can never exceed the pool: a PD that
//! exhausts its quota gets `OutOfQuota` and nobody else is affected.

use crate::mem;
use crate::obj::{pd::Pd, Ref};
use abi::Status;
use hv_core::frame_alloc::{FrameAllocator, PAGE_SIZE};
use hv_core::memmap::Range;
use spin::Mutex;

static POOL: Mutex<FrameAllocator> = Mutex::new(FrameAllocator::empty());

/// Largest number of separate chunks the pool is built from.
const MAX_CHUNKS: usize = 128;
/// Pool chunks are taken 2 MiB at a time where possible.
const CHUNK_PAGES: u64 = 512;

/// Takes `pages` pages out of the boot allocator into the pool. Returns the
/// number of pages the pool got (less than asked if memory is short).
pub fn init_pool(pages: u64) -> u64 {
    let mut chunks = [Range::new(0, 0); MAX_CHUNKS];
    let (mut n, mut got) = (0, 0);
    while got < pages && n < MAX_CHUNKS {
        let want = CHUNK_PAGES.min(pages - got);
        let Some((pa, len)) = mem::take(want) else {
            break;
        };
        chunks[n] = Range::new(pa, pa + len * PAGE_SIZE);
        n += 1;
        got += len;
    }
    match FrameAllocator::new(&chunks[..n], &[]) {
        Ok(pool) => {
            let total = pool.free_bytes() / PAGE_SIZE;
            *POOL.lock() = pool;
            total
        }
        Err(_) => 0,
    }
}

/// A zeroed page from the pool, not charged to anyone (the kernel's own use
/// at boot: the root PD before it has a quota).
pub fn alloc_uncharged() -> Option<u64> {
    let pa = POOL.lock().alloc(1, PAGE_SIZE, u64::MAX)?;
    zero(pa);
    Some(pa)
}

/// Returns an uncharged page.
pub fn free_uncharged(pa: u64) {
    // A failure here means a kernel bug (double free); the page is then
    // simply not reused.
    let _ = POOL.lock().free(pa, 1);
}

/// A zeroed page charged to `pd`'s quota.
pub fn alloc(pd: Ref<Pd>) -> Result<u64, Status> {
    pd.get().quota.charge(1).map_err(|_| Status::OutOfQuota)?;
    match alloc_uncharged() {
        Some(pa) => Ok(pa),
        None => {
            // Quotas never add up to more than the pool, so this is only
            // reachable if pages leaked; refuse rather than fail hard.
            pd.get().quota.refund(1);
            Err(Status::OutOfQuota)
        }
    }
}

/// `pages` contiguous zeroed pages charged to `pd` (freed page by page).
pub fn alloc_contig(pd: Ref<Pd>, pages: u64) -> Result<u64, Status> {
    pd.get()
        .quota
        .charge(pages)
        .map_err(|_| Status::OutOfQuota)?;
    let Some(pa) = POOL.lock().alloc(pages, PAGE_SIZE, u64::MAX) else {
        pd.get().quota.refund(pages);
        return Err(Status::OutOfQuota);
    };
    for i in 0..pages {
        zero(pa + i * PAGE_SIZE);
    }
    Ok(pa)
}

/// Returns a page charged to `pd`.
pub fn free(pd: Ref<Pd>, pa: u64) {
    free_uncharged(pa);
    pd.get().quota.refund(1);
}

/// Places `value` in a fresh page charged to `pd` (or to nobody, for `None`).
pub fn new_obj<T>(pd: Option<Ref<Pd>>, value: T) -> Result<Ref<T>, Status> {
    const { assert!(core::mem::size_of::<T>() <= PAGE_SIZE as usize) };
    let pa = match pd {
        Some(pd) => alloc(pd)?,
        None => alloc_uncharged().ok_or(Status::OutOfQuota)?,
    };
    let ptr = mem::phys_to_virt(pa) as *mut T;
    // SAFETY: the page is fresh, exclusively ours, mapped writable through
    // the direct map, page-aligned (enough for any kernel object) and large
    // enough (asserted above).
    unsafe { ptr.write(value) };
    Ok(Ref::new(
        core::ptr::NonNull::new(ptr).ok_or(Status::OutOfQuota)?,
    ))
}

/// Frees an object made by [`new_obj`] with the same `pd`. The caller has
/// cleared every reference to it.
pub fn free_obj<T>(pd: Option<Ref<Pd>>, obj: Ref<T>) {
    let pa = obj.addr() - mem::DIRECT_MAP;
    match pd {
        Some(pd) => free(pd, pa),
        None => free_uncharged(pa),
    }
}

/// Pages still free in the pool.
pub fn pool_free_pages() -> u64 {
    POOL.lock().free_bytes() / PAGE_SIZE
}

fn zero(pa: u64) {
    // SAFETY: `pa` is a pool page just handed out to the caller alone and
    // mapped writable through the direct map.
    unsafe { core::ptr::write_bytes(mem::phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
}

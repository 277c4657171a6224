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
use hv_core::frame_alloc::PAGE_SIZE;
use spin::Mutex;

/// The pool: free pages linked through their first word (physical
/// addresses; 0 ends the list). A list cannot fragment, so a free always
/// succeeds and the pages charged never exceed the pool.
struct Pool {
    head: u64,
    free: u64,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { head: 0, free: 0 });

/// Pool chunks are taken 2 MiB at a time where possible.
const CHUNK_PAGES: u64 = 512;

fn link(pa: u64) -> *mut u64 {
    mem::phys_to_virt(pa) as *mut u64
}

fn push(pool: &mut Pool, pa: u64) {
    // SAFETY: `pa` is a pool page nobody uses any more (freed, or fresh
    // from the boot allocator), mapped writable through the direct map.
    unsafe { link(pa).write(pool.head) };
    pool.head = pa;
    pool.free += 1;
}

/// Takes `pages` pages out of the boot allocator into the pool. Returns the
/// number of pages the pool got (less than asked if memory is short).
pub fn init_pool(pages: u64) -> u64 {
    let mut pool = POOL.lock();
    let mut got = 0;
    while got < pages {
        let Some((pa, len)) = mem::take(CHUNK_PAGES.min(pages - got)) else {
            break;
        };
        // Lowest addresses first out, for readable traces.
        for i in (0..len).rev() {
            push(&mut pool, pa + i * PAGE_SIZE);
        }
        got += len;
    }
    got
}

/// A zeroed page from the pool, not charged to anyone (the kernel's own use
/// at boot: the root PD before it has a quota).
pub fn alloc_uncharged() -> Option<u64> {
    let pa = {
        let mut pool = POOL.lock();
        let pa = pool.head;
        if pa == 0 {
            return None;
        }
        // SAFETY: `pa` heads the free list: a pool page whose first word
        // links on.
        pool.head = unsafe { link(pa).read() };
        pool.free -= 1;
        pa
    };
    zero(pa);
    Some(pa)
}

/// Returns an uncharged page.
pub fn free_uncharged(pa: u64) {
    push(&mut POOL.lock(), pa);
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
    POOL.lock().free
}

fn zero(pa: u64) {
    // SAFETY: `pa` is a pool page just handed out to the caller alone and
    // mapped writable through the direct map.
    unsafe { core::ptr::write_bytes(mem::phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
}

//! Reading user memory on behalf of a hypercall: every page is checked in the
//! caller's page tables (present, user-accessible, ordinary write-back RAM)
//! and read through the direct map, so a bad pointer yields
//! `Status::BadMemory`, never a kernel fault. Device memory is refused: the
//! direct map would read it with a conflicting (cached) memory type.

use crate::mem;
use abi::Status;
use hv_core::paging::{self, flags, PhysMem};

/// End of the user half (exclusive).
pub const USER_END: u64 = abi::cap::USER_END;
const SIZE_4K: u64 = 4096;

/// Page tables read through the direct map (never written here).
struct Walk;

impl PhysMem for Walk {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        // SAFETY: `table_pa` is a page-table page of a user space (the walk
        // only follows entries the kernel wrote), reached through the direct
        // map; `index` < 512 keeps the read inside it.
        unsafe {
            (mem::phys_to_virt(table_pa) as *const u64)
                .add(index & 511)
                .read_volatile()
        }
    }
    fn write(&mut self, _: u64, _: usize, _: u64) {}
    fn alloc_table(&mut self) -> Option<u64> {
        None
    }
    fn free_table(&mut self, _: u64) {}
}

/// The physical address of `va` if ring 3 may read it as ordinary RAM.
fn readable(root: u64, va: u64) -> Option<u64> {
    let (pa, f, _) = paging::translate(&Walk, root, va)?;
    let ok = f & (flags::PRESENT | flags::USER) == flags::PRESENT | flags::USER
        && f & (flags::PCD | flags::PWT) == 0;
    ok.then_some(pa)
}

/// Calls `f` with each piece of `[addr, addr + len)` in turn, after checking
/// that the space rooted at `root` lets ring 3 read all of it.
pub fn read(root: u64, addr: u64, len: u64, mut f: impl FnMut(&[u8])) -> Result<(), Status> {
    let end = addr.checked_add(len).ok_or(Status::BadMemory)?;
    if end > USER_END {
        return Err(Status::BadMemory);
    }
    // Check everything first so a bad range has no partial effect.
    let mut va = addr & !(SIZE_4K - 1);
    while va < end {
        readable(root, va).ok_or(Status::BadMemory)?;
        va += SIZE_4K;
    }
    let mut va = addr;
    while va < end {
        let chunk = (SIZE_4K - (va & (SIZE_4K - 1))).min(end - va);
        let pa = readable(root, va).ok_or(Status::BadMemory)?;
        // SAFETY: the page is mapped for the user and lies in RAM the
        // hypervisor gave that space; the direct map reaches it. The slice
        // stays within the page and lives only for the call to `f`.
        let bytes = unsafe {
            core::slice::from_raw_parts(mem::phys_to_virt(pa) as *const u8, chunk as usize)
        };
        f(bytes);
        va += chunk;
    }
    Ok(())
}

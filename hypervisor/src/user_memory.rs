//! Reading user memory on behalf of a hypercall: every page is checked in the
//! caller's page tables (present, user-accessible) and read through the
//! direct map, so a bad pointer yields `Status::BadMemory`, never a kernel
//! fault.

use crate::arch::paging::{self, PRESENT, SIZE_4K, USER};
use crate::mem;
use abi::Status;

/// End of the user half (exclusive).
pub const USER_END: u64 = 0x0000_8000_0000_0000;

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
        match paging::translate(root, va) {
            Some((_, flags)) if flags & (PRESENT | USER) == PRESENT | USER => {}
            _ => return Err(Status::BadMemory),
        }
        va += SIZE_4K;
    }
    let mut va = addr;
    while va < end {
        let chunk = (SIZE_4K - (va & (SIZE_4K - 1))).min(end - va);
        let (pa, _) = paging::translate(root, va).ok_or(Status::BadMemory)?;
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

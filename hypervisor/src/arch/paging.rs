//! The kernel half's page tables, built at boot through the direct map (user
//! spaces use `hv_core::paging`, which only maps the user half).

use crate::mem;

pub const PRESENT: u64 = 1 << 0;
pub const WRITABLE: u64 = 1 << 1;
pub const USER: u64 = 1 << 2;
pub const HUGE: u64 = 1 << 7;
pub const GLOBAL: u64 = 1 << 8;
pub const NO_EXECUTE: u64 = 1 << 63;
const ADDRESS: u64 = 0x000f_ffff_ffff_f000;

pub const SIZE_4K: u64 = 1 << 12;
pub const SIZE_2M: u64 = 1 << 21;

/// Mapping failed: no memory for a table, or the range is already mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    OutOfMemory,
    AlreadyMapped,
}

fn table(pa: u64) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is a page-table page owned by the hypervisor, reachable
    // through `phys_to_virt`; the kernel edits page tables with interrupts
    // off and never holds two references to one table at a time.
    unsafe { &mut *(mem::phys_to_virt(pa) as *mut [u64; 512]) }
}

fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * level)) & 0x1FF) as usize
}

/// Maps the page `va` -> `pa` of `size` (4 KiB or 2 MiB) in the tree rooted
/// at `root`. Intermediate tables are created as needed; they carry USER when
/// the leaf does, so the leaf's rights decide.
pub fn map(root: u64, va: u64, pa: u64, size: u64, flags: u64) -> Result<(), MapError> {
    let leaf_level = if size == SIZE_2M { 1 } else { 0 };
    let mut pa_table = root;
    for level in (leaf_level + 1..=3).rev() {
        let entry = &mut table(pa_table)[index(va, level)];
        if *entry & PRESENT == 0 {
            let new = mem::alloc_zeroed(1).ok_or(MapError::OutOfMemory)?;
            *entry = new | PRESENT | WRITABLE | (flags & USER);
        } else if *entry & HUGE != 0 {
            return Err(MapError::AlreadyMapped);
        } else {
            *entry |= flags & USER;
        }
        pa_table = *entry & ADDRESS;
    }
    let entry = &mut table(pa_table)[index(va, leaf_level)];
    if *entry & PRESENT != 0 {
        return Err(MapError::AlreadyMapped);
    }
    *entry = pa | flags | PRESENT | if size == SIZE_2M { HUGE } else { 0 };
    Ok(())
}

/// Loads a new top-level table.
///
/// # Safety
/// `root` must map the kernel image, the stack in use and the direct map
/// exactly as the current tables do.
pub unsafe fn activate(root: u64) {
    // SAFETY: per the contract, execution continues with the same mappings.
    unsafe { core::arch::asm!("mov cr3, {}", in(reg) root, options(nostack, preserves_flags)) };
}

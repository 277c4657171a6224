//! The kernel's own page tables: the direct map of physical memory and the
//! image with per-section rights (text read+execute, rodata read-only, data
//! and bss read+write, nothing both writable and executable). The user half
//! stays empty; user spaces share these kernel-half entries.

use super::paging::{self, MapError, GLOBAL, NO_EXECUTE, SIZE_2M, SIZE_4K, WRITABLE};
use crate::mem::{self, DIRECT_MAP};

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

static KERNEL_ROOT: spin::Once<u64> = spin::Once::new();

fn map_image(root: u64, start: u64, end: u64, flags: u64) -> Result<(), MapError> {
    let mut va = start;
    while va < end {
        paging::map(root, va, mem::image_phys(va), SIZE_4K, flags | GLOBAL)?;
        va += SIZE_4K;
    }
    Ok(())
}

/// Builds the kernel tables covering physical memory up to `phys_end` and
/// switches the executing CPU to them.
pub fn build_and_activate(phys_end: u64) -> Result<u64, MapError> {
    let root = mem::alloc_zeroed(1).ok_or(MapError::OutOfMemory)?;
    let mut pa = 0;
    while pa < phys_end {
        paging::map(
            root,
            DIRECT_MAP + pa,
            pa,
            SIZE_2M,
            WRITABLE | GLOBAL | NO_EXECUTE,
        )?;
        pa += SIZE_2M;
    }
    let (text, text_end, ro, ro_end, data, data_end) = (
        &raw const __text_start as u64,
        &raw const __text_end as u64,
        &raw const __rodata_start as u64,
        &raw const __rodata_end as u64,
        &raw const __data_start as u64,
        &raw const __data_end as u64,
    );
    map_image(root, text, text_end, 0)?;
    map_image(root, ro, ro_end, NO_EXECUTE)?;
    map_image(root, data, data_end, WRITABLE | NO_EXECUTE)?;
    // SAFETY: the new tables map the image (and with it the stack in .bss)
    // at the same addresses; the direct map is new and unused until
    // `use_direct_map` below.
    unsafe { paging::activate(root) };
    mem::use_direct_map();
    KERNEL_ROOT.call_once(|| root);
    Ok(root)
}

/// The kernel tables, once built.
pub fn root() -> Option<u64> {
    KERNEL_ROOT.get().copied()
}

/// A new address space for `pd`: an empty user half, the kernel half
/// shared. The top-level table is charged to `pd`.
pub fn new_user_space(pd: crate::obj::Ref<crate::obj::pd::Pd>) -> Result<u64, abi::Status> {
    let kernel = root().ok_or(abi::Status::OutOfQuota)?;
    let pml4 = crate::kmem::alloc(pd)?;
    // SAFETY: both are page-table pages reached through the direct map; the
    // new one was just allocated, the kernel's is only read.
    unsafe {
        let src = mem::phys_to_virt(kernel) as *const u64;
        let dst = mem::phys_to_virt(pml4) as *mut u64;
        core::ptr::copy_nonoverlapping(src.add(256), dst.add(256), 256);
    }
    Ok(pml4)
}

//! The memory space: a PD's host page tables, and the list of memory
//! capabilities (naturally aligned page ranges with rights) they realise.
//!
//! Page tables are edited with `hv_core::paging` through the direct map, and
//! every table page is charged to the PD. Capabilities never overlap within
//! one space, so each page has at most one capability that maps it.

use super::{CapNode, CapRef, NodeList};
use crate::kmem;
use crate::mem;
use crate::obj::{pd::Pd, Ref};
use abi::cap::rights::mem as r;
use abi::Status;
use hv_core::list::List;
use hv_core::paging::{self, flags, MapError, PhysMem};

pub struct MemSpace {
    /// Physical address of the PML4 (0 for the kernel PD, which has none).
    pub pml4: u64,
    pub nodes: List<CapRef>,
}

impl MemSpace {
    pub const fn new(pml4: u64) -> Self {
        Self {
            pml4,
            nodes: List::new(),
        }
    }
}

/// Page-table memory of one PD: tables come from and go back to its quota.
pub struct Tables(pub Ref<Pd>);

fn entries(pa: u64) -> *mut u64 {
    mem::phys_to_virt(pa) as *mut u64
}

impl PhysMem for Tables {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        // SAFETY: `table_pa` is a page-table page of this PD (paging only
        // follows entries it wrote), reached through the direct map;
        // `index` < 512 keeps the access inside the page.
        unsafe { entries(table_pa).add(index & 511).read_volatile() }
    }
    fn write(&mut self, table_pa: u64, index: usize, value: u64) {
        // SAFETY: as in `read`; the kernel lock serialises writers.
        unsafe { entries(table_pa).add(index & 511).write_volatile(value) }
    }
    fn alloc_table(&mut self) -> Option<u64> {
        kmem::alloc(self.0).ok()
    }
    fn free_table(&mut self, pa: u64) {
        // Freed tables may still sit in other CPUs' paging-structure caches
        // until the shootdown that ends every operation that unmaps (the
        // dispatcher's `destroy::run`), before the kernel lock is released.
        // Operations that unmap allocate nothing afterwards, except a failed
        // delegation, whose tables only ever map this same PD's memory.
        kmem::free(self.0, pa);
    }
}

/// Page-table cache bits of uncached memory (PCD and PWT).
pub const UNCACHED: u64 = flags::PCD | flags::PWT;

/// Leaf flags for a capability's rights; `None` when nothing is mapped
/// (no read right: x86 cannot express write- or execute-only pages).
pub fn leaf_flags(rights: u8, cache: u64) -> Option<u64> {
    if rights & r::READ == 0 {
        return None;
    }
    let mut f = flags::PRESENT | flags::USER | cache;
    if rights & r::WRITE != 0 {
        f |= flags::WRITABLE;
    }
    if rights & r::EXEC == 0 {
        f |= flags::NO_EXECUTE;
    }
    Some(f)
}

/// Maps `node` (already filled in) in its PD's page tables.
pub fn map(node: CapRef) -> Result<(), Status> {
    let n = node.get();
    let Some(f) = leaf_flags(n.rights, n.cache) else {
        return Ok(());
    };
    let mut t = Tables(n.pd);
    let pml4 = n.pd.get().mem.pml4;
    let result = paging::map_range(&mut t, pml4, n.base << 12, n.phys << 12, n.count() << 12, f);
    if result.is_err() {
        // A failed map gives back the tables it linked; another CPU running
        // this space may have cached them meanwhile.
        super::revoke::note_flush(n.pd);
    }
    match result {
        Ok(()) => Ok(()),
        Err(MapError::OutOfMemory) => Err(Status::OutOfQuota),
        Err(MapError::AlreadyMapped) => Err(Status::Occupied),
        Err(MapError::Misaligned | MapError::NotUser) => Err(Status::BadRange),
    }
}

/// Removes `node`'s pages from its PD's page tables. The caller flushes.
pub fn unmap(node: CapRef) {
    let n = node.get();
    let pml4 = n.pd.get().mem.pml4;
    if pml4 != 0 {
        paging::unmap_range(&mut Tables(n.pd), pml4, n.base << 12, n.count() << 12);
    }
}

/// The memory capability of `pd` covering `page`.
pub fn find(pd: Ref<Pd>, page: u64) -> Option<CapRef> {
    super::first_overlapping(&pd.get().mem.nodes, page, 1)
}

/// Whether any memory capability of `pd` overlaps `[base, base + count)`.
pub fn overlaps(pd: Ref<Pd>, base: u64, count: u64) -> bool {
    super::first_overlapping(&pd.get().mem.nodes, base, count).is_some()
}

/// Maps kernel memory (a UTCB, the HIP) at page `page` of `pd` and records
/// it as a fixed capability, so nothing else can be mapped over it.
pub fn map_fixed(pd: Ref<Pd>, page: u64, phys: u64, rights: u8) -> Result<CapRef, Status> {
    if overlaps(pd, page, 1) {
        return Err(Status::Occupied);
    }
    let node = super::alloc_node(pd, abi::Space::Mem, page, 0, rights)?;
    node.get().phys = phys;
    node.get().fixed = true;
    if let Err(e) = map(node) {
        super::free_node(node);
        return Err(e);
    }
    pd.get().mem.nodes.push_back(&mut NodeList, node);
    Ok(node)
}

/// Unlinks a memory capability from its space and unmaps it (no flush).
pub fn remove(node: CapRef) {
    unmap(node);
    let pd = node.get().pd;
    if node.get().list.linked {
        pd.get().mem.nodes.remove(&mut NodeList, node);
    }
}

/// The physical page numbers of `node`'s part that starts at unit `base`.
pub fn phys_of(node: &CapNode, base: u64) -> u64 {
    node.phys + (base - node.base)
}

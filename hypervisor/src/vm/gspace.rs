//! Guest-physical spaces: the EPT (Intel) or nested page tables (AMD) of a
//! PD, filled by delegating host memory into them (`Delegate` with
//! `GUEST`), and the list of memory capabilities they realise.
//!
//! The tables are edited with `hv_core::paging` like host tables; on Intel
//! an adapter converts each entry between the x86 layout `paging` uses and
//! the EPT layout (`hv_core::paging::ept`). Removing a mapping raises the
//! space's generation and interrupts every CPU inside one of its guests, so
//! each vCPU flushes its tagged translations before it runs again (`run`).

use super::{backend, remote, Backend};
use crate::cap::{CapRef, NodeList};
use crate::kmem;
use crate::mem;
use crate::obj::{pd::Pd, Ref};
use abi::cap::rights::mem as r;
use abi::Status;
use core::cell::UnsafeCell;
use hv_core::list::List;
use hv_core::paging::{self, ept, flags, MapError, PhysMem};

pub struct GuestSpace {
    /// Physical address of the top-level table (0: the PD has none yet).
    pub root: u64,
    pub nodes: List<CapRef>,
    /// Raised by every removal, so vCPUs know to flush.
    pub gen: u64,
}

impl GuestSpace {
    pub const fn new() -> Self {
        Self {
            root: 0,
            nodes: List::new(),
            gen: 1,
        }
    }
}

/// Guest table memory of one PD, charged to its quota; EPT entries are
/// converted at this boundary.
struct Tables(Ref<Pd>);

fn entry(pa: u64, index: usize) -> *mut u64 {
    (mem::phys_to_virt(pa) as *mut u64).wrapping_add(index & 511)
}

/// Entry `index` of a guest table, in the x86 layout.
fn read_entry(table_pa: u64, index: usize) -> u64 {
    // SAFETY: `table_pa` is a guest table (paging follows only entries the
    // kernel wrote), reached through the direct map; the index is masked to
    // the page.
    let raw = unsafe { entry(table_pa, index).read_volatile() };
    if backend() == Backend::Vmx {
        ept::from_ept(raw)
    } else {
        raw
    }
}

impl PhysMem for Tables {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        read_entry(table_pa, index)
    }
    fn write(&mut self, table_pa: u64, index: usize, value: u64) {
        let raw = if backend() == Backend::Vmx {
            ept::to_ept(value)
        } else {
            value
        };
        // SAFETY: as in `read_entry`; the kernel lock serialises writers.
        unsafe { entry(table_pa, index).write_volatile(raw) }
    }
    fn alloc_table(&mut self) -> Option<u64> {
        kmem::alloc(self.0).ok()
    }
    fn free_table(&mut self, pa: u64) {
        // Reused only after the flush that ends the operation (`flush`).
        kmem::free(self.0, pa);
    }
}

/// The root of `pd`'s guest space, made on first use.
pub fn ensure(pd: Ref<Pd>) -> Result<u64, Status> {
    let g = &mut pd.get().guest;
    if g.root == 0 {
        g.root = kmem::alloc(pd)?;
    }
    Ok(g.root)
}

fn leaf_flags(rights: u8, cache: u64) -> Option<u64> {
    if rights & r::READ == 0 {
        return None;
    }
    let mut f = ept::GUEST_LEAF;
    if rights & r::WRITE != 0 {
        f |= flags::WRITABLE;
    }
    if rights & r::EXEC == 0 {
        f |= flags::NO_EXECUTE;
    }
    if cache != 0 {
        f |= ept::GUEST_UNCACHED;
    }
    Some(f)
}

/// Maps `node` (filled in, in `pd`'s guest list-to-be) into its guest space.
pub fn map(node: CapRef) -> Result<(), Status> {
    let n = node.get();
    let root = ensure(n.pd)?;
    let Some(f) = leaf_flags(n.rights, n.cache) else {
        return Ok(());
    };
    let max = super::backend::max_page();
    let mut t = Tables(n.pd);
    match paging::map_range_max(
        &mut t,
        root,
        n.base << 12,
        n.phys << 12,
        n.count() << 12,
        f,
        max,
    ) {
        Ok(()) => Ok(()),
        Err(e) => {
            note_flush(n.pd);
            Err(match e {
                MapError::OutOfMemory => Status::OutOfQuota,
                MapError::AlreadyMapped => Status::Occupied,
                MapError::Misaligned | MapError::NotUser => Status::BadRange,
            })
        }
    }
}

/// Unlinks a guest memory capability and unmaps it (flushed by `flush`).
pub fn remove(node: CapRef) {
    let n = node.get();
    let root = n.pd.get().guest.root;
    if root != 0 {
        paging::unmap_range(&mut Tables(n.pd), root, n.base << 12, n.count() << 12);
    }
    if n.list.linked {
        n.pd.get().guest.nodes.remove(&mut NodeList, node);
    }
    note_flush(n.pd);
}

/// Whether a guest capability of `pd` overlaps `[base, base + count)`.
pub fn overlaps(pd: Ref<Pd>, base: u64, count: u64) -> bool {
    crate::cap::first_overlapping(&pd.get().guest.nodes, base, count).is_some()
}

/// Frees the guest tables of `pd` (being destroyed: its vCPUs are gone and
/// every mapping was removed, so only empty intermediate tables remain).
pub fn destroy(pd: Ref<Pd>) {
    let root = pd.get().guest.root;
    if root == 0 {
        return;
    }
    paging::free_user_half(&mut Tables(pd), root);
    kmem::free(pd, root);
    pd.get().guest.root = 0;
}

/// Guest spaces that lost mappings since the last flush.
struct Flushes {
    pds: [Option<Ref<Pd>>; 8],
    n: usize,
    overflow: bool,
}

struct Pending(UnsafeCell<Flushes>);

// SAFETY: only touched with the kernel lock held.
unsafe impl Sync for Pending {}

static PENDING: Pending = Pending(UnsafeCell::new(Flushes {
    pds: [None; 8],
    n: 0,
    overflow: false,
}));

fn pending() -> &'static mut Flushes {
    // SAFETY: kernel lock held (module rule); no caller keeps the reference.
    unsafe { &mut *PENDING.0.get() }
}

/// Records that `pd`'s guest space lost mappings.
pub fn note_flush(pd: Ref<Pd>) {
    let f = pending();
    if f.pds[..f.n].contains(&Some(pd)) {
        return;
    }
    if f.n < f.pds.len() {
        f.pds[f.n] = Some(pd);
        f.n += 1;
    } else {
        f.overflow = true;
    }
}

/// Makes every removal since the last call take effect: new generations,
/// and every CPU inside an affected guest interrupted. With too many spaces
/// to name, every CPU inside any guest is. (Every hypercall ends here, so
/// the common case, nothing to do, is one comparison.)
pub fn flush() {
    let f = pending();
    if f.n == 0 && !f.overflow {
        return;
    }
    for slot in &mut f.pds[..f.n] {
        let Some(pd) = slot.take() else {
            continue;
        };
        let g = &mut pd.get().guest;
        g.gen += 1;
        if g.root != 0 && !f.overflow {
            remote::kick(g.root);
        }
    }
    f.n = 0;
    if f.overflow {
        super::backend::bump_global_gen();
        remote::kick_all();
        f.overflow = false;
    }
}

/// Guest tables read-only (for a translation outside any PD's operation).
struct View;

impl PhysMem for View {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        read_entry(table_pa, index)
    }
    fn write(&mut self, _: u64, _: usize, _: u64) {}
    fn alloc_table(&mut self) -> Option<u64> {
        None
    }
    fn free_table(&mut self, _: u64) {}
}

/// The 8 bytes at guest-physical `gpa` (8-aligned) of the space at `root`,
/// if mapped readable.
pub fn read_guest(root: u64, gpa: u64) -> Option<u64> {
    let (pa, _, _) = paging::translate(&View, root, gpa & !7)?;
    // SAFETY: `pa` is RAM the guest space maps (delegated memory), read
    // through the direct map.
    Some(unsafe { (mem::phys_to_virt(pa) as *const u64).read_volatile() })
}

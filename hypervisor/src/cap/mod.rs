//! Capabilities: the nodes that make up a PD's three capability spaces, and
//! the derivation tree that links every delegated capability to the one it
//! came from, so revocation can find everything derived from it.
//!
//! - `obj_space`: selectors to capabilities for kernel objects;
//! - `mem_space`: virtual page ranges to physical memory with rights;
//! - `io_space`: I/O-port ranges and the per-PD I/O bitmap;
//! - `delegate`, `revoke`, `lookup`: the operations across them.
//!
//! Nodes live in pages charged to the PD whose space holds them (a small
//! per-PD slab), so a PD pays for what it receives.

pub mod delegate;
pub mod io_space;
pub mod lookup;
pub mod mem_space;
pub mod obj_space;
pub mod revoke;

use crate::kmem;
use crate::obj::{pd::Pd, Obj, Ref};
use abi::{Space, Status};
use hv_core::list::{Links, List, ListArena};
use hv_core::tree::{Forest, TreeLinks};

pub type CapRef = Ref<CapNode>;

/// One capability: a selector, or a naturally aligned range of pages or
/// ports, in one PD's space.
pub struct CapNode {
    pub tree: TreeLinks<CapRef>,
    /// On the PD's list of memory or I/O capabilities, or on the slab's free
    /// list.
    pub list: Links<CapRef>,
    /// The PD whose space holds this capability.
    pub pd: Ref<Pd>,
    pub space: Space,
    /// First unit in the holder's space, and `2^order` units.
    pub base: u64,
    pub order: u8,
    pub rights: u8,
    /// Memory: the physical page number `base` maps to.
    pub phys: u64,
    /// The first unit, in the parent's space, of the part this was derived
    /// from (revocation of a part of the parent tests against it).
    pub src: u64,
    /// Object capabilities: the object.
    pub obj: Option<Obj>,
    /// Memory: cache attributes (page-table PCD/PWT bits).
    pub cache: u64,
    /// Memory mapped by the kernel itself (a UTCB, the HIP): it occupies its
    /// range but cannot be delegated or revoked.
    pub fixed: bool,
    /// Memory in the PD's guest-physical space rather than its host space.
    pub guest: bool,
}

impl CapNode {
    pub fn count(&self) -> u64 {
        1 << self.order
    }
    pub fn end(&self) -> u64 {
        self.base + self.count()
    }
    /// Whether `[base, base + count)` overlaps this capability's range.
    pub fn overlaps(&self, base: u64, count: u64) -> bool {
        self.base < base + count && base < self.end()
    }
}

/// The derivation forest over all capability nodes.
pub struct Tree;

impl Forest for Tree {
    type Id = CapRef;
    fn tree_links(&self, id: CapRef) -> TreeLinks<CapRef> {
        id.get().tree
    }
    fn set_tree_links(&mut self, id: CapRef, l: TreeLinks<CapRef>) {
        id.get().tree = l;
    }
}

/// A PD's list of memory or I/O capabilities (and the slab's free list).
pub struct NodeList;

impl ListArena for NodeList {
    type Id = CapRef;
    fn links(&self, id: CapRef) -> Links<CapRef> {
        id.get().list
    }
    fn set_links(&mut self, id: CapRef, l: Links<CapRef>) {
        id.get().list = l;
    }
}

/// A PD's list of memory or port capabilities.
pub fn range_list(pd: Ref<Pd>, space: Space) -> &'static List<CapRef> {
    if space == Space::Mem {
        &pd.get().mem.nodes
    } else {
        &pd.get().io.nodes
    }
}

/// The first capability on `list` (a PD's memory or port list) that
/// overlaps `[base, base + count)`.
pub fn first_overlapping(list: &List<CapRef>, base: u64, count: u64) -> Option<CapRef> {
    let mut cur = list.front();
    while let Some(n) = cur {
        if n.get().overlaps(base, count) {
            return Some(n);
        }
        cur = list.next(&NodeList, n);
    }
    None
}

/// Capability nodes per slab page; the first 128 bytes hold the link to the
/// next slab page.
const NODE_SLOT: usize = 128;
pub const NODES_PER_PAGE: usize = 4096 / NODE_SLOT - 1;
const _: () = assert!(core::mem::size_of::<CapNode>() <= NODE_SLOT);

/// A PD's supply of capability nodes.
pub struct Slab {
    /// Physical address of the first slab page (0: none); each page's first
    /// word links to the next.
    pages: u64,
    free: List<CapRef>,
}

impl Slab {
    pub const fn new() -> Self {
        Self {
            pages: 0,
            free: List::new(),
        }
    }

    /// Nodes ready for use without a new page.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }
}

/// A fresh node in `pd`'s space, charged to `pd`.
pub fn alloc_node(
    pd: Ref<Pd>,
    space: Space,
    base: u64,
    order: u8,
    rights: u8,
) -> Result<CapRef, Status> {
    if pd.get().slab.free.is_empty() {
        grow_slab(pd)?;
    }
    let node = pd
        .get()
        .slab
        .free
        .pop_front(&mut NodeList)
        .ok_or(Status::OutOfQuota)?;
    *node.get() = CapNode {
        tree: TreeLinks::default(),
        list: Links::default(),
        pd,
        space,
        base,
        order,
        rights,
        phys: 0,
        src: 0,
        obj: None,
        cache: 0,
        fixed: false,
        guest: false,
    };
    Ok(node)
}

/// Returns a node (already unlinked from everything) to its PD's slab.
pub fn free_node(node: CapRef) {
    let pd = node.get().pd;
    pd.get().slab.free.push_front(&mut NodeList, node);
}

fn grow_slab(pd: Ref<Pd>) -> Result<(), Status> {
    let pa = kmem::alloc(pd)?;
    let va = crate::mem::phys_to_virt(pa);
    let slab = &mut pd.get().slab;
    // SAFETY: the page was just allocated for this slab; its first word is
    // the link to the next slab page.
    unsafe { (va as *mut u64).write(slab.pages) };
    slab.pages = pa;
    for i in 1..=NODES_PER_PAGE {
        let ptr = (va + (i * NODE_SLOT) as u64) as *mut CapNode;
        let node = Ref::new(core::ptr::NonNull::new(ptr).ok_or(Status::OutOfQuota)?);
        // The slot's links must read as "not linked" before it is listed;
        // the page is zeroed, which is exactly that.
        pd.get().slab.free.push_back(&mut NodeList, node);
    }
    Ok(())
}

/// Frees every slab page of a PD that is being destroyed (all its nodes are
/// gone by then).
pub fn free_slab(pd: Ref<Pd>) {
    let mut pa = pd.get().slab.pages;
    while pa != 0 {
        // SAFETY: `pa` is a slab page of this PD; its first word links on.
        let next = unsafe { (crate::mem::phys_to_virt(pa) as *const u64).read() };
        kmem::free(pd, pa);
        pa = next;
    }
    pd.get().slab = Slab::new();
}

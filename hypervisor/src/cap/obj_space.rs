//! The object space: selectors to capability nodes, in a two-level table of
//! pages (512 leaf tables of 512 slots) grown on demand and charged to the PD.

use super::CapRef;
use crate::kmem;
use crate::mem;
use crate::obj::{pd::Pd, Ref};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::{Selector, Status};

const SLOTS: u64 = 512;
const _: () = assert!(SLOTS * SLOTS == OBJ_SPACE_SELECTORS);

pub struct ObjSpace {
    /// Physical address of the top table (0: none yet); entries are the
    /// physical addresses of leaf tables, whose entries are node addresses.
    root: u64,
}

fn table(pa: u64) -> &'static mut [u64; 512] {
    // SAFETY: `pa` is a table page of an object space, allocated from the
    // kernel pool and reached through the direct map; the kernel lock
    // serialises access and callers hold no other reference to it.
    unsafe { &mut *(mem::phys_to_virt(pa) as *mut [u64; 512]) }
}

fn split(sel: Selector) -> (usize, usize) {
    ((sel / SLOTS) as usize, (sel % SLOTS) as usize)
}

fn node_at(raw: u64) -> Option<CapRef> {
    core::ptr::NonNull::new(raw as *mut super::CapNode).map(Ref::new)
}

impl ObjSpace {
    pub const fn new() -> Self {
        Self { root: 0 }
    }

    pub fn has_root(&self) -> bool {
        self.root != 0
    }

    /// Whether the leaf table for `sel` exists.
    pub fn has_leaf(&self, sel: Selector) -> bool {
        self.root != 0 && sel < OBJ_SPACE_SELECTORS && table(self.root)[split(sel).0] != 0
    }

    /// The capability at `sel`, if any.
    pub fn get(&self, sel: Selector) -> Option<CapRef> {
        if sel >= OBJ_SPACE_SELECTORS || self.root == 0 {
            return None;
        }
        let (hi, lo) = split(sel);
        let leaf = table(self.root)[hi];
        if leaf == 0 {
            return None;
        }
        node_at(table(leaf)[lo])
    }
}

/// Makes sure the tables for `sel` exist in `pd`'s object space, charging
/// new table pages to `pd`. Afterwards [`set`] on `sel` cannot fail.
pub fn prepare(pd: Ref<Pd>, sel: Selector) -> Result<(), Status> {
    if sel >= OBJ_SPACE_SELECTORS {
        return Err(Status::BadSelector);
    }
    if pd.get().obj.root == 0 {
        pd.get().obj.root = kmem::alloc(pd)?;
    }
    let (hi, _) = split(sel);
    let root = pd.get().obj.root;
    if table(root)[hi] == 0 {
        table(root)[hi] = kmem::alloc(pd)?;
    }
    Ok(())
}

/// Stores (or clears) the capability at `sel`; [`prepare`] must have
/// succeeded for `sel` when storing.
pub fn set(pd: Ref<Pd>, sel: Selector, node: Option<CapRef>) {
    let root = pd.get().obj.root;
    if root == 0 || sel >= OBJ_SPACE_SELECTORS {
        debug_assert!(node.is_none(), "set() without prepare()");
        return;
    }
    let (hi, lo) = split(sel);
    let leaf = table(root)[hi];
    if leaf == 0 {
        debug_assert!(node.is_none(), "set() without prepare()");
        return;
    }
    table(leaf)[lo] = node.map_or(0, |n| n.addr());
}

/// Calls `f` for every selector of `pd` that holds a capability, in order.
/// `f` may clear the slot it is given.
pub fn for_each(pd: Ref<Pd>, mut f: impl FnMut(Selector, CapRef)) {
    let root = pd.get().obj.root;
    if root == 0 {
        return;
    }
    for hi in 0..SLOTS as usize {
        let leaf = table(root)[hi];
        if leaf == 0 {
            continue;
        }
        for lo in 0..SLOTS as usize {
            if let Some(node) = node_at(table(leaf)[lo]) {
                f(hi as u64 * SLOTS + lo as u64, node);
            }
        }
    }
}

/// Frees the tables of a PD being destroyed (its slots are all empty).
pub fn free_tables(pd: Ref<Pd>) {
    let root = pd.get().obj.root;
    if root == 0 {
        return;
    }
    for hi in 0..SLOTS as usize {
        let leaf = table(root)[hi];
        if leaf != 0 {
            kmem::free(pd, leaf);
        }
    }
    kmem::free(pd, root);
    pd.get().obj.root = 0;
}

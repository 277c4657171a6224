//! The object space: selectors to capability nodes, in the selector table of
//! `hv_core::captable`, whose pages are charged to the PD like its page
//! tables (`mem_space::Tables`).

use super::mem_space::Tables;
use super::CapRef;
use crate::obj::{pd::Pd, Ref};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::{Selector, Status};
use hv_core::captable::{SelTable, SELECTORS};

const _: () = assert!(SELECTORS == OBJ_SPACE_SELECTORS);

pub struct ObjSpace {
    table: SelTable,
    /// The PD this space belongs to (table pages are charged to it).
    pd: Option<Ref<Pd>>,
}

fn node_at(raw: u64) -> Option<CapRef> {
    core::ptr::NonNull::new(raw as *mut super::CapNode).map(Ref::new)
}

impl ObjSpace {
    pub const fn new() -> Self {
        Self {
            table: SelTable::new(),
            pd: None,
        }
    }

    fn mem(&self) -> Option<Tables> {
        self.pd.map(Tables)
    }

    pub fn has_root(&self) -> bool {
        self.table.has_root()
    }

    /// Whether the leaf table for `sel` exists.
    pub fn has_leaf(&self, sel: Selector) -> bool {
        self.mem().is_some_and(|m| self.table.has_leaf(&m, sel))
    }

    /// The capability at `sel`, if any.
    pub fn get(&self, sel: Selector) -> Option<CapRef> {
        let m = self.mem()?;
        self.table.get(&m, sel).and_then(node_at)
    }
}

/// Makes sure the tables for `sel` exist in `pd`'s object space, charging
/// new table pages to `pd`. Afterwards [`set`] on `sel` cannot fail.
pub fn prepare(pd: Ref<Pd>, sel: Selector) -> Result<(), Status> {
    if sel >= OBJ_SPACE_SELECTORS {
        return Err(Status::BadSelector);
    }
    let space = &mut pd.get().obj;
    space.pd = Some(pd);
    space
        .table
        .prepare(&mut Tables(pd), sel)
        .map_err(|_| Status::OutOfQuota)
}

/// Stores (or clears) the capability at `sel`; [`prepare`] must have
/// succeeded for `sel` when storing.
pub fn set(pd: Ref<Pd>, sel: Selector, node: Option<CapRef>) {
    let stored = pd
        .get()
        .obj
        .table
        .set(&mut Tables(pd), sel, node.map_or(0, |n| n.addr()));
    debug_assert!(stored, "set() without prepare()");
}

/// Calls `f` for every selector of `pd` that holds a capability, in order.
/// `f` may clear the slot it is given.
pub fn for_each(pd: Ref<Pd>, mut f: impl FnMut(Selector, CapRef)) {
    let table = pd.get().obj.table;
    table.for_each(&Tables(pd), |sel, raw| {
        if let Some(node) = node_at(raw) {
            f(sel, node);
        }
    });
}

/// Frees the tables of a PD being destroyed (its slots are all empty).
pub fn free_tables(pd: Ref<Pd>) {
    pd.get().obj.table.free(&mut Tables(pd));
}

//! The object-space table: selectors to capability references in a
//! two-level radix tree of 4 KiB pages (a top table of 512 leaf tables of
//! 512 slots each), grown on demand.
//!
//! Table pages are reached through the same [`PhysMem`] as page tables, so
//! the kernel charges them to the PD's quota and the host tests run it over
//! simulated memory. A slot holds a non-zero value (the kernel stores the
//! address of a capability node); 0 means empty.

#![forbid(unsafe_code)]

use crate::paging::PhysMem;

/// Slots per table page.
const SLOTS: u64 = 512;
/// Selectors the table can hold: `0..SELECTORS`.
pub const SELECTORS: u64 = SLOTS * SLOTS;

fn split(sel: u64) -> (usize, usize) {
    ((sel / SLOTS) as usize, (sel % SLOTS) as usize)
}

/// No memory for a table page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoMemory;

/// A selector table; `root` is the physical address of its top table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelTable {
    root: u64,
}

impl SelTable {
    pub const fn new() -> Self {
        Self { root: 0 }
    }

    pub fn has_root(&self) -> bool {
        self.root != 0
    }

    /// Whether the leaf table that holds `sel` exists.
    pub fn has_leaf<M: PhysMem>(&self, m: &M, sel: u64) -> bool {
        sel < SELECTORS && self.root != 0 && m.read(self.root, split(sel).0) != 0
    }

    /// Table pages [`prepare`](Self::prepare) would allocate for `sel`.
    pub fn pages_needed<M: PhysMem>(&self, m: &M, sel: u64) -> u64 {
        u64::from(self.root == 0) + u64::from(!self.has_leaf(m, sel))
    }

    /// The value at `sel` (None: empty or out of range).
    pub fn get<M: PhysMem>(&self, m: &M, sel: u64) -> Option<u64> {
        if !self.has_leaf(m, sel) {
            return None;
        }
        let (hi, lo) = split(sel);
        let value = m.read(m.read(self.root, hi), lo);
        (value != 0).then_some(value)
    }

    /// Makes sure the tables for `sel` exist; afterwards [`set`](Self::set)
    /// on `sel` stores. On failure nothing was allocated.
    pub fn prepare<M: PhysMem>(&mut self, m: &mut M, sel: u64) -> Result<(), NoMemory> {
        if sel >= SELECTORS {
            return Err(NoMemory);
        }
        let fresh_root = self.root == 0;
        if fresh_root {
            self.root = m.alloc_table().ok_or(NoMemory)?;
        }
        let (hi, _) = split(sel);
        if m.read(self.root, hi) == 0 {
            match m.alloc_table() {
                Some(leaf) => m.write(self.root, hi, leaf),
                None => {
                    if fresh_root {
                        m.free_table(self.root);
                        self.root = 0;
                    }
                    return Err(NoMemory);
                }
            }
        }
        Ok(())
    }

    /// Stores `value` (0: clears) at `sel`. Returns false, storing nothing,
    /// if the tables for `sel` do not exist (see `prepare`).
    pub fn set<M: PhysMem>(&mut self, m: &mut M, sel: u64, value: u64) -> bool {
        if !self.has_leaf(m, sel) {
            return value == 0;
        }
        let (hi, lo) = split(sel);
        let leaf = m.read(self.root, hi);
        m.write(leaf, lo, value);
        true
    }

    /// Calls `f(selector, value)` for every non-empty slot, in order.
    pub fn for_each<M: PhysMem>(&self, m: &M, mut f: impl FnMut(u64, u64)) {
        if self.root == 0 {
            return;
        }
        for hi in 0..SLOTS as usize {
            let leaf = m.read(self.root, hi);
            if leaf == 0 {
                continue;
            }
            for lo in 0..SLOTS as usize {
                let value = m.read(leaf, lo);
                if value != 0 {
                    f(hi as u64 * SLOTS + lo as u64, value);
                }
            }
        }
    }

    /// Frees every table page (the slots' values are the caller's).
    pub fn free<M: PhysMem>(&mut self, m: &mut M) {
        if self.root == 0 {
            return;
        }
        for hi in 0..SLOTS as usize {
            let leaf = m.read(self.root, hi);
            if leaf != 0 {
                m.free_table(leaf);
            }
        }
        m.free_table(self.root);
        self.root = 0;
    }
}

#[cfg(test)]
mod tests;

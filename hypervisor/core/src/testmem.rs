//! A simulated physical memory of table pages for host tests (page tables,
//! selector tables): reading, writing or freeing anything that is not a
//! live table panics, so stray pointers and double frees show up.

use crate::paging::PhysMem;
use std::collections::HashMap;

const K4: u64 = 1 << 12;

/// Tables live in a map keyed by physical address; reading or freeing
/// anything else panics, so stray pointers and double frees show up.
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct Sim {
    pages: HashMap<u64, [u64; 512]>,
    next: u64,
    /// Tables that may still be allocated; None is unlimited.
    pub budget: Option<usize>,
}

impl Sim {
    /// A memory holding just a root table, and that root.
    pub fn new() -> (Self, u64) {
        let mut s = Sim {
            pages: HashMap::new(),
            next: 0x80_0000_0000,
            budget: None,
        };
        let root = s.alloc_table().unwrap();
        (s, root)
    }

    pub fn live(&self) -> usize {
        self.pages.len()
    }

    /// The table state, for "nothing changed" comparisons (the allocation
    /// cursor and budget may differ).
    pub fn tables(&self) -> &HashMap<u64, [u64; 512]> {
        &self.pages
    }
}

impl PhysMem for Sim {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        self.pages.get(&table_pa).expect("read of a non-table")[index]
    }
    fn write(&mut self, table_pa: u64, index: usize, value: u64) {
        self.pages.get_mut(&table_pa).expect("write to a non-table")[index] = value;
    }
    fn alloc_table(&mut self) -> Option<u64> {
        if let Some(b) = &mut self.budget {
            *b = b.checked_sub(1)?;
        }
        let pa = self.next;
        self.next += K4;
        self.pages.insert(pa, [0; 512]);
        Some(pa)
    }
    fn free_table(&mut self, pa: u64) {
        assert!(self.pages.remove(&pa).is_some(), "free of a non-table");
    }
}

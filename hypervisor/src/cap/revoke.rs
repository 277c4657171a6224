//! Revocation: removing capabilities and everything derived from them, in
//! every PD, with the TLBs of every CPU flushed before the call returns.
//!
//! Derived capabilities are removed whole; a PD's own memory or port
//! capability is removed only if the range covers it completely.

use super::{free_node, io_space, mem_space, obj_space, CapRef, NodeList, Tree};
use crate::arch::tlb;
use crate::obj::destroy;
use crate::obj::{pd::Pd, Ref};
use crate::vm::gspace;
use abi::{Crd, Space, Status};
use core::cell::UnsafeCell;
use hv_core::list::List;
use hv_core::tree;

/// Spaces that lost mappings or ports and must be flushed on every CPU.
struct Flushes {
    pml4: [u64; 8],
    n: usize,
    overflow: bool,
}

struct Pending(UnsafeCell<Flushes>);

// SAFETY: only touched with the kernel lock held.
unsafe impl Sync for Pending {}

static PENDING: Pending = Pending(UnsafeCell::new(Flushes {
    pml4: [0; 8],
    n: 0,
    overflow: false,
}));

fn pending() -> &'static mut Flushes {
    // SAFETY: kernel lock held (module rule); no caller keeps the reference.
    unsafe { &mut *PENDING.0.get() }
}

/// Records that `pd`'s space must be flushed on every CPU before the
/// kernel lock is released.
pub fn note_flush(pd: Ref<Pd>) {
    let pml4 = pd.get().mem.pml4;
    let f = pending();
    if pml4 == 0 || f.pml4[..f.n].contains(&pml4) {
        return;
    }
    if f.n < f.pml4.len() {
        f.pml4[f.n] = pml4;
        f.n += 1;
    } else {
        f.overflow = true;
    }
}

/// Flushes every space that lost something since the last flush.
pub fn flush() {
    gspace::flush();
    let f = pending();
    if f.n == 0 && !f.overflow {
        return;
    }
    if f.overflow {
        tlb::shootdown_all();
    } else {
        for &pml4 in &f.pml4[..f.n] {
            tlb::shootdown(pml4, false);
        }
    }
    *f = Flushes {
        pml4: [0; 8],
        n: 0,
        overflow: false,
    };
}

/// Takes a removed capability out of its space (the tree callback).
pub fn on_remove(_: &mut Tree, node: CapRef) {
    let n = node.get();
    match n.space {
        Space::Obj => {
            obj_space::set(n.pd, n.base, None);
            if let Some(o) = n.obj {
                destroy::original_removed(o, node);
            }
        }
        Space::Mem if n.guest => gspace::remove(node),
        Space::Mem => {
            mem_space::remove(node);
            note_flush(n.pd);
        }
        Space::Io => {
            io_space::remove(node);
            note_flush(n.pd);
        }
        Space::Null => {}
    }
    n.space = Space::Null;
    free_node(node);
}

/// Removes a kernel mapping (a UTCB) from its space.
pub fn drop_fixed(node: CapRef) {
    tree::remove_subtree(&mut Tree, node, on_remove);
}

fn ranges_overlap(a: u64, a_count: u64, b: u64, b_count: u64) -> bool {
    a < b + b_count && b < a + a_count
}

/// The memory or port capability of `list` with the lowest base at or
/// after `cursor` that overlaps `[base, base + count)`.
fn next_overlapping(list: &List<CapRef>, cursor: u64, base: u64, count: u64) -> Option<CapRef> {
    let mut best: Option<CapRef> = None;
    let mut cur = list.front();
    while let Some(n) = cur {
        let x = n.get();
        if x.base >= cursor && x.overlaps(base, count) && best.is_none_or(|b| x.base < b.get().base)
        {
            best = Some(n);
        }
        cur = list.next(&NodeList, n);
    }
    best
}

/// The Revoke call on `pd`'s space (validated `crd`).
pub fn revoke(pd: Ref<Pd>, crd: Crd, self_too: bool) -> Result<(), Status> {
    let (base, count) = (crd.base(), crd.count());
    match crd.space() {
        Space::Null => return Err(Status::BadRange),
        Space::Obj => {
            for sel in base..base + count {
                if let Some(n) = pd.get().obj.get(sel) {
                    tree::remove_children_where(&mut Tree, n, |_, _| true, on_remove);
                    if self_too {
                        tree::remove_subtree(&mut Tree, n, on_remove);
                    }
                }
            }
        }
        space @ (Space::Mem | Space::Io) => {
            if self_too {
                let mut cursor = 0;
                while let Some(n) =
                    next_overlapping(super::range_list(pd, space), cursor, base, count)
                {
                    let x = n.get();
                    if !x.fixed && (x.base < base || x.end() > base + count) {
                        return Err(Status::BadRange);
                    }
                    cursor = x.end();
                }
            }
            let mut cursor = 0;
            while let Some(n) = next_overlapping(super::range_list(pd, space), cursor, base, count)
            {
                cursor = n.get().end();
                if n.get().fixed {
                    continue;
                }
                tree::remove_children_where(
                    &mut Tree,
                    n,
                    |_, c| ranges_overlap(c.get().src, c.get().count(), base, count),
                    on_remove,
                );
                if self_too {
                    tree::remove_subtree(&mut Tree, n, on_remove);
                }
            }
        }
    }
    // The dispatcher destroys what this doomed (and flushes) after it has
    // written the caller's results: the caller may be among the doomed.
    Ok(())
}

/// Removes every capability `pd` holds (it is being destroyed).
pub fn everything_of(pd: Ref<Pd>) {
    obj_space::for_each(pd, |_, n| tree::remove_subtree(&mut Tree, n, on_remove));
    // Guest memory is always derived, so it goes whole.
    while let Some(n) = pd.get().guest.nodes.front() {
        tree::remove_subtree(&mut Tree, n, on_remove);
    }
    // Kernel mappings (UTCBs) stay until their ECs, which the PD owns, go.
    for space in [Space::Mem, Space::Io] {
        let mut cursor = 0;
        while let Some(n) = next_overlapping(super::range_list(pd, space), cursor, 0, space.units())
        {
            cursor = n.get().end();
            if !n.get().fixed {
                tree::remove_subtree(&mut Tree, n, on_remove);
            }
        }
    }
}

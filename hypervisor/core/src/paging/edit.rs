//! Shrinking address spaces: unmapping and removing rights over a range,
//! and tearing down the user half.
//!
//! The range operations walk the same way and share the hard part: a large
//! page only partly inside the range must be split so the part outside
//! keeps its mapping.
//! Splitting needs a table; when none is available the whole large page is
//! removed instead. That removes more than asked but never grants more, so
//! revocation (which must not fail) stays correct; the owner faults and
//! maps the rest again.

use super::flags::{NO_EXECUTE, PRESENT, USER, WRITABLE};
use super::{
    is_leaf, leaf_entry, leaf_flags, leaf_pa, span, PageSize, PhysMem, ADDRESS_MASK, ENTRIES, PAGE,
    TABLE_FLAGS, USER_END,
};

#[derive(Clone, Copy)]
enum Op {
    Unmap,
    /// Rights to take away, as for [`protect_range`].
    Revoke(u64),
}

/// Removes every leaf in `[va, va + len)` and returns how many leaf entries
/// were removed. The range is rounded outward to whole 4 KiB pages and
/// clipped to the user half. A large page partly in the range is split
/// first; if no table can be allocated for that, the whole large page is
/// removed (and counted as one). Intermediate tables left empty are freed;
/// the root never is.
pub fn unmap_range<M: PhysMem>(m: &mut M, root: u64, va: u64, len: u64) -> usize {
    edit_range(m, root, va, len, Op::Unmap)
}

/// Takes the rights in `revoke` away from every leaf in `[va, va + len)`:
/// WRITABLE and USER are cleared, NO_EXECUTE is set (it revokes execution).
/// Other bits are ignored. Returns how many leaves were changed. Ranges and
/// partly covered large pages are handled as by [`unmap_range`], so under
/// memory exhaustion a large page may be unmapped instead of restricted.
pub fn protect_range<M: PhysMem>(m: &mut M, root: u64, va: u64, len: u64, revoke: u64) -> usize {
    debug_assert!(revoke & !(WRITABLE | USER | NO_EXECUTE) == 0, "not a right");
    edit_range(m, root, va, len, Op::Revoke(revoke))
}

fn edit_range<M: PhysMem>(m: &mut M, root: u64, va: u64, len: u64, op: Op) -> usize {
    debug_assert!((va | len).is_multiple_of(PAGE), "misaligned range");
    let start = va - va % PAGE;
    let end = va.saturating_add(len).min(USER_END).next_multiple_of(PAGE);
    if start >= end {
        return 0;
    }
    edit_table(m, root, 3, 0, start, end, op)
}

/// Applies `op` to `[start, end)` within `table` (at `level`, mapping from
/// `base`); the range lies inside the table's span. Returns the number of
/// leaves affected. Recursion depth is bounded by the four levels.
fn edit_table<M: PhysMem>(
    m: &mut M,
    table: u64,
    level: u32,
    base: u64,
    start: u64,
    end: u64,
    op: Op,
) -> usize {
    let span = span(level);
    let first = ((start - base) / span) as usize;
    let last = ((end - 1 - base) / span) as usize;
    let mut count = 0;
    for i in first..=last {
        let e = m.read(table, i);
        if e & PRESENT == 0 {
            continue;
        }
        let lo = base + i as u64 * span;
        let hi = lo + span;
        let covered = start <= lo && hi <= end;
        if is_leaf(e, level) && covered {
            m.write(table, i, apply(e, op));
            count += 1;
            continue;
        }
        let child = if is_leaf(e, level) {
            match split(m, e, level) {
                Some(t) => {
                    m.write(table, i, t | TABLE_FLAGS);
                    t
                }
                None => {
                    m.write(table, i, 0);
                    count += 1;
                    continue;
                }
            }
        } else {
            e & ADDRESS_MASK
        };
        let n = edit_table(m, child, level - 1, lo, start.max(lo), end.min(hi), op);
        // Only a table that lost something can have become empty.
        if n > 0 && (0..ENTRIES).all(|j| m.read(child, j) & PRESENT == 0) {
            m.write(table, i, 0);
            m.free_table(child);
        }
        count += n;
    }
    count
}

fn apply(entry: u64, op: Op) -> u64 {
    match op {
        Op::Unmap => 0,
        Op::Revoke(r) => (entry & !(r & (WRITABLE | USER))) | (r & NO_EXECUTE),
    }
}

/// A new table of 512 leaves one size smaller that together map what the
/// large leaf `entry` at `level` mapped, with the same flags.
fn split<M: PhysMem>(m: &mut M, entry: u64, level: u32) -> Option<u64> {
    let big = PageSize::at_level(level)?;
    let small = PageSize::at_level(level - 1)?;
    let flags = leaf_flags(entry, big);
    let pa = leaf_pa(entry, big);
    let t = m.alloc_table()?;
    for j in 0..ENTRIES {
        m.write(
            t,
            j,
            leaf_entry(pa + j as u64 * small.bytes(), small, flags),
        );
    }
    Some(t)
}

/// Frees every table reachable from the user half of `root` (PML4 entries
/// 0..256) and clears those entries. The root and the mapped frames stay.
pub fn free_user_half<M: PhysMem>(m: &mut M, root: u64) {
    for i in 0..ENTRIES / 2 {
        let e = m.read(root, i);
        if e & PRESENT != 0 {
            free_tables(m, e & ADDRESS_MASK, 2);
        }
        if e != 0 {
            m.write(root, i, 0);
        }
    }
}

/// Frees `table` (at `level`) and the tables below it. Recursion depth is
/// bounded by the three levels under the root.
fn free_tables<M: PhysMem>(m: &mut M, table: u64, level: u32) {
    if level > 0 {
        for i in 0..ENTRIES {
            let e = m.read(table, i);
            if e & PRESENT != 0 && !is_leaf(e, level) {
                free_tables(m, e & ADDRESS_MASK, level - 1);
            }
        }
    }
    m.free_table(table);
}

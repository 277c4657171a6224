//! Growing address spaces: mapping one page, or a range with the largest
//! pages that fit.
//!
//! Both are all-or-nothing, so a hypercall that fails part-way leaves the
//! space as it found it and the caller needs no cleanup path.

use super::flags::PRESENT;
use super::{
    index, is_leaf, leaf_entry, unmap_range, MapError, PageSize, PhysMem, ADDRESS_MASK, PAGE,
    TABLE_FLAGS, USER_END,
};

/// Maps the one page `va -> pa` of `size`, creating intermediate tables as
/// needed. On any error the tables are exactly as before. `pa` must be
/// below 2^52 and `leaf_flags` must hold no address bits (preconditions).
pub fn map<M: PhysMem>(
    m: &mut M,
    root: u64,
    va: u64,
    pa: u64,
    size: PageSize,
    leaf_flags: u64,
) -> Result<(), MapError> {
    let bytes = size.bytes();
    if va >= USER_END {
        return Err(MapError::NotUser);
    }
    // An aligned page starting below USER_END also ends within it.
    if !va.is_multiple_of(bytes) || !pa.is_multiple_of(bytes) {
        return Err(MapError::Misaligned);
    }
    debug_assert!(pa & !ADDRESS_MASK == 0, "physical address beyond 52 bits");
    debug_assert!(leaf_flags & ADDRESS_MASK == 0, "address bits in flags");

    // Tables allocated by this call, top first, and the entry that links
    // the first of them in, so a failure can take them back out.
    let mut fresh = [0u64; 3];
    let mut n_fresh = 0;
    let mut link = None;
    let mut table = root;
    for level in (size.level() + 1..=3).rev() {
        let i = index(va, level);
        let e = m.read(table, i);
        table = if e & PRESENT == 0 {
            let Some(t) = m.alloc_table() else {
                if let Some((parent, i)) = link {
                    m.write(parent, i, 0);
                }
                for &t in &fresh[..n_fresh] {
                    m.free_table(t);
                }
                return Err(MapError::OutOfMemory);
            };
            m.write(table, i, t | TABLE_FLAGS);
            link = link.or(Some((table, i)));
            fresh[n_fresh] = t;
            n_fresh += 1;
            t
        } else if is_leaf(e, level) {
            return Err(MapError::AlreadyMapped);
        } else {
            e & ADDRESS_MASK
        };
    }
    // A fresh table is empty, so only pre-existing tables can hold a clash,
    // and those are checked before anything is allocated.
    let i = index(va, size.level());
    if m.read(table, i) & PRESENT != 0 {
        debug_assert!(n_fresh == 0);
        return Err(MapError::AlreadyMapped);
    }
    m.write(table, i, leaf_entry(pa, size, leaf_flags));
    Ok(())
}

/// Maps `[va, va + len)` to `[pa, pa + len)` with the largest pages that
/// fit. On error nothing of the range stays mapped and no table leaks.
pub fn map_range<M: PhysMem>(
    m: &mut M,
    root: u64,
    va: u64,
    pa: u64,
    len: u64,
    leaf_flags: u64,
) -> Result<(), MapError> {
    map_range_max(m, root, va, pa, len, leaf_flags, PageSize::Size1G)
}

/// As [`map_range`], but with no page bigger than `max`: guest-physical
/// tables (EPT, NPT) may lack 1 GiB or even 2 MiB pages on some CPUs.
pub fn map_range_max<M: PhysMem>(
    m: &mut M,
    root: u64,
    va: u64,
    pa: u64,
    len: u64,
    leaf_flags: u64,
    max: PageSize,
) -> Result<(), MapError> {
    if va.checked_add(len).is_none_or(|end| end > USER_END) {
        return Err(MapError::NotUser);
    }
    if !(va | pa | len).is_multiple_of(PAGE) {
        return Err(MapError::Misaligned);
    }
    debug_assert!(pa.checked_add(len).is_some_and(|end| end <= 1 << 52));
    let mut done = 0;
    while done < len {
        let (v, p) = (va + done, pa.wrapping_add(done));
        let size = PageSize::largest_fitting(v, p, len - done, max);
        if let Err(e) = map(m, root, v, p, size, leaf_flags) {
            unmap_range(m, root, va, done);
            return Err(e);
        }
        done += size.bytes();
    }
    Ok(())
}

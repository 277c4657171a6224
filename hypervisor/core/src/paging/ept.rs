//! Conversion of page-table entries between the x86-64 layout this module
//! edits and Intel's EPT layout, so guest-physical spaces reuse the table
//! logic unchanged.
//!
//! The kernel implements [`PhysMem`](super::PhysMem) for EPT tables as an
//! adapter: `read` returns [`from_ept`] of the stored entry, `write` stores
//! [`to_ept`] of the value. AMD NPT needs no adapter: it uses the x86 format.
//!
//! EPT tells tables from leaves only by the level (and bit 7), which the
//! `PhysMem` interface does not carry, so the x86 value carries it instead.
//! The contract, which the kernel must keep for every guest space:
//! - Leaves are written with [`GUEST_LEAF`] set, plus optionally
//!   `WRITABLE`, `NO_EXECUTE` and [`GUEST_UNCACHED`], nothing else (no PAT,
//!   no `GLOBAL`). `map` adds `HUGE` to large leaves itself.
//! - Tables are written as `table_pa | PRESENT | WRITABLE | USER`, which is
//!   what `paging` does, and so never carry `ACCESSED`.
//!
//! So `ACCESSED` marks a leaf in the x86 value and IPAT (which only leaves
//! may set) marks one in the EPT value. Nothing in `paging` clears
//! `ACCESSED` from a leaf; splitting and `protect_range` keep it.
//!
//! `USER` has no EPT counterpart and reads back set; readability cannot be
//! taken away in x86 terms, so every present EPT leaf is readable. The
//! hardware's EPT accessed and dirty bits (8, 9) are dropped on reading.

use super::flags::{
    ACCESSED, DIRTY, HUGE, NO_EXECUTE, PAT_LARGE, PCD, PRESENT, PWT, USER, WRITABLE,
};
use super::{ADDRESS_MASK, TABLE_FLAGS};

/// The flags every guest leaf carries in the x86 layout. `ACCESSED` is the
/// leaf marker the adapter relies on; `DIRTY` keeps NPT from writing it.
pub const GUEST_LEAF: u64 = PRESENT | USER | ACCESSED | DIRTY;
/// Added to [`GUEST_LEAF`] for uncached (device) memory: UC under NPT,
/// memory type UC under EPT.
pub const GUEST_UNCACHED: u64 = PCD | PWT;

const READ: u64 = 1 << 0;
const WRITE: u64 = 1 << 1;
const EXECUTE: u64 = 1 << 2;
const RWX: u64 = READ | WRITE | EXECUTE;
const MEMTYPE_SHIFT: u32 = 3;
const MEMTYPE_MASK: u64 = 7 << MEMTYPE_SHIFT;
const MEMTYPE_UC: u64 = 0;
const MEMTYPE_WB: u64 = 6;
/// Makes the leaf's memory type final; the guest's PAT cannot weaken it.
const IGNORE_PAT: u64 = 1 << 6;
/// Large page in a 2 MiB or 1 GiB entry; ignored in a 4 KiB one. Same bit
/// as x86 `HUGE`, so it is copied across unchanged.
const LARGE: u64 = 1 << 7;

/// The EPT entry for the x86 entry `x86`, which must follow the contract
/// in the module documentation.
pub fn to_ept(x86: u64) -> u64 {
    if x86 & PRESENT == 0 {
        return 0;
    }
    if x86 & ACCESSED == 0 {
        // EPT reserves bits 3..=7 of a table entry: only the rights go in.
        debug_assert!(x86 & !ADDRESS_MASK == TABLE_FLAGS, "not a table entry");
        return (x86 & ADDRESS_MASK) | RWX;
    }
    // In a large x86 leaf bit 12 is PAT, which EPT reserves there; guest
    // leaves never set it (IPAT makes it meaningless anyway), so it is
    // dropped rather than turned into a misconfigured entry.
    let large = x86 & HUGE != 0;
    debug_assert!(!large || x86 & PAT_LARGE == 0, "PAT in a guest leaf");
    let address = x86 & ADDRESS_MASK & if large { !PAT_LARGE } else { !0 };
    let write = if x86 & WRITABLE != 0 { WRITE } else { 0 };
    let execute = if x86 & NO_EXECUTE == 0 { EXECUTE } else { 0 };
    let memtype = if x86 & PCD != 0 {
        MEMTYPE_UC
    } else {
        MEMTYPE_WB
    };
    address | READ | write | execute | memtype << MEMTYPE_SHIFT | IGNORE_PAT | (x86 & LARGE)
}

/// The x86 entry for the EPT entry `ept`, in the form `paging` wrote it.
pub fn from_ept(ept: u64) -> u64 {
    if ept & RWX == 0 {
        return 0;
    }
    let address = ept & ADDRESS_MASK;
    if ept & IGNORE_PAT == 0 {
        return address | TABLE_FLAGS;
    }
    let writable = if ept & WRITE != 0 { WRITABLE } else { 0 };
    let no_execute = if ept & EXECUTE == 0 { NO_EXECUTE } else { 0 };
    let uncached = if (ept & MEMTYPE_MASK) >> MEMTYPE_SHIFT == MEMTYPE_UC {
        GUEST_UNCACHED
    } else {
        0
    };
    address | GUEST_LEAF | writable | no_execute | uncached | (ept & LARGE)
}

#[cfg(test)]
mod tests;

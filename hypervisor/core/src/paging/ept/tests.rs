//! Entry conversion in both directions, and the whole table logic run
//! through an EPT-storing adapter against the plain x86 simulation.

use super::super::flags::*;
use super::super::{
    map_range, map_range_max, protect_range, translate, unmap_range, PageSize, PhysMem,
    ADDRESS_MASK,
};
use super::*;
use crate::testmem::Sim;

const K4: u64 = 1 << 12;
const M2: u64 = 1 << 21;
const G1: u64 = 1 << 30;
const TOP: u64 = ADDRESS_MASK; // every address bit, 12..=51

#[test]
fn tables_carry_only_the_address_and_all_rights() {
    for pa in [K4, 0x1234_5000, TOP] {
        let x86 = pa | PRESENT | WRITABLE | USER;
        assert_eq!(to_ept(x86), pa | 0b111, "{pa:#x}");
        assert_eq!(from_ept(pa | 0b111), x86, "{pa:#x}");
    }
}

/// The EPT leaf spelled out bit by bit, independently of the module.
fn expected_leaf(pa: u64, writable: bool, nx: bool, uncached: bool, large: bool) -> u64 {
    let w = if writable { 1 << 1 } else { 0 };
    let x = if nx { 0 } else { 1 << 2 };
    let memtype = if uncached { 0 } else { 6 << 3 };
    let large = if large { 1 << 7 } else { 0 };
    pa | 1 | w | x | memtype | 1 << 6 | large
}

#[test]
fn leaves_round_trip_with_every_right_and_memory_type() {
    let cases = [(0x1234_5000, 0), (TOP, 0), (0x4020_0000, HUGE), (G1, HUGE)];
    for (pa, huge) in cases {
        for combo in 0..8 {
            let (writable, nx, uncached) = (combo & 1 != 0, combo & 2 != 0, combo & 4 != 0);
            let mut x86 = pa | GUEST_LEAF | huge;
            x86 |= if writable { WRITABLE } else { 0 };
            x86 |= if nx { NO_EXECUTE } else { 0 };
            x86 |= if uncached { GUEST_UNCACHED } else { 0 };
            let ept = to_ept(x86);
            let want = expected_leaf(pa, writable, nx, uncached, huge != 0);
            assert_eq!(ept, want, "{x86:#x}");
            assert_eq!(from_ept(ept), x86, "{ept:#x}");
        }
    }
}

#[test]
fn absent_entries_are_zero_both_ways() {
    assert_eq!(to_ept(0), 0);
    // A non-present x86 value with leftover bits must not become present.
    assert_eq!(to_ept(0x5000 | GUEST_LEAF & !PRESENT | WRITABLE), 0);
    assert_eq!(from_ept(0), 0);
    // Memory type and IPAT without any right is still not present.
    assert_eq!(from_ept(0x5000 | 6 << 3 | 1 << 6 | 1 << 7), 0);
}

#[test]
fn hardware_accessed_and_dirty_bits_are_dropped() {
    let ad = 1 << 8 | 1 << 9;
    for ept in [0x7000 | 0b111, expected_leaf(M2, true, false, false, true)] {
        assert_eq!(from_ept(ept | ad), from_ept(ept), "{ept:#x}");
    }
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "PAT in a guest leaf")]
fn pat_in_a_large_guest_leaf_is_refused() {
    to_ept(M2 | PAT_LARGE | GUEST_LEAF | HUGE);
}

/// `PhysMem` for EPT tables as the kernel builds it, over simulated memory
/// that holds the raw EPT entries.
struct EptSim(Sim);

impl PhysMem for EptSim {
    fn read(&self, table_pa: u64, index: usize) -> u64 {
        from_ept(self.0.read(table_pa, index))
    }
    fn write(&mut self, table_pa: u64, index: usize, value: u64) {
        self.0.write(table_pa, index, to_ept(value));
    }
    fn alloc_table(&mut self) -> Option<u64> {
        self.0.alloc_table()
    }
    fn free_table(&mut self, pa: u64) {
        self.0.free_table(pa)
    }
}

/// Builds, splits and restricts a guest space; returns addresses to probe.
fn build<M: PhysMem>(m: &mut M, root: u64) -> Vec<u64> {
    let rw = GUEST_LEAF | WRITABLE;
    // 4K and 2M on the way up to a 1 GiB boundary and back down.
    let (va, len) = (G1 - M2 - K4, K4 + M2 + G1 + M2 + K4);
    map_range_max(m, root, va, va + 8 * G1, len, rw, PageSize::Size2M).unwrap();
    // 1 GiB pages where allowed, uncached and not executable.
    let dev = GUEST_LEAF | WRITABLE | NO_EXECUTE | GUEST_UNCACHED;
    map_range(m, root, 4 * G1, 20 * G1, 2 * G1 + M2, dev).unwrap();
    // A hole split out of a 2M page and of the 1G page.
    assert_eq!(unmap_range(m, root, G1 + 3 * M2 + 5 * K4, K4), 1);
    assert_eq!(unmap_range(m, root, 4 * G1 + 7 * M2, K4), 1);
    // Read-only and non-executable parts.
    assert_eq!(protect_range(m, root, G1, M2, WRITABLE), 1);
    assert_eq!(protect_range(m, root, va, K4, NO_EXECUTE), 1);
    let mut probes = vec![va - K4, va, G1 - M2, G1, G1 + 3 * M2 + 5 * K4];
    probes.extend([G1 + 3 * M2 + 6 * K4, 2 * G1, 2 * G1 + M2, 2 * G1 + M2 + K4]);
    probes.extend([4 * G1, 4 * G1 + 7 * M2, 4 * G1 + 7 * M2 + K4, 5 * G1]);
    probes.extend([6 * G1, 6 * G1 + M2 - K4, 6 * G1 + M2]);
    probes
}

/// Leaves found by walking the raw EPT tables, after checking every entry
/// is one the CPU accepts.
#[derive(Default, Debug, PartialEq)]
struct Leaves {
    k4: usize,
    m2: usize,
    g1: usize,
    uncached: usize,
}

fn walk_raw(m: &Sim, table: u64, level: u32, leaves: &mut Leaves) {
    for i in 0..512 {
        let e = m.read(table, i);
        if e == 0 {
            continue;
        }
        assert_ne!(e & 0b111, 0, "level {level}: present bits without rights");
        let large = e & 1 << 7 != 0;
        if level > 0 && !large {
            assert_eq!(e & !ADDRESS_MASK, 0b111, "level {level}: table {e:#x}");
            walk_raw(m, e & ADDRESS_MASK, level - 1, leaves);
            continue;
        }
        assert!(level <= 2, "large page in the root");
        assert_eq!(e & !ADDRESS_MASK & !0xff, 0, "stray bits in {e:#x}");
        assert_ne!(e & 1 << 6, 0, "no IPAT in {e:#x}");
        let size = 1u64 << (12 + 9 * level);
        assert_eq!(e & ADDRESS_MASK & (size - 1), 0, "reserved bits in {e:#x}");
        match (e >> 3) & 7 {
            6 => {}
            0 => leaves.uncached += 1,
            t => panic!("memory type {t} in {e:#x}"),
        }
        match level {
            0 => {
                // The kernel never sets PAT, the only meaning x86 gives it.
                assert!(!large, "bit 7 in a 4K leaf {e:#x}");
                leaves.k4 += 1;
            }
            1 => leaves.m2 += 1,
            _ => leaves.g1 += 1,
        }
    }
}

#[test]
fn table_logic_through_the_adapter_matches_plain_x86() {
    let (mut plain, root) = Sim::new();
    let (sim, ept_root) = Sim::new();
    let mut ept = EptSim(sim);
    assert_eq!(root, ept_root);
    let probes = build(&mut plain, root);
    assert_eq!(build(&mut ept, root), probes);
    for va in probes {
        assert_eq!(
            translate(&ept, root, va),
            translate(&plain, root, va),
            "{va:#x}"
        );
    }
    // Both allocated the same tables in the same order, so the raw EPT
    // memory is exactly the x86 memory converted entry by entry.
    assert_eq!(ept.0.live(), plain.live());
    for (&pa, entries) in plain.tables() {
        for (i, &x86) in entries.iter().enumerate() {
            let raw = ept.0.read(pa, i);
            assert_eq!(raw, to_ept(x86), "{pa:#x}[{i}]");
            assert_eq!(from_ept(raw), x86, "{pa:#x}[{i}]");
        }
    }
    let mut leaves = Leaves::default();
    walk_raw(&ept.0, root, 3, &mut leaves);
    // Capped at 2M: 4K x2 and 2M x514, one 2M split for a hole. Uncached:
    // 1G x2 and 2M x1, one 1G split into 2M and one of those for a hole.
    let want = Leaves {
        k4: 2 + 511 + 511,
        m2: 513 + 511 + 1,
        g1: 1,
        uncached: 511 + 511 + 1 + 1,
    };
    assert_eq!(leaves, want);
    assert_eq!(
        unmap_range(&mut ept, root, 0, 8 * G1),
        unmap_range(&mut plain, root, 0, 8 * G1)
    );
    assert_eq!((ept.0.live(), plain.live()), (1, 1));
}

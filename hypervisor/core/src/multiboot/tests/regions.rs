//! Memory map normalisation: sorting, merging, overlaps, capacity.

use super::super::regions::{entry, normalise};
use super::super::{BootError, MemKind, MemRegion, MAX_REGIONS};
use super::region;
use crate::memmap::Range;
use MemKind::*;

fn run(entries: &[MemRegion]) -> Result<Vec<(u64, u64, MemKind)>, BootError> {
    let mut out = [MemRegion {
        range: Range::new(0, 0),
        kind: Reserved,
    }; MAX_REGIONS];
    let n = normalise(|| entries.iter().copied(), &mut out)?;
    Ok(out[..n]
        .iter()
        .map(|r| (r.range.start, r.range.end, r.kind))
        .collect())
}

#[test]
fn type_numbers_map_to_kinds() {
    let kinds: Vec<MemKind> = (0..8).map(|t| entry(0, 1, t).kind).collect();
    assert_eq!(
        kinds,
        [
            Reserved,
            Usable,
            Reserved,
            AcpiReclaimable,
            AcpiNvs,
            Bad,
            Reserved,
            Reserved
        ]
    );
}

#[test]
fn entry_end_saturates() {
    assert_eq!(
        entry(u64::MAX - 5, 100, 1).range,
        Range::new(u64::MAX - 5, u64::MAX)
    );
}

#[test]
fn empty_input_gives_empty_map() {
    assert_eq!(run(&[]).unwrap(), []);
    assert_eq!(run(&[entry(5, 0, 1)]).unwrap(), []);
}

#[test]
fn sorts_merges_and_drops_zero_length() {
    let got = run(&[
        entry(0x3000, 0x1000, 1),
        entry(0x1000, 0x1000, 1),
        entry(0x2000, 0x1000, 1),
        entry(0x9000, 0, 2),
        entry(0x5000, 0x1000, 2),
    ])
    .unwrap();
    assert_eq!(
        got,
        [
            region(0x1000, 0x4000, Usable),
            region(0x5000, 0x6000, Reserved)
        ]
    );
}

#[test]
fn restrictive_kind_wins_overlaps() {
    let got = run(&[
        entry(0, 0x10000, 1),
        entry(0x4000, 0x1000, 2),
        entry(0x8000, 0x10000, 3),
        entry(0x9000, 0x1000, 4),
        entry(0x9800, 0x100, 5),
        entry(0x2000, 0x1000, 1),
    ])
    .unwrap();
    assert_eq!(
        got,
        [
            region(0, 0x4000, Usable),
            region(0x4000, 0x5000, Reserved),
            region(0x5000, 0x8000, Usable),
            region(0x8000, 0x9000, AcpiReclaimable),
            region(0x9000, 0x9800, AcpiNvs),
            region(0x9800, 0x9900, Bad),
            region(0x9900, 0xa000, AcpiNvs),
            region(0xa000, 0x18000, AcpiReclaimable),
        ]
    );
}

#[test]
fn reaches_the_top_of_the_address_space() {
    let got = run(&[entry(u64::MAX - 0xfff, 0x1000, 1), entry(0, 0x1000, 2)]).unwrap();
    assert_eq!(
        got,
        [
            region(0, 0x1000, Reserved),
            region(u64::MAX - 0xfff, u64::MAX, Usable)
        ]
    );
}

#[test]
fn many_raw_entries_fit_when_they_merge() {
    let raw: Vec<MemRegion> = (0..500).map(|i| entry(i * 0x1000, 0x1000, 1)).collect();
    assert_eq!(run(&raw).unwrap(), [region(0, 500 * 0x1000, Usable)]);
}

#[test]
fn too_many_distinct_regions() {
    let raw: Vec<MemRegion> = (0..65)
        .map(|i| entry(i * 0x1000, 0x1000, 1 + (i as u32 % 2)))
        .collect();
    assert_eq!(run(&raw[..64]).unwrap().len(), 64);
    assert_eq!(run(&raw).err(), Some(BootError::TooMany));
}

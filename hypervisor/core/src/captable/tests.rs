//! The selector table over simulated memory: storing, growing, refusing
//! without side effects, walking and freeing without leaks.

use super::*;
use crate::testmem::Sim;

/// A memory with nothing allocated (`Sim::new` makes a root we free).
fn empty() -> Sim {
    let (mut m, root) = Sim::new();
    m.free_table(root);
    m
}

#[test]
fn empty_table_holds_nothing() {
    let m = empty();
    let t = SelTable::new();
    assert!(!t.has_root());
    assert_eq!(t.get(&m, 0), None);
    assert_eq!(t.get(&m, SELECTORS - 1), None);
    assert_eq!(t.get(&m, SELECTORS), None);
    assert_eq!(t.pages_needed(&m, 5), 2);
}

#[test]
fn values_are_stored_per_selector_and_tables_grow_on_demand() {
    let mut m = empty();
    let mut t = SelTable::new();
    for sel in [0, 1, 511, 512, 70_000, SELECTORS - 1] {
        t.prepare(&mut m, sel).unwrap();
        assert!(t.set(&mut m, sel, 0x1000 + sel));
    }
    // The top table and one leaf per distinct 512-block: 0/1/511, 512,
    // 70000, the last.
    assert_eq!(m.live(), 5);
    for sel in [0, 1, 511, 512, 70_000, SELECTORS - 1] {
        assert_eq!(t.get(&m, sel), Some(0x1000 + sel));
    }
    assert_eq!(t.get(&m, 2), None, "same leaf, other slot");
    assert_eq!(t.get(&m, 1024), None, "no leaf");
    assert_eq!(t.pages_needed(&m, 2), 0);
    assert_eq!(t.pages_needed(&m, 1024), 1);
    assert!(t.set(&mut m, 1, 0));
    assert_eq!(t.get(&m, 1), None, "cleared");
}

#[test]
fn set_without_prepare_stores_nothing_and_out_of_range_is_refused() {
    let mut m = empty();
    let mut t = SelTable::new();
    assert!(!t.set(&mut m, 7, 42));
    assert!(t.set(&mut m, 7, 0), "clearing an absent slot is fine");
    assert_eq!(t.prepare(&mut m, SELECTORS), Err(NoMemory));
    assert_eq!(m.live(), 0);
}

#[test]
fn a_failed_prepare_allocates_nothing() {
    let mut m = empty();
    m.budget = Some(1);
    let mut t = SelTable::new();
    assert_eq!(t.prepare(&mut m, 3), Err(NoMemory));
    assert_eq!(m.live(), 0, "the new top table was given back");
    assert!(!t.has_root());
    m.budget = Some(2);
    t.prepare(&mut m, 3).unwrap();
    m.budget = Some(0);
    assert_eq!(t.prepare(&mut m, 600), Err(NoMemory));
    assert_eq!(m.live(), 2, "the existing tables stay");
    assert!(t.set(&mut m, 3, 9));
    assert_eq!(t.get(&m, 3), Some(9));
}

#[test]
fn for_each_walks_in_order_and_free_releases_every_table() {
    let mut m = empty();
    let mut t = SelTable::new();
    let sels = [5, 600, 3, 100_000];
    for s in sels {
        t.prepare(&mut m, s).unwrap();
        t.set(&mut m, s, s + 1);
    }
    let mut seen = Vec::new();
    t.for_each(&m, |s, v| seen.push((s, v)));
    assert_eq!(seen, vec![(3, 4), (5, 6), (600, 601), (100_000, 100_001)]);
    t.free(&mut m);
    assert_eq!(m.live(), 0);
    assert!(!t.has_root());
    assert_eq!(t.get(&m, 5), None);
}

//! Range arithmetic and the set's merge, split and capacity behaviour.

use super::*;

fn r(start: u64, end: u64) -> Range {
    Range::new(start, end)
}

fn collect<const N: usize>(s: &RangeSet<N>) -> Vec<(u64, u64)> {
    s.iter().map(|x| (x.start, x.end)).collect()
}

#[test]
fn range_basics() {
    assert_eq!(r(10, 30).len(), 20);
    assert_eq!(r(30, 10).len(), 0);
    assert!(r(5, 5).is_empty());
    assert!(r(6, 5).is_empty());
    assert!(!r(5, 6).is_empty());
}

#[test]
fn range_overlaps_is_strict_and_ignores_empty() {
    assert!(r(0, 10).overlaps(r(9, 20)));
    assert!(r(9, 20).overlaps(r(0, 10)));
    assert!(!r(0, 10).overlaps(r(10, 20)));
    assert!(!r(0, 10).overlaps(r(5, 5)));
    assert!(r(0, 100).overlaps(r(10, 20)));
}

#[test]
fn range_contains() {
    assert!(r(0, 10).contains(r(0, 10)));
    assert!(r(0, 10).contains(r(3, 7)));
    assert!(!r(0, 10).contains(r(3, 11)));
    assert!(r(0, 10).contains(r(50, 50)));
}

#[test]
fn align_inward_shrinks_and_may_empty() {
    assert_eq!(r(1, 8193).align_inward(4096), r(4096, 8192));
    assert_eq!(r(4096, 8192).align_inward(4096), r(4096, 8192));
    assert!(r(1, 4097).align_inward(4096).is_empty());
    assert!(r(u64::MAX - 10, u64::MAX).align_inward(4096).is_empty());
    assert_eq!(r(3, 9).align_inward(0), r(3, 9));
    assert_eq!(r(7, 7).align_inward(4096), r(7, 7));
}

#[test]
fn align_outward_grows_and_saturates() {
    assert_eq!(r(1, 4097).align_outward(4096), r(0, 8192));
    assert_eq!(r(4096, 8192).align_outward(4096), r(4096, 8192));
    assert_eq!(
        r(u64::MAX - 10, u64::MAX).align_outward(4096),
        r(u64::MAX - 4095, u64::MAX)
    );
    assert_eq!(r(3, 9).align_outward(0), r(3, 9));
    assert!(r(7, 7).align_outward(4096).is_empty());
}

#[test]
fn insert_keeps_sorted_and_merges_adjacent_and_overlapping() {
    let mut s = RangeSet::<8>::new();
    assert!(s.is_empty());
    s.insert(r(100, 200)).unwrap();
    s.insert(r(0, 10)).unwrap();
    s.insert(r(300, 400)).unwrap();
    assert_eq!(collect(&s), [(0, 10), (100, 200), (300, 400)]);
    s.insert(r(200, 250)).unwrap();
    assert_eq!(collect(&s), [(0, 10), (100, 250), (300, 400)]);
    s.insert(r(5, 350)).unwrap();
    assert_eq!(collect(&s), [(0, 400)]);
    s.insert(r(10, 20)).unwrap();
    assert_eq!(collect(&s), [(0, 400)]);
    s.insert(r(400, 401)).unwrap();
    assert_eq!(collect(&s), [(0, 401)]);
    assert_eq!(s.len(), 1);
    assert_eq!(s.total(), 401);
}

#[test]
fn insert_empty_is_noop_even_when_full() {
    let mut s = RangeSet::<1>::new();
    s.insert(r(0, 10)).unwrap();
    s.insert(r(50, 50)).unwrap();
    s.insert(r(60, 40)).unwrap();
    assert_eq!(collect(&s), [(0, 10)]);
}

#[test]
fn insert_full_leaves_set_unchanged() {
    let mut s = RangeSet::<2>::new();
    s.insert(r(0, 10)).unwrap();
    s.insert(r(20, 30)).unwrap();
    assert_eq!(s.insert(r(40, 50)), Err(Full));
    assert_eq!(collect(&s), [(0, 10), (20, 30)]);
    // Merging needs no new slot, so it still works when full.
    s.insert(r(10, 20)).unwrap();
    assert_eq!(collect(&s), [(0, 30)]);
}

#[test]
fn remove_trims_splits_and_drops() {
    let mut s = RangeSet::<8>::new();
    s.insert(r(0, 100)).unwrap();
    s.insert(r(200, 300)).unwrap();
    s.remove(r(40, 60)).unwrap();
    assert_eq!(collect(&s), [(0, 40), (60, 100), (200, 300)]);
    s.remove(r(90, 250)).unwrap();
    assert_eq!(collect(&s), [(0, 40), (60, 90), (250, 300)]);
    s.remove(r(0, 40)).unwrap();
    assert_eq!(collect(&s), [(60, 90), (250, 300)]);
    s.remove(r(100, 200)).unwrap();
    s.remove(r(70, 70)).unwrap();
    assert_eq!(collect(&s), [(60, 90), (250, 300)]);
    s.remove(r(0, u64::MAX)).unwrap();
    assert!(s.is_empty());
    assert_eq!(s.total(), 0);
}

#[test]
fn remove_split_when_full_fails_unchanged() {
    let mut s = RangeSet::<2>::new();
    s.insert(r(0, 100)).unwrap();
    s.insert(r(200, 300)).unwrap();
    assert_eq!(s.remove(r(40, 60)), Err(Full));
    assert_eq!(collect(&s), [(0, 100), (200, 300)]);
    // Trimming one end needs no new slot.
    s.remove(r(90, 210)).unwrap();
    assert_eq!(collect(&s), [(0, 90), (210, 300)]);
}

#[test]
fn contains_and_overlaps() {
    let mut s = RangeSet::<4>::new();
    s.insert(r(0, 100)).unwrap();
    s.insert(r(200, 300)).unwrap();
    assert!(s.contains(r(0, 100)));
    assert!(s.contains(r(210, 220)));
    assert!(!s.contains(r(90, 210)));
    assert!(!s.contains(r(100, 200)));
    assert!(!s.contains(r(300, 301)));
    assert!(s.contains(r(150, 150)));
    assert!(s.overlaps(r(99, 150)));
    assert!(s.overlaps(r(150, 201)));
    assert!(!s.overlaps(r(100, 200)));
    assert!(!s.overlaps(r(300, 400)));
    assert!(!s.overlaps(r(50, 50)));
    assert!(!RangeSet::<4>::new().overlaps(r(0, 1)));
    assert!(!RangeSet::<4>::new().contains(r(0, 1)));
}

#[test]
fn zero_capacity_set_rejects_inserts() {
    let mut s = RangeSet::<0>::new();
    assert_eq!(s.insert(r(0, 1)), Err(Full));
    s.remove(r(0, 1)).unwrap();
    assert!(s.is_empty());
}

#[test]
fn copies_are_independent() {
    let mut a = RangeSet::<4>::default();
    a.insert(r(0, 10)).unwrap();
    let b = a;
    a.remove(r(0, 10)).unwrap();
    assert_eq!(collect(&b), [(0, 10)]);
    assert!(a.is_empty());
}

//! Charging to the exact limit, refusing beyond it without change,
//! refunds, and splitting and joining child quotas.

use super::*;

#[test]
fn charge_up_to_the_limit() {
    let mut q = Quota::new(10);
    assert_eq!((q.limit(), q.used(), q.free()), (10, 0, 10));
    q.charge(4).unwrap();
    q.charge(6).unwrap();
    assert_eq!((q.used(), q.free()), (10, 0));
    q.charge(0).unwrap();
    assert_eq!(q.charge(1), Err(Exhausted));
    assert_eq!(q.used(), 10);
}

#[test]
fn failed_charge_changes_nothing() {
    let mut q = Quota::new(10);
    q.charge(3).unwrap();
    assert_eq!(q.charge(8), Err(Exhausted));
    assert_eq!(q.charge(u64::MAX), Err(Exhausted));
    assert_eq!(q, {
        let mut w = Quota::new(10);
        w.charge(3).unwrap();
        w
    });
    q.charge(7).unwrap();
}

#[test]
fn huge_limits_do_not_overflow() {
    let mut q = Quota::new(u64::MAX);
    q.charge(u64::MAX - 1).unwrap();
    assert_eq!(q.charge(2), Err(Exhausted));
    q.charge(1).unwrap();
    assert_eq!(q.free(), 0);
}

#[test]
fn refund_frees_pages() {
    let mut q = Quota::new(5);
    q.charge(5).unwrap();
    q.refund(2);
    assert_eq!((q.used(), q.free()), (3, 2));
    q.charge(2).unwrap();
    q.refund(5);
    assert_eq!(q.used(), 0);
}

#[test]
fn zero_quota_refuses_everything_but_zero() {
    let mut q = Quota::new(0);
    assert_eq!(q.charge(1), Err(Exhausted));
    q.charge(0).unwrap();
}

#[test]
fn split_and_join() {
    let mut root = Quota::new(100);
    let mut child = split(&mut root, 60).unwrap();
    assert_eq!((root.used(), child.limit(), child.used()), (60, 60, 0));
    assert_eq!(split(&mut root, 41), Err(Exhausted));
    assert_eq!(root.used(), 60);
    let grandchild = split(&mut child, 60).unwrap();
    assert_eq!(child.free(), 0);
    join(&mut child, grandchild);
    assert_eq!(child.used(), 0);
    join(&mut root, child);
    assert_eq!(root, Quota::new(100));
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "exceeds use")]
fn over_refund_is_caught() {
    let mut q = Quota::new(5);
    q.charge(1).unwrap();
    q.refund(2);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "still in use")]
fn joining_a_busy_quota_is_caught() {
    let mut root = Quota::new(5);
    let mut child = split(&mut root, 3).unwrap();
    child.charge(1).unwrap();
    join(&mut root, child);
}

#[cfg(not(debug_assertions))]
#[test]
fn over_refund_stops_at_zero_in_release() {
    let mut q = Quota::new(5);
    q.charge(1).unwrap();
    q.refund(2);
    assert_eq!(q.used(), 0);
}

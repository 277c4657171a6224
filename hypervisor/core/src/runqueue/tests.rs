//! Priority order, round robin within a level, front insertion, removal
//! from any position, both bitmap words and the out-of-range guard.

use super::*;
use crate::list::is_linked;
use crate::list::tests::VecArena;

#[test]
fn empty_queue() {
    let mut a = VecArena::new(1);
    let mut q: RunQueue<usize> = RunQueue::default();
    assert!(q.is_empty());
    assert_eq!(q.highest(), None);
    assert_eq!(q.pop_highest(&mut a), None);
}

#[test]
fn highest_priority_first_across_both_words() {
    let mut a = VecArena::new(6);
    let mut q = RunQueue::new();
    for (id, prio) in [(0, 3), (1, 127), (2, 0), (3, 64), (4, 63), (5, 65)] {
        q.enqueue(&mut a, id, prio);
    }
    assert_eq!(q.highest(), Some((1, 127)));
    let order: Vec<_> = core::iter::from_fn(|| q.pop_highest(&mut a)).collect();
    assert_eq!(order, [(1, 127), (5, 65), (3, 64), (4, 63), (0, 3), (2, 0)]);
    assert!(q.is_empty());
    assert!((0..6).all(|i| !is_linked(&a, i)));
}

#[test]
fn round_robin_within_a_level() {
    let mut a = VecArena::new(3);
    let mut q = RunQueue::new();
    for id in 0..3 {
        q.enqueue(&mut a, id, 10);
    }
    let mut ran = Vec::new();
    for _ in 0..6 {
        let (id, prio) = q.pop_highest(&mut a).unwrap();
        ran.push(id);
        q.enqueue(&mut a, id, prio);
    }
    assert_eq!(ran, [0, 1, 2, 0, 1, 2]);
    assert_eq!(q.len_at(10), 3);
}

#[test]
fn enqueue_front_runs_next() {
    let mut a = VecArena::new(3);
    let mut q = RunQueue::new();
    q.enqueue(&mut a, 0, 5);
    q.enqueue(&mut a, 1, 5);
    q.enqueue_front(&mut a, 2, 5);
    assert_eq!(q.pop_highest(&mut a), Some((2, 5)));
    assert_eq!(q.pop_highest(&mut a), Some((0, 5)));
}

#[test]
fn dequeue_clears_the_level_only_when_empty() {
    let mut a = VecArena::new(4);
    let mut q = RunQueue::new();
    q.enqueue(&mut a, 0, 100);
    q.enqueue(&mut a, 1, 100);
    q.enqueue(&mut a, 2, 7);
    q.dequeue(&mut a, 0, 100);
    assert_eq!(q.highest(), Some((1, 100)));
    q.dequeue(&mut a, 1, 100);
    assert!(!is_linked(&a, 1));
    assert_eq!(q.highest(), Some((2, 7)));
    q.dequeue(&mut a, 2, 7);
    assert!(q.is_empty());
    assert_eq!(q.len_at(7), 0);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "out of range")]
fn out_of_range_priority_is_caught() {
    let mut a = VecArena::new(1);
    RunQueue::new().enqueue(&mut a, 0, 128);
}

#[cfg(not(debug_assertions))]
#[test]
fn out_of_range_priority_is_clamped_in_release() {
    let mut a = VecArena::new(1);
    let mut q = RunQueue::new();
    q.enqueue(&mut a, 0, 255);
    assert_eq!(q.highest(), Some((0, 127)));
    q.dequeue(&mut a, 0, 200);
    assert!(q.is_empty());
}

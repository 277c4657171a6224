//! Ordering (including ties and inserting at the front, middle and back),
//! cancellation and expiry at, before and after the deadline.

use super::*;
use crate::list::tests::VecArena;
use crate::list::{is_linked, Links};

/// Nodes with a deadline stored beside their links, as kernel objects do.
struct Timers {
    links: VecArena,
    due: Vec<u64>,
}

impl ListArena for Timers {
    type Id = usize;
    fn links(&self, id: usize) -> Links<usize> {
        self.links.links(id)
    }
    fn set_links(&mut self, id: usize, l: Links<usize>) {
        self.links.set_links(id, l);
    }
}

fn due(t: &Timers, id: usize) -> u64 {
    t.due[id]
}

/// A queue holding node i due at `deadlines[i]`, inserted in index order.
fn queue(deadlines: &[u64]) -> (Timers, Timeouts<usize>) {
    let mut t = Timers {
        links: VecArena::new(deadlines.len()),
        due: deadlines.to_vec(),
    };
    let mut q = Timeouts::new();
    for (id, &d) in deadlines.iter().enumerate() {
        q.insert(&mut t, id, d, due);
    }
    (t, q)
}

fn drain(t: &mut Timers, q: &mut Timeouts<usize>) -> Vec<usize> {
    core::iter::from_fn(|| q.pop_expired(t, u64::MAX, due)).collect()
}

#[test]
fn empty() {
    let (mut t, mut q) = queue(&[]);
    assert!(q.is_empty());
    assert_eq!(q.earliest(), None);
    assert_eq!(q.pop_expired(&mut t, u64::MAX, due), None);
}

#[test]
fn ascending_whatever_the_insertion_order() {
    let (mut t, mut q) = queue(&[50, 10, 40, 20, 30, 5, 60]);
    assert_eq!(q.len(), 7);
    assert_eq!(q.earliest(), Some(5));
    assert_eq!(drain(&mut t, &mut q), [5, 1, 3, 4, 2, 0, 6]);
    assert!(q.is_empty());
}

#[test]
fn equal_deadlines_keep_insertion_order() {
    let (mut t, mut q) = queue(&[7, 3, 7, 3, 7, 0, u64::MAX]);
    assert_eq!(drain(&mut t, &mut q), [5, 1, 3, 0, 2, 4, 6]);
}

#[test]
fn expiry_is_inclusive_and_stops_at_the_first_pending() {
    let (mut t, mut q) = queue(&[100, 200, 200, 300]);
    assert_eq!(q.pop_expired(&mut t, 99, due), None);
    assert_eq!(q.pop_expired(&mut t, 100, due), Some(0));
    assert!(!is_linked(&t, 0));
    assert_eq!(q.pop_expired(&mut t, 100, due), None);
    let due_by_250: Vec<_> = core::iter::from_fn(|| q.pop_expired(&mut t, 250, due)).collect();
    assert_eq!(due_by_250, [1, 2]);
    assert_eq!(q.earliest(), Some(3));
    assert_eq!(q.len(), 1);
}

#[test]
fn remove_cancels_anywhere() {
    let (mut t, mut q) = queue(&[1, 2, 3, 4]);
    q.remove(&mut t, 2);
    q.remove(&mut t, 0);
    assert!(!is_linked(&t, 0) && !is_linked(&t, 2));
    assert_eq!(q.earliest(), Some(1));
    q.remove(&mut t, 3);
    assert_eq!(drain(&mut t, &mut q), [1]);
}

#[test]
fn rearming_moves_the_entry() {
    let (mut t, mut q) = queue(&[10, 20, 30]);
    q.remove(&mut t, 0);
    t.due[0] = 25;
    q.insert(&mut t, 0, 25, due);
    assert_eq!(q.earliest(), Some(1));
    assert_eq!(drain(&mut t, &mut q), [1, 0, 2]);
}

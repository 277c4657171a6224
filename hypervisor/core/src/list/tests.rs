//! FIFO order, every insertion and removal position, link resets and the
//! release-build tolerance of misuse; also the `Vec` arena other modules'
//! tests build on.

use super::*;

/// Nodes are indices into a `Vec` of links.
pub(crate) struct VecArena(pub Vec<Links<usize>>);

impl VecArena {
    pub fn new(n: usize) -> Self {
        Self(vec![Links::default(); n])
    }

    /// The list front to back, after checking that the back-links, length,
    /// head/tail and `linked` flags all agree with the forward walk.
    pub fn check(&self, list: &List<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut prev = None;
        let mut cur = list.front();
        while let Some(id) = cur {
            let l = self.0[id];
            assert!(l.linked, "node {id} on a list but not linked");
            assert_eq!(l.prev, prev, "back-link of {id}");
            out.push(id);
            assert!(out.len() <= self.0.len(), "cycle");
            prev = Some(id);
            cur = list.next(self, id);
        }
        assert_eq!(list.back(), prev);
        assert_eq!(list.len(), out.len());
        assert_eq!(list.is_empty(), out.is_empty());
        out
    }
}

impl ListArena for VecArena {
    type Id = usize;
    fn links(&self, id: usize) -> Links<usize> {
        self.0[id]
    }
    fn set_links(&mut self, id: usize, l: Links<usize>) {
        self.0[id] = l;
    }
}

fn filled(n: usize) -> (VecArena, List<usize>) {
    let mut a = VecArena::new(n);
    let mut l = List::new();
    for i in 0..n {
        l.push_back(&mut a, i);
    }
    (a, l)
}

#[test]
fn empty_list() {
    let mut a = VecArena::new(1);
    let mut l: List<usize> = List::default();
    assert!(l.is_empty());
    assert_eq!(l.len(), 0);
    assert_eq!(l.front(), None);
    assert_eq!(l.back(), None);
    assert_eq!(l.pop_front(&mut a), None);
    assert!(!is_linked(&a, 0));
}

#[test]
fn push_back_is_fifo() {
    let (mut a, mut l) = filled(5);
    assert_eq!(a.check(&l), [0, 1, 2, 3, 4]);
    for i in 0..5 {
        assert_eq!(l.pop_front(&mut a), Some(i));
        assert!(!is_linked(&a, i));
        assert_eq!(a.0[i], Links::default());
        a.check(&l);
    }
    assert_eq!(l.pop_front(&mut a), None);
}

#[test]
fn push_front_prepends() {
    let mut a = VecArena::new(3);
    let mut l = List::new();
    l.push_front(&mut a, 0);
    assert_eq!(a.check(&l), [0]);
    l.push_front(&mut a, 1);
    l.push_back(&mut a, 2);
    assert_eq!(a.check(&l), [1, 0, 2]);
}

#[test]
fn remove_head_middle_tail_and_only() {
    let (mut a, mut l) = filled(5);
    l.remove(&mut a, 2);
    assert_eq!(a.check(&l), [0, 1, 3, 4]);
    l.remove(&mut a, 0);
    assert_eq!(a.check(&l), [1, 3, 4]);
    l.remove(&mut a, 4);
    assert_eq!(a.check(&l), [1, 3]);
    l.remove(&mut a, 1);
    l.remove(&mut a, 3);
    assert_eq!(a.check(&l), [] as [usize; 0]);
    assert!((0..5).all(|i| a.0[i] == Links::default()));
}

#[test]
fn removed_node_can_be_requeued() {
    let (mut a, mut l) = filled(3);
    l.remove(&mut a, 0);
    l.push_back(&mut a, 0);
    assert_eq!(a.check(&l), [1, 2, 0]);
}

#[test]
fn insert_before_head_and_middle() {
    let mut a = VecArena::new(4);
    let mut l = List::new();
    l.push_back(&mut a, 0);
    l.push_back(&mut a, 1);
    l.insert_before(&mut a, 0, 2);
    assert_eq!(a.check(&l), [2, 0, 1]);
    l.insert_before(&mut a, 1, 3);
    assert_eq!(a.check(&l), [2, 0, 3, 1]);
    assert_eq!(l.prev(&a, 3), Some(0));
    assert_eq!(l.prev(&a, 2), None);
}

#[test]
fn two_lists_share_one_arena() {
    let mut a = VecArena::new(4);
    let (mut x, mut y) = (List::new(), List::new());
    x.push_back(&mut a, 0);
    y.push_back(&mut a, 1);
    x.push_back(&mut a, 2);
    y.push_back(&mut a, 3);
    y.remove(&mut a, 1);
    assert_eq!(a.check(&x), [0, 2]);
    assert_eq!(a.check(&y), [3]);
}

#[test]
fn cursor_walk_while_removing() {
    let (mut a, mut l) = filled(6);
    let mut cur = l.front();
    while let Some(id) = cur {
        cur = l.next(&a, id);
        if id % 2 == 0 {
            l.remove(&mut a, id);
        }
    }
    assert_eq!(a.check(&l), [1, 3, 5]);
}

#[test]
fn large_list() {
    let (mut a, mut l) = filled(10_000);
    assert_eq!(l.len(), 10_000);
    for i in (0..10_000).step_by(3) {
        l.remove(&mut a, i);
    }
    let rest = a.check(&l);
    assert_eq!(rest.len(), 10_000 - 3334);
    assert!(rest.iter().all(|i| i % 3 != 0));
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "already on a list")]
fn double_insert_is_caught() {
    let (mut a, mut l) = filled(1);
    l.push_back(&mut a, 0);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "not here")]
fn removing_unlinked_is_caught() {
    let (mut a, mut l) = filled(2);
    l.remove(&mut a, 0);
    l.remove(&mut a, 0);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "wrong list")]
fn removing_from_wrong_list_is_caught() {
    let mut a = VecArena::new(2);
    let (mut x, mut y) = (List::new(), List::new());
    x.push_back(&mut a, 0);
    y.push_back(&mut a, 1);
    x.remove(&mut a, 1);
}

#[cfg(not(debug_assertions))]
#[test]
fn release_builds_ignore_misuse() {
    let (mut a, mut l) = filled(2);
    l.push_back(&mut a, 0);
    l.push_front(&mut a, 1);
    assert_eq!(a.check(&l), [0, 1]);
    l.remove(&mut a, 0);
    l.remove(&mut a, 0);
    assert_eq!(a.check(&l), [1]);
}

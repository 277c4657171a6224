//! Attachment order, detaching, post-order removal (order, count, reset
//! links), deep chains and wide fans without recursion, selective removal.

use super::*;

struct Arena(Vec<TreeLinks<usize>>);

impl Forest for Arena {
    type Id = usize;
    fn tree_links(&self, id: usize) -> TreeLinks<usize> {
        self.0[id]
    }
    fn set_tree_links(&mut self, id: usize, l: TreeLinks<usize>) {
        self.0[id] = l;
    }
}

impl Arena {
    fn new(n: usize) -> Self {
        Self(vec![TreeLinks::default(); n])
    }

    /// 0 -> 1 -> 2 -> ... -> n-1.
    fn chain(n: usize) -> Self {
        let mut f = Self::new(n);
        for i in 1..n {
            attach(&mut f, i - 1, i);
        }
        f
    }

    fn children(&self, node: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = first_child(self, node);
        while let Some(c) = cur {
            out.push(c);
            cur = next_sibling(self, c);
        }
        out
    }

    /// Every link has its mirror: children point at their parent, sibling
    /// links are symmetric, first children have no previous sibling.
    fn check(&self) {
        for (id, l) in self.0.iter().enumerate() {
            if let Some(c) = l.first_child {
                assert_eq!(self.0[c].parent, Some(id));
                assert_eq!(self.0[c].prev_sibling, None);
            }
            if let Some(n) = l.next_sibling {
                assert_eq!(self.0[n].prev_sibling, Some(id));
                assert_eq!(self.0[n].parent, l.parent);
            }
            if let Some(p) = l.prev_sibling {
                assert_eq!(self.0[p].next_sibling, Some(id));
            }
            if l.parent.is_none() {
                assert!(l.prev_sibling.is_none() && l.next_sibling.is_none());
            }
        }
    }
}

/// Removes the subtree at `node`, returning the nodes in callback order and
/// checking that each was fully reset and unreachable when reported.
fn remove(f: &mut Arena, node: usize) -> Vec<usize> {
    let mut seen = Vec::new();
    remove_subtree(f, node, |f, id| {
        assert_eq!(f.tree_links(id), TreeLinks::default());
        seen.push(id);
    });
    f.check();
    seen
}

#[test]
fn attach_makes_first_child() {
    let mut f = Arena::new(4);
    for c in 1..4 {
        attach(&mut f, 0, c);
    }
    f.check();
    assert_eq!(f.children(0), [3, 2, 1]);
    assert!((1..4).all(|c| parent(&f, c) == Some(0) && depth(&f, c) == 1));
    assert_eq!(parent(&f, 0), None);
    assert_eq!(depth(&f, 0), 0);
}

#[test]
fn ancestry() {
    let f = Arena::chain(4);
    assert!(is_ancestor(&f, 0, 3));
    assert!(is_ancestor(&f, 2, 3));
    assert!(!is_ancestor(&f, 3, 0));
    assert!(!is_ancestor(&f, 3, 3));
    assert_eq!(depth(&f, 3), 3);
}

#[test]
fn detach_first_middle_last_and_root() {
    let mut f = Arena::new(5);
    for c in 1..5 {
        attach(&mut f, 0, c);
    }
    detach(&mut f, 3);
    assert_eq!(f.children(0), [4, 2, 1]);
    detach(&mut f, 4);
    assert_eq!(f.children(0), [2, 1]);
    detach(&mut f, 1);
    assert_eq!(f.children(0), [2]);
    f.check();
    detach(&mut f, 0);
    assert_eq!(f.children(0), [2]);
    assert_eq!(f.0[3], TreeLinks::default());
}

#[test]
fn detached_subtree_can_be_reattached() {
    let mut f = Arena::chain(3);
    f.0.push(TreeLinks::default());
    attach(&mut f, 0, 3);
    detach(&mut f, 1);
    attach(&mut f, 3, 1);
    f.check();
    assert_eq!(depth(&f, 2), 3);
    assert!(is_ancestor(&f, 3, 2));
}

#[test]
fn remove_leaf_keeps_siblings() {
    let mut f = Arena::new(4);
    for c in 1..4 {
        attach(&mut f, 0, c);
    }
    assert_eq!(remove(&mut f, 2), [2]);
    assert_eq!(f.children(0), [3, 1]);
}

#[test]
fn removal_is_post_order() {
    // 0 has children 1 (with 3, 4) and 2 (with 5); 5 has child 6.
    let mut f = Arena::new(7);
    for (p, c) in [(0, 2), (0, 1), (1, 4), (1, 3), (2, 5), (5, 6)] {
        attach(&mut f, p, c);
    }
    assert_eq!(remove(&mut f, 0), [3, 4, 1, 6, 5, 2, 0]);
    assert!(f.0.iter().all(|l| *l == TreeLinks::default()));
}

#[test]
fn removing_inner_node_unlinks_it_from_parent() {
    let mut f = Arena::new(6);
    for (p, c) in [(0, 3), (0, 1), (0, 5), (1, 2), (2, 4)] {
        attach(&mut f, p, c);
    }
    assert_eq!(remove(&mut f, 1), [4, 2, 1]);
    assert_eq!(f.children(0), [5, 3]);
}

#[test]
fn callback_may_use_the_forest() {
    // Rebuilding elsewhere from the callback must not disturb the walk.
    let mut f = Arena::chain(4);
    f.0.push(TreeLinks::default());
    let mut order = Vec::new();
    remove_subtree(&mut f, 1, |f, id| {
        order.push(id);
        attach(f, 4, id);
        detach(f, id);
    });
    assert_eq!(order, [3, 2, 1]);
    assert_eq!(f.children(0), [] as [usize; 0]);
    assert_eq!(f.children(4), [] as [usize; 0]);
}

#[test]
fn deep_chain_is_removed_without_recursion() {
    const N: usize = 100_000;
    let mut f = Arena::chain(N);
    assert_eq!(depth(&f, N - 1), N - 1);
    assert!(is_ancestor(&f, 0, N - 1));
    let mid = remove(&mut f, N / 2);
    assert_eq!(mid, (N / 2..N).rev().collect::<Vec<_>>());
    assert_eq!(first_child(&f, N / 2 - 1), None);
    let rest = remove(&mut f, 0);
    assert_eq!(rest, (0..N / 2).rev().collect::<Vec<_>>());
}

#[test]
fn wide_fan() {
    const N: usize = 100_000;
    let mut f = Arena::new(N);
    for c in 1..N {
        attach(&mut f, 0, c);
    }
    let seen = remove(&mut f, 0);
    let mut expect: Vec<usize> = (1..N).rev().collect();
    expect.push(0);
    assert_eq!(seen, expect);
}

#[test]
fn remove_children_where_is_selective() {
    // Children 1..=4 of 0, each with one grandchild 5..=8.
    let mut f = Arena::new(9);
    for c in 1..=4 {
        attach(&mut f, 0, c);
        attach(&mut f, c, c + 4);
    }
    let mut seen = Vec::new();
    remove_children_where(&mut f, 0, |_, c| c % 2 == 0, |_, id| seen.push(id));
    f.check();
    assert_eq!(seen, [8, 4, 6, 2]);
    assert_eq!(f.children(0), [3, 1]);
    assert_eq!(f.children(1), [5]);
    assert_eq!(f.children(3), [7]);
}

#[test]
fn remove_children_where_all_none_and_childless() {
    let mut f = Arena::new(4);
    for c in 1..4 {
        attach(&mut f, 0, c);
    }
    let mut count = 0;
    remove_children_where(&mut f, 0, |_, _| false, |_, _| count += 1);
    assert_eq!((count, f.children(0).len()), (0, 3));
    remove_children_where(&mut f, 0, |_, _| true, |_, _| count += 1);
    assert_eq!((count, f.children(0).len()), (3, 0));
    remove_children_where(&mut f, 0, |_, _| true, |_, _| count += 1);
    assert_eq!(count, 3);
    assert_eq!(f.0[0], TreeLinks::default());
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "still attached")]
fn attaching_twice_is_caught() {
    let mut f = Arena::chain(3);
    attach(&mut f, 0, 2);
}

#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "cycle")]
fn attaching_an_ancestor_is_caught() {
    let mut f = Arena::chain(3);
    attach(&mut f, 2, 0);
}

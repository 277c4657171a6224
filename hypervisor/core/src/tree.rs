//! Derivation forest of capabilities, for recursive revocation.
//!
//! Every delegated capability remembers the one it was derived from, so
//! revoking a capability must find and remove everything derived from it,
//! transitively. The links (parent, first child, siblings) live in the
//! capability slots and are reached through a [`Forest`], like [`crate::list`]:
//! no heap, raw pointers in the kernel, indices in tests.
//!
//! Walks never recurse. Kernel stacks are a few KiB and delegation chains
//! can be arbitrarily deep, so [`remove_subtree`] threads its post-order
//! traversal through the links themselves and needs O(1) stack.

#![forbid(unsafe_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeLinks<Id> {
    pub parent: Option<Id>,
    pub first_child: Option<Id>,
    pub prev_sibling: Option<Id>,
    pub next_sibling: Option<Id>,
}

// Derived `Default` would demand `Id: Default`, which raw pointers lack.
impl<Id> Default for TreeLinks<Id> {
    fn default() -> Self {
        Self {
            parent: None,
            first_child: None,
            prev_sibling: None,
            next_sibling: None,
        }
    }
}

/// Where the forest finds the [`TreeLinks`] of its nodes.
pub trait Forest {
    type Id: Copy + Eq;
    fn tree_links(&self, id: Self::Id) -> TreeLinks<Self::Id>;
    fn set_tree_links(&mut self, id: Self::Id, l: TreeLinks<Self::Id>);
}

fn edit<F: Forest>(f: &mut F, id: F::Id, change: impl FnOnce(&mut TreeLinks<F::Id>)) {
    let mut l = f.tree_links(id);
    change(&mut l);
    f.set_tree_links(id, l);
}

pub fn parent<F: Forest>(f: &F, node: F::Id) -> Option<F::Id> {
    f.tree_links(node).parent
}

/// The most recently attached child of `node`; walk on with [`next_sibling`].
pub fn first_child<F: Forest>(f: &F, node: F::Id) -> Option<F::Id> {
    f.tree_links(node).first_child
}

pub fn next_sibling<F: Forest>(f: &F, node: F::Id) -> Option<F::Id> {
    f.tree_links(node).next_sibling
}

/// Makes `child` the first child of `parent`. `child` must be detached (no
/// parent, no siblings) and must not be an ancestor of `parent`; it may
/// bring its own subtree along.
pub fn attach<F: Forest>(f: &mut F, parent: F::Id, child: F::Id) {
    let c = f.tree_links(child);
    debug_assert!(child != parent, "attach() a node to itself");
    debug_assert!(
        c.parent.is_none() && c.prev_sibling.is_none() && c.next_sibling.is_none(),
        "attach() a node that is still attached"
    );
    // Only a node with children can be an ancestor, which keeps the check
    // O(1) for the usual fresh leaf.
    debug_assert!(
        c.first_child.is_none() || !is_ancestor(f, child, parent),
        "attach() would make a cycle"
    );
    let old_first = f.tree_links(parent).first_child;
    f.set_tree_links(
        child,
        TreeLinks {
            parent: Some(parent),
            first_child: c.first_child,
            prev_sibling: None,
            next_sibling: old_first,
        },
    );
    if let Some(s) = old_first {
        edit(f, s, |l| l.prev_sibling = Some(child));
    }
    edit(f, parent, |l| l.first_child = Some(child));
}

/// Unlinks `node` from its parent and siblings; its subtree stays under it.
/// A root is left as it is.
pub fn detach<F: Forest>(f: &mut F, node: F::Id) {
    let l = f.tree_links(node);
    match l.prev_sibling {
        Some(p) => edit(f, p, |pl| pl.next_sibling = l.next_sibling),
        None => {
            if let Some(parent) = l.parent {
                edit(f, parent, |pl| pl.first_child = l.next_sibling);
            }
        }
    }
    if let Some(n) = l.next_sibling {
        edit(f, n, |nl| nl.prev_sibling = l.prev_sibling);
    }
    f.set_tree_links(
        node,
        TreeLinks {
            first_child: l.first_child,
            ..TreeLinks::default()
        },
    );
}

/// Removes `node` and all its descendants, calling `on_remove` once per
/// node, children before their parent, siblings in child order. Each node's
/// links are reset before its `on_remove` and never touched afterwards, so
/// the callback may free the node; it must not edit links of nodes still
/// in the subtree.
pub fn remove_subtree<F: Forest>(f: &mut F, node: F::Id, mut on_remove: impl FnMut(&mut F, F::Id)) {
    detach(f, node);
    let mut cur = node;
    loop {
        while let Some(c) = f.tree_links(cur).first_child {
            cur = c;
        }
        // `cur` is a leaf and, having been reached through `first_child`,
        // the first child of its parent.
        let l = f.tree_links(cur);
        let parent = match l.parent {
            Some(p) if cur != node => p,
            _ => {
                debug_assert!(cur == node, "descendant without a parent");
                f.set_tree_links(cur, TreeLinks::default());
                on_remove(f, cur);
                return;
            }
        };
        edit(f, parent, |pl| pl.first_child = l.next_sibling);
        if let Some(n) = l.next_sibling {
            edit(f, n, |nl| nl.prev_sibling = None);
        }
        f.set_tree_links(cur, TreeLinks::default());
        on_remove(f, cur);
        cur = l.next_sibling.unwrap_or(parent);
    }
}

/// Removes the subtree of every direct child of `node` for which `pred`
/// holds (see [`remove_subtree`]); other children and their subtrees stay.
pub fn remove_children_where<F: Forest>(
    f: &mut F,
    node: F::Id,
    mut pred: impl FnMut(&F, F::Id) -> bool,
    mut on_remove: impl FnMut(&mut F, F::Id),
) {
    let mut cur = first_child(f, node);
    while let Some(c) = cur {
        // Read before `c` is possibly removed and its links reset.
        cur = next_sibling(f, c);
        if pred(f, c) {
            remove_subtree(f, c, &mut on_remove);
        }
    }
}

/// The number of ancestors of `node` (0 for a root). O(depth).
pub fn depth<F: Forest>(f: &F, node: F::Id) -> usize {
    let mut n = 0;
    let mut cur = parent(f, node);
    while let Some(p) = cur {
        n += 1;
        cur = parent(f, p);
    }
    n
}

/// Whether `a` is a proper ancestor of `b` (a node is not its own
/// ancestor). O(depth of `b`).
pub fn is_ancestor<F: Forest>(f: &F, a: F::Id, b: F::Id) -> bool {
    let mut cur = parent(f, b);
    while let Some(p) = cur {
        if p == a {
            return true;
        }
        cur = parent(f, p);
    }
    false
}

#[cfg(test)]
mod tests;

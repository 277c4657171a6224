//! Intrusive doubly-linked FIFO list over an arena of nodes.
//!
//! The kernel has no heap, so queues (ready queues, timeouts, IPC waiters)
//! cannot own their elements: the links live inside the kernel objects and a
//! [`List`] only records head, tail and length. Nodes are reached through a
//! [`ListArena`], so the kernel can address them by raw pointer while host
//! tests use indices into a `Vec`. All operations are O(1) except where noted.
//!
//! There is no iterator: walking a list while the arena is borrowed mutably
//! elsewhere (to wake a waiter, say) is the common case, so callers walk with
//! [`List::front`] and [`List::next`] instead.
//!
//! A node carries one set of [`Links`] per arena, so it is on at most one
//! list of that arena at a time; an object that must sit on two lists at
//! once exposes two arenas (two link fields).

#![forbid(unsafe_code)]

/// The per-node part of a list, stored in the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Links<Id> {
    pub prev: Option<Id>,
    pub next: Option<Id>,
    /// Set while the node is on some list, so callers can tell "queued" from
    /// "not queued" without knowing which list.
    pub linked: bool,
}

// Derived `Default` would demand `Id: Default`, which raw pointers lack.
impl<Id> Default for Links<Id> {
    fn default() -> Self {
        Self {
            prev: None,
            next: None,
            linked: false,
        }
    }
}

/// Where a list finds the [`Links`] of its nodes.
pub trait ListArena {
    type Id: Copy + Eq;
    fn links(&self, id: Self::Id) -> Links<Self::Id>;
    fn set_links(&mut self, id: Self::Id, l: Links<Self::Id>);
}

/// Whether `id` is on some list of arena `a`.
pub fn is_linked<A: ListArena>(a: &A, id: A::Id) -> bool {
    a.links(id).linked
}

#[derive(Clone, Copy, Debug)]
pub struct List<Id> {
    head: Option<Id>,
    tail: Option<Id>,
    len: usize,
}

impl<Id> Default for List<Id> {
    fn default() -> Self {
        Self {
            head: None,
            tail: None,
            len: 0,
        }
    }
}

fn set_prev<A: ListArena>(a: &mut A, id: A::Id, prev: Option<A::Id>) {
    let mut l = a.links(id);
    l.prev = prev;
    a.set_links(id, l);
}

fn set_next<A: ListArena>(a: &mut A, id: A::Id, next: Option<A::Id>) {
    let mut l = a.links(id);
    l.next = next;
    a.set_links(id, l);
}

impl<Id: Copy + Eq> List<Id> {
    pub const fn new() -> Self {
        Self {
            head: None,
            tail: None,
            len: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn front(&self) -> Option<Id> {
        self.head
    }

    pub fn back(&self) -> Option<Id> {
        self.tail
    }

    /// The node after `id`, which must be on this list.
    pub fn next<A: ListArena<Id = Id>>(&self, a: &A, id: Id) -> Option<Id> {
        let l = a.links(id);
        debug_assert!(l.linked, "next() of an unlinked node");
        l.next
    }

    /// The node before `id`, which must be on this list.
    pub fn prev<A: ListArena<Id = Id>>(&self, a: &A, id: Id) -> Option<Id> {
        let l = a.links(id);
        debug_assert!(l.linked, "prev() of an unlinked node");
        l.prev
    }

    /// Appends `id`, which must not be on any list. A linked node is left
    /// where it is (release builds), because relinking it would corrupt the
    /// list it is on.
    pub fn push_back<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id) {
        if !Self::claim(a, id) {
            return;
        }
        let l = Links {
            prev: self.tail,
            next: None,
            linked: true,
        };
        a.set_links(id, l);
        match self.tail {
            Some(t) => set_next(a, t, Some(id)),
            None => self.head = Some(id),
        }
        self.tail = Some(id);
        self.len += 1;
    }

    /// Prepends `id`, which must not be on any list (see [`Self::push_back`]).
    pub fn push_front<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id) {
        match self.head {
            Some(h) => self.insert_before(a, h, id),
            None => self.push_back(a, id),
        }
    }

    /// Inserts `id` (not on any list) just before `before` (on this list).
    pub fn insert_before<A: ListArena<Id = Id>>(&mut self, a: &mut A, before: Id, id: Id) {
        let b = a.links(before);
        debug_assert!(b.linked, "insert_before() an unlinked node");
        if !b.linked || !Self::claim(a, id) {
            return;
        }
        a.set_links(
            id,
            Links {
                prev: b.prev,
                next: Some(before),
                linked: true,
            },
        );
        set_prev(a, before, Some(id));
        match b.prev {
            Some(p) => set_next(a, p, Some(id)),
            None => self.head = Some(id),
        }
        self.len += 1;
    }

    pub fn pop_front<A: ListArena<Id = Id>>(&mut self, a: &mut A) -> Option<Id> {
        let id = self.head?;
        self.remove(a, id);
        Some(id)
    }

    /// Unlinks `id`, which must be on this list, and resets its links.
    /// Removing an unlinked node does nothing (release builds).
    pub fn remove<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id) {
        let l = a.links(id);
        debug_assert!(l.linked && self.len > 0, "remove() of a node not here");
        if !l.linked {
            return;
        }
        match l.prev {
            Some(p) => set_next(a, p, l.next),
            None => {
                debug_assert!(self.head == Some(id), "remove() from the wrong list");
                self.head = l.next;
            }
        }
        match l.next {
            Some(n) => set_prev(a, n, l.prev),
            None => {
                debug_assert!(self.tail == Some(id), "remove() from the wrong list");
                self.tail = l.prev;
            }
        }
        a.set_links(id, Links::default());
        self.len = self.len.saturating_sub(1);
    }

    /// Checks the "not yet on a list" precondition of every insertion.
    fn claim<A: ListArena<Id = Id>>(a: &A, id: Id) -> bool {
        let free = !a.links(id).linked;
        debug_assert!(free, "inserting a node that is already on a list");
        free
    }
}

#[cfg(test)]
pub(crate) mod tests;

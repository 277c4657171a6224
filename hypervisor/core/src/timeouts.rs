//! Deadline-ordered queue of pending timeouts, on an intrusive [`List`].
//!
//! The timer interrupt only ever needs the earliest deadline, to reprogram
//! the one-shot timer and to expire what is due, so the list is kept sorted
//! and both are O(1); the cost moves to insertion, which walks the list.
//! Equal deadlines keep insertion order, so timeouts set at the same tick
//! fire in the order they were set.
//!
//! Deadlines live in the queued objects, not here, so every call that
//! compares them takes a `deadline_of` accessor.

#![forbid(unsafe_code)]

use crate::list::{List, ListArena};

#[derive(Clone, Copy, Debug)]
pub struct Timeouts<Id> {
    list: List<Id>,
}

impl<Id: Copy + Eq> Default for Timeouts<Id> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Id: Copy + Eq> Timeouts<Id> {
    pub const fn new() -> Self {
        Self { list: List::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Queues `id` (on no list) due at `deadline`, after every entry due at
    /// or before it. `deadline` is what `deadline_of(a, id)` will report;
    /// it is passed separately so the caller may store it in either order.
    pub fn insert<A: ListArena<Id = Id>>(
        &mut self,
        a: &mut A,
        id: Id,
        deadline: u64,
        deadline_of: impl Fn(&A, Id) -> u64,
    ) {
        let mut cur = self.list.front();
        while let Some(c) = cur {
            if deadline_of(a, c) > deadline {
                self.list.insert_before(a, c, id);
                return;
            }
            cur = self.list.next(a, c);
        }
        self.list.push_back(a, id);
    }

    /// Cancels `id`, which must be queued here.
    pub fn remove<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id) {
        self.list.remove(a, id);
    }

    /// The entry due first (first queued among equals).
    pub fn earliest(&self) -> Option<Id> {
        self.list.front()
    }

    /// Dequeues the earliest entry if it is due at or before `now`; call in
    /// a loop to expire everything due.
    pub fn pop_expired<A: ListArena<Id = Id>>(
        &mut self,
        a: &mut A,
        now: u64,
        deadline_of: impl Fn(&A, Id) -> u64,
    ) -> Option<Id> {
        let first = self.list.front()?;
        if deadline_of(a, first) > now {
            return None;
        }
        self.list.pop_front(a)
    }
}

#[cfg(test)]
mod tests;

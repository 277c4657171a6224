//! Per-CPU ready queue: strict priorities, round robin within a priority.
//!
//! The scheduler must find the best runnable context in O(1) however many
//! are ready, so each priority has its own FIFO [`List`] and a bitmap marks
//! the non-empty ones; the highest set bit names the level to run. Round
//! robin falls out of taking from the front and requeueing at the back.

#![forbid(unsafe_code)]

use crate::list::{List, ListArena};

pub const PRIORITIES: usize = 128;

/// Priority `PRIORITIES - 1` runs first.
#[derive(Clone, Copy, Debug)]
pub struct RunQueue<Id> {
    lists: [List<Id>; PRIORITIES],
    /// Bit `p % 64` of word `p / 64` is set while level `p` is non-empty.
    bitmap: [u64; PRIORITIES / 64],
}

impl<Id: Copy + Eq> Default for RunQueue<Id> {
    fn default() -> Self {
        Self::new()
    }
}

/// The level of `prio`. The kernel validates priorities before they get
/// here; should one slip through, a release build clamps it rather than
/// indexing out of bounds.
fn level(prio: u8) -> usize {
    debug_assert!(
        usize::from(prio) < PRIORITIES,
        "priority {prio} out of range"
    );
    usize::from(prio).min(PRIORITIES - 1)
}

impl<Id: Copy + Eq> RunQueue<Id> {
    pub const fn new() -> Self {
        Self {
            lists: [const { List::new() }; PRIORITIES],
            bitmap: [0; PRIORITIES / 64],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bitmap.iter().all(|&w| w == 0)
    }

    /// Queues `id` (on no list) behind the others of priority `prio`.
    pub fn enqueue<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id, prio: u8) {
        let p = level(prio);
        self.lists[p].push_back(a, id);
        self.sync(p);
    }

    /// Queues `id` (on no list) ahead of the others of priority `prio`, for
    /// a context preempted before its time slice ran out.
    pub fn enqueue_front<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id, prio: u8) {
        let p = level(prio);
        self.lists[p].push_front(a, id);
        self.sync(p);
    }

    /// Takes `id` off the queue; it must be queued here at `prio`.
    pub fn dequeue<A: ListArena<Id = Id>>(&mut self, a: &mut A, id: Id, prio: u8) {
        let p = level(prio);
        self.lists[p].remove(a, id);
        self.sync(p);
    }

    /// The context that would run next, and its priority.
    pub fn highest(&self) -> Option<(Id, u8)> {
        let p = self.top()?;
        Some((self.lists[p].front()?, p as u8))
    }

    pub fn pop_highest<A: ListArena<Id = Id>>(&mut self, a: &mut A) -> Option<(Id, u8)> {
        let p = self.top()?;
        let id = self.lists[p].pop_front(a)?;
        self.sync(p);
        Some((id, p as u8))
    }

    /// Number of contexts queued at `prio`.
    pub fn len_at(&self, prio: u8) -> usize {
        self.lists[level(prio)].len()
    }

    fn top(&self) -> Option<usize> {
        let (w, &bits) = self
            .bitmap
            .iter()
            .enumerate()
            .rev()
            .find(|(_, &b)| b != 0)?;
        Some(w * 64 + 63 - bits.leading_zeros() as usize)
    }

    /// Makes bit `p` say whether level `p` has anything. Recomputed rather
    /// than set, because a release build's list may refuse a misused node.
    fn sync(&mut self, p: usize) {
        let bit = 1u64 << (p % 64);
        if self.lists[p].is_empty() {
            self.bitmap[p / 64] &= !bit;
        } else {
            self.bitmap[p / 64] |= bit;
        }
    }
}

#[cfg(test)]
mod tests;

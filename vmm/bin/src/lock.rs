//! The lock around the platform. Not a spin lock: the timer thread runs
//! above the vCPU handlers, often on the same CPU, and spinning there on a
//! lock a preempted handler holds would never end. Uncontended, it is one
//! atomic exchange; contended, the waiter blocks on a semaphore (three
//! states, as in Drepper's "Futexes Are Tricky").

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

use user_rt::sys::Sm;

const FREE: u32 = 0;
const LOCKED: u32 = 1;
/// Locked, and someone may be blocked on the semaphore.
const CONTENDED: u32 = 2;

pub struct Lock<T> {
    state: AtomicU32,
    sm: Sm,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached through a guard, and at most one guard
// exists at a time (the state machine below).
unsafe impl<T: Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// A lock around `data`, blocking on `sm` (count 0, ours alone).
    pub fn new(data: T, sm: Sm) -> Self {
        Self {
            state: AtomicU32::new(FREE),
            sm,
            data: UnsafeCell::new(data),
        }
    }

    pub fn lock(&self) -> Guard<'_, T> {
        if self
            .state
            .compare_exchange(FREE, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            while self.state.swap(CONTENDED, Ordering::Acquire) != FREE {
                // A failed down (never expected) only makes this spin.
                let _ = self.sm.down();
            }
        }
        Guard { lock: self }
    }
}

pub struct Guard<'a, T> {
    lock: &'a Lock<T>,
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only one (see `Lock::lock`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and the guard is borrowed mutably.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        if self.lock.state.swap(FREE, Ordering::Release) == CONTENDED {
            let _ = self.lock.sm.up();
        }
    }
}

//! The big kernel lock. The kernel is short-running and non-preemptible;
//! one lock taken on every entry from user mode (and by an idle CPU woken by
//! an interrupt) and released on the way out keeps every kernel object
//! consistent across CPUs without fine-grained locking.
//!
//! A CPU spinning here still answers TLB-shootdown requests, because the
//! holder may be waiting for exactly that (`arch::tlb`).

use core::sync::atomic::{AtomicBool, Ordering};

static LOCKED: AtomicBool = AtomicBool::new(false);

pub fn acquire() {
    while LOCKED
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        crate::arch::tlb::service();
        core::hint::spin_loop();
    }
}

pub fn release() {
    LOCKED.store(false, Ordering::Release);
}

//! The timer thread (the VMM's first EC): sleeps on a semaphore until the
//! platform's next deadline, lets the devices catch up, and wakes or
//! recalls the vCPUs that now have an interrupt. Handlers wake it early
//! when a guest moves a deadline up, and when the guest stops.

use core::sync::atomic::Ordering;

use crate::shared::Vmm;

/// The shortest sleep: a guest that programs a timer for every few
/// nanoseconds gets ticks at this spacing, not a VMM that never sleeps.
const MIN_GAP_NS: u64 = 20_000;

/// Runs until the guest stops.
pub fn run(v: &Vmm) {
    while !v.stopped.load(Ordering::Acquire) {
        // Until the new deadline is known, every handler that moves one
        // wakes us (at worst once too often).
        v.armed.store(u64::MAX, Ordering::Release);
        let now = v.clock.now();
        let (deadline, kicks) = {
            let mut p = v.platform.lock();
            p.tick(now);
            (p.deadline(), p.take_kicks())
        };
        v.wake(kicks, None);
        let wait = deadline.map(|d| d.max(now.ns + MIN_GAP_NS));
        v.armed.store(wait.unwrap_or(u64::MAX), Ordering::Release);
        // 0 waits without a deadline.
        let _ = v.timer.down_until(wait.map_or(0, |ns| v.clock.tsc_at(ns)));
    }
}

//! The guest's clock: the host TSC (guests run with a TSC offset of 0), and
//! nanoseconds since the VMM started, at the TSC rate the hypervisor
//! measured.

use vmm::time::{Time, TscRate};

pub struct Clock {
    start: u64,
    pub rate: TscRate,
}

pub fn rdtsc() -> u64 {
    // SAFETY: reads the time-stamp counter, which ring 3 may.
    unsafe { core::arch::x86_64::_rdtsc() }
}

impl Clock {
    pub fn new(tsc_khz: u64) -> Self {
        Self {
            start: rdtsc(),
            rate: TscRate::new(tsc_khz),
        }
    }

    pub fn now(&self) -> Time {
        let tsc = rdtsc();
        Time {
            ns: self.rate.ticks_to_ns(tsc.wrapping_sub(self.start)),
            tsc,
        }
    }

    /// The host TSC at guest time `ns`.
    pub fn tsc_at(&self, ns: u64) -> u64 {
        self.start.saturating_add(self.rate.ns_to_ticks(ns))
    }
}

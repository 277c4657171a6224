//! The local APIC timer: one-shot, periodic and TSC-deadline modes.
//!
//! The counter runs at [`BUS_HZ`] divided by the divide configuration
//! register (bits 0, 1 and 3 encode 2, 4, …, 128 and, for 0b1011, 1). The
//! count is never stepped: the timer remembers when it last (re)loaded and
//! with which count, and derives the current count and the next expiry from
//! the time, so its deadlines are exact to the nanosecond whenever the
//! period is a whole number of nanoseconds.
//!
//! - One-shot: the count runs to zero once and stops at zero.
//! - Periodic: at zero the count reloads from the initial count at the
//!   expiry instant itself, so periods do not drift with the platform's
//!   tick latency. Periods the platform missed entirely (it ticked late)
//!   coalesce into one interrupt: the IRR holds one bit per vector anyway.
//! - TSC-deadline: IA32_TSC_DEADLINE holds an absolute TSC value; the timer
//!   fires once when the guest's TSC reaches it and then reads 0. Writes of
//!   the initial count are ignored and the current count reads 0.
//!
//! As the SDM says, a write of the LVT timer entry that changes the mode
//! disarms the timer, writing an initial count of 0 stops it, and
//! IA32_TSC_DEADLINE writes outside TSC-deadline mode are ignored (and it
//! reads 0 there). The reserved mode 3 behaves as one-shot.

use crate::time::{scale, Time, TscRate};

/// The APIC timer's input clock. A guest measures it against another clock
/// (the PIT, the TSC) or takes it from CPUID leaf 0x15/0x16 where offered;
/// 1 GHz is what QEMU and KVM present, and makes one bus tick one
/// nanosecond, so periods are exact.
pub const BUS_HZ: u64 = 1_000_000_000;

const NS_PER_S: u64 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    OneShot,
    Periodic,
    TscDeadline,
}

impl Mode {
    /// The mode the LVT timer entry selects (bits 17–18).
    pub fn of_lvt(lvt: u32) -> Self {
        match (lvt >> 17) & 3 {
            1 => Self::Periodic,
            2 => Self::TscDeadline,
            _ => Self::OneShot,
        }
    }
}

/// A count being run down: `count` at instant `start` (ns).
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    count: u64,
}

#[derive(Clone, Debug)]
pub struct Timer {
    rate: TscRate,
    mode: Mode,
    dcr: u32,
    initial: u32,
    run: Option<Run>,
    /// IA32_TSC_DEADLINE; 0 when disarmed.
    tsc_deadline: u64,
    /// The first nanosecond at which the guest's TSC has reached
    /// `tsc_deadline`.
    deadline_ns: u64,
}

impl Timer {
    pub fn new(rate: TscRate) -> Self {
        Self {
            rate,
            mode: Mode::OneShot,
            dcr: 0,
            initial: 0,
            run: None,
            tsc_deadline: 0,
            deadline_ns: 0,
        }
    }

    /// Back to the reset state: stopped, divide by 2, counts 0.
    pub fn reset(&mut self) {
        *self = Self::new(self.rate);
    }

    /// The divisor the DCR encodes.
    pub fn divisor(&self) -> u64 {
        let code = (self.dcr & 3) | ((self.dcr >> 1) & 4);
        1 << ((code + 1) & 7)
    }

    pub fn dcr(&self) -> u32 {
        self.dcr
    }

    pub fn initial(&self) -> u32 {
        self.initial
    }

    /// Nanoseconds for `count` counter decrements.
    fn count_ns(&self, count: u64) -> u64 {
        scale(count.saturating_mul(self.divisor()), BUS_HZ, NS_PER_S)
    }

    /// Whole counter decrements since `start`.
    fn counted(&self, start: u64, now: u64) -> u64 {
        scale(now.saturating_sub(start), NS_PER_S, BUS_HZ) / self.divisor()
    }

    /// The LVT timer entry now selects `mode`; a change disarms the timer.
    pub fn set_mode(&mut self, mode: Mode) {
        if mode != self.mode {
            self.mode = mode;
            self.run = None;
            self.tsc_deadline = 0;
        }
    }

    pub fn write_dcr(&mut self, now: u64, value: u32) {
        // The count keeps going from where it is, at the new rate.
        let current = self.current(now);
        self.dcr = value;
        if let Some(run) = &mut self.run {
            *run = Run {
                start: now,
                count: u64::from(current),
            };
        }
    }

    pub fn write_initial(&mut self, now: u64, value: u32) {
        if self.mode == Mode::TscDeadline {
            return;
        }
        self.initial = value;
        self.run = (value != 0).then_some(Run {
            start: now,
            count: u64::from(value),
        });
    }

    pub fn current(&self, now: u64) -> u32 {
        let Some(run) = self.run else { return 0 };
        let done = self.counted(run.start, now);
        let left = match self.mode {
            Mode::TscDeadline => 0,
            Mode::OneShot => run.count.saturating_sub(done),
            Mode::Periodic if done < run.count => run.count - done,
            Mode::Periodic => {
                let initial = u64::from(self.initial).max(1);
                initial - (done - run.count) % initial
            }
        };
        left as u32
    }

    pub fn read_tsc_deadline(&self) -> u64 {
        if self.mode == Mode::TscDeadline {
            self.tsc_deadline
        } else {
            0
        }
    }

    pub fn write_tsc_deadline(&mut self, now: Time, tsc: u64) {
        if self.mode != Mode::TscDeadline {
            return;
        }
        self.tsc_deadline = tsc;
        // What `TscRate::at_tsc` computes, but saturating (a guest may write
        // u64::MAX) and rounded up, so that at `deadline_ns` the TSC has
        // really reached the deadline.
        let ticks = tsc.saturating_sub(now.tsc);
        let mut wait = self.rate.ticks_to_ns(ticks);
        if self.rate.ns_to_ticks(wait) < ticks {
            wait = wait.saturating_add(1);
        }
        self.deadline_ns = now.ns.saturating_add(wait);
    }

    /// When the timer next reaches zero or its deadline (ns).
    pub fn deadline(&self) -> Option<u64> {
        match self.mode {
            Mode::TscDeadline => (self.tsc_deadline != 0).then_some(self.deadline_ns),
            _ => self
                .run
                .map(|r| r.start.saturating_add(self.count_ns(r.count))),
        }
    }

    /// Catches up with `now`; true if the timer fired (once, however many
    /// periods passed).
    pub fn expire(&mut self, now: Time) -> bool {
        if self.mode == Mode::TscDeadline {
            let due = now.tsc >= self.tsc_deadline || now.ns >= self.deadline_ns;
            if self.tsc_deadline == 0 || !due {
                return false;
            }
            self.tsc_deadline = 0;
            return true;
        }
        let Some(at) = self.deadline() else {
            return false;
        };
        if now.ns < at {
            return false;
        }
        self.run = match self.mode {
            Mode::Periodic if self.initial != 0 => {
                // A period is at least one nanosecond so that a guest
                // cannot make the platform spin.
                let period = self.count_ns(u64::from(self.initial)).max(1);
                let missed = (now.ns - at) / period;
                Some(Run {
                    start: at.saturating_add(missed.saturating_mul(period)),
                    count: u64::from(self.initial),
                })
            }
            _ => None,
        };
        true
    }
}

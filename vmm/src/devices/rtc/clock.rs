//! The RTC's time base: a 32.768 kHz divider chain and the time-of-day
//! counter it updates once per second.
//!
//! Both are derived from the guest clock instead of being stepped: the RTC
//! time in nanoseconds since the Unix epoch is `guest ns + offset`. The
//! divider's phase is the sub-second part of that sum, so periodic
//! interrupts, update cycles and the UIP window all line up with the second
//! boundaries the guest sees in the time registers. Changing the time or
//! restarting the divider only changes `offset`.

use super::calendar::{self, Format, TimeRegs};

pub const NS_PER_SEC: i128 = 1_000_000_000;

/// The crystal the divider chain counts.
pub const DIVIDER_HZ: i128 = 32_768;

/// How long before an update UIP reads as set: 8 divider ticks, which is
/// what the datasheet promises as the minimum time from UIP rising to the
/// update (244 µs), rounded up to whole nanoseconds.
pub const UIP_NS: i128 = 244_141;

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// RTC nanoseconds since the epoch minus guest nanoseconds.
    offset: i128,
    /// Days the weekday register runs ahead of the date's true weekday.
    wday_adjust: u8,
}

fn ceil_div(a: i128, b: i128) -> i128 {
    -(-a).div_euclid(b)
}

impl Clock {
    /// A clock showing `epoch_secs` at guest time 0.
    pub fn new(epoch_secs: i64) -> Self {
        Self {
            offset: i128::from(epoch_secs) * NS_PER_SEC,
            wday_adjust: 0,
        }
    }

    pub fn rtc_ns(&self, now: u64) -> i128 {
        i128::from(now) + self.offset
    }

    /// Whole seconds since the epoch at guest time `now`.
    pub fn secs(&self, now: u64) -> i64 {
        // In range: offsets come from i64 seconds, `now` from a u64.
        self.rtc_ns(now).div_euclid(NS_PER_SEC) as i64
    }

    /// Nanoseconds into the current second.
    pub fn phase(&self, now: u64) -> i128 {
        self.rtc_ns(now).rem_euclid(NS_PER_SEC)
    }

    /// The guest time at which the RTC reads `rtc_ns`, clamped to the guest
    /// clock's range.
    fn guest_ns(&self, rtc_ns: i128) -> u64 {
        (rtc_ns - self.offset).clamp(0, i128::from(u64::MAX)) as u64
    }

    pub fn regs(&self, now: u64, f: Format) -> TimeRegs {
        calendar::to_regs(self.secs(now), self.wday_adjust, f)
    }

    /// Makes the clock show `regs` at `now`, `phase` nanoseconds into that
    /// second.
    pub fn set(&mut self, now: u64, regs: &TimeRegs, f: Format, phase: i128) {
        let (secs, adjust) = calendar::from_regs(regs, f);
        self.offset = i128::from(secs) * NS_PER_SEC + phase - i128::from(now);
        self.wday_adjust = adjust;
    }

    /// Moves the divider's phase so that the next second boundary lies
    /// `until_next` nanoseconds after `now`, keeping the current second.
    pub fn rephase(&mut self, now: u64, until_next: i128) {
        let start = i128::from(self.secs(now)) * NS_PER_SEC;
        self.offset = start + NS_PER_SEC - until_next - i128::from(now);
    }

    /// Whether a second boundary lies in `(a, b]`.
    pub fn second_passed(&self, a: u64, b: u64) -> bool {
        self.secs(b) > self.secs(a)
    }

    /// The guest time of the first second boundary after `a`.
    pub fn next_second(&self, a: u64) -> u64 {
        self.guest_ns((i128::from(self.secs(a)) + 1) * NS_PER_SEC)
    }

    /// The guest time at which the RTC reaches second `secs`.
    pub fn at_second(&self, secs: i64) -> u64 {
        self.guest_ns(i128::from(secs) * NS_PER_SEC)
    }

    /// Divider ticks since the epoch at `now`.
    fn ticks(&self, now: u64) -> i128 {
        (self.rtc_ns(now) * DIVIDER_HZ).div_euclid(NS_PER_SEC)
    }

    /// Whether the divider tap of `period` ticks had an edge in `(a, b]`.
    pub fn edge_passed(&self, a: u64, b: u64, period: u32) -> bool {
        let p = i128::from(period.max(1));
        self.ticks(b).div_euclid(p) > self.ticks(a).div_euclid(p)
    }

    /// The guest time of the first edge of that tap after `a`.
    pub fn next_edge(&self, a: u64, period: u32) -> u64 {
        let p = i128::from(period.max(1));
        let tick = (self.ticks(a).div_euclid(p) + 1) * p;
        self.guest_ns(ceil_div(tick * NS_PER_SEC, DIVIDER_HZ))
    }
}

/// The periodic interrupt's period in divider ticks for register A's rate
/// select bits, or `None` for rate 0 (off). With the 32.768 kHz time base
/// rates 1 and 2 do not continue the series (they would be faster than the
/// divider's first taps) but repeat rates 8 and 9: 256 Hz and 128 Hz.
pub fn period_ticks(rate: u8) -> Option<u32> {
    match rate & 0x0f {
        0 => None,
        1 => Some(128),
        2 => Some(256),
        r => Some(1 << (r - 1)),
    }
}

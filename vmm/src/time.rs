//! The guest's clock.
//!
//! Device models take the time as an argument instead of reading a clock, so
//! tests can step it. A [`Time`] carries both units a guest can observe:
//! nanoseconds since the VM started (what the PIT, RTC and PM timer count)
//! and the guest's TSC (what the LAPIC's TSC-deadline mode compares against).

/// One instant of the guest's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    /// Nanoseconds since the VM started.
    pub ns: u64,
    /// The guest's time-stamp counter at that instant.
    pub tsc: u64,
}

/// Conversions between TSC ticks and nanoseconds at a fixed TSC rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TscRate {
    /// TSC ticks per millisecond (never 0).
    pub khz: u64,
}

impl TscRate {
    /// A rate of `khz` ticks per millisecond; 0 is taken as 1 so that no
    /// conversion divides by zero.
    pub const fn new(khz: u64) -> Self {
        Self {
            khz: if khz == 0 { 1 } else { khz },
        }
    }

    /// Nanoseconds for `ticks` TSC ticks, rounded down, saturating.
    pub fn ticks_to_ns(self, ticks: u64) -> u64 {
        let ns = ticks as u128 * 1_000_000 / self.khz as u128;
        ns.min(u64::MAX as u128) as u64
    }

    /// TSC ticks for `ns` nanoseconds, rounded down, saturating.
    pub fn ns_to_ticks(self, ns: u64) -> u64 {
        let t = ns as u128 * self.khz as u128 / 1_000_000;
        t.min(u64::MAX as u128) as u64
    }

    /// The instant `tsc` reaches, seen from `now` (never before `now`).
    pub fn at_tsc(self, now: Time, tsc: u64) -> u64 {
        now.ns
            .saturating_add(self.ticks_to_ns(tsc.saturating_sub(now.tsc)))
    }
}

/// Scales `count` ticks of a clock of `from_hz` to a clock of `to_hz`,
/// rounding down and saturating: the one conversion every counting device
/// (PIT, PM timer, LAPIC timer) needs.
pub fn scale(count: u64, from_hz: u64, to_hz: u64) -> u64 {
    if from_hz == 0 {
        return u64::MAX;
    }
    let v = count as u128 * to_hz as u128 / from_hz as u128;
    v.min(u64::MAX as u128) as u64
}

/// The earlier of two optional deadlines.
pub fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsc_conversions_round_down_and_saturate() {
        let r = TscRate::new(2_000_000); // 2 GHz
        assert_eq!(r.ticks_to_ns(2_000), 1_000);
        assert_eq!(r.ns_to_ticks(1_000), 2_000);
        assert_eq!(r.ticks_to_ns(3), 1);
        assert_eq!(TscRate::new(1).ns_to_ticks(u64::MAX), u64::MAX / 1_000_000);
        assert_eq!(TscRate::new(0).khz, 1);
    }

    #[test]
    fn at_tsc_never_lies_in_the_past() {
        let r = TscRate::new(1_000_000); // 1 tick per ns
        let now = Time {
            ns: 500,
            tsc: 10_000,
        };
        assert_eq!(r.at_tsc(now, 10_250), 750);
        assert_eq!(r.at_tsc(now, 9_000), 500);
    }

    #[test]
    fn scale_converts_between_clocks() {
        assert_eq!(scale(1_193_182, 1_193_182, 1_000_000_000), 1_000_000_000);
        assert_eq!(scale(1_000_000_000, 1_000_000_000, 3_579_545), 3_579_545);
        assert_eq!(scale(5, 0, 10), u64::MAX);
        assert_eq!(earliest(Some(3), Some(2)), Some(2));
        assert_eq!(earliest(None, Some(2)), Some(2));
        assert_eq!(earliest(None, None), None);
    }
}

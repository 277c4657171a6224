//! One counting sequence of an 8254 counter as a function of time.
//!
//! Nothing counts per tick: a [`Run`] remembers when its sequence started
//! and every observable (the counter value, OUT, how many rising edges OUT
//! made) is computed from the clocks elapsed since. The waveforms are the
//! datasheet's, with the count loaded at the instant it is written (the
//! chip loads it on the next input clock, 838 ns later; no guest can tell
//! the difference through an exit).

use crate::time::scale;

/// The PIT's input clock.
pub const HZ: u64 = 1_193_182;

const NS_PER_S: u64 = 1_000_000_000;

/// Whole input clocks in `ns` nanoseconds (rounded down).
fn clocks_in(ns: u64) -> u64 {
    scale(ns, NS_PER_S, HZ)
}

/// The nanoseconds until `clocks` input clocks have passed, rounded up:
/// at that instant [`clocks_in`] has reached `clocks`, one ns earlier not.
pub fn ns_for(clocks: u64) -> u64 {
    let ns = (u128::from(clocks) * u128::from(NS_PER_S)).div_ceil(u128::from(HZ));
    ns.min(u128::from(u64::MAX)) as u64
}

/// The counter's modes; 6 and 7 are 2 and 3 again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 0: interrupt on terminal count.
    TerminalCount,
    /// 1: hardware-retriggerable one-shot.
    OneShot,
    /// 2: rate generator.
    Rate,
    /// 3: square wave.
    Square,
    /// 4: software-triggered strobe.
    SoftStrobe,
    /// 5: hardware-triggered strobe.
    HardStrobe,
}

impl Mode {
    pub fn from_bits(m: u8) -> Self {
        match m & 7 {
            0 => Self::TerminalCount,
            1 => Self::OneShot,
            2 | 6 => Self::Rate,
            3 | 7 => Self::Square,
            4 => Self::SoftStrobe,
            _ => Self::HardStrobe,
        }
    }

    /// Modes 2 and 3 repeat; the gate stops them and forces OUT high.
    pub fn periodic(self) -> bool {
        matches!(self, Self::Rate | Self::Square)
    }

    /// Modes 1 and 5 start on a rising gate, not on the count write.
    pub fn gate_triggered(self) -> bool {
        matches!(self, Self::OneShot | Self::HardStrobe)
    }
}

/// A counting sequence: started with count `n`, counting while the gate
/// lets it.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    mode: Mode,
    /// The count loaded (1 to 65536, or to 10000 in BCD). A count of 1,
    /// illegal in modes 2 and 3, counts as 2 there.
    n: u64,
    /// Clocks counted before `since`.
    base: u64,
    /// Counting since this instant; `None` while the gate holds it.
    since: Option<u64>,
}

impl Run {
    pub fn new(mode: Mode, n: u64, now: u64, counting: bool) -> Self {
        let n = if mode.periodic() { n.max(2) } else { n.max(1) };
        Self {
            mode,
            n,
            base: 0,
            since: counting.then_some(now),
        }
    }

    /// Clocks counted by `now`.
    pub fn elapsed(&self, now: u64) -> u64 {
        let running = self.since.map_or(0, |s| clocks_in(now.saturating_sub(s)));
        self.base.saturating_add(running)
    }

    /// The gate closed (modes 0, 2, 3, 4): the count holds.
    pub fn pause(&mut self, now: u64) {
        self.base = self.elapsed(now);
        self.since = None;
    }

    /// The gate opened again (modes 0 and 4): counting resumes.
    pub fn resume(&mut self, now: u64) {
        if self.since.is_none() {
            self.since = Some(now);
        }
    }

    /// The counting element, in binary, modulo `modulus` (65536 or 10000):
    /// the one-shot modes keep counting down through 0 after terminal
    /// count; mode 2 reloads after 1; mode 3 counts down by two in each
    /// half period (high for ⌈n/2⌉ clocks, low for ⌊n/2⌋).
    pub fn value(&self, now: u64, modulus: u64) -> u64 {
        let e = self.elapsed(now);
        let n = self.n;
        let v = match self.mode {
            Mode::Rate => n - e % n,
            Mode::Square => {
                let p = e % n;
                let high = n.div_ceil(2);
                n - 2 * if p < high { p } else { p - high }
            }
            _ => n + modulus - e % modulus,
        };
        v % modulus
    }

    /// OUT while this sequence runs (a closed gate in modes 2 and 3 is the
    /// channel's business).
    pub fn out(&self, now: u64) -> bool {
        let e = self.elapsed(now);
        let n = self.n;
        match self.mode {
            Mode::TerminalCount | Mode::OneShot => e >= n,
            Mode::Rate => e % n != n - 1,
            Mode::Square => e % n < n.div_ceil(2),
            Mode::SoftStrobe | Mode::HardStrobe => e != n,
        }
    }

    /// How many rising edges OUT made by `now`.
    pub fn edges(&self, now: u64) -> u64 {
        let e = self.elapsed(now);
        match self.mode {
            Mode::TerminalCount | Mode::OneShot => u64::from(e >= self.n),
            Mode::Rate | Mode::Square => e / self.n,
            Mode::SoftStrobe | Mode::HardStrobe => u64::from(e > self.n),
        }
    }

    /// When OUT makes its `k`-th rising edge (k ≥ 1), in ns; `None` if it
    /// never will (one-shot modes after their edge, a closed gate).
    pub fn edge_at(&self, k: u64) -> Option<u64> {
        let since = self.since?;
        let clocks = match self.mode {
            Mode::TerminalCount | Mode::OneShot if k == 1 => self.n,
            Mode::SoftStrobe | Mode::HardStrobe if k == 1 => self.n + 1,
            Mode::Rate | Mode::Square => k.checked_mul(self.n)?,
            _ => return None,
        };
        Some(since.saturating_add(ns_for(clocks.saturating_sub(self.base))))
    }
}

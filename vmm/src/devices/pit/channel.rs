//! One 8254 counter as the guest programs it: control word, count
//! register writes through the access mode's byte order, count and status
//! latches, the gate input; [`Run`] does the counting.
//!
//! BCD is modelled: a BCD count is decoded on write, counted modulo 10000
//! and encoded again on read. Digits above 9 are taken at face value
//! (the datasheet leaves them undefined).

use super::counter::{Mode, Run};

/// The access mode field (RW bits of the control word).
const LSB: u8 = 1;
const MSB: u8 = 2;
const LSB_MSB: u8 = 3;

/// One counter of the 8254.
#[derive(Clone, Debug)]
pub struct Channel {
    /// M2..M0 as written (the status byte reads them back unaliased).
    mode_bits: u8,
    /// LSB, MSB or LSB_MSB.
    access: u8,
    bcd: bool,
    /// The count register, decoded: 1 to 65536 (10000 in BCD).
    count: u64,
    /// A count was written since the control word.
    armed: bool,
    run: Option<Run>,
    /// What the counter reads and OUT shows while no sequence runs.
    held_value: u64,
    held_out: bool,
    gate: bool,
    /// The count register holds a count not yet in the counting element.
    null_count: bool,
    /// Second byte of an LSB-then-MSB write expected, after this LSB.
    pending_lsb: Option<u8>,
    /// The next LSB-then-MSB read returns the MSB.
    read_msb: bool,
    latched: Option<u16>,
    status: Option<u8>,
    /// Rising edges of OUT of the current sequence already signalled.
    fired: u64,
}

impl Channel {
    /// As if the control word for mode 3, LSB then MSB, binary had been
    /// written with no count yet: OUT high, nothing counting.
    pub const fn new(gate: bool) -> Self {
        Self {
            mode_bits: 3,
            access: LSB_MSB,
            bcd: false,
            count: 0x1_0000,
            armed: false,
            run: None,
            held_value: 0,
            held_out: true,
            gate,
            null_count: true,
            pending_lsb: None,
            read_msb: false,
            latched: None,
            status: None,
            fired: 0,
        }
    }

    fn mode(&self) -> Mode {
        Mode::from_bits(self.mode_bits)
    }

    fn modulus(&self) -> u64 {
        if self.bcd {
            10_000
        } else {
            0x1_0000
        }
    }

    /// The counting element in binary.
    fn value(&self, now: u64) -> u64 {
        self.run
            .map_or(self.held_value, |r| r.value(now, self.modulus()))
    }

    /// The counting element as the guest reads it (BCD-encoded in BCD).
    fn reading(&self, now: u64) -> u16 {
        let v = self.value(now);
        if !self.bcd {
            return v as u16;
        }
        let digits = [1, 10, 100, 1000].map(|d| (v / d % 10) as u16);
        digits.iter().rev().fold(0, |acc, &d| acc << 4 | d)
    }

    pub fn out(&self, now: u64) -> bool {
        if self.mode().periodic() && !self.gate {
            return true;
        }
        self.run.map_or(self.held_out, |r| r.out(now))
    }

    /// Control word with RW ≠ 0: the counter stops, OUT takes its mode's
    /// initial level, latches and byte order start afresh.
    pub fn program(&mut self, now: u64, mode_bits: u8, access: u8, bcd: bool) {
        self.held_value = self.value(now);
        self.mode_bits = mode_bits & 7;
        self.access = access & 3;
        self.bcd = bcd;
        self.held_out = self.mode() != Mode::TerminalCount;
        self.run = None;
        self.armed = false;
        self.null_count = true;
        self.pending_lsb = None;
        self.read_msb = false;
        self.latched = None;
        self.status = None;
    }

    /// Counter latch command (and read-back's count latch): a latch not
    /// read yet stays.
    pub fn latch_count(&mut self, now: u64) {
        if self.latched.is_none() {
            self.latched = Some(self.reading(now));
        }
    }

    /// Read-back's status latch: OUT, null count, RW, mode, BCD.
    pub fn latch_status(&mut self, now: u64) {
        if self.status.is_none() {
            self.status = Some(
                u8::from(self.out(now)) << 7
                    | u8::from(self.null_count) << 6
                    | self.access << 4
                    | self.mode_bits << 1
                    | u8::from(self.bcd),
            );
        }
    }

    pub fn write(&mut self, now: u64, v: u8) {
        match self.access {
            LSB => self.load(now, v.into()),
            MSB => self.load(now, u16::from(v) << 8),
            _ => match self.pending_lsb.take() {
                Some(lsb) => self.load(now, u16::from(v) << 8 | u16::from(lsb)),
                None => {
                    self.pending_lsb = Some(v);
                    // Mode 0: the first byte stops the count and drops OUT.
                    if self.mode() == Mode::TerminalCount {
                        self.held_value = self.value(now);
                        self.held_out = false;
                        self.run = None;
                    }
                }
            },
        }
    }

    /// A complete count reached the count register. Modes 0, 2, 3, 4 start
    /// counting with it at once (a new count in mode 2 or 3 takes effect
    /// now rather than at the end of the current period: guests write the
    /// control word first anyway); modes 1 and 5 wait for the gate.
    fn load(&mut self, now: u64, raw: u16) {
        let count = if self.bcd {
            let d = |s: u16| u64::from((raw >> s) & 0xf);
            d(12) * 1000 + d(8) * 100 + d(4) * 10 + d(0)
        } else {
            raw.into()
        };
        self.count = if count == 0 {
            self.modulus()
        } else {
            count.min(self.modulus())
        };
        self.armed = true;
        if self.mode().gate_triggered() {
            self.null_count = true;
        } else {
            self.start(now, self.gate);
        }
    }

    fn start(&mut self, now: u64, counting: bool) {
        self.run = Some(Run::new(self.mode(), self.count, now, counting));
        self.null_count = false;
        self.fired = 0;
    }

    /// The gate input (channel 2's, from port 0x61).
    pub fn set_gate(&mut self, now: u64, level: bool) {
        if level == self.gate {
            return;
        }
        self.gate = level;
        let mode = self.mode();
        match (self.run.as_mut(), level) {
            _ if level && self.armed && (mode.periodic() || mode.gate_triggered()) => {
                self.start(now, true)
            }
            (Some(run), false) if !mode.gate_triggered() => run.pause(now),
            (Some(run), true) => run.resume(now),
            _ => {}
        }
    }

    pub fn read(&mut self, now: u64) -> u8 {
        if let Some(s) = self.status.take() {
            return s;
        }
        let (v, latched) = match self.latched {
            Some(v) => (v, true),
            None => (self.reading(now), false),
        };
        let (byte, last) = match self.access {
            LSB => (v as u8, true),
            MSB => ((v >> 8) as u8, true),
            _ => {
                self.read_msb = !self.read_msb;
                if self.read_msb {
                    (v as u8, false)
                } else {
                    ((v >> 8) as u8, true)
                }
            }
        };
        if latched && last {
            self.latched = None;
        }
        byte
    }

    /// Counts the rising edges of OUT up to `now`: whether any came since
    /// the last call.
    pub fn catch_up(&mut self, now: u64) -> bool {
        let Some(run) = self.run else { return false };
        let edges = run.edges(now);
        let new = edges > self.fired;
        self.fired = self.fired.max(edges);
        new
    }

    /// When OUT next rises, if it will.
    pub fn next_edge(&self) -> Option<u64> {
        self.run?.edge_at(self.fired.checked_add(1)?)
    }
}

//! The 8254 programmable interval timer and system control port B.
//!
//! Ports 0x40–0x42 are counters 0–2, 0x43 the control word (write-only:
//! reads float to 0xff); port 0x61 is port B: bit 0 gates counter 2, bit 1
//! enables the speaker (kept, no sound), bits 2–3 (parity and channel check
//! enables) are kept, bit 4 toggles on every read as the DRAM refresh
//! request does (so delay loops that wait for it end), bit 5 is counter 2's
//! OUT, bits 6–7 (error status) read 0. The input clock is 1 193 182 Hz.
//!
//! Modelled from the 8254 datasheet: modes 0–5 (6 and 7 alias 2 and 3),
//! the counter latch command, LSB / MSB / LSB-then-MSB access with separate
//! read and write flip-flops, the read-back command with count and status
//! latches, BCD counting, and the gates: counters 0 and 1 have theirs tied
//! high as on the PC, so modes 1 and 5 never trigger there; counter 2's
//! comes from port B.
//!
//! Counter 0's OUT is ISA IRQ 0: each rising edge is a [`Ctx::pulse`]. The
//! counters keep no per-clock state, everything follows from the guest time
//! since a count was loaded, so [`Device::deadline`] names the next rising
//! edge and [`Device::tick`] signals at most one pulse however many periods
//! passed since the last tick: the PIC latches one edge per request anyway,
//! so a VMM that fell behind delivers one late interrupt instead of a burst
//! (guests count time from a clock source, not from PIT interrupts). A write
//! that raises OUT0 at once (a control word ending mode 0 before terminal
//! count) pulses too, and every write first signals an edge that fell due.
//!
//! Clocks and nanoseconds: the counter has counted ⌊Δns · 1 193 182 / 10⁹⌋
//! clocks Δns after its load, so an edge `c` clocks after the load is due
//! ⌈c · 10⁹ / 1 193 182⌉ ns after it, rounded up: the first whole ns at
//! which the counter shows it (1193 clocks: 999 848 ns). Arithmetic is in
//! 128 bits and saturates at the end of time.
//!
//! Reset state: every counter as after control word 0x36 with no count
//! written: mode 3, OUT high, not counting (no deadline).

mod channel;
mod counter;
#[cfg(test)]
mod tests;

use channel::Channel;
pub use counter::HZ;

use crate::bus::{read_bytes, write_bytes, Device};
use crate::ctx::Ctx;

/// The port ranges the PIT claims: (base, length).
pub const RANGES: [(u64, u64); 2] = [(0x40, 4), (0x61, 1)];

/// Port B's bits the guest can set: counter 2 gate, speaker, check enables.
const PORT_B_RW: u8 = 0x0f;
const PORT_B_REFRESH: u8 = 0x10;
const PORT_B_OUT2: u8 = 0x20;

/// The 8254 with port B.
#[derive(Clone, Debug)]
pub struct Pit {
    ch: [Channel; 3],
    port_b: u8,
    refresh: bool,
}

impl Default for Pit {
    fn default() -> Self {
        Self::new()
    }
}

impl Pit {
    pub const fn new() -> Self {
        Self {
            ch: [Channel::new(true), Channel::new(true), Channel::new(false)],
            port_b: 0,
            refresh: false,
        }
    }

    /// Signals a rising edge of OUT0 that passed since the last look.
    fn catch_up(&mut self, ctx: &mut Ctx) {
        if self.ch[0].catch_up(ctx.now.ns) {
            ctx.pulse(0);
        }
    }

    fn control(&mut self, now: u64, v: u8) {
        let sel = usize::from(v >> 6);
        let access = (v >> 4) & 3;
        if let Some(ch) = self.ch.get_mut(sel) {
            if access == 0 {
                ch.latch_count(now);
            } else {
                ch.program(now, v >> 1, access, v & 1 != 0);
            }
            return;
        }
        // Read-back: bits 1–3 select counters, bit 5 clear latches the
        // count, bit 4 clear the status.
        for (i, ch) in self.ch.iter_mut().enumerate() {
            if v & (2 << i) == 0 {
                continue;
            }
            if v & 0x20 == 0 {
                ch.latch_count(now);
            }
            if v & 0x10 == 0 {
                ch.latch_status(now);
            }
        }
    }

    fn read_byte(&mut self, now: u64, port: u64) -> u8 {
        match port {
            0x40..=0x42 => self.ch[(port - 0x40) as usize].read(now),
            0x61 => {
                self.refresh = !self.refresh;
                let mut v = self.port_b & PORT_B_RW;
                if self.refresh {
                    v |= PORT_B_REFRESH;
                }
                if self.ch[2].out(now) {
                    v |= PORT_B_OUT2;
                }
                v
            }
            _ => 0xff,
        }
    }

    fn write_byte(&mut self, ctx: &mut Ctx, port: u64, v: u8) {
        let now = ctx.now.ns;
        self.catch_up(ctx);
        let out0 = self.ch[0].out(now);
        match port {
            0x40..=0x42 => self.ch[(port - 0x40) as usize].write(now, v),
            0x43 => self.control(now, v),
            0x61 => {
                self.port_b = v & PORT_B_RW;
                self.ch[2].set_gate(now, v & 1 != 0);
            }
            _ => {}
        }
        if !out0 && self.ch[0].out(now) {
            ctx.pulse(0);
        }
    }
}

/// Whether `port` is one of ours: bytes of a wide access that spill past
/// a range read as all ones and are not written.
fn claims(port: u64) -> bool {
    RANGES
        .iter()
        .any(|&(base, len)| port.wrapping_sub(base) < len)
}

impl Device for Pit {
    fn name(&self) -> &'static str {
        "pit"
    }

    /// A wide access is the ISA bus's sequence of byte cycles at
    /// ascending ports.
    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        read_bytes(addr, size, |port| {
            if claims(port) {
                self.read_byte(ctx.now.ns, port)
            } else {
                0xff
            }
        })
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        write_bytes(addr, size, value, |port, b| {
            if claims(port) {
                self.write_byte(ctx, port, b);
            }
        });
    }

    /// Counter 0's next rising edge of OUT.
    fn deadline(&self) -> Option<u64> {
        self.ch[0].next_edge()
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        self.catch_up(ctx);
    }
}

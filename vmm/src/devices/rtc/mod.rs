//! The MC146818 real-time clock and CMOS memory at ports 0x70–0x71.
//!
//! Port 0x70 selects one of 128 CMOS bytes (bit 7 disables NMI on a PC;
//! the bit is kept and has no effect here, since nothing raises NMIs);
//! port 0x71 reads or writes it. Bytes 0x00–0x0d are the clock: the time
//! and date, the three alarm bytes, and registers A–D. The century byte at
//! 0x32 counts along with the year, so the clock spans years 0–9999 in BCD
//! (25599 in binary). All other bytes are plain memory, preset with the
//! memory-size entries a PC BIOS leaves there.
//!
//! The time is real: the guest time plus the Unix time at guest time 0,
//! plus whatever the guest changed by writing the clock. What the
//! datasheet describes and the model follows:
//! - register A: UIP reads as set during the 244 µs before each update
//!   (the update itself takes no time here); DV = 010 runs the clock, any
//!   other pattern stops it, and writing 010 again makes the first update
//!   come 500 ms later; RS selects the periodic rate (3–15: 32768 >>
//!   (RS − 1) Hz; 1 and 2: 256 and 128 Hz);
//! - register B: SET stops updates (clearing UIP and UIE) so the guest can
//!   write a new time, which takes effect when SET clears, keeping the
//!   divider's phase; writes to the time registers while the clock runs
//!   take effect at once. DM and 24/12 select the format of the time and
//!   alarm registers; a format change while the clock runs shows the same
//!   time in the new format (a real chip would count on from the old
//!   digits). DSE and SQWE are kept and have no effect;
//! - register C: PF, AF, UF are set by their events whether enabled or not;
//!   IRQF is set while an enabled flag is; reading C clears them all;
//! - register D: VRT, a good battery, always.
//!
//! The weekday register is a counter of its own, as on the chip: a value
//! the guest writes stays that many days off the date's weekday. Values
//! the guest writes outside a field's range are clamped when the clock
//! takes them (minute 75 → 59, day 31 of April → 30), where a chip would
//! count on from the odd value. The index port is write-only and reads as
//! all ones.
//!
//! IRQ 8 is a level: high while IRQF is set. Events are counted lazily
//! from the guest time at each access, and [`Device::deadline`] names the
//! next one only when it would raise the line.

mod alarm;
pub mod calendar;
mod clock;
mod regs;
#[cfg(test)]
mod tests;

use crate::bus::{read_bytes, write_bytes, Device};
use crate::ctx::Ctx;

use alarm::AlarmRegs;
use calendar::{Format, TimeRegs};
use clock::Clock;

/// The ISA line of the RTC.
pub const IRQ: u8 = 8;

// Register B.
const B_SET: u8 = 0x80;
const B_PIE: u8 = 0x40;
const B_AIE: u8 = 0x20;
const B_UIE: u8 = 0x10;
// Register C.
const C_IRQF: u8 = 0x80;
const C_PF: u8 = 0x40;
const C_AF: u8 = 0x20;
const C_UF: u8 = 0x10;
/// Register A's divider pattern of a running clock.
const A_DV_RUN: u8 = 0x20;
const A_DV_MASK: u8 = 0x70;

/// The latest date the constructor accepts: 9999-12-31 23:59:59.
const MAX_EPOCH_SECS: u64 = 253_402_300_799;

pub struct Rtc {
    /// The selected CMOS byte (7 bits).
    index: u8,
    nmi_disabled: bool,
    /// CMOS memory; bytes the clock owns are unused here.
    ram: [u8; 128],
    alarm: AlarmRegs,
    /// Register A without UIP.
    a: u8,
    b: u8,
    /// PF, AF and UF as in register C.
    flags: u8,
    clock: Clock,
    /// The time registers while updates are stopped (SET, or the divider
    /// not running): what the guest reads and writes then.
    held: Option<TimeRegs>,
    /// The guest time up to which events have been counted.
    seen: u64,
    /// The level IRQ 8 was last driven to.
    line: bool,
}

impl Rtc {
    /// The ports the RTC claims: index and data.
    pub const RANGES: &'static [(u64, u64)] = &[(0x70, 2)];

    /// An RTC that shows Unix time `epoch_secs` (capped at the end of year
    /// 9999) at guest time 0, with the CMOS memory-size entries for
    /// `ram_below_4g` bytes of RAM below 4 GiB (including the first MiB)
    /// and `ram_above_4g` above. Registers A and B start as a BIOS leaves
    /// them: 1024 Hz periodic rate, 24-hour BCD format.
    pub fn new(epoch_secs: u64, ram_below_4g: u64, ram_above_4g: u64) -> Self {
        let secs = epoch_secs.min(MAX_EPOCH_SECS) as i64;
        let mut rtc = Self {
            index: 0,
            nmi_disabled: false,
            ram: [0; 128],
            alarm: [0; 3],
            a: A_DV_RUN | 0x06,
            b: 0x02,
            flags: 0,
            clock: Clock::new(secs),
            held: None,
            seen: 0,
            line: false,
        };
        regs::preset_memory(&mut rtc.ram, ram_below_4g, ram_above_4g);
        rtc
    }

    /// Whether the guest last wrote the index port with bit 7 set.
    pub fn nmi_disabled(&self) -> bool {
        self.nmi_disabled
    }

    fn format(&self) -> Format {
        Format::from_reg_b(self.b)
    }

    fn divider_running(&self) -> bool {
        self.a & A_DV_MASK == A_DV_RUN
    }

    /// Whether update cycles happen: divider running and SET clear.
    fn updating(&self) -> bool {
        self.divider_running() && self.b & B_SET == 0
    }

    /// Counts the events between the last access and `now`.
    fn advance(&mut self, now: u64) {
        let from = self.seen;
        if now <= from {
            return;
        }
        self.seen = now;
        if !self.divider_running() {
            return;
        }
        if let Some(p) = clock::period_ticks(self.a) {
            if self.clock.edge_passed(from, now, p) {
                self.flags |= C_PF;
            }
        }
        if !self.updating() {
            return;
        }
        if self.clock.second_passed(from, now) {
            self.flags |= C_UF;
        }
        let next = alarm::next_after(&self.alarm, self.format(), self.clock.secs(from));
        if next.is_some_and(|t| t <= self.clock.secs(now)) {
            self.flags |= C_AF;
        }
    }

    /// Drives IRQ 8 to IRQF.
    fn update_line(&mut self, ctx: &mut Ctx) {
        let level = self.flags & self.b & (C_PF | C_AF | C_UF) != 0;
        if level != self.line {
            self.line = level;
            ctx.set_line(IRQ, level);
        }
    }

    fn read_byte(&mut self, ctx: &mut Ctx, port: u64) -> u8 {
        if port != 0x71 {
            // The index register is write-only.
            return 0xff;
        }
        self.advance(ctx.now.ns);
        let v = self.read_reg(ctx.now.ns);
        self.update_line(ctx);
        v
    }

    fn write_byte(&mut self, ctx: &mut Ctx, port: u64, v: u8) {
        match port {
            0x70 => {
                self.index = v & 0x7f;
                self.nmi_disabled = v & 0x80 != 0;
            }
            0x71 => {
                self.advance(ctx.now.ns);
                self.write_reg(ctx.now.ns, v);
                self.update_line(ctx);
            }
            _ => {}
        }
    }
}

impl Device for Rtc {
    fn name(&self) -> &'static str {
        "rtc"
    }

    /// Wider accesses are split into byte accesses at consecutive ports, as
    /// the ISA bus does (`outw 0x70` writes index and data in one go).
    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        read_bytes(addr, size, |port| self.read_byte(ctx, port))
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        write_bytes(addr, size, value, |port, b| self.write_byte(ctx, port, b));
    }

    fn deadline(&self) -> Option<u64> {
        let mut next = None;
        let enabled = self.b & !self.flags;
        if !self.divider_running() {
            return None;
        }
        if enabled & B_PIE != 0 {
            if let Some(p) = clock::period_ticks(self.a) {
                next = Some(self.clock.next_edge(self.seen, p));
            }
        }
        if !self.updating() {
            return next;
        }
        if enabled & B_UIE != 0 {
            let t = self.clock.next_second(self.seen);
            next = crate::time::earliest(next, Some(t));
        }
        if enabled & B_AIE != 0 {
            let secs = self.clock.secs(self.seen);
            if let Some(s) = alarm::next_after(&self.alarm, self.format(), secs) {
                next = crate::time::earliest(next, Some(self.clock.at_second(s)));
            }
        }
        next
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        self.advance(ctx.now.ns);
        self.update_line(ctx);
    }
}

//! The RTC's register file: what a read or write of CMOS byte `index`
//! does, including the SET and divider transitions that stop and restart
//! the clock, and the memory-size entries in CMOS memory.

use super::calendar;
use super::clock::{NS_PER_SEC, UIP_NS};
use super::{Rtc, B_SET, B_UIE, C_AF, C_IRQF, C_PF, C_UF};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Register D: valid RAM and time.
const D_VRT: u8 = 0x80;
/// Register A's update-in-progress bit.
const A_UIP: u8 = 0x80;

/// Writes the little-endian `bytes` of `v` from CMOS byte `at` on.
fn put(ram: &mut [u8; 128], at: usize, v: u64, bytes: usize) {
    for i in 0..bytes {
        if let Some(b) = ram.get_mut(at + i) {
            *b = (v >> (8 * i)) as u8;
        }
    }
}

/// The entries a PC BIOS leaves for the memory size: base memory in KiB
/// (0x15), extended memory above 1 MiB in KiB (0x17 and its copy at 0x30,
/// at most 0xffff), memory between 16 MiB and 4 GiB in 64 KiB units (0x34)
/// and memory above 4 GiB in 64 KiB units (0x5b, three bytes).
pub fn preset_memory(ram: &mut [u8; 128], below_4g: u64, above_4g: u64) {
    put(ram, 0x15, 640, 2);
    let ext = (below_4g.saturating_sub(MIB) / KIB).min(0xffff);
    put(ram, 0x17, ext, 2);
    put(ram, 0x30, ext, 2);
    let above_16m = (below_4g.saturating_sub(16 * MIB) / (64 * KIB)).min(0xffff);
    put(ram, 0x34, above_16m, 2);
    put(ram, 0x5b, (above_4g / (64 * KIB)).min(0xff_ffff), 3);
}

impl Rtc {
    pub(super) fn read_reg(&mut self, now: u64) -> u8 {
        let i = self.index;
        if let Some(s) = calendar::slot(i) {
            return match &self.held {
                Some(h) => h[s],
                None => self.clock.regs(now, self.format())[s],
            };
        }
        match i {
            0x01 | 0x03 | 0x05 => self.alarm[usize::from(i / 2)],
            0x0a => {
                let soon = self.clock.phase(now) >= NS_PER_SEC - UIP_NS;
                self.a | if self.updating() && soon { A_UIP } else { 0 }
            }
            0x0b => self.b,
            0x0c => {
                let irqf = if self.flags & self.b & (C_PF | C_AF | C_UF) != 0 {
                    C_IRQF
                } else {
                    0
                };
                let v = self.flags | irqf;
                self.flags = 0;
                v
            }
            0x0d => D_VRT,
            _ => self.ram.get(usize::from(i)).copied().unwrap_or(0xff),
        }
    }

    pub(super) fn write_reg(&mut self, now: u64, v: u8) {
        let i = self.index;
        if let Some(s) = calendar::slot(i) {
            match &mut self.held {
                Some(h) => h[s] = v,
                None => {
                    let f = self.format();
                    let mut r = self.clock.regs(now, f);
                    r[s] = v;
                    let phase = self.clock.phase(now);
                    self.clock.set(now, &r, f, phase);
                }
            }
            return;
        }
        match i {
            0x01 | 0x03 | 0x05 => self.alarm[usize::from(i / 2)] = v,
            0x0a => self.write_a(now, v),
            0x0b => self.write_b(now, v),
            0x0c | 0x0d => {} // read-only
            _ => {
                if let Some(b) = self.ram.get_mut(usize::from(i)) {
                    *b = v;
                }
            }
        }
    }

    fn write_a(&mut self, now: u64, v: u8) {
        let was_running = self.divider_running();
        self.a = v & !A_UIP;
        match (was_running, self.divider_running()) {
            (true, false) => self.hold(now),
            // The divider restarts from reset: the next update is half a
            // second away.
            (false, true) => {
                self.clock.rephase(now, NS_PER_SEC / 2);
                if self.b & B_SET == 0 {
                    self.release(now);
                }
            }
            _ => {}
        }
    }

    fn write_b(&mut self, now: u64, mut v: u8) {
        let was_set = self.b & B_SET != 0;
        if v & B_SET != 0 {
            v &= !B_UIE;
        }
        self.b = v;
        match (was_set, v & B_SET != 0) {
            (false, true) => self.hold(now),
            (true, false) if self.divider_running() => self.release(now),
            _ => {}
        }
    }

    /// Stops updates: the time registers keep what they show now.
    fn hold(&mut self, now: u64) {
        if self.held.is_none() {
            self.held = Some(self.clock.regs(now, self.format()));
        }
    }

    /// Restarts updates from the held registers, within the divider's
    /// current second.
    fn release(&mut self, now: u64) {
        if let Some(h) = self.held.take() {
            let phase = self.clock.phase(now);
            self.clock.set(now, &h, self.format(), phase);
        }
    }
}

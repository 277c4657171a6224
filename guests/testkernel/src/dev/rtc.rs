//! The MC146818 CMOS clock: time registers and the periodic interrupt.

use crate::io::{inb, outb};

pub fn read(reg: u8) -> u8 {
    outb(0x70, reg);
    inb(0x71)
}

pub fn write(reg: u8, v: u8) {
    outb(0x70, reg);
    outb(0x71, v);
}

/// A time from the clock, in binary.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub year: u32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub min: u8,
    pub sec: u8,
}

fn bin(v: u8, bcd: bool) -> u8 {
    if bcd {
        (v >> 4) * 10 + (v & 0xf)
    } else {
        v
    }
}

/// Reads the time outside an update cycle (UIP clear, then the same
/// seconds before and after).
pub fn now() -> Time {
    loop {
        while read(0x0a) & 0x80 != 0 {
            core::hint::spin_loop();
        }
        let bcd = read(0x0b) & 0x04 == 0;
        let t = Time {
            sec: bin(read(0), bcd),
            min: bin(read(2), bcd),
            hour: bin(read(4) & 0x7f, bcd),
            day: bin(read(7), bcd),
            month: bin(read(8), bcd),
            year: u32::from(bin(read(0x32), bcd)) * 100 + u32::from(bin(read(9), bcd)),
        };
        if bin(read(0), bcd) == t.sec {
            return t;
        }
    }
}

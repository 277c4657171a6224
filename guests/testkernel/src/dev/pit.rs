//! The 8254: channel 0 as a periodic tick, channel 2 as a polled one-shot
//! gated through port 0x61 (how Linux calibrates the TSC).

use crate::io::{inb, outb};

/// Channel 0, mode 2 (rate generator), `count` input clocks per tick.
pub fn periodic(count: u16) {
    outb(0x43, 0x34);
    outb(0x40, count as u8);
    outb(0x40, (count >> 8) as u8);
}

/// Channel 0 stopped: mode 0 with a count it never reaches again.
pub fn stop() {
    outb(0x43, 0x30);
    outb(0x40, 0);
    outb(0x40, 0);
}

/// Channel 0's counter, through the latch command.
pub fn read0() -> u16 {
    outb(0x43, 0x00);
    let lo = inb(0x40);
    let hi = inb(0x40);
    u16::from(lo) | (u16::from(hi) << 8)
}

/// Read-back status byte of channel `ch`.
pub fn status(ch: u8) -> u8 {
    outb(0x43, 0xe0 | (2 << ch));
    inb(0x40 + u16::from(ch))
}

/// Starts channel 2 in mode 0 with `count`, gate high, speaker off.
pub fn start_ch2(count: u16) {
    outb(0x61, inb(0x61) & !0x03);
    outb(0x43, 0xb0);
    outb(0x42, count as u8);
    outb(0x42, (count >> 8) as u8);
    outb(0x61, (inb(0x61) & !0x02) | 0x01);
}

/// Channel 2's output (port 0x61 bit 5).
pub fn ch2_out() -> bool {
    inb(0x61) & 0x20 != 0
}

//! The IOAPIC at 0xfec00000: redirection entries through IOREGSEL/IOWIN.

use crate::io::{mmio_read, mmio_write};

const BASE: u64 = 0xfec0_0000;

pub fn read(reg: u32) -> u32 {
    mmio_write(BASE, reg);
    mmio_read(BASE + 0x10)
}

pub fn write(reg: u32, v: u32) {
    mmio_write(BASE, reg);
    mmio_write(BASE + 0x10, v);
}

/// Redirection entry `pin` (low word: vector, mode, trigger, mask; high
/// word: destination APIC ID in bits 24-31).
pub fn route(pin: u8, low: u32, dest: u8) {
    write(0x11 + 2 * u32::from(pin), u32::from(dest) << 24);
    write(0x10 + 2 * u32::from(pin), low);
}

pub fn entry(pin: u8) -> u32 {
    read(0x10 + 2 * u32::from(pin))
}

pub const LEVEL: u32 = 1 << 15;
pub const REMOTE_IRR: u32 = 1 << 14;
pub const MASKED: u32 = 1 << 16;

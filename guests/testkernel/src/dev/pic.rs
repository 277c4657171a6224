//! The 8259A pair: initialised as every PC operating system does (vectors
//! 0x20 and 0x28, cascade on IRQ 2), then unmasked line by line.

use crate::io::{inb, outb};

pub const BASE: u8 = 0x20;

pub fn init() {
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, BASE);
    outb(0xa1, BASE + 8);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    mask_all();
}

pub fn mask_all() {
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/// Unmasks `irq` (and the cascade for the slave's lines).
pub fn unmask(irq: u8) {
    if irq < 8 {
        outb(0x21, inb(0x21) & !(1 << irq));
    } else {
        outb(0xa1, inb(0xa1) & !(1 << (irq - 8)));
        outb(0x21, inb(0x21) & !(1 << 2));
    }
}

/// Non-specific EOI for the interrupt at `vector` (both chips for the
/// slave's lines).
pub fn eoi(vector: u8) {
    if vector >= BASE + 8 {
        outb(0xa0, 0x20);
    }
    outb(0x20, 0x20);
}

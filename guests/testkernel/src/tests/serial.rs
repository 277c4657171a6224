//! `test=serial`: the 16550's scratch register, its loopback mode (what
//! Linux's 8250 driver probes) and its transmitter-empty interrupt on
//! IRQ 4 through the PIC; the lines printed are checked by the host on
//! the VMM's console.

use crate::console::{check, say};
use crate::dev::{pic, pm};
use crate::idt;
use crate::io::{self, inb, outb};

const T: &str = "serial";
const COM1: u16 = 0x3f8;
const VECTOR: u8 = pic::BASE + 4;

fn thre(v: u8) {
    // Reading IIR acknowledges the THR-empty interrupt.
    inb(COM1 + 2);
    pic::eoi(v);
}

pub fn run() {
    outb(COM1 + 7, 0x5a);
    check(T, inb(COM1 + 7) == 0x5a, "scratch register lost its value");

    // Loopback: MCR bit 4; a byte sent comes back in RBR and MCR's
    // outputs show up in MSR's inputs.
    outb(COM1 + 4, 0x1f);
    check(
        T,
        inb(COM1 + 6) & 0xf0 == 0xf0,
        "loopback: MSR does not mirror MCR",
    );
    outb(COM1, 0xa5);
    check(
        T,
        pm::wait(100, || inb(COM1 + 5) & 1 != 0),
        "loopback: no byte received",
    );
    check(T, inb(COM1) == 0xa5, "loopback: wrong byte received");
    outb(COM1 + 4, 0x03);

    // THR-empty interrupt: OUT2 gates IRQ 4 on a PC.
    pic::init();
    idt::hook(VECTOR, thre);
    pic::unmask(4);
    outb(COM1 + 4, 0x0b);
    outb(COM1 + 1, 0x02);
    io::sti();
    let ok = pm::wait(1000, || idt::count(VECTOR) >= 1);
    io::cli();
    outb(COM1 + 1, 0);
    pic::mask_all();
    check(T, ok, "no THR-empty interrupt on IRQ 4");
    say("serial: hello from the guest");
}

//! The legacy 8259 PIC pair: remapped away from the exception vectors and
//! masked. The hypervisor uses the local APICs (and later the I/O APIC); a
//! BIOS leaves the PICs delivering the PIT on vector 8, which would otherwise
//! look like a double fault.

use x86_64::instructions::port::Port;

/// Remaps the PICs to vectors 0x20..0x2F and masks every line.
pub fn disable() {
    let sequence: [(u16, u8); 10] = [
        (0x20, 0x11), // ICW1: initialise, ICW4 follows
        (0xA0, 0x11),
        (0x21, 0x20), // ICW2: master vector base
        (0xA1, 0x28), // ICW2: slave vector base
        (0x21, 0x04), // ICW3: slave on IRQ2
        (0xA1, 0x02), // ICW3: slave identity
        (0x21, 0x01), // ICW4: 8086 mode
        (0xA1, 0x01),
        (0x21, 0xFF), // mask all
        (0xA1, 0xFF),
    ];
    for (port, value) in sequence {
        // SAFETY: these are the PICs' command and data ports; the sequence
        // only reprograms and masks them, which stops their interrupts.
        unsafe { Port::<u8>::new(port).write(value) };
    }
}

//! The 16550 UART at COM1, the hypervisor's console.

use x86_64::instructions::port::Port;

const COM1: u16 = 0x3F8;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// Programs COM1 for 115200 baud, 8N1, FIFOs on, no interrupts.
pub fn init() {
    let regs: [(u16, u8); 7] = [
        (1, 0x00), // IER: no interrupts
        (3, 0x80), // LCR: DLAB, to reach the divisor latch
        (0, 0x01), // DLL: divisor 1 = 115200 baud
        (1, 0x00), // DLM
        (3, 0x03), // LCR: 8 data bits, no parity, 1 stop bit
        (2, 0xC7), // FCR: enable and clear FIFOs
        (4, 0x03), // MCR: DTR, RTS
    ];
    for (offset, value) in regs {
        // SAFETY: these ports belong to COM1, which the hypervisor reserves
        // for its console; writing its setup registers has no other effect.
        unsafe { Port::new(COM1 + offset).write(value) };
    }
}

/// Sends one byte, waiting (boundedly) for room in the transmitter.
pub fn write_byte(byte: u8) {
    let mut lsr = Port::<u8>::new(COM1 + 5);
    for _ in 0..100_000 {
        // SAFETY: reading COM1's line status register has no side effect.
        if unsafe { lsr.read() } & LSR_THR_EMPTY != 0 {
            break;
        }
        core::hint::spin_loop();
    }
    // SAFETY: writing COM1's transmit register sends a byte, nothing else.
    unsafe { Port::new(COM1).write(byte) };
}

/// Waits (boundedly) until the transmitter has sent everything, so a line
/// printed just before power-off or reset is not cut short.
pub fn flush() {
    const LSR_TRANSMITTER_EMPTY: u8 = 1 << 6;
    let mut lsr = Port::<u8>::new(COM1 + 5);
    for _ in 0..1_000_000 {
        // SAFETY: reading COM1's line status register has no side effect.
        if unsafe { lsr.read() } & LSR_TRANSMITTER_EMPTY != 0 {
            break;
        }
        core::hint::spin_loop();
    }
}

//! A 16550A UART (COM1 by default: ports 0x3f8–0x3ff, IRQ 4).
//!
//! Output is instant: a byte written to THR goes to the [`Console`] (by
//! lines, see [`LineBuf`]) at once, so THRE and TEMT in
//! LSR are always set. Input comes from the VMM through
//! [`Uart::receive`] into a 16-byte FIFO (one byte with FIFOs off); a byte
//! that finds no room sets OE, and with FIFOs off replaces the held byte as
//! on the chip.
//!
//! Registers as in the datasheet: RBR/THR and the divisor latch behind
//! DLAB, IER (4 bits), IIR with 0xC0 while FIFOs are on, FCR (enable,
//! clear, trigger level), LCR, MCR, LSR, MSR, SCR. Interrupt sources and
//! their IIR priority: line status (OE; cleared by reading LSR), received
//! data (cleared by emptying the FIFO), THR empty (set when IER enables it
//! and after every THR write; cleared by reading IIR while it is the
//! reported source, by writing THR, or by disabling it), modem status
//! (delta bits; cleared by reading MSR). With FIFOs on, data below the
//! trigger level reports as a character timeout (IIR 0x0C): no more input
//! is on its way, so the four character times of the chip have passed.
//!
//! Loopback (MCR bit 4) works as the datasheet says and Linux's probe
//! expects: THR bytes go to the receiver instead of the console, input from
//! outside is dropped, and DTR, RTS, OUT1, OUT2 appear as DSR, CTS, RI, DCD
//! in MSR. Outside loopback the modem inputs are those of an idle terminal
//! that is always ready: CTS, DSR and DCD set, RI clear.
//!
//! The IRQ is a level. As on PCs, it reaches the interrupt controller only
//! while MCR.OUT2 is set; the chip forces its OUT2 pin inactive in loopback,
//! so loopback mode gates it too. Baud rate, data format and parity are
//! kept in their registers and have no effect: nothing is serialised.

mod console;
mod regs;
#[cfg(test)]
mod tests;

use alloc::boxed::Box;

use crate::bus::{read_bytes, write_bytes, Device};
use crate::ctx::Ctx;

pub use console::{Console, LineBuf, MAX_LINE};

/// COM1's base port and IRQ.
pub const COM1: (u16, u8) = (0x3f8, 4);

const FIFO_LEN: usize = 16;

const IER_RDA: u8 = 0x01;
const IER_THRE: u8 = 0x02;
const IER_LSR: u8 = 0x04;
const IER_MSR: u8 = 0x08;
const IIR_NONE: u8 = 0x01;
const IIR_FIFO: u8 = 0xc0;
const LCR_DLAB: u8 = 0x80;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;
const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
const LSR_THRE_TEMT: u8 = 0x60;
/// MSR inputs of an idle terminal: DCD, DSR, CTS.
const MSR_IDLE: u8 = 0xb0;

pub struct Uart {
    base: u16,
    irq: u8,
    out: Box<dyn Console>,
    line: LineBuf,
    /// Receive FIFO as a ring.
    rx: [u8; FIFO_LEN],
    rx_head: usize,
    rx_len: usize,
    /// What RBR shows when the FIFO is empty: the last byte taken.
    rbr: u8,
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    divisor: u16,
    fifo: bool,
    /// Receive FIFO trigger level in bytes.
    trigger: usize,
    /// LSR error bits (only OE can happen).
    lsr_err: u8,
    /// MSR delta bits 0–3.
    msr_delta: u8,
    thre_pending: bool,
    /// The level the IRQ line was last driven to.
    level: bool,
}

impl Uart {
    /// COM1's ports.
    pub const RANGES: &'static [(u64, u64)] = &[(0x3f8, 8)];

    /// A UART at ports `base`..`base + 8` on ISA line `irq`, writing its
    /// output to `out`. The divisor starts at 12 (9600 baud), as a BIOS
    /// leaves it.
    pub fn new(base: u16, irq: u8, out: Box<dyn Console>) -> Self {
        Self {
            base,
            irq,
            out,
            line: LineBuf::new(),
            rx: [0; FIFO_LEN],
            rx_head: 0,
            rx_len: 0,
            rbr: 0,
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            divisor: 12,
            fifo: false,
            trigger: 1,
            lsr_err: 0,
            msr_delta: 0,
            thre_pending: false,
            level: false,
        }
    }

    /// The ports this UART claims.
    pub fn ranges(&self) -> [(u64, u64); 1] {
        [(u64::from(self.base), 8)]
    }

    /// Hands a partial output line to the console.
    pub fn flush(&mut self) {
        self.line.flush(&mut *self.out);
    }

    /// Bytes the receiver takes before it overruns.
    pub fn rx_room(&self) -> usize {
        self.rx_cap().saturating_sub(self.rx_len)
    }

    /// Input from outside. Returns how many bytes found room; the rest
    /// overran (LSR.OE). In loopback mode the receiver is disconnected from
    /// outside and nothing is taken.
    pub fn receive(&mut self, ctx: &mut Ctx, bytes: &[u8]) -> usize {
        if self.mcr & MCR_LOOP != 0 {
            return 0;
        }
        let taken = bytes.iter().filter(|&&b| self.rx_push(b)).count();
        self.update_line(ctx);
        taken
    }

    fn rx_cap(&self) -> usize {
        if self.fifo {
            FIFO_LEN
        } else {
            1
        }
    }

    /// Stores a received byte; false if it overran.
    fn rx_push(&mut self, b: u8) -> bool {
        if self.rx_len < self.rx_cap() {
            let at = (self.rx_head + self.rx_len) % FIFO_LEN;
            if let Some(slot) = self.rx.get_mut(at) {
                *slot = b;
            }
            self.rx_len += 1;
            return true;
        }
        self.lsr_err |= LSR_OE;
        if !self.fifo {
            // Without FIFO the new byte overwrites the one in RBR.
            if let Some(slot) = self.rx.get_mut(self.rx_head) {
                *slot = b;
            }
        }
        false
    }

    fn rx_pop(&mut self) -> u8 {
        if self.rx_len > 0 {
            self.rbr = self.rx.get(self.rx_head).copied().unwrap_or(0);
            self.rx_head = (self.rx_head + 1) % FIFO_LEN;
            self.rx_len -= 1;
        }
        self.rbr
    }

    fn rx_clear(&mut self) {
        self.rx_head = 0;
        self.rx_len = 0;
    }

    /// The modem status inputs (MSR bits 4–7).
    fn msr_lines(&self) -> u8 {
        if self.mcr & MCR_LOOP == 0 {
            return MSR_IDLE;
        }
        let m = self.mcr;
        // DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD.
        (m & 0x01) << 5 | (m & 0x02) << 3 | (m & 0x04) << 4 | (m & 0x08) << 4
    }

    /// The highest-priority pending interrupt's IIR code.
    fn pending(&self) -> Option<u8> {
        if self.ier & IER_LSR != 0 && self.lsr_err != 0 {
            Some(0x06)
        } else if self.ier & IER_RDA != 0 && self.rx_len > 0 {
            Some(if self.fifo && self.rx_len < self.trigger {
                0x0c
            } else {
                0x04
            })
        } else if self.ier & IER_THRE != 0 && self.thre_pending {
            Some(0x02)
        } else if self.ier & IER_MSR != 0 && self.msr_delta != 0 {
            Some(0x00)
        } else {
            None
        }
    }

    fn update_line(&mut self, ctx: &mut Ctx) {
        let gate = self.mcr & (MCR_OUT2 | MCR_LOOP) == MCR_OUT2;
        let level = gate && self.pending().is_some();
        if level != self.level {
            self.level = level;
            ctx.set_line(self.irq, level);
        }
    }
}

impl Device for Uart {
    fn name(&self) -> &'static str {
        "uart"
    }

    /// Wider accesses are split into byte accesses at consecutive ports, as
    /// the ISA bus does; bytes past the UART's eight ports read all ones.
    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        let base = u64::from(self.base);
        let v = read_bytes(addr.wrapping_sub(base), size, |off| {
            if off < 8 {
                self.read_reg(off as u8)
            } else {
                0xff
            }
        });
        self.update_line(ctx);
        v
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        let base = u64::from(self.base);
        write_bytes(addr.wrapping_sub(base), size, value, |off, b| {
            if off < 8 {
                self.write_reg(ctx, off as u8, b);
            }
        });
        self.update_line(ctx);
    }
}

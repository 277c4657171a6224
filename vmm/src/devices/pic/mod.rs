//! The PC's two cascaded 8259A interrupt controllers and their ELCR.
//!
//! Ports: master at 0x20 (command) / 0x21 (data), slave at 0xa0 / 0xa1,
//! the edge/level control registers (PIIX ELCR) at 0x4d0 (IRQ 0–7) and
//! 0x4d1 (IRQ 8–15). The slave's INT drives the master's IR2, so ISA IRQ n
//! is master input n for n < 8 and slave input n − 8 otherwise; ISA IRQ 2
//! itself does not exist on the bus and [`PicPair::set_irq`] ignores it.
//!
//! Modelled from the 8259A datasheet: the ICW1–ICW4 sequence (ICW4 only
//! when ICW1 asks for it, no ICW3 in single mode), vector base from ICW2,
//! auto-EOI with optional rotation, OCW1 mask, OCW2's EOI, rotation and
//! set-priority commands, OCW3's IRR/ISR read select, poll command and
//! special mask mode, special fully nested mode on the master, edge and
//! level inputs (ELCR, or ICW1's LTIM for a whole chip), fully nested
//! priority and the spurious IR7 vector when a request vanished before
//! INTA. The ELCR keeps IRQ 0, 1, 2, 8 and 13 edge-triggered, as the PIIX
//! does.
//!
//! Not modelled: 8080/8085 call mode and buffered mode (ICW4 bits that
//! only change bus timing), single mode's wiring (the board always has
//! the slave on IR2, whatever ICW1 and ICW3 say).
//!
//! Reset state: both chips uninitialised with every input masked and
//! vector base 0, so nothing reaches a vCPU before the guest programs them
//! (a BIOS-less start initialises the PICs itself; ICW1 then clears the
//! mask as the datasheet says).
//!
//! The platform drives lines with [`PicPair::set_irq`] / [`PicPair::pulse`],
//! asks [`PicPair::output`] after every such call and every guest access to
//! these ports, and runs the INTA cycle with [`PicPair::ack`] when it
//! injects an ExtINT.

mod chip;
#[cfg(test)]
mod tests;

use chip::Chip;

use crate::bus::{read_bytes, write_bytes, Device};
use crate::ctx::Ctx;

/// The port ranges the pair claims: (base, length).
pub const RANGES: [(u64, u64); 3] = [(0x20, 2), (0xa0, 2), (0x4d0, 2)];

/// ELCR bits that can be set: IRQ 0, 1, 2 (master) and 8, 13 (slave) are
/// always edge-triggered.
const ELCR_MASTER_BITS: u8 = 0xf8;
const ELCR_SLAVE_BITS: u8 = 0xde;

/// The master's input the slave's INT is wired to.
const CASCADE_IR: u8 = 2;

/// The master and slave 8259A with the ELCR.
#[derive(Clone, Debug)]
pub struct PicPair {
    master: Chip,
    slave: Chip,
}

impl Default for PicPair {
    fn default() -> Self {
        Self::new()
    }
}

impl PicPair {
    pub const fn new() -> Self {
        Self {
            master: Chip::new(true),
            slave: Chip::new(false),
        }
    }

    /// Drives ISA line `irq` (0–15, but not 2) to `level`; others are
    /// ignored.
    pub fn set_irq(&mut self, irq: u8, level: bool) {
        match irq {
            0..=7 if irq != CASCADE_IR => self.master.set_line(irq, level),
            8..=15 => {
                self.slave.set_line(irq - 8, level);
                self.cascade();
            }
            _ => {}
        }
    }

    /// A rising and a falling edge on ISA line `irq`: latched by an
    /// edge-triggered input, lost on a level-triggered one. The line is
    /// low afterwards.
    pub fn pulse(&mut self, irq: u8) {
        self.set_irq(irq, true);
        self.set_irq(irq, false);
    }

    /// The master's INTR: an unmasked request outranks what is in service.
    pub fn output(&self) -> bool {
        self.master.pending().is_some()
    }

    /// The INTA cycle: the vector to deliver, with IRR moved to ISR (or
    /// not, in auto-EOI mode). A request that vanished yields the spurious
    /// IR7 vector of the chip that lost it (IRQ 7, or IRQ 15 when the
    /// master had already committed to the slave) without setting that
    /// chip's ISR bit.
    pub fn ack(&mut self) -> u8 {
        let Some(ir) = self.master.pending() else {
            return self.master.vector(7);
        };
        self.master.accept(ir);
        if ir != CASCADE_IR {
            return self.master.vector(ir);
        }
        let vector = match self.slave.pending() {
            Some(sir) => {
                self.slave.accept(sir);
                self.slave.vector(sir)
            }
            None => self.slave.vector(7),
        };
        self.reedge_cascade();
        vector
    }

    /// The master follows the slave's INT on IR2.
    fn cascade(&mut self) {
        let int = self.slave.pending().is_some();
        self.master.set_line(CASCADE_IR, int);
    }

    /// The slave drops INT during its acknowledge; if it still (or again)
    /// has a request afterwards, the master sees a fresh edge. Without
    /// this, a slave in auto-EOI mode with a second request would hold INT
    /// high through the cycle and the master would never latch it again.
    fn reedge_cascade(&mut self) {
        self.master.set_line(CASCADE_IR, false);
        self.cascade();
    }

    fn read_byte(&mut self, port: u64) -> u8 {
        match port {
            // Polling the master only acknowledges the master: a slave
            // request stays pending (and INT high) until the slave is
            // polled too, so IR2 must not latch it a second time.
            0x20 | 0x21 if self.master.poll => {
                let v = self.master.poll_read();
                self.cascade();
                v
            }
            0xa0 | 0xa1 if self.slave.poll => {
                let v = self.slave.poll_read();
                self.cascade();
                v
            }
            0x20 => self.master.read_command(),
            0x21 => self.master.imr,
            0xa0 => self.slave.read_command(),
            0xa1 => self.slave.imr,
            0x4d0 => self.master.elcr(),
            0x4d1 => self.slave.elcr(),
            _ => 0xff,
        }
    }

    fn write_byte(&mut self, port: u64, v: u8) {
        match port {
            0x20 => self.master.write_command(v),
            0x21 => self.master.write_data(v),
            0xa0 => self.slave.write_command(v),
            0xa1 => self.slave.write_data(v),
            0x4d0 => self.master.set_elcr(v & ELCR_MASTER_BITS),
            0x4d1 => self.slave.set_elcr(v & ELCR_SLAVE_BITS),
            _ => return,
        }
        self.cascade();
    }
}

/// Whether `port` is one of ours: bytes of a wide access that spill past
/// a range read as all ones and are not written.
fn claims(port: u64) -> bool {
    RANGES
        .iter()
        .any(|&(base, len)| port.wrapping_sub(base) < len)
}

impl Device for PicPair {
    fn name(&self) -> &'static str {
        "pic"
    }

    /// A wide access is the ISA bus's sequence of byte cycles at
    /// ascending ports.
    fn read(&mut self, _ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        read_bytes(addr, size, |port| {
            if claims(port) {
                self.read_byte(port)
            } else {
                0xff
            }
        })
    }

    fn write(&mut self, _ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        write_bytes(addr, size, value, |port, b| {
            if claims(port) {
                self.write_byte(port, b);
            }
        });
    }
}

//! The I/O APIC: 24 interrupt pins turned into messages for local APICs.
//!
//! Facts modelled (Intel 82093AA datasheet, and the version-0x20 EOI
//! register of later I/O APICs that Linux uses when present):
//! - MMIO at [`BASE`]: IOREGSEL (+0x00, an 8-bit index), IOWIN (+0x10, the
//!   32-bit register IOREGSEL selects), EOI (+0x40, write a vector).
//! - Indirect registers: 0x00 ID (bits 24–27 writable), 0x01 version
//!   [`VERSION`] (0x20, maximum redirection entry 23), 0x02 arbitration ID
//!   (read-only, reloaded from the ID whenever the ID is written), and from
//!   0x10 the 24 redirection entries, two registers each (low word, high
//!   word). Other indices read 0 and ignore writes.
//! - A redirection entry: vector (0–7), delivery mode (8–10), destination
//!   mode (11, logical if set), delivery status (12, always idle: messages
//!   leave at once), polarity (13), remote IRR (14, read-only), trigger mode
//!   (15, level if set), mask (16), destination (56–63). Entries come up
//!   masked. Changing an entry to edge-triggered clears its remote IRR.
//! - Edge entries send on a rising edge of their line while unmasked; an
//!   edge on a masked pin is lost (datasheet: not held pending). Level
//!   entries send while their line is asserted, unmasked, and remote IRR is
//!   clear, and set remote IRR; an EOI for their vector (the EOI register
//!   or a local APIC's EOI broadcast, [`IoApic::eoi`]) clears it and sends
//!   again if the line is still asserted. Unmasking an entry whose level
//!   line is asserted sends.
//! - Only fixed and lowest-priority messages are level-triggered; NMI, INIT
//!   and ExtINT entries behave as edges whatever their trigger bit (their
//!   receivers never send an EOI, so remote IRR would stick). SMI (no SMM
//!   here) and the reserved modes send nothing.
//!
//! Polarity is stored but not applied: the platform drives each pin with
//! its logical level (asserted or not), as QEMU and KVM do, so whichever
//! polarity the firmware tables declare and the guest programs, asserted
//! means asserted. Inverting for active-low would make a line declared
//! active-low (the ACPI SCI) fire whenever it is idle.
//!
//! MMIO accesses of any size: reads return the bytes of the registers they
//! cover (each register is the first 4 bytes of its 16-byte slot; the rest
//! reads 0). IOREGSEL and EOI take the low byte of a write of any width at
//! their offset; IOWIN writes take effect only 4 or more bytes wide at +0x10
//! (the datasheet requires dword accesses); other writes are dropped.
//! Not modelled: the extended destination ID bits some hypervisors define in
//! bits 48–55.

#[cfg(test)]
mod tests;

use crate::apic::{ApicMsg, Delivery, Dest};
use crate::bus::Device;
use crate::ctx::Ctx;

/// The guest-physical base of the register window.
pub const BASE: u64 = 0xfec0_0000;
/// The size of the MMIO range the platform routes here.
pub const SIZE: u64 = 0x1000;
/// Number of interrupt pins (and redirection entries).
pub const PINS: usize = 24;
/// Version 0x20, maximum redirection entry 23.
pub const VERSION: u32 = 0x0017_0020;

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const EOI: u64 = 0x40;

const REG_ID: u8 = 0x00;
const REG_VERSION: u8 = 0x01;
const REG_ARB: u8 = 0x02;
const REG_REDIR: u8 = 0x10;

const ID_WRITABLE: u32 = 0x0f00_0000;

const RTE_DEST_LOGICAL: u64 = 1 << 11;
const RTE_REMOTE_IRR: u64 = 1 << 14;
const RTE_LEVEL: u64 = 1 << 15;
const RTE_MASKED: u64 = 1 << 16;
/// Writable bits of the low word: vector, delivery and destination mode,
/// polarity, trigger mode, mask.
const RTE_LOW_WRITABLE: u64 = 0x1_afff;
/// Writable bits of the high word: the destination.
const RTE_HIGH_WRITABLE: u64 = 0xff00_0000;

/// The I/O APIC.
#[derive(Clone, Debug)]
pub struct IoApic {
    /// The ID register (ID in bits 24–27).
    id: u32,
    sel: u8,
    redir: [u64; PINS],
    /// The logical level of each pin.
    lines: [bool; PINS],
}

impl IoApic {
    /// An I/O APIC with APIC ID `id` (bits 0–3; what the MADT says), every
    /// entry masked.
    pub fn new(id: u8) -> Self {
        Self {
            id: (u32::from(id) << 24) & ID_WRITABLE,
            sel: 0,
            redir: [RTE_MASKED; PINS],
            lines: [false; PINS],
        }
    }

    /// Pin `pin` now has logical level `level` (true: asserted).
    pub fn set_irq(&mut self, ctx: &mut Ctx, pin: u8, level: bool) {
        let i = usize::from(pin);
        let Some(line) = self.lines.get_mut(i) else {
            return;
        };
        let rising = level && !*line;
        *line = level;
        let e = self.redir[i];
        if e & RTE_MASKED != 0 {
            return;
        }
        if e & RTE_LEVEL != 0 {
            self.service(ctx, i);
        } else if rising {
            self.send(ctx, i);
        }
    }

    /// One edge on `pin`: asserted, then deasserted.
    pub fn pulse(&mut self, ctx: &mut Ctx, pin: u8) {
        self.set_irq(ctx, pin, true);
        self.set_irq(ctx, pin, false);
    }

    /// A local APIC ended level-triggered `vector` (or the guest wrote the
    /// EOI register): entries with that vector leave remote IRR and send
    /// again if their line is still asserted.
    pub fn eoi(&mut self, ctx: &mut Ctx, vector: u8) {
        for i in 0..PINS {
            let e = self.redir[i];
            if e as u8 == vector && e & RTE_REMOTE_IRR != 0 {
                self.redir[i] = e & !RTE_REMOTE_IRR;
                self.service(ctx, i);
            }
        }
    }

    /// Sends for level entry `i` if its line calls for it.
    fn service(&mut self, ctx: &mut Ctx, i: usize) {
        let e = self.redir[i];
        let ready = e & (RTE_LEVEL | RTE_MASKED | RTE_REMOTE_IRR) == RTE_LEVEL;
        if ready && self.lines[i] {
            self.send(ctx, i);
        }
    }

    /// Sends entry `i`'s message.
    fn send(&mut self, ctx: &mut Ctx, i: usize) {
        let e = self.redir[i];
        let delivery = match Delivery::from_bits(e >> 8) {
            Some(Delivery::StartUp | Delivery::Smi) | None => return,
            Some(d) => d,
        };
        let level =
            e & RTE_LEVEL != 0 && matches!(delivery, Delivery::Fixed | Delivery::LowestPriority);
        if level {
            self.redir[i] = e | RTE_REMOTE_IRR;
        }
        let field = (e >> 56) as u32;
        let dest = if e & RTE_DEST_LOGICAL != 0 {
            Dest::Logical(field)
        } else {
            Dest::Physical(field)
        };
        ctx.send(ApicMsg {
            vector: e as u8,
            delivery,
            dest,
            level,
            source: 0,
        });
    }

    /// The indirect register IOREGSEL selects.
    fn read_window(&self) -> u32 {
        match self.sel {
            REG_ID | REG_ARB => self.id,
            REG_VERSION => VERSION,
            s if s >= REG_REDIR => {
                let n = usize::from(s - REG_REDIR);
                let e = self.redir.get(n / 2).copied().unwrap_or(0);
                if n % 2 == 0 {
                    e as u32
                } else {
                    (e >> 32) as u32
                }
            }
            _ => 0,
        }
    }

    fn write_window(&mut self, ctx: &mut Ctx, value: u32) {
        let value = u64::from(value);
        match self.sel {
            REG_ID => self.id = value as u32 & ID_WRITABLE,
            s if s >= REG_REDIR => {
                let n = usize::from(s - REG_REDIR);
                let Some(e) = self.redir.get_mut(n / 2) else {
                    return;
                };
                if n % 2 == 1 {
                    *e = (*e & 0xffff_ffff) | ((value & RTE_HIGH_WRITABLE) << 32);
                    return;
                }
                *e = (*e & !RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
                if *e & RTE_LEVEL == 0 {
                    *e &= !RTE_REMOTE_IRR;
                }
                self.service(ctx, n / 2);
            }
            _ => {}
        }
    }

    /// The 32-bit register in the slot at `off`.
    fn read_slot(&self, off: u64) -> u32 {
        match off {
            IOREGSEL => u32::from(self.sel),
            IOWIN => self.read_window(),
            _ => 0,
        }
    }
}

impl Device for IoApic {
    fn name(&self) -> &'static str {
        "ioapic"
    }

    fn read(&mut self, _ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        let first = addr.wrapping_sub(BASE);
        let mut value = 0;
        for i in 0..u64::from(size.min(8)) {
            let off = first.wrapping_add(i);
            let lane = off & 15;
            if off < SIZE && lane < 4 {
                let reg = self.read_slot(off & !15);
                value |= u64::from((reg >> (lane * 8)) as u8) << (i * 8);
            }
        }
        value
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        match addr.wrapping_sub(BASE) {
            IOREGSEL => self.sel = value as u8,
            IOWIN if size >= 4 => self.write_window(ctx, value as u32),
            EOI => self.eoi(ctx, value as u8),
            _ => {}
        }
    }
}

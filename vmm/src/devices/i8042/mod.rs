//! The PS/2 controller (an 8042 behind ports 0x60 and 0x64) with a
//! keyboard that never has a key pressed and no mouse.
//!
//! Guests need it for three things: Linux's i8042 driver probes it, it
//! answers a keyboard's self-test and identification, and writing its
//! output port or pulsing it is the classic way to reset a PC (here:
//! [`Stop::Reset`]).
//!
//! Modelled: the status register (OBF, SYS, A2, unlocked, AUX OBF; the
//! input buffer is never full since commands take effect at once), the
//! 32 bytes of controller RAM with the command byte at 0 (0x20–0x3F read,
//! 0x60–0x7F write), self test 0xAA → 0x55, interface tests 0xAB/0xA9 →
//! 0x00, port disable/enable 0xAD/0xAE/0xA7/0xA8 (command byte bits 4 and
//! 5), the output port 0xD0/0xD1 (bit 0 low resets, bit 1 is A20, kept for
//! [`I8042::a20`]), writing the output buffer as keyboard or mouse 0xD2/0xD3,
//! and pulses 0xF0–0xFF (bit 0 clear resets). Unknown commands are ignored.
//!
//! The keyboard (`keyboard.rs`) answers its commands; the controller's
//! translation (command byte bit 6) turns its identification 0xAB 0x83 into
//! 0xAB 0x41, as a real 8042 does. A write to the keyboard enables the
//! keyboard interface again, as on an AT controller.
//!
//! There is no mouse: bytes sent to it with 0xD4 are answered with 0xFE
//! from the mouse channel, what a controller reports when the device does
//! not respond. (The platform also declares no PS/2 mouse in ACPI, so
//! Linux does not probe it.)
//!
//! Bytes for the guest wait in a queue behind the one-byte output buffer.
//! IRQ 1 (keyboard bytes) and IRQ 12 (mouse bytes) are levels, high while
//! the byte in the output buffer is of their channel and the command byte
//! enables them; reading a byte drops the line before the next byte raises
//! it again, so an edge-triggered controller sees every byte.

mod keyboard;
#[cfg(test)]
mod tests;

use alloc::collections::VecDeque;

use crate::bus::Device;
use crate::ctx::{Ctx, Stop};

pub const DATA_PORT: u64 = 0x60;
pub const CMD_PORT: u64 = 0x64;
pub const KBD_IRQ: u8 = 1;
pub const AUX_IRQ: u8 = 12;

// Command byte.
const CB_KBD_INT: u8 = 0x01;
const CB_AUX_INT: u8 = 0x02;
const CB_SYS: u8 = 0x04;
const CB_KBD_OFF: u8 = 0x10;
const CB_AUX_OFF: u8 = 0x20;
const CB_XLATE: u8 = 0x40;
// Status register.
const ST_OBF: u8 = 0x01;
const ST_A2: u8 = 0x08;
const ST_UNLOCKED: u8 = 0x10;
const ST_AUX: u8 = 0x20;
// Output port.
const OP_RESET: u8 = 0x01;
const OP_A20: u8 = 0x02;

/// More than any command sequence produces.
const QUEUE_LEN: usize = 16;

/// A byte for the guest and whether it comes from the mouse channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Out {
    byte: u8,
    aux: bool,
}

pub struct I8042 {
    /// Controller RAM; byte 0 is the command byte.
    ram: [u8; 32],
    /// The last write went to the command port.
    a2: bool,
    out_port: u8,
    queue: VecDeque<Out>,
    /// What the data port shows with nothing queued: the last byte read.
    last: u8,
    /// A controller command waiting for its data byte.
    cmd: Option<u8>,
    kbd: keyboard::Keyboard,
    /// Levels last driven on IRQ 1 and IRQ 12.
    irq1: bool,
    irq12: bool,
}

impl Default for I8042 {
    fn default() -> Self {
        Self::new()
    }
}

impl I8042 {
    /// Data and command/status port.
    pub const RANGES: &'static [(u64, u64)] = &[(DATA_PORT, 1), (CMD_PORT, 1)];

    /// A controller as a BIOS leaves it: keyboard interrupt and translation
    /// on, mouse port off, system flag set, A20 on.
    pub fn new() -> Self {
        let mut ram = [0; 32];
        ram[0] = CB_KBD_INT | CB_SYS | CB_AUX_OFF | CB_XLATE;
        Self {
            ram,
            a2: false,
            out_port: OP_RESET | OP_A20,
            queue: VecDeque::new(),
            last: 0,
            cmd: None,
            kbd: keyboard::Keyboard::new(),
            irq1: false,
            irq12: false,
        }
    }

    /// The A20 gate of the output port.
    pub fn a20(&self) -> bool {
        self.out_port & OP_A20 != 0
    }

    fn push(&mut self, byte: u8, aux: bool) {
        if self.queue.len() < QUEUE_LEN {
            self.queue.push_back(Out { byte, aux });
        }
    }

    fn status(&self) -> u8 {
        let mut s = ST_UNLOCKED | (self.ram[0] & CB_SYS);
        if self.a2 {
            s |= ST_A2;
        }
        if let Some(o) = self.queue.front() {
            s |= ST_OBF | if o.aux { ST_AUX } else { 0 };
        }
        s
    }

    fn drive(&mut self, ctx: &mut Ctx, irq1: bool, irq12: bool) {
        if irq1 != self.irq1 {
            self.irq1 = irq1;
            ctx.set_line(KBD_IRQ, irq1);
        }
        if irq12 != self.irq12 {
            self.irq12 = irq12;
            ctx.set_line(AUX_IRQ, irq12);
        }
    }

    fn update_lines(&mut self, ctx: &mut Ctx) {
        let front = self.queue.front().copied();
        let cb = self.ram[0];
        let irq1 = front.is_some_and(|o| !o.aux) && cb & CB_KBD_INT != 0;
        let irq12 = front.is_some_and(|o| o.aux) && cb & CB_AUX_INT != 0;
        self.drive(ctx, irq1, irq12);
    }

    fn read_data(&mut self, ctx: &mut Ctx) -> u8 {
        if let Some(o) = self.queue.pop_front() {
            self.last = o.byte;
            // The output buffer empties before the next byte fills it.
            self.drive(ctx, false, false);
        }
        self.last
    }

    fn write_command(&mut self, ctx: &mut Ctx, c: u8) {
        self.cmd = None;
        match c {
            0x20..=0x3f => self.push(self.ram[usize::from(c & 0x1f)], false),
            0x60..=0x7f | 0xd1..=0xd4 => self.cmd = Some(c),
            0xa7 => self.ram[0] |= CB_AUX_OFF,
            0xa8 => self.ram[0] &= !CB_AUX_OFF,
            0xa9 | 0xab => self.push(0x00, false),
            0xaa => {
                self.ram[0] |= CB_SYS;
                self.push(0x55, false);
            }
            0xad => self.ram[0] |= CB_KBD_OFF,
            0xae => self.ram[0] &= !CB_KBD_OFF,
            0xd0 => {
                let mut p = self.out_port & 0x0f;
                if let Some(o) = self.queue.front() {
                    p |= if o.aux { 0x20 } else { 0x10 };
                }
                self.push(p, false);
            }
            // Pulse the output port's low bits that are clear in `c`.
            0xf0..=0xff if c & OP_RESET == 0 => ctx.stop(Stop::Reset),
            _ => {}
        }
    }

    fn write_data(&mut self, ctx: &mut Ctx, v: u8) {
        match self.cmd.take() {
            Some(c @ 0x60..=0x7f) => self.ram[usize::from(c & 0x1f)] = v,
            Some(0xd1) => {
                self.out_port = v;
                if v & OP_RESET == 0 {
                    ctx.stop(Stop::Reset);
                }
            }
            Some(0xd2) => self.push(v, false),
            Some(0xd3) => self.push(v, true),
            Some(0xd4) => self.push(0xfe, true),
            _ => {
                self.ram[0] &= !CB_KBD_OFF;
                let xlate = self.ram[0] & CB_XLATE != 0;
                for &b in self.kbd.command(v).bytes() {
                    self.push(if xlate { keyboard::translate(b) } else { b }, false);
                }
            }
        }
    }
}

impl Device for I8042 {
    fn name(&self) -> &'static str {
        "i8042"
    }

    /// Only the first byte of a wider access is the controller's; the
    /// ports after 0x60 and 0x64 belong to others and read as all ones.
    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        let b = match addr {
            DATA_PORT => self.read_data(ctx),
            CMD_PORT => self.status(),
            _ => 0xff,
        };
        self.update_lines(ctx);
        crate::bus::all_ones(size) & !0xff | u64::from(b)
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, _size: u8, value: u64) {
        let v = value as u8;
        match addr {
            DATA_PORT => {
                self.a2 = false;
                self.write_data(ctx, v);
            }
            CMD_PORT => {
                self.a2 = true;
                self.write_command(ctx, v);
            }
            _ => {}
        }
        self.update_lines(ctx);
    }
}

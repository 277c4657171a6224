//! One 8259A: its registers, the initialisation sequence and the priority
//! resolver. The cascade wiring and the ISA line numbers live in the pair
//! ([`super::PicPair`]); a chip here only knows its own eight inputs.
//!
//! Inputs latch as the 8259A's edge-sense logic does: in edge mode a rising
//! edge sets the IRR bit and a falling edge leaves it, so a request survives
//! a pulse shorter than the time to the INTA cycle (the hardware wants the
//! line held until INTA; our sources signal instantaneous pulses). In level
//! mode the IRR bit is the line.

/// Where the command/data port writes are in the ICW1–ICW4 sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Init {
    Ready,
    Icw2,
    Icw3,
    Icw4,
}

/// One 8259A.
#[derive(Clone, Debug)]
pub(super) struct Chip {
    /// Requests (IRR), in service (ISR), masked (IMR).
    pub(super) irr: u8,
    pub(super) isr: u8,
    pub(super) imr: u8,
    /// The current level of each input, for edge detection.
    lines: u8,
    /// Level-triggered inputs as the ELCR says (LTIM makes all of them so).
    elcr: u8,
    /// ICW1's LTIM bit: every input level-triggered.
    ltim: bool,
    /// Vector of IR0; the low three bits are the input number.
    pub(super) base: u8,
    init: Init,
    icw4_needed: bool,
    single: bool,
    auto_eoi: bool,
    rotate_on_aeoi: bool,
    /// Special fully nested mode (ICW4 bit 4); only meaningful on the
    /// master, whose IR2 then accepts a slave's higher requests while it
    /// has one in service.
    sfnm: bool,
    /// The input with the highest priority; rotation moves it.
    top: u8,
    /// OCW3 selected the ISR for command-port reads (else the IRR).
    read_isr: bool,
    /// OCW3 poll command: the next read is an interrupt acknowledge.
    pub(super) poll: bool,
    special_mask: bool,
    /// This is the master (SFNM applies to IR2).
    master: bool,
}

impl Chip {
    /// Uninitialised: every input masked, vectors based at 0, edge mode.
    pub(super) const fn new(master: bool) -> Self {
        Self {
            irr: 0,
            isr: 0,
            imr: 0xff,
            lines: 0,
            elcr: 0,
            ltim: false,
            base: 0,
            init: Init::Ready,
            icw4_needed: false,
            single: false,
            auto_eoi: false,
            rotate_on_aeoi: false,
            sfnm: false,
            top: 0,
            read_isr: false,
            poll: false,
            special_mask: false,
            master,
        }
    }

    fn level_mask(&self) -> u8 {
        if self.ltim {
            0xff
        } else {
            self.elcr
        }
    }

    /// Drives input `ir` (0–7) to `level`.
    pub(super) fn set_line(&mut self, ir: u8, level: bool) {
        let bit = 1u8 << (ir & 7);
        if self.level_mask() & bit != 0 {
            self.irr = if level {
                self.irr | bit
            } else {
                self.irr & !bit
            };
        } else if level && self.lines & bit == 0 {
            self.irr |= bit;
        }
        self.lines = if level {
            self.lines | bit
        } else {
            self.lines & !bit
        };
    }

    pub(super) fn elcr(&self) -> u8 {
        self.elcr
    }

    /// Sets which inputs are level-triggered; an input that becomes level
    /// takes its line as its request at once.
    pub(super) fn set_elcr(&mut self, elcr: u8) {
        self.elcr = elcr;
        let lm = self.level_mask();
        self.irr = (self.irr & !lm) | (self.lines & lm);
    }

    /// The priority rank (0 highest) of the most urgent input in `set`.
    fn rank(&self, set: u8) -> Option<u8> {
        (0..8).find(|r| set & (1 << ((r + self.top) & 7)) != 0)
    }

    fn input_of(&self, rank: u8) -> u8 {
        (rank + self.top) & 7
    }

    /// The input INTA would serve now: the most urgent unmasked request
    /// that outranks everything in service (fully nested mode).
    pub(super) fn pending(&self) -> Option<u8> {
        let want = self.rank(self.irr & !self.imr)?;
        let ir = self.input_of(want);
        // In special mask mode a masked level no longer holds lower ones off.
        let blocking = if self.special_mask {
            self.isr & !self.imr
        } else {
            self.isr
        };
        let busy = self.rank(blocking).unwrap_or(8);
        let nested = self.sfnm && self.master && ir == 2 && want == busy;
        (want < busy || nested).then_some(ir)
    }

    /// The INTA cycle's effect on the registers for input `ir`.
    pub(super) fn accept(&mut self, ir: u8) {
        let bit = 1u8 << (ir & 7);
        if self.level_mask() & bit == 0 {
            self.irr &= !bit;
        }
        if !self.auto_eoi {
            self.isr |= bit;
        } else if self.rotate_on_aeoi {
            self.top = (ir + 1) & 7;
        }
    }

    /// The vector INTA returns for input `ir`.
    pub(super) fn vector(&self, ir: u8) -> u8 {
        self.base | (ir & 7)
    }

    /// The poll command's answer (and its acknowledge): bit 7 says whether
    /// a request was pending, bits 2:0 which. Nothing pending reads 0.
    pub(super) fn poll_read(&mut self) -> u8 {
        self.poll = false;
        match self.pending() {
            Some(ir) => {
                self.accept(ir);
                0x80 | ir
            }
            None => 0,
        }
    }

    pub(super) fn read_command(&self) -> u8 {
        if self.read_isr {
            self.isr
        } else {
            self.irr
        }
    }

    pub(super) fn write_command(&mut self, v: u8) {
        if v & 0x10 != 0 {
            self.icw1(v);
        } else if v & 0x08 != 0 {
            self.ocw3(v);
        } else {
            self.ocw2(v);
        }
    }

    pub(super) fn write_data(&mut self, v: u8) {
        self.init = match self.init {
            Init::Ready => {
                self.imr = v;
                Init::Ready
            }
            Init::Icw2 => {
                self.base = v & 0xf8;
                if !self.single {
                    Init::Icw3
                } else if self.icw4_needed {
                    Init::Icw4
                } else {
                    Init::Ready
                }
            }
            // The cascade wiring is fixed by the board, whatever ICW3 says.
            Init::Icw3 if self.icw4_needed => Init::Icw4,
            Init::Icw3 => Init::Ready,
            Init::Icw4 => {
                self.auto_eoi = v & 0x02 != 0;
                self.sfnm = v & 0x10 != 0;
                Init::Ready
            }
        };
    }

    /// ICW1 resets the chip as the datasheet lists: mask cleared, IR7
    /// lowest, special mask and poll off, IRR selected for reads, and the
    /// edge-sense latches cleared so an input that is already high must
    /// fall and rise again. In-service bits go too (what a guest that
    /// reinitialises expects). ICW4's functions are cleared when none
    /// follows.
    fn icw1(&mut self, v: u8) {
        self.icw4_needed = v & 0x01 != 0;
        self.single = v & 0x02 != 0;
        self.ltim = v & 0x08 != 0;
        self.init = Init::Icw2;
        self.imr = 0;
        self.isr = 0;
        self.irr = self.lines & self.level_mask();
        self.top = 0;
        self.special_mask = false;
        self.read_isr = false;
        self.poll = false;
        self.rotate_on_aeoi = false;
        if !self.icw4_needed {
            self.auto_eoi = false;
            self.sfnm = false;
        }
    }

    fn ocw2(&mut self, v: u8) {
        let level = v & 7;
        match v >> 5 {
            0b000 => self.rotate_on_aeoi = false,
            0b100 => self.rotate_on_aeoi = true,
            0b001 => {
                self.eoi_top();
            }
            0b101 => {
                if let Some(ir) = self.eoi_top() {
                    self.top = (ir + 1) & 7;
                }
            }
            0b011 => self.isr &= !(1 << level),
            0b111 => {
                self.isr &= !(1 << level);
                self.top = (level + 1) & 7;
            }
            0b110 => self.top = (level + 1) & 7,
            _ => {} // 0b010: no operation
        }
    }

    /// Non-specific EOI: ends the most urgent in-service input.
    fn eoi_top(&mut self) -> Option<u8> {
        let ir = self.input_of(self.rank(self.isr)?);
        self.isr &= !(1 << ir);
        Some(ir)
    }

    fn ocw3(&mut self, v: u8) {
        if v & 0x02 != 0 {
            self.read_isr = v & 0x01 != 0;
        }
        if v & 0x40 != 0 {
            self.special_mask = v & 0x20 != 0;
        }
        self.poll = v & 0x04 != 0;
    }
}

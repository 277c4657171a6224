//! The UART's register reads and writes by offset from its base.

use super::*;

impl Uart {
    pub(super) fn read_reg(&mut self, off: u8) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match off {
            0 if dlab => self.divisor as u8,
            1 if dlab => (self.divisor >> 8) as u8,
            0 => self.rx_pop(),
            1 => self.ier,
            2 => {
                let code = self.pending();
                if code == Some(0x02) {
                    self.thre_pending = false;
                }
                code.unwrap_or(IIR_NONE) | if self.fifo { IIR_FIFO } else { 0 }
            }
            3 => self.lcr,
            4 => self.mcr,
            5 => {
                let dr = if self.rx_len > 0 { LSR_DR } else { 0 };
                let v = dr | self.lsr_err | LSR_THRE_TEMT;
                self.lsr_err = 0;
                v
            }
            6 => {
                let v = self.msr_lines() | self.msr_delta;
                self.msr_delta = 0;
                v
            }
            _ => self.scr,
        }
    }

    pub(super) fn write_reg(&mut self, ctx: &mut Ctx, off: u8, v: u8) {
        let dlab = self.lcr & LCR_DLAB != 0;
        match off {
            0 if dlab => self.divisor = self.divisor & 0xff00 | u16::from(v),
            1 if dlab => self.divisor = self.divisor & 0x00ff | u16::from(v) << 8,
            0 => self.write_thr(ctx, v),
            1 => {
                let enabled = v & !self.ier & IER_THRE != 0;
                self.ier = v & 0x0f;
                if enabled {
                    self.thre_pending = true; // THR is always empty
                } else if self.ier & IER_THRE == 0 {
                    self.thre_pending = false;
                }
            }
            2 => self.write_fcr(v),
            3 => self.lcr = v,
            4 => self.write_mcr(v),
            5 | 6 => {} // LSR and MSR are read-only here
            _ => self.scr = v,
        }
    }

    fn write_thr(&mut self, ctx: &mut Ctx, v: u8) {
        if self.mcr & MCR_LOOP != 0 {
            self.rx_push(v);
        } else {
            self.line.push(v, &mut *self.out);
        }
        // THR empties again at once: a fresh THRE interrupt, seen by an
        // edge-triggered controller as a new edge.
        if self.thre_pending {
            self.thre_pending = false;
            self.update_line(ctx);
        }
        self.thre_pending = self.ier & IER_THRE != 0;
    }

    fn write_fcr(&mut self, v: u8) {
        if v & 0x01 == 0 {
            // Other bits are only programmed together with the enable bit.
            self.fifo = false;
            self.rx_clear();
            return;
        }
        if !self.fifo || v & 0x02 != 0 {
            self.rx_clear();
        }
        self.fifo = true;
        self.trigger = match v >> 6 {
            0 => 1,
            1 => 4,
            2 => 8,
            _ => 14,
        };
    }

    fn write_mcr(&mut self, v: u8) {
        let before = self.msr_lines();
        // Bits 5–7 read as 0 on the 16550A.
        self.mcr = v & 0x1f;
        let after = self.msr_lines();
        let changed = before ^ after;
        // DCTS, DDSR and DDCD on any change; TERI only when RI falls.
        let delta = (changed >> 4) & 0x0b | (changed & before & 0x40) >> 4;
        self.msr_delta |= delta;
    }
}

//! The register file, shared by the xAPIC page and the x2APIC MSRs.
//!
//! The modes differ where the SDM says they do: x2APIC has a 32-bit ID and
//! an LDR derived from it (both read-only), a 64-bit ICR at one MSR, a SELF
//! IPI register, and no DFR, ICR high, APR or RRD. xAPIC ignores writes of
//! read-only registers and reserved bits; x2APIC refuses them with #GP (SDM
//! "Reserved Bit Checking"), as it does the upper 32 bits of every register
//! but the ICR. An xAPIC access to an offset that names no register reads
//! 0, drops a write, and sets the illegal-register-address ESR bit.
//!
//! Writes that reach the LVT while the APIC is software-disabled keep the
//! mask bit set, and clearing SVR bit 8 masks every LVT entry (SDM "Local
//! APIC State After It Has Been Software Disabled").

use super::icr::{decode, Ipi};
use super::regs::*;
use super::timer::Mode;
use super::Lapic;
use crate::apic::{ApicMsg, Delivery, Dest};
use crate::ctx::Ctx;

const LVT_LAST: u32 = LVT_FIRST + LVT_COUNT as u32 - 1;

impl Lapic {
    /// An xAPIC register read through the MMIO page.
    pub(super) fn read_mmio_reg(&mut self, ctx: &Ctx, idx: u32) -> u32 {
        match self.get(ctx, idx, false) {
            Some(v) => v as u32,
            None => {
                self.error(ESR_ILLEGAL_REGISTER);
                0
            }
        }
    }

    /// An xAPIC register write through the MMIO page.
    pub(super) fn write_mmio_reg(&mut self, ctx: &mut Ctx, idx: u32, value: u32) {
        if !self.put(ctx, idx, u64::from(value), false) {
            self.error(ESR_ILLEGAL_REGISTER);
        }
    }

    /// An x2APIC register read; None for #GP.
    pub(super) fn read_reg(&mut self, ctx: &Ctx, idx: u32) -> Option<u64> {
        self.get(ctx, idx, true)
    }

    /// An x2APIC register write; false for #GP.
    pub(super) fn write_reg(&mut self, ctx: &mut Ctx, idx: u32, value: u64) -> bool {
        if idx != ICR && value >> 32 != 0 {
            return false;
        }
        self.put(ctx, idx, value, true)
    }

    /// Register `idx` as mode `x2` reads it; None where it names no
    /// readable register.
    fn get(&self, ctx: &Ctx, idx: u32, x2: bool) -> Option<u64> {
        let v = match idx {
            ID if x2 => self.id,
            ID => self.id << 24,
            VERSION => VERSION_VALUE,
            TPR => u32::from(self.tpr),
            PPR => u32::from(self.ppr()),
            APR | RRD | EOI if !x2 => 0,
            LDR => self.ldr(),
            DFR if !x2 => self.dfr | !DFR_WRITABLE,
            SVR => self.svr,
            ISR..=0x17 => self.isr.word(idx - ISR),
            TMR..=0x1f => self.tmr.word(idx - TMR),
            IRR..=0x27 => self.irr.word(idx - IRR),
            ESR => self.esr,
            ICR if x2 => return Some(self.icr),
            ICR => self.icr as u32,
            ICR_HI if !x2 => (self.icr >> 32) as u32,
            LVT_FIRST..=LVT_LAST => self.lvt[(idx - LVT_FIRST) as usize],
            TIMER_INITIAL => self.timer.initial(),
            TIMER_CURRENT => self.timer.current(ctx.now.ns),
            TIMER_DIVIDE => self.timer.dcr(),
            _ => return None,
        };
        Some(u64::from(v))
    }

    /// Writes register `idx` as mode `x2` does; false where there is no
    /// such register, or (x2APIC) the write must raise #GP.
    fn put(&mut self, ctx: &mut Ctx, idx: u32, value: u64, x2: bool) -> bool {
        // x2APIC refuses bits outside `mask`; xAPIC drops them.
        let fits = |mask: u64| !x2 || value & !mask == 0;
        let v32 = value as u32;
        match idx {
            ID | VERSION | PPR | ISR..=0x27 | TIMER_CURRENT => !x2,
            APR | RRD | LDR if !x2 => {
                if idx == LDR {
                    self.ldr = v32 & LDR_WRITABLE;
                }
                true
            }
            DFR if !x2 => {
                self.dfr = (v32 & DFR_WRITABLE) | !DFR_WRITABLE;
                true
            }
            TPR if fits(0xff) => {
                self.tpr = value as u8;
                true
            }
            EOI if fits(0) => {
                self.end_of_interrupt(ctx);
                true
            }
            SVR if fits(u64::from(SVR_WRITABLE)) => {
                self.svr = v32 & SVR_WRITABLE;
                if !self.sw_enabled() {
                    self.lvt.iter_mut().for_each(|e| *e |= LVT_MASKED);
                }
                true
            }
            ESR if fits(0) => {
                self.esr = core::mem::take(&mut self.esr_pending);
                true
            }
            ICR if x2 && value & X2_ICR_RESERVED == 0 => {
                self.icr = value & (ICR_LOW_WRITABLE | !0xffff_ffff);
                self.send_icr(ctx);
                true
            }
            ICR if !x2 => {
                self.icr = (self.icr & !0xffff_ffff) | (value & ICR_LOW_WRITABLE);
                self.send_icr(ctx);
                true
            }
            ICR_HI if !x2 => {
                self.icr = (self.icr & 0xffff_ffff) | ((value & ICR_HI_WRITABLE) << 32);
                true
            }
            LVT_FIRST..=LVT_LAST => {
                let i = (idx - LVT_FIRST) as usize;
                let mask = LVT_WRITABLE[i];
                if !fits(u64::from(mask | LVT_READ_ONLY)) {
                    return false;
                }
                self.write_lvt(ctx, i, v32 & mask);
                true
            }
            TIMER_INITIAL => {
                self.catch_up(ctx);
                self.timer.write_initial(ctx.now.ns, v32);
                true
            }
            TIMER_DIVIDE if fits(u64::from(DCR_WRITABLE)) => {
                self.catch_up(ctx);
                self.timer.write_dcr(ctx.now.ns, v32 & DCR_WRITABLE);
                true
            }
            SELF_IPI if x2 && fits(0xff) => {
                self.send_self(ctx, value as u8);
                true
            }
            _ => false,
        }
    }

    fn write_lvt(&mut self, ctx: &mut Ctx, i: usize, mut value: u32) {
        if !self.sw_enabled() {
            value |= LVT_MASKED;
        }
        if i == LVT_TIMER {
            self.catch_up(ctx);
            self.timer.set_mode(Mode::of_lvt(value));
        }
        self.lvt[i] = value;
    }

    fn send_icr(&mut self, ctx: &mut Ctx) {
        match decode(self.icr, self.x2apic(), self.id) {
            Ipi::Send(msg) => ctx.send(msg),
            Ipi::Error(bits) => self.error(bits),
            Ipi::Drop => {}
        }
    }

    fn send_self(&mut self, ctx: &mut Ctx, vector: u8) {
        if vector < 16 {
            self.error(ESR_SEND_ILLEGAL_VECTOR);
            return;
        }
        ctx.send(ApicMsg {
            vector,
            delivery: Delivery::Fixed,
            dest: Dest::SelfOnly,
            level: false,
            source: self.id,
        });
    }
}

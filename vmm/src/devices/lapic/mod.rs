//! The local APIC of one vCPU: xAPIC registers in MMIO, x2APIC registers
//! in MSRs, interrupt acceptance and priority, IPIs, and the APIC timer.
//!
//! Facts modelled (Intel SDM Vol. 3A, chapter "Advanced Programmable
//! Interrupt Controller"):
//! - IA32_APIC_BASE (MSR 0x1b): base 0xfee0_0000, BSP flag, global enable
//!   (EN, bit 11) and x2APIC mode (EXTD, bit 10). The legal transitions are
//!   disabled → xAPIC → x2APIC → disabled, and xAPIC → disabled; anything
//!   else, reserved bits, and EN=0 with EXTD=1 are refused with #GP.
//!   Disabling resets every register but the ID, so a re-enabled APIC starts
//!   from its power-on state as the SDM describes. Moving the base is
//!   refused with #GP as well: the platform routes the one page at
//!   0xfee0_0000, and no guest we run relocates it. The BSP flag is the
//!   vCPU's, not the guest's: writes of it are ignored.
//! - Register file: see [`regs`] and `regfile.rs`; the version register
//!   reads 0x50014 (six LVT entries, no CMCI, no EOI-broadcast suppression
//!   advertised).
//! - The MMIO page ([`Device`] impl): the platform routes the 4 KiB page at
//!   this vCPU's base here and passes absolute addresses; only the offset in
//!   the page matters. Each register occupies the first 4 bytes of a
//!   16-byte slot. Reads of any size and alignment return the bytes of the
//!   registers they cover, with the other 12 bytes of each slot reading 0.
//!   A write takes effect only if it starts at a slot and is at least 4
//!   bytes wide (its low 32 bits are written); other writes are dropped, as
//!   KVM does, since they would half-write a register with side effects.
//!   With the APIC globally disabled or in x2APIC mode the page reads all
//!   ones and ignores writes (SDM: x2APIC mode makes the MMIO interface
//!   behave like a disabled xAPIC).
//! - x2APIC MSRs 0x800–0x8ff through [`Lapic::rdmsr`] / [`Lapic::wrmsr`]:
//!   #GP outside x2APIC mode, for missing registers (DFR, ICR high, APR,
//!   RRD, CMCI, 0x840 up), reads of write-only registers (EOI, SELF IPI),
//!   writes of read-only ones, non-zero reserved bits, and non-zero EOI or
//!   ESR writes.
//! - The APIC ID is read-only in both modes: in this VMM the APIC ID of
//!   vCPU n is n, and destination shorthands rely on that.
//! - Power-on and INIT reset the registers as the SDM lists (LVTs masked,
//!   SVR 0xff, DFR all ones, the rest 0) but keep the ID and
//!   IA32_APIC_BASE. The BSP's LINT0 comes up as ExtINT and LINT1 as NMI,
//!   unmasked: the virtual-wire mode a PC BIOS leaves behind (MP spec), which
//!   a directly booted guest expects so the PIC reaches the BSP.
//!
//! The platform's side: it routes each [`ApicMsg`](crate::apic::ApicMsg)
//! to every APIC whose [`Lapic::accepts`] says yes (picking one for lowest
//! priority, e.g. by [`Lapic::ppr`]) through [`Lapic::deliver`]; before
//! entering the vCPU it takes INIT, then SIPI, NMI, ExtINT (and asks the PIC
//! while [`Lapic::lint0_extint`]), then [`Lapic::pending`] / [`Lapic::ack`];
//! it ticks the APIC at [`Device::deadline`].
//!
//! Not modelled: SMI, the spurious vector being delivered, focus processor
//! checking (the bit is stored), thermal and performance-counter sources,
//! level-triggered LINT inputs (their remote IRR reads 0), CMCI.

mod dest;
mod icr;
mod intr;
mod regfile;
pub mod regs;
mod timer;
mod vecset;

#[cfg(test)]
mod tests;

pub use timer::BUS_HZ;

use crate::bus::{all_ones, Device};
use crate::ctx::Ctx;
use crate::time::TscRate;
use regs::*;
use timer::Timer;
use vecset::VecSet;

/// The local APIC of one vCPU.
#[derive(Clone, Debug)]
pub struct Lapic {
    id: u32,
    bsp: bool,
    /// IA32_APIC_BASE.
    base: u64,
    tpr: u8,
    /// xAPIC LDR (x2APIC derives its LDR from the ID).
    ldr: u32,
    dfr: u32,
    svr: u32,
    isr: VecSet,
    tmr: VecSet,
    irr: VecSet,
    /// ESR as last latched by a write, and errors since.
    esr: u32,
    esr_pending: u32,
    lvt: [u32; LVT_COUNT],
    icr: u64,
    timer: Timer,
    nmi: bool,
    init: bool,
    extint: bool,
    sipi: Option<u8>,
    wait_for_sipi: bool,
}

impl Lapic {
    /// The APIC of vCPU `id` at power-on: xAPIC mode at 0xfee0_0000. `rate`
    /// is the guest's TSC rate, for TSC-deadline mode.
    pub fn new(id: u32, bsp: bool, rate: TscRate) -> Self {
        let mut base = DEFAULT_BASE | BASE_EN;
        if bsp {
            base |= BASE_BSP;
        }
        let mut lapic = Self {
            id,
            bsp,
            base,
            tpr: 0,
            ldr: 0,
            dfr: DFR_RESET,
            svr: SVR_RESET,
            isr: VecSet::default(),
            tmr: VecSet::default(),
            irr: VecSet::default(),
            esr: 0,
            esr_pending: 0,
            lvt: [LVT_MASKED; LVT_COUNT],
            icr: 0,
            timer: Timer::new(rate),
            nmi: false,
            init: false,
            extint: false,
            sipi: None,
            wait_for_sipi: !bsp,
        };
        lapic.reset();
        lapic
    }

    /// The INIT reset: every register back to its power-on value except the
    /// ID and IA32_APIC_BASE (so the mode stays); pending NMI and ExtINT are
    /// dropped. The INIT/SIPI state is left alone: a SIPI that arrived
    /// before the platform acted on the INIT still counts.
    pub fn reset(&mut self) {
        self.tpr = 0;
        self.ldr = 0;
        self.dfr = DFR_RESET;
        self.svr = SVR_RESET;
        self.isr = VecSet::default();
        self.tmr = VecSet::default();
        self.irr = VecSet::default();
        self.esr = 0;
        self.esr_pending = 0;
        self.lvt = [LVT_MASKED; LVT_COUNT];
        if self.bsp {
            self.lvt[LVT_LINT0] = LVT_DM_EXTINT << 8;
            self.lvt[LVT_LINT1] = LVT_DM_NMI << 8;
        }
        self.icr = 0;
        self.timer.reset();
        self.nmi = false;
        self.extint = false;
    }

    /// The APIC ID (also the vCPU index).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// IA32_APIC_BASE.EN: the APIC is globally enabled.
    pub fn hw_enabled(&self) -> bool {
        self.base & BASE_EN != 0
    }

    /// x2APIC mode.
    pub fn x2apic(&self) -> bool {
        self.base & (BASE_EN | BASE_EXTD) == BASE_EN | BASE_EXTD
    }

    /// SVR bit 8: the APIC is software-enabled.
    pub fn sw_enabled(&self) -> bool {
        self.svr & SVR_ENABLE != 0
    }

    /// The logical destination register as the current mode defines it.
    fn ldr(&self) -> u32 {
        if self.x2apic() {
            ((self.id >> 4) << 16) | (1 << (self.id & 0xf))
        } else {
            self.ldr
        }
    }

    /// A write of IA32_APIC_BASE; false for #GP.
    fn write_base(&mut self, value: u64) -> bool {
        if value & BASE_RESERVED != 0 || value & BASE_ADDR_MASK != self.base & BASE_ADDR_MASK {
            return false;
        }
        let mode = |v: u64| ((v & BASE_EN != 0), (v & BASE_EXTD != 0));
        let legal = match (mode(self.base), mode(value)) {
            (old, new) if old == new => true,
            // xAPIC → x2APIC, or disabling from either enabled mode.
            ((true, false), (true, true)) | ((true, _), (false, false)) => true,
            // Enabling xAPIC from disabled.
            ((false, false), (true, false)) => true,
            _ => false,
        };
        if !legal {
            return false;
        }
        if value & BASE_EN == 0 && self.hw_enabled() {
            self.reset();
        }
        self.base = (self.base & (BASE_ADDR_MASK | BASE_BSP)) | (value & (BASE_EN | BASE_EXTD));
        true
    }

    /// RDMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC register;
    /// None means the guest gets #GP (also for any other MSR).
    pub fn rdmsr(&mut self, ctx: &mut Ctx, msr: u32) -> Option<u64> {
        match msr {
            MSR_APIC_BASE => Some(self.base),
            MSR_TSC_DEADLINE => Some(self.timer.read_tsc_deadline()),
            MSR_X2APIC_FIRST..=MSR_X2APIC_LAST if self.x2apic() => {
                self.read_reg(ctx, msr - MSR_X2APIC_FIRST)
            }
            _ => None,
        }
    }

    /// WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC register;
    /// false means the guest gets #GP (also for any other MSR).
    pub fn wrmsr(&mut self, ctx: &mut Ctx, msr: u32, value: u64) -> bool {
        match msr {
            MSR_APIC_BASE => self.write_base(value),
            MSR_TSC_DEADLINE => {
                self.catch_up(ctx);
                self.timer.write_tsc_deadline(ctx.now, value);
                true
            }
            MSR_X2APIC_FIRST..=MSR_X2APIC_LAST if self.x2apic() => {
                self.write_reg(ctx, msr - MSR_X2APIC_FIRST, value)
            }
            _ => false,
        }
    }

    /// Fires the timer if it fell due, before a write changes it.
    fn catch_up(&mut self, ctx: &Ctx) {
        if self.timer.expire(ctx.now) {
            self.raise_lvt(LVT_TIMER);
        }
    }

    /// Whether the MMIO page is live.
    fn mmio_live(&self) -> bool {
        self.hw_enabled() && !self.x2apic()
    }
}

impl Device for Lapic {
    fn name(&self) -> &'static str {
        "lapic"
    }

    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        if !self.mmio_live() {
            return all_ones(size);
        }
        let first = addr & 0xfff;
        let mut value = 0u64;
        // The slot of the previous byte and its register, read once.
        let mut cached: Option<(u64, u32)> = None;
        for i in 0..u64::from(size.min(8)) {
            let off = first + i;
            let (slot, lane) = (off >> 4, off & 15);
            if lane >= 4 || off > 0xfff {
                continue;
            }
            let reg = match cached {
                Some((s, r)) if s == slot => r,
                _ => {
                    let r = self.read_mmio_reg(ctx, slot as u32);
                    cached = Some((slot, r));
                    r
                }
            };
            value |= u64::from((reg >> (lane * 8)) as u8) << (i * 8);
        }
        value
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        let off = addr & 0xfff;
        if self.mmio_live() && off & 15 == 0 && size >= 4 {
            self.write_mmio_reg(ctx, (off >> 4) as u32, value as u32);
        }
    }

    fn deadline(&self) -> Option<u64> {
        self.timer.deadline()
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        self.catch_up(ctx);
    }
}

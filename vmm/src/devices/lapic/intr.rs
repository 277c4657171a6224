//! Accepting interrupts and handing them to the vCPU.
//!
//! Fixed and lowest-priority messages set their vector in the IRR (and in
//! the TMR when level-triggered, clearing it for edges); NMI, INIT, SIPI
//! and ExtINT are latched as flags the platform takes. The vCPU is offered
//! the highest IRR vector whose priority class (vector >> 4) is above the
//! processor priority class; acknowledging it moves it to the ISR, and an
//! EOI retires the highest ISR vector, telling the IOAPIC when the TMR says
//! it was level-triggered (unless SVR's EOI-broadcast suppression is set).
//!
//! A software-disabled APIC (SVR bit 8 clear) drops fixed and
//! lowest-priority messages but still takes NMI, INIT and SIPI; what its
//! IRR already holds is still offered (SDM: "pending interrupts ... are
//! held and require masking or handling by the CPU"). SMI is not modelled.
//! Spurious interrupts do not arise: the platform asks [`Lapic::pending`]
//! and [`Lapic::ack`] under one lock, so the vector cannot vanish in between.
//!
//! INIT and SIPI follow the SDM's wait-for-SIPI state: INIT puts an AP (not
//! the BSP, which restarts at the reset vector) into it, and the first SIPI
//! that arrives there is latched; later ones are ignored until the next
//! INIT. Application processors start out waiting for SIPI.

use super::regs::*;
use super::Lapic;
use crate::apic::{ApicMsg, Delivery};
use crate::ctx::Ctx;

impl Lapic {
    /// Takes a message the platform routed here (after [`Lapic::accepts`]).
    pub fn deliver(&mut self, msg: &ApicMsg) {
        if !self.hw_enabled() {
            return;
        }
        match msg.delivery {
            Delivery::Fixed | Delivery::LowestPriority => {
                if self.sw_enabled() {
                    self.accept(msg.vector, msg.level);
                }
            }
            Delivery::Nmi => self.nmi = true,
            Delivery::Init => {
                self.init = true;
                self.sipi = None;
                self.wait_for_sipi = !self.bsp;
            }
            Delivery::StartUp => {
                if self.wait_for_sipi && self.sipi.is_none() {
                    self.sipi = Some(msg.vector);
                }
            }
            Delivery::ExtInt => self.extint = true,
            Delivery::Smi => {}
        }
    }

    /// Puts `vector` in the IRR, or flags an illegal vector.
    pub(super) fn accept(&mut self, vector: u8, level: bool) {
        if vector < 16 {
            self.error(ESR_RECV_ILLEGAL_VECTOR);
            return;
        }
        self.irr.set(vector);
        self.tmr.put(vector, level);
    }

    /// Signals a local interrupt through LVT entry `lvt` (an edge).
    pub(super) fn raise_lvt(&mut self, lvt: usize) {
        let Some(&entry) = self.lvt.get(lvt) else {
            return;
        };
        if entry & LVT_MASKED != 0 {
            return;
        }
        match (entry >> 8) & 7 {
            LVT_DM_FIXED => self.accept(entry as u8, false),
            LVT_DM_NMI => self.nmi = true,
            LVT_DM_EXTINT => self.extint = true,
            _ => {}
        }
    }

    /// Records errors in the ESR and signals them through the error LVT.
    /// The error entry's own illegal vector is recorded but not signalled
    /// again, so a bad error vector cannot loop.
    pub(super) fn error(&mut self, bits: u32) {
        self.esr_pending |= bits;
        let entry = self.lvt[LVT_ERROR];
        if entry & LVT_MASKED == 0 {
            let vector = entry as u8;
            if vector < 16 {
                self.esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
            } else {
                self.irr.set(vector);
                self.tmr.clear(vector);
            }
        }
    }

    /// The processor priority: TPR, or the class of the highest in-service
    /// vector if that is higher.
    pub fn ppr(&self) -> u8 {
        let isrv = self.isr.highest().unwrap_or(0);
        if self.tpr >> 4 >= isrv >> 4 {
            self.tpr
        } else {
            isrv & 0xf0
        }
    }

    /// The vector the vCPU should take next, if any.
    pub fn pending(&self) -> Option<u8> {
        if !self.hw_enabled() {
            return None;
        }
        let v = self.irr.highest()?;
        (v >> 4 > self.ppr() >> 4).then_some(v)
    }

    /// The vCPU takes the pending vector: it moves from the IRR to the ISR.
    pub fn ack(&mut self) -> Option<u8> {
        let v = self.pending()?;
        self.irr.clear(v);
        self.isr.set(v);
        Some(v)
    }

    /// The guest wrote the EOI register.
    pub(super) fn end_of_interrupt(&mut self, ctx: &mut Ctx) {
        let Some(v) = self.isr.highest() else { return };
        self.isr.clear(v);
        if self.tmr.has(v) && self.svr & SVR_SUPPRESS_EOI == 0 {
            ctx.eoi(v);
        }
    }

    /// Whether an NMI is pending (without taking it).
    pub fn nmi_pending(&self) -> bool {
        self.nmi
    }

    /// An NMI is pending (LVT or message); taking it clears it.
    pub fn take_nmi(&mut self) -> bool {
        core::mem::take(&mut self.nmi)
    }

    /// An INIT arrived. When this returns true the APIC has already done its
    /// INIT reset ([`Lapic::reset`]); the platform resets the vCPU and, if
    /// [`Lapic::wait_for_sipi`] says so, holds it until
    /// [`Lapic::take_sipi`] yields a vector. Take INIT before SIPI.
    pub fn take_init(&mut self) -> bool {
        let init = core::mem::take(&mut self.init);
        if init {
            self.reset();
        }
        init
    }

    /// The vector of a SIPI received while waiting for one: the vCPU starts
    /// in real mode at `vector << 12`. Leaves the wait-for-SIPI state.
    pub fn take_sipi(&mut self) -> Option<u8> {
        let v = self.sipi.take()?;
        self.wait_for_sipi = false;
        Some(v)
    }

    /// An ExtINT message or LVT entry fired: the vCPU should take the
    /// vector from the PIC.
    pub fn take_extint(&mut self) -> bool {
        core::mem::take(&mut self.extint)
    }

    /// The vCPU is in the wait-for-SIPI state (an AP after power-on or
    /// INIT): it must not run until a SIPI arrives.
    pub fn wait_for_sipi(&self) -> bool {
        self.wait_for_sipi
    }

    /// The PIC's INTR reaches this vCPU: LVT LINT0 is unmasked with ExtINT
    /// delivery (virtual-wire mode), or the APIC is globally disabled, which
    /// leaves LINT0 a plain INTR pin.
    pub fn lint0_extint(&self) -> bool {
        let lint0 = self.lvt[LVT_LINT0];
        !self.hw_enabled() || (lint0 & LVT_MASKED == 0 && (lint0 >> 8) & 7 == LVT_DM_EXTINT)
    }

    /// An edge on LINT0 (`pin` 0) or LINT1 (`pin` 1), delivered as its LVT
    /// entry says (fixed vector, NMI or ExtINT). With the APIC globally
    /// disabled LINT1 is the NMI pin.
    pub fn pulse_lint(&mut self, pin: u8) {
        let lvt = match pin {
            0 => LVT_LINT0,
            1 => LVT_LINT1,
            _ => return,
        };
        if !self.hw_enabled() {
            match pin {
                0 => self.extint = true,
                _ => self.nmi = true,
            }
            return;
        }
        self.raise_lvt(lvt);
    }
}

//! Which interrupt a vCPU takes next, and taking it.
//!
//! A vCPU's sources, in the order the processor ranks them: an NMI, then
//! its local APIC's highest deliverable vector, then (vCPU 0 only, with
//! LINT0 in ExtINT mode, the PC's "virtual wire") the PIC's INTR. INIT and
//! SIPI are not interrupts: the VMM asks for them separately.

use super::Platform;

/// An interrupt the vCPU can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intr {
    Nmi,
    /// From the local APIC (the vector is known before the INTA).
    Apic(u8),
    /// From the PIC (the vector comes with the INTA).
    Pic,
}

impl Platform {
    /// The interrupt `vcpu` would take now (none pending: `None`).
    pub fn pending(&self, vcpu: u32) -> Option<Intr> {
        let l = self.lapics.get(vcpu as usize)?;
        if l.nmi_pending() {
            return Some(Intr::Nmi);
        }
        if let Some(v) = l.pending() {
            return Some(Intr::Apic(v));
        }
        (vcpu == 0 && l.lint0_extint() && self.pic.output()).then_some(Intr::Pic)
    }

    /// Takes `what` (from [`Platform::pending`]): the INTA. The vector to
    /// inject, or `None` for an NMI (vector 2 by definition) or when the
    /// interrupt vanished meanwhile.
    pub fn ack(&mut self, vcpu: u32, what: Intr) -> Option<u8> {
        let l = self.lapics.get_mut(vcpu as usize)?;
        match what {
            Intr::Nmi => {
                l.take_nmi();
                None
            }
            Intr::Apic(_) => l.ack(),
            Intr::Pic => {
                let v = self.pic.ack();
                self.pic_out = self.pic.output();
                Some(v)
            }
        }
    }

    /// Whether `vcpu` got an INIT since the last call.
    pub fn take_init(&mut self, vcpu: u32) -> bool {
        self.lapics
            .get_mut(vcpu as usize)
            .is_some_and(|l| l.take_init())
    }

    /// The start page of a SIPI `vcpu` got since the last call.
    pub fn take_sipi(&mut self, vcpu: u32) -> Option<u8> {
        self.lapics.get_mut(vcpu as usize)?.take_sipi()
    }
}

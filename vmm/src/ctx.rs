//! What a device model sees of the machine during one access or tick.
//!
//! A device does not call into other devices or the VMM: it reads the time
//! and the accessing vCPU from the [`Ctx`] and leaves [`Event`]s in it
//! (interrupt lines, a stop, a reset). The platform acts on them after the
//! access, in order. This keeps every device a plain state machine that a
//! host test drives with a hand-made `Ctx`.

use alloc::vec::Vec;

use crate::apic::ApicMsg;
use crate::time::Time;

/// Why a device asks for the guest to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The guest wrote `status` to the debug-exit port.
    DebugExit(u32),
    /// The guest asked for a system reset (the i8042 reset pulse); the
    /// VMM has no reset path, so it ends the guest instead.
    Reset,
    /// The guest asked for power-off.
    PowerOff,
}

/// Something a device did that the platform must act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// ISA interrupt line `irq` (0–15) now has this level.
    Line { irq: u8, level: bool },
    /// ISA interrupt line `irq` had a rising edge and fell again: what an
    /// edge-triggered source such as the PIT signals once per period.
    Pulse { irq: u8 },
    /// An interrupt message for local APICs (from the IOAPIC or an ICR).
    Apic(ApicMsg),
    /// A local APIC finished a level-triggered interrupt: the IOAPIC clears
    /// the remote IRR of entries with this vector.
    Eoi { vector: u8 },
    /// End the guest.
    Stop(Stop),
}

/// The context of one device access or tick.
pub struct Ctx<'a> {
    /// The guest's clock at the access.
    pub now: Time,
    /// The vCPU that made the access (0 for timer ticks).
    pub vcpu: u32,
    out: &'a mut Vec<Event>,
}

impl<'a> Ctx<'a> {
    pub fn new(now: Time, vcpu: u32, out: &'a mut Vec<Event>) -> Self {
        Self { now, vcpu, out }
    }

    /// Drives ISA line `irq` to `level`.
    pub fn set_line(&mut self, irq: u8, level: bool) {
        self.out.push(Event::Line { irq, level });
    }

    /// Signals one edge on ISA line `irq`.
    pub fn pulse(&mut self, irq: u8) {
        self.out.push(Event::Pulse { irq });
    }

    /// Sends an interrupt message to local APICs.
    pub fn send(&mut self, msg: ApicMsg) {
        self.out.push(Event::Apic(msg));
    }

    /// Broadcasts the end of a level-triggered interrupt.
    pub fn eoi(&mut self, vector: u8) {
        self.out.push(Event::Eoi { vector });
    }

    /// Asks the platform to end the guest.
    pub fn stop(&mut self, why: Stop) {
        self.out.push(Event::Stop(why));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_order() {
        let mut out = Vec::new();
        let mut ctx = Ctx::new(Time::default(), 1, &mut out);
        ctx.set_line(4, true);
        ctx.pulse(0);
        ctx.stop(Stop::DebugExit(3));
        assert_eq!(
            out,
            [
                Event::Line {
                    irq: 4,
                    level: true
                },
                Event::Pulse { irq: 0 },
                Event::Stop(Stop::DebugExit(3))
            ]
        );
    }
}

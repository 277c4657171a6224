//! Interprocessor interrupts: turning an ICR write into a message.
//!
//! The ICR is kept as one 64-bit value in both modes: low word as written
//! to offset 0x300, high word as written to 0x310 (xAPIC: destination in
//! bits 56–63) or the whole of MSR 0x830 (x2APIC: destination in bits
//! 32–63). Bit 11 picks logical over physical destination; bits 18–19 a
//! shorthand (self, all, all but self) that overrides the destination.
//!
//! Sending is instantaneous, so the delivery status bit always reads idle.
//! What is not sent:
//! - INIT level de-assert (INIT with the level bit clear): Linux still sends
//!   it after INIT assert; it only synchronised arbitration IDs on old
//!   processors.
//! - Reserved delivery modes (3 and 7) and SMI (no SMM in this VMM).
//! - Lowest priority with the self or all-including-self shorthand, which
//!   the SDM lists as invalid combinations.
//! - Fixed or lowest-priority vectors 0–15: the send-illegal-vector ESR bit
//!   is set instead.
//!
//! The level-triggered flag of the message is the ICR's trigger-mode bit for
//! fixed and lowest-priority messages; the other modes are edges.

use crate::apic::{ApicMsg, Delivery, Dest};

/// What an ICR write amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipi {
    Send(ApicMsg),
    /// Set these ESR bits, send nothing.
    Error(u32),
    /// Nothing to do.
    Drop,
}

/// Decodes `icr`, written by the APIC with ID `id`, in x2APIC mode if `x2`.
pub fn decode(icr: u64, x2: bool, id: u32) -> Ipi {
    let vector = icr as u8;
    let Some(delivery) = Delivery::from_bits(icr >> 8) else {
        return Ipi::Drop;
    };
    let assert = icr & (1 << 14) != 0;
    let trigger_level = icr & (1 << 15) != 0;
    let dest = match (icr >> 18) & 3 {
        1 => Dest::SelfOnly,
        2 => Dest::All,
        3 => Dest::AllButSelf,
        _ => {
            let field = if x2 {
                (icr >> 32) as u32
            } else {
                (icr >> 56) as u32
            };
            if icr & (1 << 11) != 0 {
                Dest::Logical(field)
            } else {
                Dest::Physical(field)
            }
        }
    };
    let level = match delivery {
        Delivery::Fixed | Delivery::LowestPriority => {
            if vector < 16 {
                return Ipi::Error(super::regs::ESR_SEND_ILLEGAL_VECTOR);
            }
            if delivery == Delivery::LowestPriority && matches!(dest, Dest::SelfOnly | Dest::All) {
                return Ipi::Drop;
            }
            trigger_level
        }
        Delivery::Init if !assert => return Ipi::Drop,
        Delivery::Smi | Delivery::ExtInt => return Ipi::Drop,
        _ => false,
    };
    Ipi::Send(ApicMsg {
        vector,
        delivery,
        dest,
        level,
        source: id,
    })
}

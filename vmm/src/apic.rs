//! Interrupt messages between APICs.
//!
//! The IOAPIC turns a line into an [`ApicMsg`]; a local APIC's ICR turns a
//! register write into one; the platform routes each message to the local
//! APICs its destination names. Both sides speak these types, so the wiring
//! between them is one match in the platform.

/// How the receiving local APIC treats a message (the ICR / redirection
/// entry delivery mode field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Fixed,
    LowestPriority,
    Smi,
    Nmi,
    Init,
    StartUp,
    ExtInt,
}

impl Delivery {
    /// Decodes the 3-bit delivery-mode field; 3 is reserved.
    pub fn from_bits(bits: u64) -> Option<Self> {
        Some(match bits & 7 {
            0 => Self::Fixed,
            1 => Self::LowestPriority,
            2 => Self::Smi,
            4 => Self::Nmi,
            5 => Self::Init,
            6 => Self::StartUp,
            7 => Self::ExtInt,
            _ => return None,
        })
    }
}

/// Which local APICs a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// The APIC with this ID; all ones (0xff in xAPIC, 0xffff_ffff in
    /// x2APIC) is a broadcast.
    Physical(u32),
    /// Every APIC whose logical ID matches (flat or cluster model as each
    /// receiver's DFR says; x2APIC's cluster format otherwise).
    Logical(u32),
    /// Only the sender (ICR shorthand 1).
    SelfOnly,
    /// Every APIC (shorthand 2).
    All,
    /// Every APIC but the sender (shorthand 3).
    AllButSelf,
}

/// One interrupt message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApicMsg {
    pub vector: u8,
    pub delivery: Delivery,
    pub dest: Dest,
    /// Level-triggered (the receiver sets TMR and will signal its EOI).
    pub level: bool,
    /// The vCPU that sent it (for `SelfOnly` / `AllButSelf`); the IOAPIC
    /// sends as vCPU 0 and never uses those shorthands.
    pub source: u32,
}

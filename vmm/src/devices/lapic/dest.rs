//! Destination matching: does an interrupt message name this local APIC?
//!
//! - Physical: the message's ID equals this APIC's ID. 0xff and
//!   0xffff_ffff are broadcasts in either mode: the IOAPIC can only send
//!   8-bit IDs, and without interrupt remapping its 0xff means "all" to
//!   x2APIC receivers too. So no APIC may own ID 0xff: the platform keeps
//!   its vCPU count below 255.
//! - Logical, xAPIC: the DFR's model nibble picks flat (0xf: the message's
//!   8 bits AND the LDR's 8 bits) or cluster (anything else: the high nibble
//!   must equal the cluster, the low nibbles must share a bit). 0xff
//!   reaches every APIC.
//! - Logical, x2APIC: the high 16 bits name the cluster, the low 16 bits a
//!   set of members; 0xffff_ffff reaches every APIC.
//! - Shorthands compare the sending vCPU's index with this APIC's ID: in
//!   this VMM the APIC ID of vCPU n is n.
//!
//! A globally disabled APIC (IA32_APIC_BASE.EN clear) accepts nothing.

use super::Lapic;
use crate::apic::Dest;

impl Lapic {
    /// Whether a message for `dest`, sent by vCPU `source`, is for this
    /// APIC.
    pub fn accepts(&self, dest: Dest, source: u32) -> bool {
        if !self.hw_enabled() {
            return false;
        }
        match dest {
            Dest::Physical(id) => id == 0xff || id == u32::MAX || id == self.id,
            Dest::Logical(mda) if self.x2apic() => {
                let ldr = self.ldr();
                mda == u32::MAX || (mda >> 16 == ldr >> 16 && mda & ldr & 0xffff != 0)
            }
            Dest::Logical(mda) => {
                let mda = mda & 0xff;
                let id = self.ldr() >> 24;
                if mda == 0xff {
                    true
                } else if self.dfr >> 28 == 0xf {
                    mda & id != 0
                } else {
                    mda >> 4 == id >> 4 && mda & id & 0xf != 0
                }
            }
            Dest::SelfOnly => source == self.id,
            Dest::All => true,
            Dest::AllButSelf => source != self.id,
        }
    }
}

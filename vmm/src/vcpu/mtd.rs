//! How much vCPU state each exit's portal transfers (its MTD), and what a
//! reply loads back.
//!
//! Every part of the state the hypervisor hands over costs it reads of the
//! VMCS or VMCB, and every part a reply names costs writes and checks, so
//! each exit fetches only what [`super::handle`] reads or changes for it.
//! The reply names the same parts; a vCPU started from scratch (its first
//! start, or a SIPI) replies with all it built as well:
//! [`crate::loader::ENTRY_MTD`] or [`super::reset::SIPI_MTD`].

use abi::vcpu::{mtd, Exit};

/// What every exit needs: RIP and the instruction length to skip, what
/// decides whether an interrupt can go in (RFLAGS.IF, the interrupt
/// shadow, an event already on its way), and what says the mode (CR0, EFER,
/// CS, SS) for wrapping RIP and for stop reports.
pub const BASE: u64 = mtd::RIP | mtd::RFLAGS | mtd::INTR_STATE | mtd::INJ | mtd::CR | mtd::CS_SS;

/// The instruction emulator: every general register and segment (an operand
/// may use any, with any override), the control registers for the page walk.
const EMULATE: u64 = BASE | mtd::GPRS | mtd::RSP | mtd::QUAL | mtd::DS_ES | mtd::FS_GS;

/// The MTD of the portal for `exit`.
pub fn fetch(exit: Exit) -> u64 {
    match exit {
        Exit::Cpuid | Exit::Rdmsr | Exit::Wrmsr => BASE | mtd::GPRS,
        Exit::Xsetbv => BASE | mtd::GPRS | mtd::XCR0,
        // A string instruction (INS/OUTS) needs the emulator, and which
        // kind it is shows only in the qualification that comes with it.
        Exit::Io | Exit::GpaFault => EMULATE,
        // The first start replies with a state built from nothing but
        // keeps the XCR0 the hypervisor gave the vCPU.
        Exit::Startup => BASE | mtd::XCR0,
        _ => BASE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_has_the_base_and_nothing_outside_the_abi() {
        for n in 0..Exit::COUNT {
            let e = Exit::from_event(n).expect("defined");
            assert_eq!(fetch(e) & BASE, BASE, "{e:?}");
            assert_eq!(fetch(e) & !mtd::ALL, 0, "{e:?}");
        }
    }

    #[test]
    fn plain_exits_do_not_carry_the_segments_the_emulator_needs() {
        for e in [Exit::Cpuid, Exit::Hlt, Exit::Recall, Exit::IntrWindow] {
            assert_eq!(fetch(e) & (mtd::DS_ES | mtd::FS_GS), 0, "{e:?}");
        }
        assert_eq!(fetch(Exit::GpaFault) & EMULATE, EMULATE);
    }
}

//! The hypercall ABI: the one place where call numbers, status codes and the
//! layouts shared between the hypervisor and user programs are written down.
//!
//! The hypervisor, root-pd and (later) the VMM all build against this crate, so
//! their views of the interface cannot drift. `docs/ABI.md` documents every
//! item here for people; this crate is the machine-checked version.
//!
//! Rules: plain `#[repr(C)]`/`#[repr(u64)]` data, no behaviour beyond encoding
//! and decoding, no `unsafe` outside the user-side call stubs in [`call`].
#![cfg_attr(not(test), no_std)]

pub mod call;
pub mod hip;
pub mod status;

pub use status::Status;

/// Hypercall numbers, passed in `rax` to the `syscall` instruction.
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hypercall {
    /// Write bytes to the hypervisor console. `rdi` = pointer, `rsi` = length
    /// (at most [`CONSOLE_WRITE_MAX`]).
    ConsoleWrite = 0,
    /// Power off or reset the machine. `rdi` = a [`MachineOp`]. Only the root
    /// PD may call it.
    MachineControl = 1,
}

impl Hypercall {
    /// Decodes a call number; `None` for numbers the ABI does not define.
    pub fn from_raw(raw: u64) -> Option<Self> {
        match raw {
            0 => Some(Self::ConsoleWrite),
            1 => Some(Self::MachineControl),
            _ => None,
        }
    }
}

/// The longest console write accepted in one call, in bytes.
pub const CONSOLE_WRITE_MAX: u64 = 4096;

/// Operations of [`Hypercall::MachineControl`].
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MachineOp {
    /// ACPI S5 through the FADT, or the debug-exit port when the hypervisor
    /// was booted with `exit=debug`.
    PowerOff = 0,
    /// Reset through the FADT reset register, then port 0xCF9, then the
    /// keyboard controller.
    Reboot = 1,
}

impl MachineOp {
    /// Decodes an operation; `None` for undefined values.
    pub fn from_raw(raw: u64) -> Option<Self> {
        match raw {
            0 => Some(Self::PowerOff),
            1 => Some(Self::Reboot),
            _ => None,
        }
    }
}

/// Where the hypervisor maps the read-only hypervisor information page
/// ([`hip::Hip`]) in the root PD, and passes its address in `rdi` at start.
pub const ROOT_HIP_ADDRESS: u64 = 0x0000_7fff_ffff_0000;
/// Top of the root PD's initial stack (the stack grows down from here).
pub const ROOT_STACK_TOP: u64 = 0x0000_7fff_fffe_0000;
/// Size of the root PD's initial stack.
pub const ROOT_STACK_SIZE: u64 = 64 * 1024;

// The root PD's fixed layout lies in the user half, page-aligned, and the
// stack does not run into the HIP.
const _: () = assert!(ROOT_HIP_ADDRESS + 4096 <= 0x0000_8000_0000_0000);
const _: () = assert!(ROOT_STACK_TOP <= ROOT_HIP_ADDRESS);
const _: () = assert!(ROOT_HIP_ADDRESS.is_multiple_of(4096) && ROOT_STACK_TOP.is_multiple_of(4096));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_numbers_round_trip_and_unknown_numbers_are_refused() {
        for c in [Hypercall::ConsoleWrite, Hypercall::MachineControl] {
            assert_eq!(Hypercall::from_raw(c as u64), Some(c));
        }
        assert_eq!(Hypercall::from_raw(2), None);
        assert_eq!(Hypercall::from_raw(u64::MAX), None);
        assert_eq!(MachineOp::from_raw(1), Some(MachineOp::Reboot));
        assert_eq!(MachineOp::from_raw(7), None);
    }
}

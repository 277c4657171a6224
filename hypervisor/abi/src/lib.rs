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
pub mod cap;
pub mod hip;
pub mod status;
pub mod utcb;
pub mod vcpu;

pub use cap::{Crd, ObjType, Selector, Space};
pub use status::Status;
pub use utcb::{ExcState, Mtd, Utcb};

/// Hypercall numbers, passed in `rax` to the `syscall` instruction.
///
/// Arguments travel in `rdi`, `rsi`, `rdx`, `r8`, `r9`, `r10`, `r12`, `r13`
/// (in that order, as many as a call takes); the status comes back in `rax`
/// and results in `rdi` and `rsi`. `syscall` clobbers `rcx` and `r11`; every
/// other register is preserved. `docs/ABI.md` has a table per call.
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hypercall {
    /// Write bytes to the hypervisor console: (pointer, length ≤
    /// [`CONSOLE_WRITE_MAX`]).
    ConsoleWrite = 0,
    /// Power off or reset: (PD selector with `MACHINE`, [`MachineOp`]).
    MachineControl = 1,
    /// Call a portal: (portal selector, message words) → reply words.
    Call = 2,
    /// Reply to the current caller and wait for the next call: (reply words,
    /// or the [`Mtd`] of state to write back after an exception).
    Reply = 3,
    /// Create a PD: (destination selector, parent PD, quota in pages).
    CreatePd = 4,
    /// Create an EC: (destination, PD, CPU, UTCB address, stack pointer,
    /// event base, entry RIP, [`ec_flags`]).
    CreateEc = 5,
    /// Create a scheduling context: (destination, EC, priority, quantum µs).
    CreateSc = 6,
    /// Create a portal: (destination, EC, entry RIP, [`Mtd`]).
    CreatePt = 7,
    /// Create a semaphore: (destination, PD, initial count).
    CreateSm = 8,
    /// Set a portal's id: (portal, id).
    PtCtrl = 9,
    /// Semaphore operation: (semaphore, [`SmOp`], absolute TSC deadline or 0).
    SmCtrl = 10,
    /// Read a scheduling context: (SC) → consumed TSC cycles.
    ScCtrl = 11,
    /// Delegate capabilities: (source PD, destination PD, source [`Crd`],
    /// destination base, [`delegate_flags`]).
    Delegate = 12,
    /// Revoke capabilities: (PD, [`Crd`], [`revoke_flags`]).
    Revoke = 13,
    /// Look up a capability: (PD, [`Crd`] of one unit) → (the capability's
    /// [`Crd`], its [`ObjType`] for object capabilities or its [`mem_type`]
    /// for memory).
    Lookup = 14,
    /// Read a PD's kernel-memory quota: (PD) → (limit, used) in pages.
    PdQuota = 15,
    /// Route an interrupt to its semaphore: (semaphore, CPU, [`int_flags`])
    /// → (MSI address, MSI data) for MSI semaphores.
    AssignInt = 16,
    /// Control an EC: (EC with `CTRL`, [`EcOp`]).
    EcCtrl = 17,
}

impl Hypercall {
    /// Every call, in numeric order.
    pub const ALL: [Hypercall; 18] = [
        Self::ConsoleWrite,
        Self::MachineControl,
        Self::Call,
        Self::Reply,
        Self::CreatePd,
        Self::CreateEc,
        Self::CreateSc,
        Self::CreatePt,
        Self::CreateSm,
        Self::PtCtrl,
        Self::SmCtrl,
        Self::ScCtrl,
        Self::Delegate,
        Self::Revoke,
        Self::Lookup,
        Self::PdQuota,
        Self::AssignInt,
        Self::EcCtrl,
    ];

    /// Decodes a call number; `None` for numbers the ABI does not define.
    pub fn from_raw(raw: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(raw).ok()?).copied()
    }
}

/// Flags of [`Hypercall::CreateEc`].
pub mod ec_flags {
    /// A global EC: it runs on a scheduling context of its own, starting at
    /// the entry RIP. Without it the EC is local and runs only when one of
    /// its portals is called.
    pub const GLOBAL: u64 = 1 << 0;
    /// A virtual CPU of the PD (which gets a guest-physical space if it has
    /// none): it runs a guest on a scheduling context of its own, and every
    /// VM exit is a call to the portal at the event base plus the
    /// [`crate::vcpu::Exit`] number, starting with `Startup`. UTCB, stack
    /// pointer and entry RIP must be 0.
    pub const VCPU: u64 = 1 << 1;
}

/// Operations of [`Hypercall::EcCtrl`].
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcOp {
    /// vCPUs only: make the vCPU exit with [`vcpu::Exit::Recall`] before it
    /// runs guest code again (at once, if it runs now on another CPU).
    /// `Aborted` if the vCPU was stopped.
    Recall = 0,
}

impl EcOp {
    pub fn from_raw(raw: u64) -> Option<Self> {
        match raw {
            0 => Some(Self::Recall),
            _ => None,
        }
    }
}

/// Flags of [`Hypercall::Delegate`].
pub mod delegate_flags {
    /// Memory only: the delegated mappings are uncached, whatever the
    /// source's type (a type can only be weakened along a derivation).
    pub const UNCACHED: u64 = 1 << 0;
    /// Memory only: the destination is the destination PD's guest-physical
    /// space (created if it has none), at guest page `dst_base`, with the
    /// rights of the CRD (read, write, execute) as the guest's access rights.
    pub const GUEST: u64 = 1 << 1;
}

/// Memory types, as [`Hypercall::Lookup`] reports them.
pub mod mem_type {
    /// Write-back: ordinary RAM.
    pub const WRITE_BACK: u64 = 0;
    /// Uncached: device memory, or RAM delegated with
    /// [`super::delegate_flags::UNCACHED`].
    pub const UNCACHED: u64 = 1;
}

/// Flags of [`Hypercall::Revoke`].
pub mod revoke_flags {
    /// Also remove the PD's own capabilities in the range, not only what was
    /// derived from them. Removing an object's original capability (the one
    /// its creation returned) destroys the object.
    pub const SELF: u64 = 1 << 0;
}

/// Flags of [`Hypercall::AssignInt`].
pub mod int_flags {
    /// Level-triggered (GSIs only; edge otherwise). The GSI is masked when it
    /// fires and unmasked by the next down on its semaphore.
    pub const LEVEL: u64 = 1 << 0;
    /// Active low (GSIs only; active high otherwise).
    pub const ACTIVE_LOW: u64 = 1 << 1;
    /// Mask the interrupt (stop routing it).
    pub const MASK: u64 = 1 << 2;
}

/// Operations of [`Hypercall::SmCtrl`].
#[repr(u64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmOp {
    /// Wake the first waiter, or count up if none waits.
    Up = 0,
    /// Count down, or wait until someone counts up (or the deadline passes).
    Down = 1,
    /// Like `Down`, but consume the whole count at once.
    DownZero = 2,
}

impl SmOp {
    pub fn from_raw(raw: u64) -> Option<Self> {
        Some(match raw {
            0 => Self::Up,
            1 => Self::Down,
            2 => Self::DownZero,
            _ => return None,
        })
    }
}

/// Scheduling priorities are `0..PRIORITIES`; higher runs first.
pub const PRIORITIES: u64 = 128;
/// The longest quantum a scheduling context may have, in microseconds.
pub const MAX_QUANTUM_US: u64 = 1_000_000;

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
/// Where the root EC's UTCB is mapped (the page above its stack).
pub const ROOT_UTCB_ADDRESS: u64 = ROOT_STACK_TOP;

// The root PD's fixed layout lies in the user half, page-aligned, and the
// stack does not run into the HIP.
const _: () = assert!(ROOT_HIP_ADDRESS + 4096 <= 0x0000_8000_0000_0000);
const _: () = assert!(ROOT_UTCB_ADDRESS + 4096 <= ROOT_HIP_ADDRESS);
const _: () = assert!(ROOT_HIP_ADDRESS.is_multiple_of(4096) && ROOT_STACK_TOP.is_multiple_of(4096));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_numbers_round_trip_and_unknown_numbers_are_refused() {
        for (n, c) in Hypercall::ALL.iter().enumerate() {
            assert_eq!(*c as u64, n as u64);
            assert_eq!(Hypercall::from_raw(n as u64), Some(*c));
        }
        assert_eq!(Hypercall::from_raw(Hypercall::ALL.len() as u64), None);
        assert_eq!(Hypercall::from_raw(u64::MAX), None);
        assert_eq!(MachineOp::from_raw(1), Some(MachineOp::Reboot));
        assert_eq!(MachineOp::from_raw(7), None);
        assert_eq!(SmOp::from_raw(2), Some(SmOp::DownZero));
        assert_eq!(SmOp::from_raw(3), None);
    }
}

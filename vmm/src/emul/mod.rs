//! The instruction emulator for MMIO accesses and string port I/O.
//!
//! Two exits need an instruction carried out by the VMM rather than the CPU:
//! a guest-physical fault on a page no RAM backs (a device register), and
//! INS/OUTS (the CPU reports the port but not the memory side). Both entry
//! points read the instruction at CS:RIP through the guest's own page
//! tables, decode it with `iced-x86` in the guest's current mode, carry it
//! out against the devices and guest RAM, and update the registers, RFLAGS
//! and RIP as the CPU would have.
//!
//! - [`emulate_mmio`]: MOV in all its forms (register, immediate, moffs,
//!   MOVZX/MOVSX/MOVSXD), ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST, INC/DEC/NEG/
//!   NOT, XCHG, BT/BTS/BTR/BTC, and STOS/LODS/MOVS with or without REP;
//! - [`emulate_string_io`]: INS/OUTS with or without REP;
//! - [`translate`]: the guest's page walk, in every paging mode.
//!
//! What goes where: an access in the faulting page goes to the [`MmioBus`];
//! for the other side of MOVS (or a REP leaving that page) guest RAM is
//! used where there is RAM and the bus elsewhere. A REP instruction runs
//! only while one of its operands stays in the faulting page, and for at
//! most [`MAX_REP`] elements per call: it then returns with RCX/RSI/RDI
//! updated and RIP still at the instruction, so the guest re-executes it
//! and the next page faults on its own. REP string instructions are
//! interruptible exactly this way on hardware.
//!
//! Not modelled, on purpose: segment limit and type checks (the CPU checked
//! the faulting access before it exited; later REP elements are not
//! checked), alignment checks, protection keys, single-step traps (#DB
//! after the instruction), and atomicity: LOCK is ignored, a locked
//! read-modify-write becomes a read and a write on the bus. A memory
//! operand that straddles two pages which are not contiguous in
//! guest-physical memory cannot go to the bus as one access and is
//! reported as unsupported. CMPS/SCAS, CMPXCHG and vector loads and stores
//! are not emulated (no driver aims them at device registers).
//!
//! A completed instruction also ends the STI/MOV SS interrupt shadow and
//! RFLAGS.RF, as the next instruction would: a caller that received
//! `intr_state` should hand it back with the reply.
//!
//! The emulator never panics on guest input and formats no text: a
//! [`Fault`] carries the data a caller needs to inject an exception or stop
//! the guest with its own message.
#![forbid(unsafe_code)]

mod access;
mod fetch;
mod flags;
mod mmio;
mod mode;
mod paging;
mod regs;
mod rep;
mod string_io;
mod strings;

pub use mmio::emulate_mmio;
pub use paging::translate;
pub use string_io::emulate_string_io;

/// Completes an instruction the VMM carried out without the emulator
/// (CPUID, RDMSR, OUT, HLT, ...): RIP moves `len` bytes on, wrapping as
/// the guest's mode does, and the STI/MOV SS shadow and RFLAGS.RF end.
/// Leaving the shadow on would let the instruction after a `sti; hlt`
/// run before the interrupt that ended the HLT.
pub fn skip(state: &mut abi::vcpu::VcpuState, len: u64) {
    rep::retire(state, mode::Mode::of(state), len);
}

/// Elements of a REP string instruction one call carries out at most; the
/// guest re-executes the instruction for the rest.
pub const MAX_REP: u64 = 4096;

/// Device registers behind guest-physical addresses. `size` is 1, 2, 4 or
/// 8; a read returns the value in the low `size` bytes (the emulator
/// ignores the bits above).
pub trait MmioBus {
    fn read(&mut self, gpa: u64, size: u8) -> u64;
    fn write(&mut self, gpa: u64, size: u8, value: u64);
}

/// Devices behind I/O ports. `size` is 1, 2 or 4; a read returns the value
/// in the low `size` bytes (the emulator ignores the bits above).
pub trait PortBus {
    fn read(&mut self, port: u16, size: u8) -> u32;
    fn write(&mut self, port: u16, size: u8, value: u32);
}

/// The kind of a linear-address access, as the page walk checks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub write: bool,
    /// A user-mode access (CPL 3).
    pub user: bool,
    /// An instruction fetch.
    pub fetch: bool,
}

/// Bits of the page-fault error code (Intel SDM vol. 3, 4.7).
pub mod pf {
    /// The entry was present: a protection or reserved-bit violation.
    pub const PRESENT: u32 = 1 << 0;
    pub const WRITE: u32 = 1 << 1;
    pub const USER: u32 = 1 << 2;
    /// A reserved bit was set in a paging-structure entry.
    pub const RSVD: u32 = 1 << 3;
    /// An instruction fetch (reported only with SMEP, or PAE paging and
    /// EFER.NXE, as the CPU does).
    pub const FETCH: u32 = 1 << 4;
}

/// Why an instruction was not carried out. On `PageFault` and `General`,
/// RIP still points at the instruction and the caller injects the
/// exception; a REP instruction keeps the elements it completed (RCX, RSI,
/// RDI updated), as on hardware. The others mean the guest cannot go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Inject #PF with this error code ([`pf`] bits); CR2 = `addr`.
    PageFault { addr: u64, code: u32 },
    /// Inject #GP(0): a non-canonical address.
    General,
    /// A page-table entry, an instruction byte or the RAM side of a string
    /// instruction lies outside guest RAM.
    NotRam { gpa: u64 },
    /// The instruction's memory operand does not lie in the faulting page
    /// (or INS/OUTS does not match the exit): the guest changed the code
    /// since the exit, or the exit was not what the VMM thought.
    Mismatch,
    /// An instruction (or a form of one) the emulator does not carry out;
    /// `bytes[..len]` are its bytes (all bytes fetched if it did not decode).
    Unsupported { bytes: [u8; 15], len: u8 },
}

impl Fault {
    /// The exception to inject for this fault, as (vector, error code), or
    /// `None` if the guest cannot be continued.
    pub fn exception(&self) -> Option<(u8, Option<u32>)> {
        match *self {
            Self::PageFault { code, .. } => Some((14, Some(code))),
            Self::General => Some((13, Some(0))),
            _ => None,
        }
    }

    /// A short description for the VMM's stop message.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::PageFault { .. } => "page fault",
            Self::General => "general protection",
            Self::NotRam { .. } => "an access outside guest RAM",
            Self::Mismatch => "the instruction does not match the exit",
            Self::Unsupported { .. } => "unsupported instruction",
        }
    }

    /// "Unsupported" raised deep inside, before the instruction's bytes are
    /// at hand; [`fetch::Fetched::describe`] fills them in.
    const fn unsupported() -> Self {
        Self::Unsupported {
            bytes: [0; 15],
            len: 0,
        }
    }
}

#[cfg(test)]
mod tests;

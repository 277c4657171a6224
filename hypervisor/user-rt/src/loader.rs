//! Loading a static ELF program into a new protection domain.
//!
//! A parent holding `CTRL|CREATE` on its own PD makes a child PD, copies the
//! program's segments into pages of its own RAM ([`Frames`]), delegates
//! those pages into the child at the segment addresses with the segments'
//! rights, hands over capabilities, memory and ports (each recorded as a
//! named item of the child's [`StartInfo`]), and starts the child's first EC
//! on a scheduling context:
//!
//! ```text
//! let mut l = Loader::new(me, &mut frames, platform, child_sel, quota)?;
//! l.load_elf(image, Code::Copy)?;
//! l.set_args(b"ktest.elf role=server")?;
//! l.grant_self(sel::SELF)?;
//! l.give_ram("ram", 1 << 20, layout::RAM)?;
//! let child = l.start(&StartSpec { .. })?;
//! ```
//!
//! The child's space follows [`layout`] and its object space [`sel`]. On an
//! error the child PD is left as far as it got: the caller destroys it by
//! revoking its capability (`Loader::pd`) with `self_too`.

mod build;
pub mod frames;
pub mod plan;
pub mod start_info;

use crate::sys::{Ec, Pd, Sc};
use abi::{Selector, Status};
pub use build::Loader;
pub use frames::{BumpFrames, Frames, Mark};
use hv_core::elf::ElfError;
pub use start_info::{ItemKind, StartInfo};

/// Addresses in a loaded program's space.
pub mod layout {
    /// The read-only start-info page.
    pub const START_INFO: u64 = 0x0000_7fff_f000_0000;
    /// Top of the first EC's stack (it grows down from here).
    pub const STACK_TOP: u64 = 0x0000_7fff_e000_0000;
    /// The first EC's UTCB: the page above its stack.
    pub const UTCB: u64 = STACK_TOP;
    /// Where a parent conventionally maps the program's RAM.
    pub const RAM: u64 = 0x0000_2000_0000_0000;
    /// Where a parent conventionally maps a boot image it passes on.
    pub const IMAGE: u64 = 0x0000_3000_0000_0000;
    /// From here up the program places its own mappings (UTCBs, ...).
    pub const FREE: u64 = 0x0000_4000_0000_0000;
}

/// Selectors in a loaded program's object space.
pub mod sel {
    use abi::Selector;
    /// Where a parent conventionally puts the program's own PD capability.
    pub const SELF: Selector = 32;
    /// Below this the parent places what it grants; the program allocates
    /// from here on.
    pub const FREE: Selector = 1024;
}

/// Why loading failed.
#[derive(Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The image is not a static x86-64 executable the loader accepts.
    Elf(ElfError),
    /// The kernel refused a call (named) with a status.
    Kernel(&'static str, Status),
    /// The caller's [`Frames`] ran out.
    NoMemory,
    /// Too many segments, items or argument bytes.
    TooMany,
}

impl LoadError {
    /// The status of a refused call.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::Kernel(_, s) => Some(*s),
            _ => None,
        }
    }

    /// What failed: the call, for a refusal (see [`LoadError::status`]).
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Elf(_) => "not a loadable ELF executable",
            Self::Kernel(call, _) => call,
            Self::NoMemory => "out of RAM",
            Self::TooMany => "too many segments, items or argument bytes",
        }
    }
}

/// What the child learns about the machine.
#[derive(Clone, Copy, Debug)]
pub struct Platform {
    pub cpu_count: u32,
    pub tsc_khz: u64,
    /// Bits of `abi::hip::feature` (e.g. whether VMs can run).
    pub features: u64,
}

/// Where the pages of a program's segments come from.
pub enum Code {
    /// Fresh pages from the loader's frames, for every segment.
    Copy,
    /// The caller is running this very image: read-only segments are
    /// shared from the caller's own mapping at the same addresses instead
    /// of copied; writable ones are copied.
    Share,
}

/// How the child's first EC runs; selectors are the caller's.
#[derive(Clone, Copy, Debug)]
pub struct StartSpec {
    pub ec_sel: Selector,
    pub sc_sel: Selector,
    pub cpu: u32,
    pub prio: u8,
    pub quantum_us: u64,
    pub stack_bytes: u64,
    /// The event base in the child's object space.
    pub evt_base: Selector,
}

/// A started child, named by the caller's capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Child {
    pub pd: Pd,
    pub ec: Ec,
    pub sc: Sc,
}

/// The start info of the running program.
///
/// # Safety
/// The program was started by a [`Loader`], which maps the page read-only
/// at [`layout::START_INFO`] for the program's lifetime.
pub unsafe fn start_info() -> Option<&'static StartInfo> {
    // SAFETY: mapped, page-aligned and never written after the start (the
    // caller's contract); any bit pattern is a valid `StartInfo`.
    let info = unsafe { &*(layout::START_INFO as *const StartInfo) };
    info.is_valid().then_some(info)
}

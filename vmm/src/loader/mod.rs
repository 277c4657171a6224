//! Guest kernel loaders. For now one: Multiboot 1 (Multiboot Specification
//! 0.6.96), the protocol of QEMU's `-kernel` for non-Linux kernels and of
//! most small kernels, our own hypervisor among them.
//!
//! [`load`] finds the Multiboot header, copies the kernel image into guest
//! RAM (by the header's a.out-kludge address fields, or else by the ELF32
//! program headers, module `elf32`), places the modules and the information
//! structure (built by [`firmware::multiboot`]) after it, and returns the
//! [`Entry`]; [`entry_state`] turns that into the vCPU state the spec
//! prescribes.
//!
//! Everything is checked before the first byte is written: a refused
//! kernel leaves guest memory as it was.
//!
//! Placement rules (ours; the spec leaves them to the loader):
//! - every loaded byte, module and the information area must lie inside one
//!   usable RAM region of the guest's memory map ([`firmware::e820`]): a
//!   kernel never finds itself in a range the map tells it is reserved, and
//!   never in the VGA hole. Loading below 1 MiB is allowed; QEMU only checks
//!   against the RAM size;
//! - kernel segments must not overlap each other;
//! - the entry point must lie in a loaded byte (GRUB also refuses an ELF
//!   entry outside every segment);
//! - modules go page-aligned from the first page boundary at or above both
//!   1 MiB and the kernel's highest loaded byte, in the order given (so bit 0
//!   of the header, page-aligned modules, always holds); the information
//!   area follows on the next page boundary.
#![forbid(unsafe_code)]

mod elf32;
mod entry;
mod header;
mod multiboot;

pub use entry::{entry_state, ENTRY_MTD};
pub use multiboot::load;

use alloc::vec::Vec;

/// A boot module: its bytes and the string the kernel sees with it.
#[derive(Clone, Copy, Debug)]
pub struct Module<'a> {
    pub data: &'a [u8],
    /// Without the NUL.
    pub cmdline: &'a [u8],
}

/// What to boot.
#[derive(Clone, Copy, Debug)]
pub struct Guest<'a> {
    /// The kernel file as it is on disk.
    pub kernel: &'a [u8],
    /// The kernel's command line, without the NUL.
    pub cmdline: &'a [u8],
    pub modules: &'a [Module<'a>],
    /// Bytes of guest RAM from guest-physical 0 (see
    /// [`firmware::e820::pc_map`] for the accepted sizes).
    pub ram: u64,
}

/// Where the kernel starts: the values of EIP and EBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub eip: u32,
    /// The guest-physical address of the information structure.
    pub ebx: u32,
}

/// Why a kernel was not loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// No Multiboot 1 magic in the first 8192 bytes.
    NoHeader,
    /// A header starts, but the file or the 8192-byte window ends inside it.
    Truncated,
    /// The magic is there, but magic + flags + checksum is not 0.
    BadChecksum,
    /// The header requires features (flag bits 0–15) this loader lacks;
    /// the value holds those bits.
    UnsupportedFlags(u32),
    /// The header's a.out-kludge address fields are inconsistent.
    BadAout(&'static str),
    /// No address fields in the header, and the file is not ELF.
    NotElf,
    /// No address fields, and the file is ELF64: the spec defines only
    /// ELF32 (QEMU refuses these too).
    Elf64,
    /// An ELF32 file this loader cannot load.
    BadElf(&'static str),
    /// The entry point is not inside any loaded byte.
    EntryOutside(u32),
    /// `[addr, addr + len)` does not lie inside one usable RAM region.
    OutOfRam { addr: u64, len: u64 },
    /// Two kernel segments both claim the bytes at `addr`.
    Overlap { addr: u64 },
    /// The RAM size has no memory map (see [`firmware::e820::pc_map`]).
    RamSize,
    /// Guest memory refused a write at `gpa` inside the RAM size: the
    /// memory is smaller than [`Guest::ram`] says.
    NotRam { gpa: u64 },
}

impl LoadError {
    /// A one-line explanation for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::NoHeader => "no Multiboot 1 header in the first 8192 bytes",
            Self::Truncated => "the Multiboot header is cut short",
            Self::BadChecksum => "the Multiboot header checksum is wrong",
            Self::UnsupportedFlags(_) => "the Multiboot header requires unsupported features",
            Self::BadAout(why) | Self::BadElf(why) => why,
            Self::NotElf => "no address fields in the Multiboot header and not an ELF file",
            Self::Elf64 => "ELF64 kernels need the address fields in the Multiboot header",
            Self::EntryOutside(_) => "the entry point is outside the loaded image",
            Self::OutOfRam { .. } => "the image does not fit in usable guest RAM",
            Self::Overlap { .. } => "two kernel segments overlap",
            Self::RamSize => "no memory map for this RAM size",
            Self::NotRam { .. } => "guest memory is smaller than the RAM size",
        }
    }
}

/// One piece of the kernel image: `bytes` copied to `gpa`, then zeros up to
/// `mem_len` bytes in all (`mem_len` ≥ `bytes.len()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece<'a> {
    gpa: u64,
    bytes: &'a [u8],
    mem_len: u64,
}

impl Piece<'_> {
    fn end(&self) -> u64 {
        self.gpa + self.mem_len
    }
}

/// A kernel image as its format describes it, not yet checked against RAM.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Image<'a> {
    pieces: Vec<Piece<'a>>,
    entry: u32,
}

#[cfg(test)]
mod tests;

//! Multiboot 1 and Multiboot 2 boot information.
//!
//! QEMU's `-kernel` hands over Multiboot 1 and GRUB ISOs hand over
//! Multiboot 2; both describe the same facts (command line, modules,
//! memory map, ACPI) in different layouts. This module reduces either to one
//! [`BootInfo`]. All memory is read through [`PhysMem`], so the kernel reads
//! via its direct map, tests read from a byte buffer, and every pointer the
//! boot loader supplied is bounds-checked rather than trusted.

#![forbid(unsafe_code)]

mod mb1;
mod mb2;
mod regions;

use crate::memmap::Range;

/// Read access to physical memory.
pub trait PhysMem {
    /// `len` bytes at physical `addr`, or None if not readable.
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]>;
}

pub const MB1_BOOTLOADER_MAGIC: u32 = 0x2BAD_B002;
pub const MB2_BOOTLOADER_MAGIC: u32 = 0x36d7_6289;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    Multiboot1,
    Multiboot2,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MemKind {
    Usable,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Bad,
}

impl MemKind {
    /// The Multiboot (and E820) memory type numbering, shared by both protocols.
    fn from_type(t: u32) -> Self {
        match t {
            1 => MemKind::Usable,
            3 => MemKind::AcpiReclaimable,
            4 => MemKind::AcpiNvs,
            5 => MemKind::Bad,
            _ => MemKind::Reserved,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct MemRegion {
    pub range: Range,
    pub kind: MemKind,
}

#[derive(Clone, Copy, Debug)]
pub struct Module<'m> {
    pub range: Range,
    pub cmdline: &'m str,
}

pub const MAX_REGIONS: usize = 64;
pub const MAX_MODULES: usize = 16;
/// Multiboot 1 keeps its command line, module list, memory map and each
/// module string outside the fixed structure.
pub const MAX_AUX: usize = 3 + MAX_MODULES;

/// Longest string (including its NUL) accepted from the boot loader.
const MAX_STRING: usize = 4096;

#[derive(Clone, Copy, Debug)]
pub struct BootInfo<'m> {
    pub protocol: Protocol,
    /// The kernel command line; "" if absent.
    pub cmdline: &'m str,
    regions: [MemRegion; MAX_REGIONS],
    n_regions: usize,
    modules: [Module<'m>; MAX_MODULES],
    n_modules: usize,
    aux: [Range; MAX_AUX],
    n_aux: usize,
    /// Multiboot 2: physical address of the RSDP copy inside the ACPI new
    /// (15) tag, else the old (14) tag. Multiboot 1: None.
    pub rsdp: Option<u64>,
    /// Physical range of the boot information structure itself.
    pub info: Range,
}

#[derive(Debug, PartialEq, Eq)]
pub enum BootError {
    BadMagic,
    /// A pointer points at unreadable memory.
    Unreadable,
    /// Sizes or tags are inconsistent.
    Malformed,
    /// A string is not UTF-8 or not NUL-terminated within 4096 bytes.
    BadString,
    NoMemoryMap,
    TooMany,
}

/// Parses the boot information the boot loader left at `info_phys`, chosen
/// by the `magic` value it left in EAX.
pub fn parse<'m>(
    magic: u32,
    info_phys: u64,
    mem: &'m dyn PhysMem,
) -> Result<BootInfo<'m>, BootError> {
    match magic {
        MB1_BOOTLOADER_MAGIC => mb1::parse(info_phys, mem),
        MB2_BOOTLOADER_MAGIC => mb2::parse(info_phys, mem),
        _ => Err(BootError::BadMagic),
    }
}

impl<'m> BootInfo<'m> {
    fn new(protocol: Protocol, info: Range) -> Self {
        Self {
            protocol,
            cmdline: "",
            regions: [MemRegion {
                range: Range::new(0, 0),
                kind: MemKind::Reserved,
            }; MAX_REGIONS],
            n_regions: 0,
            modules: [Module {
                range: Range::new(0, 0),
                cmdline: "",
            }; MAX_MODULES],
            n_modules: 0,
            aux: [Range::new(0, 0); MAX_AUX],
            n_aux: 0,
            rsdp: None,
            info,
        }
    }

    /// The memory map: sorted by address, disjoint, adjacent regions of one
    /// kind merged, and where firmware entries overlapped the most
    /// restrictive kind wins (see `regions`).
    pub fn regions(&self) -> &[MemRegion] {
        self.regions.get(..self.n_regions).unwrap_or(&[])
    }

    pub fn modules(&self) -> &[Module<'m>] {
        self.modules.get(..self.n_modules).unwrap_or(&[])
    }

    /// Physical ranges outside `info` that hold boot data this value still
    /// borrows or that the kernel has not consumed yet (Multiboot 1 strings,
    /// module list, memory map); empty for Multiboot 2, which keeps
    /// everything inside `info`. Reserve them together with `info`.
    pub fn aux_ranges(&self) -> &[Range] {
        self.aux.get(..self.n_aux).unwrap_or(&[])
    }

    fn push_module(&mut self, range: Range, cmdline: &'m str) -> Result<(), BootError> {
        let slot = self
            .modules
            .get_mut(self.n_modules)
            .ok_or(BootError::TooMany)?;
        *slot = Module { range, cmdline };
        self.n_modules += 1;
        Ok(())
    }

    fn push_aux(&mut self, range: Range) -> Result<(), BootError> {
        if range.is_empty() {
            return Ok(());
        }
        let slot = self.aux.get_mut(self.n_aux).ok_or(BootError::TooMany)?;
        *slot = range;
        self.n_aux += 1;
        Ok(())
    }
}

/// A module range from the loader's start/end pair; end is exclusive.
fn module_range(start: u32, end: u32) -> Result<Range, BootError> {
    if end < start {
        return Err(BootError::Malformed);
    }
    Ok(Range::new(u64::from(start), u64::from(end)))
}

/// The NUL-terminated string at `addr`, and the range it occupies.
///
/// Read a byte at a time so that a short string at the very end of readable
/// memory is still accepted.
fn c_string(mem: &dyn PhysMem, addr: u64) -> Result<(&str, Range), BootError> {
    for len in 0..MAX_STRING {
        let at = addr.checked_add(len as u64).ok_or(BootError::Unreadable)?;
        let byte = mem.bytes(at, 1).and_then(|b| b.first().copied());
        match byte {
            None => return Err(BootError::Unreadable),
            Some(0) => {
                let bytes = mem.bytes(addr, len).ok_or(BootError::Unreadable)?;
                let s = core::str::from_utf8(bytes).map_err(|_| BootError::BadString)?;
                return Ok((s, Range::new(addr, at + 1)));
            }
            Some(_) => {}
        }
    }
    Err(BootError::BadString)
}

/// The NUL-terminated string at the start of `bytes` (a tag payload).
fn embedded_string(bytes: &[u8]) -> Result<&str, BootError> {
    let nul = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(BootError::BadString)?;
    core::str::from_utf8(bytes.get(..nul).unwrap_or(&[])).map_err(|_| BootError::BadString)
}

#[cfg(test)]
mod tests;

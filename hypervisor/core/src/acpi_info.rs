//! The platform facts the kernel needs from ACPI, gathered once at boot.
//!
//! The kernel wants CPUs, I/O APICs, the PM timer, the reset register and
//! the S5 sleep type, and nothing else; this module reduces the tables to
//! exactly that, in fixed-size storage. The `acpi` crate locates and
//! checksums the tables (RSDP, XSDT/RSDT, MADT, FADT). The bodies of the
//! MADT and FADT are then read here from validated byte slices: the crate's
//! own MADT iterator loops forever on a zero-length entry and its FADT
//! accessors read past a short table, while a byte parser turns every such
//! inconsistency into an error or an absent value, and is host-testable
//! without `unsafe`. Memory is reached through [`OffsetHandler`], a fixed
//! offset from physical addresses (the kernel's direct map).

mod aml;
mod fadt;
mod madt;
mod rsdp;

pub use aml::find_s5;
pub use rsdp::find_rsdp_bios;

use crate::le::u32_at;
use acpi::{AcpiError, AcpiHandler, AcpiTables, PhysicalMapping};
use core::ptr::NonNull;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSpace {
    SystemIo,
    SystemMemory,
}

/// A register from a Generic Address Structure (only the address spaces a
/// kernel can reach without AML: port I/O and memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gas {
    pub space: AddressSpace,
    pub address: u64,
    pub bit_width: u8,
}

/// A processor the firmware says is enabled or can be brought online.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu {
    pub apic_id: u32,
    pub uid: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    pub id: u8,
    pub address: u32,
    pub gsi_base: u32,
}

pub const MAX_CPUS: usize = 64;
pub const MAX_IOAPICS: usize = 8;

/// Largest table length believed; anything larger is treated as corrupt
/// rather than read.
const MAX_TABLE_LEN: usize = 16 << 20;
const SDT_HEADER_LEN: usize = 36;

#[derive(Clone, Copy, Debug)]
pub struct Platform {
    pub lapic_address: u64,
    cpus: [Cpu; MAX_CPUS],
    n_cpus: usize,
    /// Usable CPUs beyond `MAX_CPUS`, listed by the MADT but not kept.
    pub skipped_cpus: u32,
    ioapics: [IoApic; MAX_IOAPICS],
    n_ioapics: usize,
    /// I/O APICs beyond `MAX_IOAPICS`, listed by the MADT but not kept.
    pub skipped_ioapics: u32,
    pub pm1a_control: Option<Gas>,
    pub pm1b_control: Option<Gas>,
    pub pm_timer: Option<Gas>,
    pub pm_timer_32bit: bool,
    /// Reset register and value, only if the FADT says it is supported.
    pub reset: Option<(Gas, u8)>,
    /// `\_S5` SLP_TYPa and SLP_TYPb.
    pub s5: Option<(u8, u8)>,
    /// MADT PCAT_COMPAT: dual 8259s are present and must be masked.
    pub legacy_pic: bool,
}

impl Platform {
    const fn empty() -> Self {
        Self {
            lapic_address: 0,
            cpus: [Cpu { apic_id: 0, uid: 0 }; MAX_CPUS],
            n_cpus: 0,
            skipped_cpus: 0,
            ioapics: [IoApic {
                id: 0,
                address: 0,
                gsi_base: 0,
            }; MAX_IOAPICS],
            n_ioapics: 0,
            skipped_ioapics: 0,
            pm1a_control: None,
            pm1b_control: None,
            pm_timer: None,
            pm_timer_32bit: false,
            reset: None,
            s5: None,
            legacy_pic: false,
        }
    }

    /// In MADT order, so the boot processor usually comes first.
    pub fn cpus(&self) -> &[Cpu] {
        self.cpus.get(..self.n_cpus).unwrap_or(&[])
    }

    pub fn ioapics(&self) -> &[IoApic] {
        self.ioapics.get(..self.n_ioapics).unwrap_or(&[])
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum AcpiInfoError {
    /// No valid RSDP at the given address.
    NoRsdp,
    /// A root table or the MADT is inconsistent.
    BadTables,
    NoMadt,
}

/// Maps physical memory by adding a fixed offset (the kernel's direct map;
/// 0 in host tests where "physical" addresses are host pointers).
#[derive(Clone, Copy, Debug)]
pub struct OffsetHandler {
    offset: u64,
}

impl OffsetHandler {
    /// # Safety
    ///
    /// Every physical address the tables name, plus `offset`, must be
    /// readable memory for as long as the handler is used.
    pub unsafe fn new(offset: u64) -> Self {
        Self { offset }
    }

    /// `len` bytes at physical `phys`, or None if the address arithmetic
    /// does not fit.
    ///
    /// # Safety
    ///
    /// `[phys, phys + len)` must be memory the contract of
    /// [`OffsetHandler::new`] makes readable.
    unsafe fn slice(&self, phys: u64, len: usize) -> Option<&[u8]> {
        let virt = phys.checked_add(self.offset)?;
        // Kernel addresses lie above `isize::MAX`; what a slice needs is a
        // non-null start, no wrap-around and a length within `isize::MAX`.
        virt.checked_add(len as u64)?;
        if virt == 0 || len > isize::MAX as usize {
            return None;
        }
        // SAFETY: the range is non-null, does not wrap, its length fits
        // `isize`, and it is readable per this function's contract; ACPI
        // memory is not written while the kernel parses it.
        Some(unsafe { core::slice::from_raw_parts(virt as usize as *const u8, len) })
    }
}

impl AcpiHandler for OffsetHandler {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let virt = (physical_address as u64).wrapping_add(self.offset) as usize as *mut T;
        // SAFETY: the crate asks only for addresses the tables name, which
        // the `OffsetHandler::new` contract makes readable at this virtual
        // address, and readable memory is never at address 0.
        let start = unsafe { NonNull::new_unchecked(virt) };
        // SAFETY: `start` maps `physical_address` for `size` bytes, and
        // nothing needs unmapping: the direct map is permanent.
        unsafe { PhysicalMapping::new(physical_address, start, size, size, *self) }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// The bytes of a table mapped by the `acpi` crate, whole.
///
/// # Safety
///
/// `mapping` must come from an [`OffsetHandler`] whose contract holds.
unsafe fn table_bytes<T>(mapping: &PhysicalMapping<OffsetHandler, T>) -> &[u8] {
    // SAFETY: the crate maps tables at their full header length, which it
    // has just read end to end for the checksum, and the handler's contract
    // keeps that memory readable while `mapping` lives.
    unsafe {
        core::slice::from_raw_parts(
            mapping.virtual_start().as_ptr().cast::<u8>(),
            mapping.region_length(),
        )
    }
}

/// # Safety
///
/// As for [`OffsetHandler::new`], and `rsdp` is the physical address of an
/// RSDP.
pub unsafe fn parse(handler: OffsetHandler, rsdp: u64) -> Result<Platform, AcpiInfoError> {
    // SAFETY: the caller vouches for the RSDP and everything it names.
    unsafe { rsdp::check_root(&handler, rsdp)? };
    let rsdp = usize::try_from(rsdp).map_err(|_| AcpiInfoError::NoRsdp)?;
    // SAFETY: `check_root` found a valid RSDP and a sane root table header.
    let tables = unsafe { AcpiTables::from_rsdp(handler, rsdp) }.map_err(|e| match e {
        AcpiError::NoValidRsdp
        | AcpiError::RsdpIncorrectSignature
        | AcpiError::RsdpInvalidOemId
        | AcpiError::RsdpInvalidChecksum => AcpiInfoError::NoRsdp,
        _ => AcpiInfoError::BadTables,
    })?;

    let mut platform = Platform::empty();
    let madt = tables
        .find_table::<acpi::madt::Madt>()
        .map_err(|_| AcpiInfoError::NoMadt)?;
    // SAFETY: mapped by our handler.
    madt::parse(unsafe { table_bytes(&madt) }, &mut platform)?;

    // Hardware-reduced and ACPI 1.0-era machines may lack FADT facts; the
    // kernel then does without them rather than failing to boot.
    if let Ok(mapping) = tables.find_table::<acpi::fadt::Fadt>() {
        // SAFETY: mapped by our handler.
        let f = fadt::parse(unsafe { table_bytes(&mapping) });
        platform.pm1a_control = f.pm1a_control;
        platform.pm1b_control = f.pm1b_control;
        platform.pm_timer = f.pm_timer;
        platform.pm_timer_32bit = f.pm_timer_32bit;
        platform.reset = f.reset;
        // SAFETY: the FADT names the DSDT, so the caller's contract covers it.
        platform.s5 = f.dsdt.and_then(|dsdt| unsafe { dsdt_s5(&handler, dsdt) });
    }
    Ok(platform)
}

/// # Safety
///
/// As for [`parse`]; `dsdt` comes from the FADT.
unsafe fn dsdt_s5(handler: &OffsetHandler, dsdt: u64) -> Option<(u8, u8)> {
    // SAFETY: forwarded contract.
    let header = unsafe { handler.slice(dsdt, SDT_HEADER_LEN) }?;
    let len = u32_at(header, 4)? as usize;
    if header.get(..4) != Some(b"DSDT") || !(SDT_HEADER_LEN..=MAX_TABLE_LEN).contains(&len) {
        return None;
    }
    // SAFETY: the DSDT header says it is `len` bytes long.
    let table = unsafe { handler.slice(dsdt, len) }?;
    find_s5(table.get(SDT_HEADER_LEN..)?)
}

#[cfg(test)]
mod tests;

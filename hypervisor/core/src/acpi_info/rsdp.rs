//! Finding and validating the RSDP, the root of the ACPI tables.
//!
//! The `acpi` crate trusts the lengths in the RSDP and the root table; these
//! checks bound them first, so corrupt firmware data (or a wrong pointer
//! from the boot loader) ends in an error instead of a huge read.

use super::{AcpiInfoError, OffsetHandler, MAX_TABLE_LEN, SDT_HEADER_LEN};
use crate::le::{u16_at, u32_at, u64_at, u8_at};

/// Guards the crate against a corrupt root: it would subtract the header
/// size from a root table length without checking it.
///
/// # Safety
///
/// As for [`parse`].
pub(super) unsafe fn check_root(handler: &OffsetHandler, rsdp: u64) -> Result<(), AcpiInfoError> {
    // SAFETY: `rsdp` is the caller's RSDP.
    let bytes = unsafe { rsdp_at(handler, rsdp) }.ok_or(AcpiInfoError::NoRsdp)?;
    let root = match u8_at(bytes, 15) {
        Some(0) => u32_at(bytes, 16).map(u64::from),
        _ => u64_at(bytes, 24),
    }
    .ok_or(AcpiInfoError::NoRsdp)?;
    // SAFETY: the RSDP names the root table.
    let header = unsafe { handler.slice(root, SDT_HEADER_LEN) }.ok_or(AcpiInfoError::BadTables)?;
    let len = u32_at(header, 4).ok_or(AcpiInfoError::BadTables)? as usize;
    if !(SDT_HEADER_LEN..=MAX_TABLE_LEN).contains(&len) {
        return Err(AcpiInfoError::BadTables);
    }
    Ok(())
}

/// The RSDP at `phys` if its signature, OEM id and checksums are valid.
///
/// # Safety
///
/// The RSDP-sized memory at `phys` must be readable per the handler.
unsafe fn rsdp_at(handler: &OffsetHandler, phys: u64) -> Option<&[u8]> {
    // SAFETY: forwarded contract.
    let v1 = unsafe { handler.slice(phys, 20) }?;
    let valid_v1 = v1.get(..8) == Some(b"RSD PTR ")
        && core::str::from_utf8(v1.get(9..15)?).is_ok()
        && checksum_ok(v1);
    if !valid_v1 {
        return None;
    }
    if u8_at(v1, 15)? == 0 {
        return Some(v1);
    }
    // SAFETY: a revision 2+ RSDP is at least 36 bytes long.
    let v2 = unsafe { handler.slice(phys, 36) }?;
    let len = u32_at(v2, 20)? as usize;
    if !(36..=1024).contains(&len) {
        return None;
    }
    // SAFETY: the RSDP says it is `len` bytes long.
    let all = unsafe { handler.slice(phys, len) }?;
    checksum_ok(all).then_some(all)
}

fn checksum_ok(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)) == 0
}

/// # Safety
///
/// As for [`OffsetHandler::new`], for the BIOS data area word at 0x40E, the
/// first KiB of the EBDA and 0xE0000..0x100000: call it only on BIOS
/// machines.
pub unsafe fn find_rsdp_bios(handler: OffsetHandler) -> Option<u64> {
    // SAFETY: the BDA is readable per the caller.
    let segment = unsafe { handler.slice(0x40e, 2) }.and_then(|b| u16_at(b, 0));
    let ebda = u64::from(segment.unwrap_or(0)) << 4;
    let ebda_area = (0x8_0000..0xa_0000)
        .contains(&ebda)
        .then(|| ebda..(ebda + 1024).min(0xa_0000));
    ebda_area
        .into_iter()
        .chain(core::iter::once(0xe_0000..0x10_0000))
        .flat_map(|area| area.step_by(16))
        // SAFETY: every candidate lies in an area the caller made readable.
        .find(|&addr| unsafe { rsdp_at(&handler, addr) }.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake first MiB, plus room for an RSDP read just past its end.
    fn low_memory() -> Vec<u8> {
        vec![0u8; 0x10_0000 + 1024]
    }

    fn put_rsdp(mem: &mut [u8], at: usize, revision: u8) {
        mem[at..at + 8].copy_from_slice(b"RSD PTR ");
        mem[at + 15] = revision;
        mem[at + 20..at + 24].copy_from_slice(&36u32.to_le_bytes());
        let sum = |b: &[u8]| 0u8.wrapping_sub(b.iter().fold(0u8, |s, x| s.wrapping_add(*x)));
        mem[at + 8] = sum(&mem[at..at + 20]);
        mem[at + 32] = sum(&mem[at..at + 36]);
    }

    fn search(mem: &[u8]) -> Option<u64> {
        // SAFETY: physical 0 maps to the start of `mem`, and the search reads
        // only the BDA, the EBDA and 0xE0000..0x100000 plus at most 1 KiB past
        // a candidate, all inside `mem`, which stays borrowed meanwhile.
        unsafe { find_rsdp_bios(OffsetHandler::new(mem.as_ptr() as u64)) }
    }

    #[test]
    fn bios_search_finds_rsdp_in_bios_area() {
        let mut mem = low_memory();
        assert_eq!(search(&mem), None);
        put_rsdp(&mut mem, 0xf_5a30, 2);
        assert_eq!(search(&mem), Some(0xf_5a30));
    }

    #[test]
    fn bios_search_prefers_ebda_and_checks_candidates() {
        let mut mem = low_memory();
        put_rsdp(&mut mem, 0xe_0000, 0);
        put_rsdp(&mut mem, 0x9_fc40, 0);
        // No EBDA pointer: only the BIOS area is searched.
        assert_eq!(search(&mem), Some(0xe_0000));
        mem[0x40e..0x410].copy_from_slice(&0x9fc0u16.to_le_bytes());
        assert_eq!(search(&mem), Some(0x9_fc40));
        // An EBDA pointer outside 0x80000..0xA0000 is ignored.
        mem[0x40e..0x410].copy_from_slice(&0x1000u16.to_le_bytes());
        assert_eq!(search(&mem), Some(0xe_0000));
        // Bad checksums and unaligned copies are skipped.
        mem[0xe_0008] ^= 1;
        put_rsdp(&mut mem, 0xe_1238, 0);
        assert_eq!(search(&mem), None);
        put_rsdp(&mut mem, 0xf_fff0, 2);
        assert_eq!(search(&mem), Some(0xf_fff0));
    }
}

//! The Multiboot 1 header (spec 0.6.96, section 3.1): where it is, and
//! whether we can honour what it asks.
//!
//! The header is a run of 32-bit little-endian words, 4-byte aligned and
//! wholly inside the first 8192 bytes of the file: `magic` (0x1BADB002),
//! `flags`, `checksum` (the three sum to 0 mod 2^32), then with flag bit 16
//! the address fields `header_addr`, `load_addr`, `load_end_addr`,
//! `bss_end_addr` and `entry_addr`, then with bit 2 the video-mode fields.
//!
//! Flag bits 0–15 are requirements: a loader must refuse a kernel that sets
//! one it does not understand. Bits 16–31 are optional features. We honour:
//! - bit 0, page-aligned modules: every module is page-aligned anyway;
//! - bit 1, memory information: always given (and the full memory map);
//! - bit 16, address fields: used in preference to ELF, as the spec allows
//!   and GRUB and QEMU do.
//!
//! Bit 2 (a video mode) is refused: the VMM has no graphics. The other
//! requirement bits have no meaning in the spec and are refused too; the
//! other optional bits are ignored.
//!
//! A magic with a bad checksum may be data that happens to look like one,
//! so the search goes on past it; only when no valid header follows does
//! the loader report the bad checksum (or the header cut short).

use super::LoadError;

pub(super) const MAGIC: u32 = 0x1bad_b002;
/// The header must end within this many bytes from the start of the file.
pub(super) const SEARCH_LIMIT: usize = 8192;

pub(super) const PAGE_ALIGN: u32 = 1 << 0;
pub(super) const MEMORY_INFO: u32 = 1 << 1;
pub(super) const ADDRESSES: u32 = 1 << 16;

/// The bits a loader must understand.
const REQUIRED: u32 = 0xffff;
const HONOURED: u32 = PAGE_ALIGN | MEMORY_INFO;

/// The header's address fields (flag bit 16), all guest-physical.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Addresses {
    /// Where the header's `magic` lands.
    pub header_addr: u32,
    /// Where the first loaded byte lands.
    pub load_addr: u32,
    /// One past the last byte loaded from the file; 0: up to its end.
    pub load_end_addr: u32,
    /// One past the last byte zeroed after the loaded bytes; 0: none.
    pub bss_end_addr: u32,
    pub entry_addr: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// The file offset of `magic`.
    pub offset: usize,
    pub flags: u32,
    pub addresses: Option<Addresses>,
}

fn word(window: &[u8], off: usize) -> Option<u32> {
    let b = window.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The first valid header in `file`, if this loader can honour its flags.
pub(super) fn find(file: &[u8]) -> Result<Header, LoadError> {
    let window = file.get(..SEARCH_LIMIT).unwrap_or(file);
    let mut problem = LoadError::NoHeader;
    for offset in (0..window.len()).step_by(4) {
        if word(window, offset) != Some(MAGIC) {
            continue;
        }
        let (Some(flags), Some(checksum)) = (word(window, offset + 4), word(window, offset + 8))
        else {
            if problem == LoadError::NoHeader {
                problem = LoadError::Truncated;
            }
            continue;
        };
        if MAGIC.wrapping_add(flags).wrapping_add(checksum) != 0 {
            if problem == LoadError::NoHeader {
                problem = LoadError::BadChecksum;
            }
            continue;
        }
        return parse(window, offset, flags);
    }
    Err(problem)
}

/// The rest of the header whose first three words at `offset` are valid.
fn parse(window: &[u8], offset: usize, flags: u32) -> Result<Header, LoadError> {
    let unsupported = flags & REQUIRED & !HONOURED;
    if unsupported != 0 {
        return Err(LoadError::UnsupportedFlags(unsupported));
    }
    let addresses = if flags & ADDRESSES != 0 {
        let field = |i: usize| word(window, offset + 12 + 4 * i).ok_or(LoadError::Truncated);
        Some(Addresses {
            header_addr: field(0)?,
            load_addr: field(1)?,
            load_end_addr: field(2)?,
            bss_end_addr: field(3)?,
            entry_addr: field(4)?,
        })
    } else {
        None
    };
    Ok(Header {
        offset,
        flags,
        addresses,
    })
}

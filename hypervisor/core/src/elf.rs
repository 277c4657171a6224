//! ELF64 executables for user programs (root-pd and what it starts).
//!
//! The image comes from a boot module, which is data the kernel did not
//! build, so `parse` checks everything a loader relies on before handing
//! out a single segment: the header, that the program headers and each
//! loadable segment lie inside the file, that segments stay below the user
//! half of the address space without wrapping or overlapping, and that the
//! entry point is in executable memory. After that, loading is copying.

#![forbid(unsafe_code)]

use crate::le::{u16_at, u32_at, u64_at};
use crate::memmap::Range;

/// First address above the canonical lower half: user mappings end here.
pub const USER_LIMIT: u64 = 0x0000_8000_0000_0000;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ET_EXEC: u16 = 2;
const EM_X86_64: u16 = 62;
const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
/// Bounds the pairwise overlap check; real executables have a handful.
const MAX_PHDRS: usize = 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SegFlags {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

/// A `PT_LOAD` segment: `file_size` bytes from `file_offset` go to `vaddr`,
/// and the rest up to `mem_size` is zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub file_offset: u64,
    pub file_size: u64,
    pub mem_size: u64,
    pub flags: SegFlags,
}

impl Segment {
    fn span(&self) -> Range {
        Range::new(self.vaddr, self.vaddr.saturating_add(self.mem_size))
    }
}

/// A validated executable borrowing its file bytes.
#[derive(Clone, Copy, Debug)]
pub struct Elf<'a> {
    pub entry: u64,
    data: &'a [u8],
    phoff: usize,
    phentsize: usize,
    phnum: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ElfError {
    TooShort,
    NotElf,
    Not64Bit,
    NotLittleEndian,
    NotX86_64,
    NotExecutable,
    BadProgramHeaders,
    SegmentOutsideFile,
    FileSizeExceedsMemSize,
    AddressOverflow,
    NotUserAddress,
    OverlappingSegments,
    NoLoadableSegment,
    EntryOutsideSegments,
}

/// Parses and validates an x86-64 `ET_EXEC` image.
pub fn parse(data: &[u8]) -> Result<Elf<'_>, ElfError> {
    let ident = data
        .get(..16)
        .filter(|_| data.len() >= EHDR_SIZE)
        .ok_or(ElfError::TooShort)?;
    if ident[..4] != *b"\x7fELF" || ident[6] != EV_CURRENT {
        return Err(ElfError::NotElf);
    }
    if ident[4] != ELFCLASS64 {
        return Err(ElfError::Not64Bit);
    }
    if ident[5] != ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian);
    }
    let half = |off| u16_at(data, off).ok_or(ElfError::TooShort);
    let word = |off| u64_at(data, off).ok_or(ElfError::TooShort);
    if half(18)? != EM_X86_64 {
        return Err(ElfError::NotX86_64);
    }
    if half(16)? != ET_EXEC {
        return Err(ElfError::NotExecutable);
    }
    let entry = word(24)?;
    let phoff = usize::try_from(word(32)?).map_err(|_| ElfError::BadProgramHeaders)?;
    let phentsize = usize::from(half(54)?);
    let phnum = usize::from(half(56)?);
    let table_end = phentsize
        .checked_mul(phnum)
        .and_then(|size| size.checked_add(phoff))
        .ok_or(ElfError::BadProgramHeaders)?;
    if phentsize < PHDR_SIZE || phnum > MAX_PHDRS || table_end > data.len() {
        return Err(ElfError::BadProgramHeaders);
    }

    let elf = Elf {
        entry,
        data,
        phoff,
        phentsize,
        phnum,
    };
    let mut loadable = 0usize;
    for (i, s) in elf.segments().enumerate() {
        check_segment(data.len(), &s)?;
        if elf.segments().take(i).any(|o| o.span().overlaps(s.span())) {
            return Err(ElfError::OverlappingSegments);
        }
        loadable += 1;
    }
    if loadable == 0 {
        return Err(ElfError::NoLoadableSegment);
    }
    if !elf
        .segments()
        .any(|s| s.flags.exec && s.vaddr <= entry && entry < s.span().end)
    {
        return Err(ElfError::EntryOutsideSegments);
    }
    Ok(elf)
}

fn check_segment(file_len: usize, s: &Segment) -> Result<(), ElfError> {
    let file_end = s.file_offset.checked_add(s.file_size);
    if file_end.is_none_or(|end| end > file_len as u64) {
        return Err(ElfError::SegmentOutsideFile);
    }
    if s.file_size > s.mem_size {
        return Err(ElfError::FileSizeExceedsMemSize);
    }
    let end = s
        .vaddr
        .checked_add(s.mem_size)
        .ok_or(ElfError::AddressOverflow)?;
    if end > USER_LIMIT {
        return Err(ElfError::NotUserAddress);
    }
    Ok(())
}

impl<'a> Elf<'a> {
    /// The `PT_LOAD` segments in program-header order.
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        (0..self.phnum).filter_map(move |i| {
            let ph = self.data.get(self.phoff + i * self.phentsize..)?;
            if u32_at(ph, 0)? != PT_LOAD {
                return None;
            }
            let flags = u32_at(ph, 4)?;
            Some(Segment {
                vaddr: u64_at(ph, 16)?,
                file_offset: u64_at(ph, 8)?,
                file_size: u64_at(ph, 32)?,
                mem_size: u64_at(ph, 40)?,
                flags: SegFlags {
                    read: flags & PF_R != 0,
                    write: flags & PF_W != 0,
                    exec: flags & PF_X != 0,
                },
            })
        })
    }

    /// The file bytes of `s`; empty if `s` does not describe bytes of this
    /// file (it can only come from elsewhere, since `parse` checked ours).
    pub fn segment_data(&self, s: &Segment) -> &'a [u8] {
        let range = usize::try_from(s.file_offset).ok().and_then(|start| {
            let len = usize::try_from(s.file_size).ok()?;
            Some(start..start.checked_add(len)?)
        });
        range.and_then(|r| self.data.get(r)).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests;

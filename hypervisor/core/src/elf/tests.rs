//! ELF images built byte by byte: one good image and one per error.

use super::*;

/// One program header as written into a test image.
#[derive(Clone, Copy)]
struct Ph {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
    Ph {
        kind: PT_LOAD,
        flags,
        offset,
        vaddr,
        filesz,
        memsz,
    }
}

const RX: u32 = PF_R | PF_X;
const RW: u32 = PF_R | PF_W;
const ENTRY: u64 = 0x40_1010;

/// An image with the headers at 0, text at file 0x1000 and data at 0x2000,
/// padded to 0x2100 bytes; every byte of the body is its offset's low byte.
fn image(entry: u64, phs: &[Ph]) -> Vec<u8> {
    let mut d: Vec<u8> = (0..0x2100u32).map(|i| i as u8).collect();
    d[..EHDR_SIZE].fill(0);
    d[..4].copy_from_slice(b"\x7fELF");
    d[4] = ELFCLASS64;
    d[5] = ELFDATA2LSB;
    d[6] = EV_CURRENT;
    d[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
    d[18..20].copy_from_slice(&EM_X86_64.to_le_bytes());
    d[20..24].copy_from_slice(&1u32.to_le_bytes());
    d[24..32].copy_from_slice(&entry.to_le_bytes());
    d[32..40].copy_from_slice(&64u64.to_le_bytes());
    d[52..54].copy_from_slice(&64u16.to_le_bytes());
    d[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
    d[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, p) in phs.iter().enumerate() {
        let o = 64 + i * PHDR_SIZE;
        d[o..o + PHDR_SIZE].fill(0);
        d[o..o + 4].copy_from_slice(&p.kind.to_le_bytes());
        d[o + 4..o + 8].copy_from_slice(&p.flags.to_le_bytes());
        d[o + 8..o + 16].copy_from_slice(&p.offset.to_le_bytes());
        d[o + 16..o + 24].copy_from_slice(&p.vaddr.to_le_bytes());
        d[o + 24..o + 32].copy_from_slice(&p.vaddr.to_le_bytes());
        d[o + 32..o + 40].copy_from_slice(&p.filesz.to_le_bytes());
        d[o + 40..o + 48].copy_from_slice(&p.memsz.to_le_bytes());
        d[o + 48..o + 56].copy_from_slice(&0x1000u64.to_le_bytes());
    }
    d
}

fn good_phs() -> Vec<Ph> {
    vec![
        Ph {
            kind: 6, // PT_PHDR: not loadable, ignored
            flags: PF_R,
            offset: 64,
            vaddr: 0x40_0040,
            filesz: 0x70,
            memsz: 0x70,
        },
        load(RX, 0x1000, 0x40_1000, 0x800, 0x800),
        load(RW, 0x2000, 0x40_3000, 0x100, 0x3000),
        Ph {
            kind: 0x6474_e551, // PT_GNU_STACK
            flags: RW,
            offset: 0,
            vaddr: 0,
            filesz: 0,
            memsz: 0,
        },
    ]
}

fn good() -> Vec<u8> {
    image(ENTRY, &good_phs())
}

fn err(data: &[u8]) -> ElfError {
    parse(data).err().unwrap()
}

#[test]
fn good_image_round_trips() {
    let data = good();
    let elf = parse(&data).unwrap();
    assert_eq!(elf.entry, ENTRY);
    let segs: Vec<Segment> = elf.segments().collect();
    assert_eq!(
        segs,
        [
            Segment {
                vaddr: 0x40_1000,
                file_offset: 0x1000,
                file_size: 0x800,
                mem_size: 0x800,
                flags: SegFlags {
                    read: true,
                    write: false,
                    exec: true
                },
            },
            Segment {
                vaddr: 0x40_3000,
                file_offset: 0x2000,
                file_size: 0x100,
                mem_size: 0x3000,
                flags: SegFlags {
                    read: true,
                    write: true,
                    exec: false
                },
            },
        ]
    );
    assert_eq!(elf.segment_data(&segs[0]), &data[0x1000..0x1800]);
    assert_eq!(elf.segment_data(&segs[1]).len(), 0x100);
    assert_eq!(elf.segment_data(&segs[1])[5], 5);
}

#[test]
fn segment_data_of_foreign_segment_is_empty() {
    let data = good();
    let elf = parse(&data).unwrap();
    let mut s = elf.segments().next().unwrap();
    s.file_offset = 0x2000;
    s.file_size = 0x200;
    assert!(elf.segment_data(&s).is_empty());
    s.file_offset = u64::MAX;
    s.file_size = 2;
    assert!(elf.segment_data(&s).is_empty());
}

#[test]
fn too_short() {
    assert_eq!(err(&[]), ElfError::TooShort);
    assert_eq!(err(&good()[..63]), ElfError::TooShort);
}

#[test]
fn header_identity_checks() {
    let mut d = good();
    d[0] = 0x7e;
    assert_eq!(err(&d), ElfError::NotElf);
    let mut d = good();
    d[6] = 2;
    assert_eq!(err(&d), ElfError::NotElf);
    let mut d = good();
    d[4] = 1;
    assert_eq!(err(&d), ElfError::Not64Bit);
    let mut d = good();
    d[5] = 2;
    assert_eq!(err(&d), ElfError::NotLittleEndian);
    let mut d = good();
    d[18] = 3; // EM_386
    assert_eq!(err(&d), ElfError::NotX86_64);
    let mut d = good();
    d[16] = 3; // ET_DYN
    assert_eq!(err(&d), ElfError::NotExecutable);
    let mut d = good();
    d[16] = 1; // ET_REL
    assert_eq!(err(&d), ElfError::NotExecutable);
}

#[test]
fn bad_program_header_tables() {
    let mut d = good();
    d[54..56].copy_from_slice(&40u16.to_le_bytes());
    assert_eq!(err(&d), ElfError::BadProgramHeaders);
    let mut d = good();
    d[32..40].copy_from_slice(&0x20f0u64.to_le_bytes());
    assert_eq!(err(&d), ElfError::BadProgramHeaders);
    let mut d = good();
    d[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(err(&d), ElfError::BadProgramHeaders);
    let mut d = good();
    d[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    assert_eq!(err(&d), ElfError::BadProgramHeaders);
}

#[test]
fn segment_outside_file() {
    let mut phs = good_phs();
    phs[2].filesz = 0x101;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::SegmentOutsideFile);
    phs[2].offset = u64::MAX;
    phs[2].filesz = 2;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::SegmentOutsideFile);
}

#[test]
fn file_size_exceeds_mem_size() {
    let mut phs = good_phs();
    phs[1].memsz = 0x7ff;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::FileSizeExceedsMemSize);
}

#[test]
fn address_overflow() {
    let mut phs = good_phs();
    phs[2].vaddr = u64::MAX - 0x10;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::AddressOverflow);
}

#[test]
fn not_user_address() {
    let mut phs = good_phs();
    phs[2].vaddr = USER_LIMIT - 0x2000;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::NotUserAddress);
    phs[2].vaddr = 0xffff_ffff_8000_0000;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::NotUserAddress);
    // Ending exactly at the limit is fine.
    phs[2].vaddr = USER_LIMIT - 0x3000;
    assert!(parse(&image(ENTRY, &phs)).is_ok());
}

#[test]
fn overlapping_segments() {
    let mut phs = good_phs();
    phs[2].vaddr = 0x40_17ff;
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::OverlappingSegments);
    phs[2].vaddr = 0x3f_f000; // Covers the text segment entirely.
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::OverlappingSegments);
    // Touching is not overlapping, and empty segments overlap nothing.
    phs[2].vaddr = 0x40_1800;
    assert!(parse(&image(ENTRY, &phs)).is_ok());
    phs.push(load(PF_R, 0, 0x40_1100, 0, 0));
    assert!(parse(&image(ENTRY, &phs)).is_ok());
}

#[test]
fn no_loadable_segment() {
    let phs: Vec<Ph> = good_phs()
        .into_iter()
        .filter(|p| p.kind != PT_LOAD)
        .collect();
    assert_eq!(err(&image(ENTRY, &phs)), ElfError::NoLoadableSegment);
    assert_eq!(err(&image(ENTRY, &[])), ElfError::NoLoadableSegment);
}

#[test]
fn entry_outside_executable_segments() {
    // In no segment at all.
    assert_eq!(
        err(&image(0x50_0000, &good_phs())),
        ElfError::EntryOutsideSegments
    );
    // Just past the text segment.
    assert_eq!(
        err(&image(0x40_1800, &good_phs())),
        ElfError::EntryOutsideSegments
    );
    // In the non-executable data segment.
    assert_eq!(
        err(&image(0x40_3000, &good_phs())),
        ElfError::EntryOutsideSegments
    );
    assert_eq!(
        err(&image(u64::MAX, &good_phs())),
        ElfError::EntryOutsideSegments
    );
    // First byte of the text segment is fine.
    assert!(parse(&image(0x40_1000, &good_phs())).is_ok());
}

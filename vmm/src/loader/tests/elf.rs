//! ELF32 images (no address fields in the header).

use super::*;

const TEXT: u32 = 0x10_0000;
const DATA: u32 = 0x10_2000;

fn text() -> Vec<u8> {
    (1..=64u8).collect()
}

/// A kernel with a text segment and a data segment with bss.
fn kernel() -> Elf {
    Elf::new(TEXT + 8)
        .load(TEXT, &text(), 64)
        .load(DATA, &[0x5a; 16], 0x1800)
}

fn refused(elf: &[u8]) -> LoadError {
    let m = dirty();
    let e = load(&m, &guest(elf)).unwrap_err();
    assert!(untouched(&m), "a refused kernel wrote guest memory");
    e
}

fn bad(why: &'static str) -> LoadError {
    LoadError::BadElf(why)
}

#[test]
fn loads_each_segment_at_its_physical_address() {
    let m = dirty();
    let e = load(&m, &guest(&kernel().build())).unwrap();
    assert_eq!(e.eip, TEXT + 8);
    assert_eq!(bytes(&m, 0x10_0000, 64), text());
    assert_eq!(bytes(&m, 0x10_0000 + 64, 1), [0xff], "text has no bss");
    assert_eq!(bytes(&m, 0x10_2000, 16), [0x5a; 16]);
    assert!(bytes(&m, 0x10_2010, 0x17f0).iter().all(|b| *b == 0));
    assert_eq!(bytes(&m, 0x10_3800, 1), [0xff]);
    assert_eq!(e.ebx, 0x10_4000, "info on the page after the highest byte");
}

#[test]
fn other_segments_and_empty_loads_are_skipped() {
    // A PT_NOTE in the EBDA and an empty PT_LOAD beyond RAM load nothing.
    let elf = kernel()
        .seg(4, 0x9_fc00, 0x9_fc00, &[1, 2, 3], 3)
        .seg(PT_LOAD, 0xf000_0000, 0xf000_0000, &[], 0)
        .build();
    let m = dirty();
    assert!(load(&m, &guest(&elf)).is_ok());
    assert_eq!(bytes(&m, 0x9_fc00, 3), [0xff; 3]);
}

#[test]
fn a_virtual_entry_moves_with_its_segment() {
    // A higher-half kernel: linked at 0xc0100000, loaded at 1 MiB.
    let elf = Elf::new(0xc010_0010)
        .seg(PT_LOAD, 0xc010_0000, TEXT, &text(), 64)
        .build();
    let m = dirty();
    assert_eq!(load(&m, &guest(&elf)).map(|e| e.eip), Ok(TEXT + 0x10));
    assert_eq!(bytes(&m, 0x10_0000, 64), text());
    // A physical entry outside every virtual range stays as it is.
    let elf = Elf::new(TEXT + 0x10)
        .seg(PT_LOAD, 0xc010_0000, TEXT, &text(), 64)
        .build();
    assert_eq!(load(&dirty(), &guest(&elf)).map(|e| e.eip), Ok(TEXT + 0x10));
    // Neither way loaded: refused.
    let elf = Elf::new(0xc020_0000)
        .seg(PT_LOAD, 0xc010_0000, TEXT, &text(), 64)
        .build();
    assert_eq!(refused(&elf), LoadError::EntryOutside(0xc020_0000));
}

#[test]
fn the_toolchain_fixture_loads() {
    // mb32.elf: one PT_LOAD (file 0x74..0x92 to 0x100000, memory 0x2028
    // bytes), a GNU_STACK header, entry 0x10000c.
    let elf = include_bytes!("fixtures/mb32.elf");
    let m = dirty();
    let e = load(&m, &guest(elf)).unwrap();
    assert_eq!(e.eip, 0x10_000c);
    assert_eq!(bytes(&m, 0x10_0000, 0x1e), &elf[0x74..0x92]);
    assert_eq!(rd32(&m, 0x10_0000), MB_MAGIC, "its header comes first");
    assert!(bytes(&m, 0x10_001e, 0x2028 - 0x1e).iter().all(|b| *b == 0));
    assert_eq!(e.ebx, 0x10_3000);
}

#[test]
fn not_elf32_without_address_fields() {
    let elf = kernel().build();
    let mut f = elf.clone();
    f[0] = 0;
    assert_eq!(refused(&f), LoadError::NotElf);
    f = elf.clone();
    f[4] = 2;
    assert_eq!(refused(&f), LoadError::Elf64, "the spec defines ELF32 only");
    f[4] = 3;
    assert_eq!(refused(&f), bad("unknown ELF class"));
    f = elf.clone();
    f[5] = 2;
    assert_eq!(refused(&f), bad("ELF file is not little-endian"));
    f = elf.clone();
    f[6] = 0;
    assert_eq!(refused(&f), bad("unknown ELF version"));
}

#[test]
fn only_i386_executables() {
    let mut e = kernel();
    e.etype = 3;
    assert_eq!(refused(&e.build()), bad("ELF file is not an executable"));
    let mut e = kernel();
    e.machine = 62;
    assert_eq!(refused(&e.build()), bad("ELF file is not for the i386"));
}

#[test]
fn elf_header_cut_short() {
    // The ELF magic, then the Multiboot header, then the file ends.
    let mut f = b"\x7fELF\x01\x01\x01\x00".to_vec();
    f.extend(mb_header(MB_FLAGS));
    assert_eq!(refused(&f), bad("ELF header cut short"));
}

#[test]
fn program_header_table_must_fit() {
    let elf = kernel().build();
    let mut f = elf.clone();
    f[42] = 16;
    assert_eq!(refused(&f), bad("ELF program headers too small"));
    f = elf.clone();
    f[44..46].copy_from_slice(&0xffffu16.to_le_bytes());
    assert_eq!(refused(&f), bad("too many ELF program headers"));
    f = elf.clone();
    f[44] = 40;
    assert_eq!(
        refused(&f),
        bad("ELF program headers beyond the end of the file")
    );
    f = elf.clone();
    patch32(&mut f, 28, 0xffff_fff0);
    assert_eq!(
        refused(&f),
        bad("ELF program headers beyond the end of the file")
    );
}

#[test]
fn segments_must_be_consistent() {
    let elf = kernel().build();
    let p1 = Elf::phdr(1);
    let mut f = elf.clone();
    patch32(&mut f, p1 + 16, 0x1801);
    assert_eq!(
        refused(&f),
        bad("ELF segment larger in the file than in memory")
    );
    f = elf.clone();
    patch32(&mut f, p1 + 4, elf.len() as u32 - 15);
    assert_eq!(refused(&f), bad("ELF segment beyond the end of the file"));
    f = elf.clone();
    patch32(&mut f, p1 + 4, u32::MAX);
    assert_eq!(refused(&f), bad("ELF segment beyond the end of the file"));
    f = elf.clone();
    patch32(&mut f, p1 + 12, 0xffff_f000);
    assert_eq!(refused(&f), bad("ELF segment beyond 4 GiB"));
}

#[test]
fn no_loadable_segment() {
    let elf = Elf::new(TEXT).seg(4, TEXT, TEXT, &text(), 64).build();
    assert_eq!(refused(&elf), bad("no loadable ELF segment"));
    let elf = Elf::new(TEXT).build();
    assert_eq!(refused(&elf), bad("no loadable ELF segment"));
}

#[test]
fn segments_must_not_overlap() {
    let elf = Elf::new(TEXT)
        .load(DATA, &[1; 8], 0x100)
        .load(TEXT, &text(), 0x2001)
        .build();
    assert_eq!(refused(&elf), LoadError::Overlap { addr: 0x10_2000 });
    // Touching is fine.
    let elf = Elf::new(TEXT)
        .load(TEXT, &text(), 0x2000)
        .load(DATA, &[1; 8], 0x100)
        .build();
    assert!(load(&dirty(), &guest(&elf)).is_ok());
}

#[test]
fn segments_must_lie_in_usable_ram() {
    let elf = Elf::new(TEXT)
        .load(TEXT, &text(), 64)
        .load(RAM as u32 - 8, &[1; 8], 9)
        .build();
    assert_eq!(
        refused(&elf),
        LoadError::OutOfRam {
            addr: RAM - 8,
            len: 9
        }
    );
    let elf = Elf::new(TEXT)
        .load(TEXT, &text(), 64)
        .load(0xa_0000, &[1; 8], 8)
        .build();
    assert_eq!(
        refused(&elf),
        LoadError::OutOfRam {
            addr: 0xa_0000,
            len: 8
        }
    );
}

//! Images described by the header's address fields (flag bit 16).

use super::*;

const LOAD: u32 = 0x10_0000;

fn code() -> Vec<u8> {
    (0..100u8).collect()
}

/// Loads a kernel whose header at offset 0 has these address fields and
/// `code` after it.
fn load_fields(fields: [u32; 5]) -> Result<Entry, LoadError> {
    let mut k = aout_header(fields);
    k.extend(code());
    let m = dirty();
    let r = load(&m, &guest(&k));
    if r.is_err() {
        assert!(untouched(&m), "a refused kernel wrote guest memory");
    }
    r
}

#[test]
fn loads_the_file_at_load_addr_and_zeroes_the_bss() {
    let k = aout_kernel(LOAD, &code(), 0x3000);
    let m = dirty();
    let e = load(&m, &guest(&k)).unwrap();
    assert_eq!(e.eip, LOAD + 32);
    // The whole file, header included, lands at load_addr.
    assert_eq!(bytes(&m, 0x10_0000, k.len()), k);
    let bss = bytes(&m, 0x10_0000 + k.len() as u64, 0x3000);
    assert!(bss.iter().all(|b| *b == 0));
    // Nothing between the bss end and the next page (the info area).
    let end = 0x10_0000 + k.len() as u64 + 0x3000;
    assert_eq!(bytes(&m, end, 1), [0xff]);
    assert_eq!(u64::from(e.ebx), 0x10_4000);
}

#[test]
fn header_offset_and_header_addr_give_the_load_offset() {
    // 0x30 bytes of prefix that must not load, 0x10 that must, the header
    // at file offset 0x40 landing 0x10 after load_addr.
    let mut k = vec![0xaa; 0x30];
    k.extend([0xbb; 0x10]);
    k.extend(aout_header([LOAD + 0x10, LOAD, 0, 0, LOAD + 0x30]));
    k.extend(code());
    let m = dirty();
    let e = load(&m, &guest(&k)).unwrap();
    assert_eq!(e.eip, LOAD + 0x30);
    assert_eq!(bytes(&m, 0x10_0000, k.len() - 0x30), &k[0x30..]);
    assert_eq!(
        rd32(&m, 0x10_0010),
        MB_MAGIC,
        "the header lands at header_addr"
    );
    assert_eq!(bytes(&m, 0x10_0000 - 1, 1), [0xff]);
}

#[test]
fn load_end_addr_limits_the_loaded_bytes() {
    // 40 bytes load (the header and 8 code bytes); the bss covers the rest.
    let e = load_fields([LOAD, LOAD, LOAD + 40, LOAD + 200, LOAD + 32]);
    assert_eq!(e.map(|e| e.eip), Ok(LOAD + 32));
    let mut k = aout_header([LOAD, LOAD, LOAD + 40, LOAD + 200, LOAD + 32]);
    k.extend(code());
    let m = dirty();
    load(&m, &guest(&k)).unwrap();
    assert_eq!(bytes(&m, 0x10_0000, 40), &k[..40]);
    assert!(bytes(&m, 0x10_0000 + 40, 160).iter().all(|b| *b == 0));
    assert_eq!(bytes(&m, 0x10_0000 + 200, 1), [0xff]);
}

#[test]
fn inconsistent_address_fields_are_refused() {
    let bad = |why| Err(LoadError::BadAout(why));
    assert_eq!(
        load_fields([LOAD, LOAD + 4, 0, 0, LOAD + 32]),
        bad("header_addr is below load_addr")
    );
    // The header is at offset 0, so nothing of the file lies before it.
    assert_eq!(
        load_fields([LOAD + 4, LOAD, 0, 0, LOAD + 32]),
        bad("load_addr lies before the start of the file")
    );
    assert_eq!(
        load_fields([LOAD, LOAD, LOAD - 1, 0, LOAD + 32]),
        bad("load_end_addr is below load_addr")
    );
    assert_eq!(
        load_fields([LOAD, LOAD, LOAD + 133, 0, LOAD + 32]),
        bad("load_end_addr lies beyond the end of the file")
    );
    assert_eq!(
        load_fields([LOAD, LOAD, LOAD + 40, LOAD + 39, LOAD + 32]),
        bad("bss_end_addr is below the end of the loaded bytes")
    );
    assert_eq!(
        load_fields([LOAD, LOAD, 0, LOAD + 131, LOAD + 32]),
        bad("bss_end_addr is below the end of the loaded bytes")
    );
    assert_eq!(
        load_fields([0xffff_ff80, 0xffff_ff80, 0, 0, 0xffff_ffa0]),
        bad("the image reaches beyond 4 GiB")
    );
}

#[test]
fn the_whole_file_is_exactly_loadable() {
    // load_end_addr at the very end of the file, and bss_end_addr equal to
    // it (an empty bss), are both fine.
    assert!(load_fields([LOAD, LOAD, LOAD + 132, LOAD + 132, LOAD + 32]).is_ok());
}

#[test]
fn the_entry_must_be_loaded() {
    assert_eq!(
        load_fields([LOAD, LOAD, 0, 0, LOAD + 132]),
        Err(LoadError::EntryOutside(LOAD + 132))
    );
    assert_eq!(
        load_fields([LOAD, LOAD, 0, 0, LOAD - 1]),
        Err(LoadError::EntryOutside(LOAD - 1))
    );
    // In the bss is loaded (zeroed) memory.
    assert!(load_fields([LOAD, LOAD, 0, LOAD + 0x1000, LOAD + 0xfff]).is_ok());
    // An image of no bytes has no entry.
    assert_eq!(
        load_fields([LOAD, LOAD, LOAD, 0, LOAD]),
        Err(LoadError::EntryOutside(LOAD))
    );
}

#[test]
fn the_image_must_lie_in_usable_ram() {
    let top = RAM as u32;
    let k = aout_kernel(top - 100, &code(), 0);
    let r = load(&dirty(), &guest(&k));
    assert_eq!(
        r,
        Err(LoadError::OutOfRam {
            addr: u64::from(top) - 100,
            len: 132
        })
    );
    // The bss alone may not run past RAM either.
    let k = aout_kernel(top - 0x1000, &code(), 0x1000);
    assert!(matches!(
        load(&dirty(), &guest(&k)),
        Err(LoadError::OutOfRam { .. })
    ));
    // Not into the EBDA, the VGA hole or the BIOS area.
    for at in [0x9_fc00, 0x9_fb80, 0xb_8000, 0xf_ff00] {
        let k = aout_kernel(at, &code(), 0);
        let r = load(&dirty(), &guest(&k));
        assert!(
            matches!(r, Err(LoadError::OutOfRam { .. })),
            "{at:#x}: {r:?}"
        );
    }
    // Conventional memory is usable.
    let k = aout_kernel(0x8000, &code(), 0);
    assert!(load(&dirty(), &guest(&k)).is_ok());
}

#[test]
fn elf64_with_address_fields_loads_by_the_fields() {
    // Like our own hypervisor: an ELF64 file whose header has bit 16.
    let mut k = vec![0u8; 64];
    k[..5].copy_from_slice(b"\x7fELF\x02");
    k.extend(aout_header([LOAD + 64, LOAD, 0, LOAD + 0x2000, LOAD + 96]));
    k.extend(code());
    let m = dirty();
    let e = load(&m, &guest(&k)).unwrap();
    assert_eq!(e.eip, LOAD + 96);
    assert_eq!(bytes(&m, 0x10_0000, k.len()), k);
    assert!(bytes(&m, 0x10_0000 + k.len() as u64, 0x2000 - k.len())
        .iter()
        .all(|b| *b == 0));
}

//! Finding the Multiboot header: 4-byte aligned, wholly inside the first
//! 8192 bytes, magic + flags + checksum = 0; refusing requirement bits the
//! loader lacks.

use super::*;
use crate::loader::header::{find, Addresses, Header};

/// `header` at file offset `at` of a zeroed file of `len` bytes.
fn file_with(at: usize, header: &[u8], len: usize) -> Vec<u8> {
    let mut f = vec![0u8; len.max(at + header.len())];
    f[at..at + header.len()].copy_from_slice(header);
    f.truncate(len);
    f
}

#[test]
fn no_magic_is_no_header() {
    assert_eq!(find(&[]), Err(LoadError::NoHeader));
    assert_eq!(find(&[0; 8192]), Err(LoadError::NoHeader));
    // Misaligned: the spec only allows 4-byte aligned headers.
    assert_eq!(
        find(&file_with(2, &mb_header(3), 64)),
        Err(LoadError::NoHeader)
    );
    // Wholly beyond the first 8192 bytes.
    assert_eq!(
        find(&file_with(8192, &mb_header(3), 9000)),
        Err(LoadError::NoHeader)
    );
}

#[test]
fn finds_the_header_at_the_last_place_it_fits() {
    let f = file_with(8192 - 12, &mb_header(3), 9000);
    assert_eq!(
        find(&f),
        Ok(Header {
            offset: 8180,
            flags: 3,
            addresses: None
        })
    );
}

#[test]
fn header_cut_short_by_the_window_or_the_file() {
    // The checksum would lie past byte 8192.
    let f = file_with(8184, &mb_header(3), 9000);
    assert_eq!(find(&f), Err(LoadError::Truncated));
    // The file ends after the flags.
    assert_eq!(find(&mb_header(3)[..8]), Err(LoadError::Truncated));
    // Address fields announced but missing, by the file end or the window.
    let h = aout_header([0x10_0000, 0x10_0000, 0, 0, 0x10_0020]);
    assert_eq!(find(&h[..28]), Err(LoadError::Truncated));
    let f = file_with(8192 - 24, &h, 9000);
    assert_eq!(find(&f), Err(LoadError::Truncated));
    assert_eq!(load(&dirty(), &guest(&h[..20])), Err(LoadError::Truncated));
}

#[test]
fn bad_checksum_is_reported_only_without_a_valid_header() {
    let mut bad = mb_header(3);
    bad[8] ^= 1;
    assert_eq!(find(&file_with(0, &bad, 64)), Err(LoadError::BadChecksum));
    // A bad header before a good one is data that looks like a header.
    let mut f = file_with(0, &bad, 64);
    f[16..28].copy_from_slice(&mb_header(3));
    assert_eq!(find(&f).map(|h| h.offset), Ok(16));
    assert_eq!(load(&dirty(), &guest(&bad)), Err(LoadError::BadChecksum));
}

#[test]
fn address_fields_are_read_in_order() {
    let h = aout_header([1, 2, 3, 4, 5]);
    assert_eq!(
        find(&h).unwrap().addresses,
        Some(Addresses {
            header_addr: 1,
            load_addr: 2,
            load_end_addr: 3,
            bss_end_addr: 4,
            entry_addr: 5
        })
    );
}

#[test]
fn unknown_requirements_are_refused_optional_bits_ignored() {
    // Bit 2: a video mode; we have no graphics.
    assert_eq!(find(&mb_header(0x7)), Err(LoadError::UnsupportedFlags(0x4)));
    assert_eq!(
        find(&mb_header(0x8023)),
        Err(LoadError::UnsupportedFlags(0x8020))
    );
    // Bits 0 and 1 are honoured; bits 17-31 are optional.
    assert_eq!(
        find(&mb_header(0xfffe_0003)).map(|h| h.flags),
        Ok(0xfffe_0003)
    );
    assert_eq!(find(&mb_header(0)).map(|h| h.flags), Ok(0));
    let e = load(&dirty(), &guest(&mb_header(0x4)));
    assert_eq!(e, Err(LoadError::UnsupportedFlags(0x4)));
}

//! `\_S5` from DSDT bytes, without an AML interpreter.
//!
//! Powering off needs the S5 sleep type values, which firmware declares as
//! `Name (_S5, Package () { a, b, ... })`. Recognising that one encoding is
//! enough on the machines we boot (QEMU, Bochs, common firmware); a `_S5`
//! computed by a method is not recognised and yields `None`.

#![forbid(unsafe_code)]

const NAME_OP: u8 = 0x08;
const PACKAGE_OP: u8 = 0x12;
const ROOT_PREFIX: u8 = b'\\';
const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const BYTE_PREFIX: u8 = 0x0a;
const WORD_PREFIX: u8 = 0x0b;
const DWORD_PREFIX: u8 = 0x0c;

/// The \_S5 sleep types (SLP_TYPa, SLP_TYPb) from DSDT AML bytes: the
/// "_S5_" name followed by a Package whose first two elements are integer
/// constants. A one-element package gives the same value for both.
pub fn find_s5(aml: &[u8]) -> Option<(u8, u8)> {
    aml.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"_S5_")
        .find_map(|(at, _)| s5_at(aml, at))
}

/// Decodes `Name (_S5_, Package ...)` around the name found at `name`.
fn s5_at(aml: &[u8], name: usize) -> Option<(u8, u8)> {
    let before = name.checked_sub(1)?;
    let op = if aml.get(before) == Some(&ROOT_PREFIX) {
        before.checked_sub(1)?
    } else {
        before
    };
    if aml.get(op) != Some(&NAME_OP) || aml.get(name + 4) != Some(&PACKAGE_OP) {
        return None;
    }
    let pkg = name + 5;
    let (pkg_len, len_bytes) = pkg_length(aml, pkg)?;
    let end = pkg.checked_add(pkg_len).filter(|&e| e <= aml.len())?;
    let body = aml.get(pkg + len_bytes..end)?;
    let (&count, elements) = body.split_first()?;
    let (a, rest) = integer(elements)?;
    let b = if count >= 2 { integer(rest)?.0 } else { a };
    (count >= 1).then_some((a, b))
}

/// A PkgLength at `at`: (length counted from `at`, bytes of the encoding).
fn pkg_length(aml: &[u8], at: usize) -> Option<(usize, usize)> {
    let lead = *aml.get(at)?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Some((usize::from(lead & 0x3f), 1));
    }
    let mut len = usize::from(lead & 0x0f);
    for i in 0..follow {
        len |= usize::from(*aml.get(at + 1 + i)?) << (4 + 8 * i);
    }
    Some((len, follow + 1))
}

/// A constant integer that fits a byte, and the bytes after it.
fn integer(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let (&op, rest) = bytes.split_first()?;
    let width = match op {
        ZERO_OP => return Some((0, rest)),
        ONE_OP => return Some((1, rest)),
        BYTE_PREFIX => 1,
        WORD_PREFIX => 2,
        DWORD_PREFIX => 4,
        _ => return None,
    };
    let data = rest.get(..width)?;
    let value = data.iter().rev().fold(0u32, |v, &b| v << 8 | u32::from(b));
    Some((u8::try_from(value).ok()?, rest.get(width..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_constants() {
        let aml = b"\x10\x20junk\x08_S5_\x12\x08\x04\x0a\x05\x0a\x07\x00\x00more";
        assert_eq!(find_s5(aml), Some((5, 7)));
    }

    #[test]
    fn zero_and_one_ops_with_root_prefix() {
        assert_eq!(
            find_s5(b"\x08\\_S5_\x12\x06\x04\x00\x01\x00\x00"),
            Some((0, 1))
        );
        assert_eq!(find_s5(b"\x08\\_S5_\x12\x04\x02\x01\x00"), Some((1, 0)));
    }

    #[test]
    fn word_and_dword_constants_that_fit_a_byte() {
        assert_eq!(
            find_s5(b"\x08_S5_\x12\x0a\x02\x0b\x05\x00\x0c\x06\x00\x00\x00"),
            Some((5, 6))
        );
        assert_eq!(find_s5(b"\x08_S5_\x12\x07\x02\x0b\x00\x01\x00"), None);
    }

    #[test]
    fn one_element_package_repeats_its_value() {
        assert_eq!(find_s5(b"\x08_S5_\x12\x04\x01\x0a\x03"), Some((3, 3)));
        assert_eq!(find_s5(b"\x08_S5_\x12\x02\x00"), None);
    }

    #[test]
    fn multi_byte_pkg_length() {
        // Lead 0x40: one more byte follows; length = 0x01 << 4 = 16 bytes
        // counted from the PkgLength, which starts at index 6.
        let mut aml = b"\x08_S5_\x12\x40\x01\x02\x0a\x05\x0a\x06".to_vec();
        aml.resize(6 + 16, 0xff);
        assert_eq!(find_s5(&aml), Some((5, 6)));
        aml.pop();
        assert_eq!(find_s5(&aml), None);
    }

    #[test]
    fn skips_false_matches_and_finds_the_real_one() {
        // In a string, then referenced by a method, then declared.
        let aml = b"\x0d_S5_\x00\x70_S5_\x60\x08_S5_\x12\x05\x02\x0a\x02\x00";
        assert_eq!(find_s5(aml), Some((2, 0)));
    }

    #[test]
    fn garbage_and_truncation() {
        assert_eq!(find_s5(b""), None);
        assert_eq!(find_s5(b"_S5_"), None);
        assert_eq!(find_s5(b"\x08_S5_"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\x06\x04\x0a"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\x06\x04\x0a\x05\x0a"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\x3f\x02\x0a\x05\x0a\x05"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\xff\xff\xff\xff"), None);
        assert_eq!(find_s5(b"\x08_S5_\x14\x06\x02\x0a\x05\x0a\x05"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\x06\x02\xff\x0a\x05"), None);
        assert_eq!(find_s5(b"\x08_S5_\x12\x06\x02\x0a\x05\x0d"), None);
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(find_s5(&noise), None);
    }
}

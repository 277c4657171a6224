//! Bounds-checked little-endian field reads from byte slices.
//!
//! Boot information, ELF images and ACPI tables are all untrusted byte
//! layouts; reading them through these helpers turns every out-of-range
//! offset into `None` instead of a panic.

#![forbid(unsafe_code)]

pub(crate) fn u8_at(buf: &[u8], off: usize) -> Option<u8> {
    buf.get(off).copied()
}

pub(crate) fn u16_at(buf: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(array(buf, off)?))
}

pub(crate) fn u32_at(buf: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(array(buf, off)?))
}

pub(crate) fn u64_at(buf: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(array(buf, off)?))
}

fn array<const N: usize>(buf: &[u8], off: usize) -> Option<[u8; N]> {
    let bytes = buf.get(off..off.checked_add(N)?)?;
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_rejects_out_of_range() {
        let buf = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u8_at(&buf, 8), Some(9));
        assert_eq!(u8_at(&buf, 9), None);
        assert_eq!(u16_at(&buf, 0), Some(0x0201));
        assert_eq!(u16_at(&buf, 8), None);
        assert_eq!(u32_at(&buf, 5), Some(0x0908_0706));
        assert_eq!(u32_at(&buf, 6), None);
        assert_eq!(u64_at(&buf, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(u64_at(&buf, 2), None);
        assert_eq!(u64_at(&buf, usize::MAX), None);
    }
}

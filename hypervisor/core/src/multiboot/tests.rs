//! Shared fixtures: a buffer-backed physical memory and little-endian
//! writers, plus the protocol-independent checks.

mod mb1;
mod mb2;
mod regions;

use super::*;

/// "Physical memory" `[base, base + data.len())`; anything else is unreadable.
pub(super) struct Mem {
    pub base: u64,
    pub data: Vec<u8>,
}

impl Mem {
    pub fn new(base: u64, size: usize) -> Self {
        Self {
            base,
            data: vec![0; size],
        }
    }

    pub fn put(&mut self, addr: u64, bytes: &[u8]) {
        let off = (addr - self.base) as usize;
        self.data[off..off + bytes.len()].copy_from_slice(bytes);
    }

    pub fn put32(&mut self, addr: u64, v: u32) {
        self.put(addr, &v.to_le_bytes());
    }

    pub fn put64(&mut self, addr: u64, v: u64) {
        self.put(addr, &v.to_le_bytes());
    }
}

impl PhysMem for Mem {
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let off = usize::try_from(addr.checked_sub(self.base)?).ok()?;
        self.data.get(off..off.checked_add(len)?)
    }
}

pub(super) fn region(start: u64, end: u64, kind: MemKind) -> (u64, u64, MemKind) {
    (start, end, kind)
}

pub(super) fn regions_of(info: &BootInfo) -> Vec<(u64, u64, MemKind)> {
    info.regions()
        .iter()
        .map(|r| (r.range.start, r.range.end, r.kind))
        .collect()
}

#[test]
fn bad_magic_is_rejected() {
    let mem = Mem::new(0x1000, 4096);
    assert_eq!(
        parse(0x1BAD_B002, 0x1000, &mem).err(),
        Some(BootError::BadMagic)
    );
    assert_eq!(parse(0, 0x1000, &mem).err(), Some(BootError::BadMagic));
}

#[test]
fn c_string_limits() {
    let mut mem = Mem::new(0x1000, 8192);
    mem.put(0x1000, b"abc\0");
    assert_eq!(
        c_string(&mem, 0x1000).unwrap(),
        ("abc", Range::new(0x1000, 0x1004))
    );
    mem.put(0x1000, b"\0");
    assert_eq!(
        c_string(&mem, 0x1000).unwrap(),
        ("", Range::new(0x1000, 0x1001))
    );
    // 4095 characters plus NUL is the longest accepted string.
    mem.data[..4095].fill(b'x');
    mem.data[4095] = 0;
    assert_eq!(c_string(&mem, 0x1000).unwrap().0.len(), 4095);
    mem.data[4095] = b'x';
    assert_eq!(c_string(&mem, 0x1000).err(), Some(BootError::BadString));
    // Running into unreadable memory before any NUL.
    mem.data.fill(b'y');
    assert_eq!(c_string(&mem, 0x2800).err(), Some(BootError::Unreadable));
    assert_eq!(c_string(&mem, 0x10).err(), Some(BootError::Unreadable));
    assert_eq!(c_string(&mem, u64::MAX).err(), Some(BootError::Unreadable));
    mem.put(0x1000, &[0xff, 0xfe, 0]);
    assert_eq!(c_string(&mem, 0x1000).err(), Some(BootError::BadString));
}

#[test]
fn embedded_string_needs_nul_and_utf8() {
    assert_eq!(embedded_string(b"ab\0cd"), Ok("ab"));
    assert_eq!(embedded_string(b"\0"), Ok(""));
    assert_eq!(embedded_string(b"ab"), Err(BootError::BadString));
    assert_eq!(embedded_string(b""), Err(BootError::BadString));
    assert_eq!(embedded_string(&[0xc3, 0x28, 0]), Err(BootError::BadString));
}

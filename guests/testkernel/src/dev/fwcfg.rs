//! QEMU's fw_cfg through its legacy ports: select a key at 0x510, read its
//! bytes at 0x511.

use crate::io::{inb, outw};

pub const SIGNATURE: u16 = 0x00;
pub const ID: u16 = 0x01;
pub const RAM_SIZE: u16 = 0x03;
pub const NB_CPUS: u16 = 0x05;
pub const MAX_CPUS: u16 = 0x0f;
pub const FILE_DIR: u16 = 0x19;

/// Selects `key` and reads `buf.len()` bytes of it.
pub fn read(key: u16, buf: &mut [u8]) {
    outw(0x510, key);
    for b in buf {
        *b = inb(0x511);
    }
}

/// The first `N` bytes of `key` as a little-endian number.
pub fn read_le<const N: usize>(key: u16) -> u64 {
    let mut b = [0u8; 8];
    read(key, &mut b[..N]);
    u64::from_le_bytes(b)
}

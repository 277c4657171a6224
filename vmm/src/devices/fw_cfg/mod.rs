//! QEMU's firmware configuration device (fw_cfg), traditional I/O
//! interface: a 16-bit selector at port 0x510 and a byte-wide data port at
//! 0x511 through which firmware reads configuration items.
//!
//! Writing the selector picks an item and rewinds to its first byte; each
//! data byte read returns the next byte, and 0 past the end or for a key
//! with no item. Items are the standard keys ([`keys`]) this constructor
//! fills (signature "QEMU", ID, RAM size, CPU counts), fixed keys the VMM
//! adds with [`FwCfg::add_item`], and named files ([`FwCfg::add_file`])
//! listed in the file directory at key 0x19: a big-endian count, then per
//! file its big-endian size and key, two reserved bytes and a 56-byte
//! NUL-padded name, sorted by name as QEMU sorts it.
//!
//! Choices where QEMU's device differs or leaves room:
//! - The ID item says "traditional interface" only: there is no DMA
//!   interface, and its port 0x514 is not claimed.
//! - An 8-bit write to the selector selects a key below 0x100 (QEMU takes
//!   it as a data write). Wider writes take the low 16 bits. Reading the
//!   selector returns all ones: it is write-only.
//! - A read of the data port wider than a byte returns that many
//!   successive item bytes, the first in the lowest byte: what the same
//!   number of byte reads would store in memory in order.
//! - Writes to the data port are ignored, as since QEMU 2.4.
//! - Bit 14 of a key (QEMU's write channel) is ignored when selecting.
//! - A file keeps the key [`FwCfg::add_file`] returned; QEMU renumbers
//!   keys to ascend with names, which only matters to firmware that guesses
//!   keys instead of reading the directory.

#[cfg(test)]
mod tests;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::bus::{all_ones, Device};
use crate::ctx::Ctx;

pub const SELECTOR_PORT: u64 = 0x510;
pub const DATA_PORT: u64 = 0x511;

/// Well-known keys.
pub mod keys {
    pub const SIGNATURE: u16 = 0x00;
    pub const ID: u16 = 0x01;
    pub const UUID: u16 = 0x02;
    pub const RAM_SIZE: u16 = 0x03;
    pub const NOGRAPHIC: u16 = 0x04;
    pub const NB_CPUS: u16 = 0x05;
    pub const MACHINE_ID: u16 = 0x06;
    pub const KERNEL_ADDR: u16 = 0x07;
    pub const KERNEL_SIZE: u16 = 0x08;
    pub const KERNEL_CMDLINE: u16 = 0x09;
    pub const INITRD_ADDR: u16 = 0x0a;
    pub const INITRD_SIZE: u16 = 0x0b;
    pub const BOOT_DEVICE: u16 = 0x0c;
    pub const NUMA: u16 = 0x0d;
    pub const BOOT_MENU: u16 = 0x0e;
    pub const MAX_CPUS: u16 = 0x0f;
    pub const KERNEL_ENTRY: u16 = 0x10;
    pub const KERNEL_DATA: u16 = 0x11;
    pub const INITRD_DATA: u16 = 0x12;
    pub const CMDLINE_ADDR: u16 = 0x13;
    pub const CMDLINE_SIZE: u16 = 0x14;
    pub const CMDLINE_DATA: u16 = 0x15;
    pub const SETUP_ADDR: u16 = 0x16;
    pub const SETUP_SIZE: u16 = 0x17;
    pub const SETUP_DATA: u16 = 0x18;
    pub const FILE_DIR: u16 = 0x19;
    /// The first key of a named file.
    pub const FILE_FIRST: u16 = 0x20;
    /// Bit 14: QEMU's write channel, ignored here.
    pub const WRITE_CHANNEL: u16 = 0x4000;
    /// Bit 15: architecture-specific keys (ACPI tables 0x8000, e820 0x8003).
    pub const ARCH_LOCAL: u16 = 0x8000;
}

/// The longest file name: the directory holds 56 bytes including a NUL.
pub const MAX_NAME: usize = 55;

/// Why [`FwCfg::add_file`] refused a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwCfgError {
    /// The name is longer than [`MAX_NAME`] bytes.
    NameTooLong,
    /// The name is empty or holds a NUL byte.
    BadName,
    /// A file of that name exists.
    Duplicate,
    /// No key is left below the write-channel bit.
    Full,
}

pub struct FwCfg {
    items: BTreeMap<u16, Vec<u8>>,
    /// Files in directory order (by name): name and key.
    files: Vec<(Vec<u8>, u16)>,
    selected: u16,
    offset: usize,
}

impl FwCfg {
    /// Selector and data port; the DMA port is not claimed.
    pub const RANGES: &'static [(u64, u64)] = &[(SELECTOR_PORT, 2)];

    /// The device with the signature, the ID (traditional interface), the
    /// RAM size in bytes, the number of CPUs (also as maximum) and an empty
    /// file directory.
    pub fn new(cpus: u16, ram_size: u64) -> Self {
        let mut fw = Self {
            items: BTreeMap::new(),
            files: Vec::new(),
            selected: 0,
            offset: 0,
        };
        fw.items.insert(keys::SIGNATURE, b"QEMU".to_vec());
        fw.items.insert(keys::ID, 1u32.to_le_bytes().to_vec());
        fw.items
            .insert(keys::RAM_SIZE, ram_size.to_le_bytes().to_vec());
        fw.items.insert(keys::NB_CPUS, cpus.to_le_bytes().to_vec());
        fw.items.insert(keys::MAX_CPUS, cpus.to_le_bytes().to_vec());
        fw.rebuild_directory();
        fw
    }

    /// Adds a named file and returns the key that selects it.
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) -> Result<u16, FwCfgError> {
        let name = name.as_bytes();
        if name.len() > MAX_NAME {
            return Err(FwCfgError::NameTooLong);
        }
        if name.is_empty() || name.contains(&0) {
            return Err(FwCfgError::BadName);
        }
        let at = match self.files.binary_search_by(|(n, _)| n.as_slice().cmp(name)) {
            Ok(_) => return Err(FwCfgError::Duplicate),
            Err(at) => at,
        };
        let key = (keys::FILE_FIRST..keys::WRITE_CHANNEL)
            .find(|k| !self.items.contains_key(k))
            .ok_or(FwCfgError::Full)?;
        self.items.insert(key, data);
        self.files.insert(at, (name.to_vec(), key));
        self.rebuild_directory();
        Ok(key)
    }

    /// Sets the item of a fixed key (a kernel command line, ACPI tables at
    /// an architecture key), replacing what it held. The file directory
    /// and the keys of files belong to [`FwCfg::add_file`]: for them this
    /// does nothing.
    pub fn add_item(&mut self, key: u16, data: Vec<u8>) {
        let key = key & !keys::WRITE_CHANNEL;
        if key == keys::FILE_DIR || self.files.iter().any(|&(_, k)| k == key) {
            return;
        }
        self.items.insert(key, data);
    }

    fn rebuild_directory(&mut self) {
        let mut dir = Vec::with_capacity(4 + 64 * self.files.len());
        dir.extend_from_slice(&(self.files.len() as u32).to_be_bytes());
        for (name, key) in &self.files {
            let size = self.items.get(key).map_or(0, Vec::len) as u32;
            dir.extend_from_slice(&size.to_be_bytes());
            dir.extend_from_slice(&key.to_be_bytes());
            dir.extend_from_slice(&[0, 0]);
            let mut padded = [0u8; MAX_NAME + 1];
            for (slot, &b) in padded.iter_mut().zip(name) {
                *slot = b;
            }
            dir.extend_from_slice(&padded);
        }
        self.items.insert(keys::FILE_DIR, dir);
    }

    fn select(&mut self, key: u16) {
        self.selected = key & !keys::WRITE_CHANNEL;
        self.offset = 0;
    }

    fn next_byte(&mut self) -> u8 {
        let b = self
            .items
            .get(&self.selected)
            .and_then(|d| d.get(self.offset))
            .copied()
            .unwrap_or(0);
        self.offset = self.offset.saturating_add(1);
        b
    }
}

impl Device for FwCfg {
    fn name(&self) -> &'static str {
        "fw_cfg"
    }

    fn read(&mut self, _ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        if addr != DATA_PORT {
            return all_ones(size);
        }
        (0..u64::from(size.min(8))).fold(0, |v, i| v | u64::from(self.next_byte()) << (8 * i))
    }

    fn write(&mut self, _ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        if addr == SELECTOR_PORT {
            let mask = if size == 1 { 0xff } else { 0xffff };
            self.select((value & mask) as u16);
        }
    }
}

//! Tests of the Multiboot 1 loader, on images built byte by byte here and
//! one made by the host toolchain (`fixtures/mb32.elf`, source beside it).
//!
//! - `search`: finding the header, checksum, flags;
//! - `aout`: images described by the address fields;
//! - `elf`: ELF32 images;
//! - `place`: modules, the information structure read back from guest
//!   memory, RAM limits, the entry state, and garbage input.

mod aout;
mod elf;
mod place;
mod search;

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::mem::tests::ram;
use crate::mem::{GuestMemory, Ram};

/// Guest RAM in most tests: 1 MiB of extended memory.
const RAM: u64 = 2 << 20;
const MB_MAGIC: u32 = 0x1bad_b002;
/// Page-aligned modules and memory information: what every kernel asks.
const MB_FLAGS: u32 = 0x3;
const ADDRESSES: u32 = 1 << 16;

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

/// The three mandatory header words with a correct checksum.
fn mb_header(flags: u32) -> Vec<u8> {
    let checksum = 0u32.wrapping_sub(MB_MAGIC).wrapping_sub(flags);
    [le32(MB_MAGIC), le32(flags), le32(checksum)].concat()
}

/// A header with address fields: header_addr, load_addr, load_end_addr,
/// bss_end_addr, entry_addr.
fn aout_header(fields: [u32; 5]) -> Vec<u8> {
    let mut h = mb_header(MB_FLAGS | ADDRESSES);
    fields.iter().for_each(|f| h.extend(le32(*f)));
    h
}

/// An a.out-kludge kernel: the header at file offset 0, landing at
/// `load_addr`, then `code`; loaded to the end of the file, `bss` bytes of
/// bss after it, the entry at the first code byte.
fn aout_kernel(load_addr: u32, code: &[u8], bss: u32) -> Vec<u8> {
    let file_len = 32 + code.len() as u32;
    let bss_end = if bss == 0 {
        0
    } else {
        load_addr + file_len + bss
    };
    let mut k = aout_header([load_addr, load_addr, 0, bss_end, load_addr + 32]);
    k.extend_from_slice(code);
    k
}

/// One program header for [`Elf`].
#[derive(Clone)]
struct Seg {
    typ: u32,
    vaddr: u32,
    paddr: u32,
    data: Vec<u8>,
    memsz: u32,
}

/// An ELF file builder: the ELF header, the program headers, the Multiboot
/// header, then each segment's bytes in order.
#[derive(Clone)]
struct Elf {
    class: u8,
    encoding: u8,
    etype: u16,
    machine: u16,
    entry: u32,
    mb_flags: u32,
    segs: Vec<Seg>,
}

const PT_LOAD: u32 = 1;

impl Elf {
    fn new(entry: u32) -> Self {
        Self {
            class: 1,
            encoding: 1,
            etype: 2,
            machine: 3,
            entry,
            mb_flags: MB_FLAGS,
            segs: Vec::new(),
        }
    }

    /// Adds an identity-mapped PT_LOAD segment.
    fn load(self, paddr: u32, data: &[u8], memsz: u32) -> Self {
        self.seg(PT_LOAD, paddr, paddr, data, memsz)
    }

    fn seg(mut self, typ: u32, vaddr: u32, paddr: u32, data: &[u8], memsz: u32) -> Self {
        self.segs.push(Seg {
            typ,
            vaddr,
            paddr,
            data: data.to_vec(),
            memsz,
        });
        self
    }

    /// The file offset of program header `i`.
    fn phdr(i: usize) -> usize {
        52 + 32 * i
    }

    fn build(&self) -> Vec<u8> {
        let mut f = vec![0u8; 52];
        f[..4].copy_from_slice(b"\x7fELF");
        (f[4], f[5], f[6]) = (self.class, self.encoding, 1);
        f[16..18].copy_from_slice(&self.etype.to_le_bytes());
        f[18..20].copy_from_slice(&self.machine.to_le_bytes());
        f[20..24].copy_from_slice(&le32(1));
        f[24..28].copy_from_slice(&le32(self.entry));
        f[28..32].copy_from_slice(&le32(52));
        f[40..42].copy_from_slice(&52u16.to_le_bytes());
        f[42..44].copy_from_slice(&32u16.to_le_bytes());
        f[44..46].copy_from_slice(&(self.segs.len() as u16).to_le_bytes());
        let mut data_off = Self::phdr(self.segs.len()) + 12;
        for s in &self.segs {
            let words = [
                s.typ,
                data_off as u32,
                s.vaddr,
                s.paddr,
                s.data.len() as u32,
                s.memsz,
                7,
                4,
            ];
            words.iter().for_each(|w| f.extend(le32(*w)));
            data_off += s.data.len();
        }
        f.extend(mb_header(self.mb_flags));
        self.segs.iter().for_each(|s| f.extend_from_slice(&s.data));
        f
    }
}

/// Writes `v` at `off` of `f`.
fn patch32(f: &mut [u8], off: usize, v: u32) {
    f[off..off + 4].copy_from_slice(&le32(v));
}

fn guest(kernel: &[u8]) -> Guest<'_> {
    Guest {
        kernel,
        cmdline: b"",
        modules: &[],
        ram: RAM,
    }
}

/// [`RAM`] bytes of guest memory filled with 0xff, so a test sees what the
/// loader wrote and what it zeroed.
fn dirty() -> Ram {
    let m = ram(RAM as usize);
    m.write(0, &vec![0xff; RAM as usize]).unwrap();
    m
}

fn bytes(m: &Ram, gpa: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0; len];
    m.read(gpa, &mut b).unwrap();
    b
}

fn rd32(m: &Ram, gpa: u64) -> u32 {
    m.read_le::<4>(gpa).unwrap() as u32
}

fn rd64(m: &Ram, gpa: u64) -> u64 {
    m.read_le::<8>(gpa).unwrap()
}

/// The NUL-terminated string at `gpa`.
fn cstr(m: &Ram, gpa: u32) -> Vec<u8> {
    let mut s = Vec::new();
    let mut at = u64::from(gpa);
    loop {
        let c = m.read_le::<1>(at).unwrap() as u8;
        if c == 0 {
            return s;
        }
        s.push(c);
        at += 1;
    }
}

/// Whether every byte of `m` is still 0xff (nothing was written).
fn untouched(m: &Ram) -> bool {
    bytes(m, 0, RAM as usize).iter().all(|b| *b == 0xff)
}

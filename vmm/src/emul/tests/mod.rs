//! Emulator scenarios over real instruction encodings (checked with GNU
//! `as`/`objdump`), in guests with hand-built page tables for every paging
//! mode.

mod arith;
mod bus;
mod fetch;
mod flags;
mod insns;
mod noise;
mod paging;
mod string_io;
mod strings;

pub use bus::{Bus, Io};

use abi::vcpu::{Segment, VcpuState};

use crate::mem::tests::ram;
use crate::mem::{GuestMemory, Ram};

/// Guest RAM size for every scenario: 1 MiB.
pub const RAM: u64 = 0x10_0000;
/// Where the instruction goes (linear = guest-physical).
pub const CODE: u64 = 0x2000;
/// A RAM page for the memory side of string instructions (identity).
pub const DATA: u64 = 0x5000;
/// A linear page mapped to the device page [`MMIO`], and the next linear
/// page mapped to [`MMIO2`] (not contiguous with it).
pub const MMIO_LIN: u64 = 0x7000_0000;
pub const MMIO: u64 = 0xfee0_0000;
pub const MMIO2: u64 = 0xfed0_0000;
/// Page-table pages are allocated from here.
const TABLES: u64 = 0x8_0000;

/// Register numbers (indices of `VcpuState::gpr`).
pub const RAX: usize = 0;
pub const RCX: usize = 1;
pub const RDX: usize = 2;
pub const RBX: usize = 3;
pub const RSI: usize = 6;
pub const RDI: usize = 7;
pub const R9: usize = 9;
pub const R10: usize = 10;

pub const P: u64 = 1;
pub const RW: u64 = 2;
pub const US: u64 = 4;
pub const PS: u64 = 1 << 7;
pub const XD: u64 = 1 << 63;

pub const CR0_PE: u64 = 1;
pub const CR0_ET: u64 = 1 << 4;
pub const CR0_WP: u64 = 1 << 16;
pub const CR0_PG: u64 = 1 << 31;
pub const CR4_PSE: u64 = 1 << 4;
pub const CR4_PAE: u64 = 1 << 5;
pub const CR4_LA57: u64 = 1 << 12;
pub const EFER_LME: u64 = 1 << 8;
pub const EFER_LMA: u64 = 1 << 10;
pub const EFER_NXE: u64 = 1 << 11;
pub const DF: u64 = 1 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    Bits32,
    Pae,
    Long4,
    Long5,
}

impl Paging {
    /// Per level: the bits each entry maps; whether entries are 8 bytes.
    fn levels(self) -> (&'static [u32], bool) {
        match self {
            Self::Bits32 => (&[22, 12], false),
            Self::Pae => (&[30, 21, 12], true),
            Self::Long4 => (&[39, 30, 21, 12], true),
            Self::Long5 => (&[48, 39, 30, 21, 12], true),
        }
    }
}

/// A guest: RAM, page tables and a vCPU state.
pub struct Vm {
    pub ram: Ram,
    pub s: VcpuState,
    paging: Option<Paging>,
    next: u64,
}

impl Vm {
    /// 64-bit mode at CPL 0, 4-level paging, EFER.NXE, CR0.WP; code, data
    /// and tables identity-mapped, [`MMIO_LIN`] mapped to [`MMIO`] and the
    /// page after it to [`MMIO2`].
    pub fn long() -> Self {
        Self::paged(Paging::Long4)
    }

    /// Protected mode with 32-bit code and `paging` (32-bit paging with
    /// CR4.PSE, or PAE), mapped as in [`Vm::long`].
    pub fn prot32(paging: Paging) -> Self {
        Self::paged(paging)
    }

    pub fn paged(paging: Paging) -> Self {
        let mut vm = Self::flat();
        vm.paging = Some(paging);
        vm.next = TABLES + 0x1000;
        let s = &mut vm.s;
        s.cr0 = CR0_PE | CR0_ET | CR0_WP | CR0_PG;
        s.cr3 = TABLES;
        match paging {
            Paging::Bits32 => s.cr4 = CR4_PSE,
            Paging::Pae => {
                s.cr4 = CR4_PAE;
                s.efer = EFER_NXE;
            }
            Paging::Long4 | Paging::Long5 => {
                s.cr4 = CR4_PAE | if paging == Paging::Long5 { CR4_LA57 } else { 0 };
                s.efer = EFER_LME | EFER_LMA | EFER_NXE;
                s.cs.ar = 0x29b;
            }
        }
        for page in (0..RAM).step_by(0x1000) {
            vm.map(page, page, P | RW, 12);
        }
        vm.map(MMIO_LIN, MMIO, P | RW, 12);
        vm.map(MMIO_LIN + 0x1000, MMIO2, P | RW, 12);
        vm
    }

    /// Protected mode, 32-bit code, paging off.
    pub fn flat() -> Self {
        let mut s = VcpuState {
            cr0: CR0_PE | CR0_ET,
            rip: CODE,
            rflags: 2,
            ..Default::default()
        };
        s.cs = seg(0x08, 0xc9b, 0);
        s.ss = seg(0x10, 0xc93, 0);
        s.ds = seg(0x10, 0xc93, 0);
        s.es = seg(0x10, 0xc93, 0);
        Self {
            ram: ram(RAM as usize),
            s,
            paging: None,
            next: TABLES,
        }
    }

    /// Real mode with CS:IP = 0000:[`CODE`].
    pub fn real() -> Self {
        let mut vm = Self::flat();
        vm.s.cr0 = CR0_ET;
        for sg in [&mut vm.s.cs, &mut vm.s.ss, &mut vm.s.ds, &mut vm.s.es] {
            *sg = seg(0, 0x93, 0);
        }
        vm.s.cs.ar = 0x9b;
        vm
    }

    /// CPL 3: user code and stack segments.
    pub fn user(&mut self) {
        self.s.cs.sel = 0x1b;
        self.s.cs.ar |= 3 << 5;
        self.s.ss = seg(0x23, 0xcf3, 0);
    }

    /// Maps the page of `size` (1 << `shift`) at `lin` to `phys`, with
    /// `flags` on the leaf; missing tables get P|RW|US (P for PAE PDPTEs).
    pub fn map(&mut self, lin: u64, phys: u64, flags: u64, shift: u32) {
        let (levels, wide) = self.paging.expect("paging").levels();
        let mut table = self.s.cr3 & !0xfff;
        for &sh in levels {
            let at = self.entry_in(table, lin, sh, wide);
            if sh == shift {
                let ps = if sh > 12 { PS } else { 0 };
                self.put(at, phys | flags | ps, wide);
                return;
            }
            let e = self.get(at, wide);
            table = if e & P != 0 {
                e & 0x000f_ffff_ffff_f000
            } else {
                let t = self.next;
                self.next += 0x1000;
                let upper = if self.paging == Some(Paging::Pae) && sh == 30 {
                    P
                } else {
                    P | RW | US
                };
                self.put(at, t | upper, wide);
                t
            };
        }
        panic!("no level maps {shift} bits");
    }

    /// The address of the entry at level `shift` on the way to `lin`.
    pub fn entry(&self, lin: u64, shift: u32) -> u64 {
        let (levels, wide) = self.paging.expect("paging").levels();
        let mut table = self.s.cr3 & !0xfff;
        for &sh in levels {
            let at = self.entry_in(table, lin, sh, wide);
            if sh == shift {
                return at;
            }
            table = self.get(at, wide) & 0x000f_ffff_ffff_f000;
        }
        panic!("no level {shift}");
    }

    /// Changes the entry at level `shift` on the way to `lin`.
    pub fn edit(&mut self, lin: u64, shift: u32, f: impl Fn(u64) -> u64) {
        let wide = self.paging.expect("paging").levels().1;
        let at = self.entry(lin, shift);
        let e = self.get(at, wide);
        self.put(at, f(e), wide);
    }

    pub fn peek_entry(&self, lin: u64, shift: u32) -> u64 {
        let wide = self.paging.expect("paging").levels().1;
        self.get(self.entry(lin, shift), wide)
    }

    fn entry_in(&self, table: u64, lin: u64, sh: u32, wide: bool) -> u64 {
        if wide {
            table + ((lin >> sh) & 0x1ff) * 8
        } else {
            table + ((lin >> sh) & 0x3ff) * 4
        }
    }

    fn get(&self, at: u64, wide: bool) -> u64 {
        if wide {
            self.ram.read_le::<8>(at).unwrap()
        } else {
            self.ram.read_le::<4>(at).unwrap()
        }
    }

    fn put(&self, at: u64, v: u64, wide: bool) {
        if wide {
            self.ram.write_le::<8>(at, v).unwrap()
        } else {
            self.ram.write_le::<4>(at, v).unwrap()
        }
    }

    /// Puts `bytes` at guest-physical [`CODE`].
    pub fn code(&mut self, bytes: &[u8]) {
        self.ram.write(CODE, bytes).unwrap();
    }

    /// Runs `bytes` at [`CODE`] as an MMIO fault on `fault_gpa`.
    pub fn mmio(
        &mut self,
        bytes: &[u8],
        fault_gpa: u64,
        bus: &mut Bus,
    ) -> Result<(), super::Fault> {
        self.code(bytes);
        super::emulate_mmio(&mut self.s, &self.ram, bus, fault_gpa)
    }
}

pub fn seg(sel: u16, ar: u16, base: u64) -> Segment {
    Segment {
        sel,
        ar,
        limit: 0xffff_ffff,
        base,
    }
}

/// A 64-bit guest with RBX at [`MMIO_LIN`] + `off`.
pub fn at(off: u64) -> Vm {
    let mut vm = Vm::long();
    vm.s.gpr[RBX] = MMIO_LIN + off;
    vm
}

/// Runs `bytes` as a fault on [`MMIO`], which must succeed.
pub fn mmio_ok(vm: &mut Vm, bytes: &[u8], bus: &mut Bus) {
    vm.mmio(bytes, MMIO, bus).unwrap();
    assert_eq!(
        vm.s.rip,
        CODE + bytes.len() as u64,
        "rip past the instruction"
    );
}

//! Data accesses of an emulated instruction: from the memory operand to a
//! linear address, to guest-physical places, to the device or RAM.
//!
//! The route: a place in the faulting page goes to the MMIO bus (even if
//! RAM backs it: a read-only page such as a ROM faults on writes and is the
//! bus's to handle); any other place goes to RAM where RAM backs all of it,
//! and to the bus otherwise. An access split over two pages goes to the bus
//! only if the two halves are contiguous guest-physical memory; the bus
//! has no split accesses.

use abi::vcpu::VcpuState;
use iced_x86::Instruction;

use super::mode::Mode;
use super::paging::walk;
use super::regs::{gpr, mask};
use super::{Access, Fault, MmioBus};
use crate::mem::GuestMemory;

const PAGE: u64 = 0xfff;

/// What every access of one instruction shares.
pub(super) struct Env<'a> {
    pub mem: &'a dyn GuestMemory,
    pub mode: Mode,
    /// The faulting page (guest-physical, page aligned); an unaligned
    /// value (`u64::MAX`) for none.
    pub page: u64,
}

/// `size` bytes of guest-physical memory behind a linear address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Place {
    pub gpa: u64,
    pub size: u8,
    /// For an access crossing a page: the bytes in the first page and the
    /// address of the rest.
    pub split: Option<(u8, u64)>,
}

impl Place {
    pub fn touches(&self, page: u64) -> bool {
        let second = matches!(self.split, Some((_, g)) if g & !PAGE == page);
        self.gpa & !PAGE == page || second
    }

    /// The start of the place if it is one guest-physical range.
    fn whole(&self) -> Result<u64, Fault> {
        match self.split {
            Some((k, g)) if self.gpa.wrapping_add(u64::from(k)) != g => Err(Fault::unsupported()),
            _ => Ok(self.gpa),
        }
    }

    fn parts(&self) -> [(u64, usize, usize); 2] {
        let n = usize::from(self.size);
        match self.split {
            None => [(self.gpa, 0, n), (0, n, n)],
            Some((k, g)) => [(self.gpa, 0, usize::from(k)), (g, usize::from(k), n)],
        }
    }

    /// The place's bytes from RAM; the address outside RAM if not all is.
    fn ram_read(&self, mem: &dyn GuestMemory) -> Result<u64, u64> {
        let mut b = [0u8; 8];
        for (gpa, from, to) in self.parts().into_iter().filter(|p| p.1 < p.2) {
            let buf = b.get_mut(from..to).ok_or(gpa)?;
            mem.read(gpa, buf).map_err(|e| e.gpa)?;
        }
        Ok(u64::from_le_bytes(b))
    }

    /// Writes RAM only if RAM backs the whole place (checked by reading it
    /// first, so a place half in RAM is not half written).
    fn ram_write(&self, mem: &dyn GuestMemory, value: u64) -> Result<(), u64> {
        self.ram_read(mem)?;
        let b = value.to_le_bytes();
        for (gpa, from, to) in self.parts().into_iter().filter(|p| p.1 < p.2) {
            let buf = b.get(from..to).ok_or(gpa)?;
            mem.write(gpa, buf).map_err(|e| e.gpa)?;
        }
        Ok(())
    }
}

impl Env<'_> {
    /// The linear address of memory operand `op` of `instr`.
    pub fn operand(&self, s: &VcpuState, instr: &Instruction, op: u32) -> Result<u64, Fault> {
        let mode = self.mode;
        let la = instr.virtual_address(op, 0, |r, _, _| match gpr(r) {
            Some(g) => s.gpr.get(g.index).copied(),
            None => mode.seg_base(s, r),
        });
        la.map(|l| mode.truncate(l)).ok_or(Fault::unsupported())
    }

    /// Translates `size` bytes at `linear` for a data access.
    pub fn place(&self, s: &VcpuState, linear: u64, size: u8, write: bool) -> Result<Place, Fault> {
        let access = Access {
            write,
            user: self.mode.user(),
            fetch: false,
        };
        let gpa = walk(s, self.mem, linear, access)?;
        let first = 0x1000 - (linear & PAGE);
        if u64::from(size) <= first {
            return Ok(Place {
                gpa,
                size,
                split: None,
            });
        }
        let rest = self.mode.truncate(linear.wrapping_add(first));
        let second = walk(s, self.mem, rest, access)?;
        Ok(Place {
            gpa,
            size,
            split: Some((first as u8, second)),
        })
    }

    pub fn load(&self, bus: &mut dyn MmioBus, p: &Place) -> Result<u64, Fault> {
        if !p.touches(self.page) {
            if let Ok(v) = p.ram_read(self.mem) {
                return Ok(v);
            }
        }
        Ok(bus.read(p.whole()?, p.size) & mask(p.size))
    }

    pub fn store(&self, bus: &mut dyn MmioBus, p: &Place, value: u64) -> Result<(), Fault> {
        let value = value & mask(p.size);
        if !p.touches(self.page) && p.ram_write(self.mem, value).is_ok() {
            return Ok(());
        }
        bus.write(p.whole()?, p.size, value);
        Ok(())
    }

    /// A read of RAM only (the memory side of INS/OUTS).
    pub fn ram_load(&self, p: &Place) -> Result<u64, Fault> {
        p.ram_read(self.mem).map_err(|gpa| Fault::NotRam { gpa })
    }

    /// A write of RAM only (the memory side of INS/OUTS).
    pub fn ram_store(&self, p: &Place, value: u64) -> Result<(), Fault> {
        p.ram_write(self.mem, value & mask(p.size))
            .map_err(|gpa| Fault::NotRam { gpa })
    }

    /// Fails with the address outside RAM unless RAM backs all of `p`.
    pub fn ram_check(&self, p: &Place) -> Result<(), Fault> {
        self.ram_load(p).map(|_| ())
    }
}

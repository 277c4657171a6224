//! The guest's page walk: linear to guest-physical addresses (Intel SDM
//! vol. 3, chapter 4; AMD APM vol. 2, chapter 5).
//!
//! All paging modes: none (CR0.PG clear: linear is physical, 32 bits
//! outside long mode), 32-bit paging (4 KiB pages, 4 MiB pages with
//! CR4.PSE including the PSE-36 address bits), PAE paging (the four PDPTEs
//! read from CR3, 4 KiB and 2 MiB pages) and 4- or 5-level paging (CR4.LA57;
//! 4 KiB, 2 MiB and 1 GiB pages). Access rights follow the SDM's rules:
//! R/W and U/S of every level, CR0.WP for supervisor writes, EFER.NXE for
//! fetches, SMEP and SMAP (with RFLAGS.AC). A refused access returns the
//! architectural #PF error code. Reserved bits checked: XD without NXE, PS
//! in the top level, the low address bits of large pages; the bits above
//! MAXPHYADDR are not checked, the VMM does not know the guest's value.
//!
//! The walk sets the accessed bits of the entries it used and the dirty bit
//! of the leaf on writes, as the CPU would for the elements it never
//! reached itself (later elements of a REP). It writes only the entry's
//! low byte, only when a bit is missing: the guest space has no atomic
//! update, and this keeps the window in which a concurrent change of that
//! byte by the guest could be lost as small as it can be. PAE PDPTEs have
//! no accessed bit. PDPTEs are read from memory on every walk, where the
//! CPU uses the copies it loaded with CR3; a guest that changes them
//! without reloading CR3 sees the change sooner than on hardware.

use abi::vcpu::VcpuState;

use super::{pf, Access, Fault};
use crate::mem::GuestMemory;

const CR0_WP: u64 = 1 << 16;
const CR0_PG: u64 = 1 << 31;
const CR4_PSE: u64 = 1 << 4;
const CR4_PAE: u64 = 1 << 5;
const CR4_LA57: u64 = 1 << 12;
const CR4_SMEP: u64 = 1 << 20;
const CR4_SMAP: u64 = 1 << 21;
const EFER_LMA: u64 = 1 << 10;
const EFER_NXE: u64 = 1 << 11;
const RFLAGS_AC: u64 = 1 << 18;

const P: u64 = 1 << 0;
const RW: u64 = 1 << 1;
const US: u64 = 1 << 2;
const A: u64 = 1 << 5;
const D: u64 = 1 << 6;
const PS: u64 = 1 << 7;
const XD: u64 = 1 << 63;
/// Bits 51:12: the address in a 64-bit entry.
const ADDR: u64 = 0x000f_ffff_ffff_f000;

/// Translates `linear` for `access` through the guest's page tables to a
/// guest-physical address.
pub fn translate(
    state: &VcpuState,
    mem: &dyn GuestMemory,
    linear: u64,
    access: Access,
) -> Result<u64, Fault> {
    walk(state, mem, linear, access)
}

pub(super) fn walk(
    state: &VcpuState,
    mem: &dyn GuestMemory,
    linear: u64,
    access: Access,
) -> Result<u64, Fault> {
    let lma = state.efer & EFER_LMA != 0;
    if state.cr0 & CR0_PG == 0 {
        return Ok(if lma { linear } else { linear & 0xffff_ffff });
    }
    let mut w = Walk {
        s: state,
        linear,
        access,
        rw: true,
        us: true,
        xd: false,
        used: [(0, 0); 5],
        n: 0,
    };
    let gpa = if state.cr4 & CR4_PAE == 0 {
        w.legacy(mem)?
    } else if !lma {
        w.pae(mem)?
    } else {
        w.long(mem)?
    };
    w.check()?;
    w.mark(mem);
    Ok(gpa)
}

struct Walk<'a> {
    s: &'a VcpuState,
    linear: u64,
    access: Access,
    /// Writes allowed by every level so far.
    rw: bool,
    /// User accesses allowed by every level so far.
    us: bool,
    /// Some level forbids fetches (only with EFER.NXE).
    xd: bool,
    /// The entries that get accessed bits: (gpa, value).
    used: [(u64, u64); 5],
    n: usize,
}

impl Walk<'_> {
    fn fault(&self, present: bool, rsvd: bool) -> Fault {
        let (s, a) = (self.s, self.access);
        let mut code = 0;
        let bit = |on: bool, b: u32| if on { b } else { 0 };
        code |= bit(present, pf::PRESENT);
        code |= bit(a.write, pf::WRITE);
        code |= bit(a.user, pf::USER);
        code |= bit(rsvd, pf::RSVD);
        let nx = s.cr4 & CR4_PAE != 0 && s.efer & EFER_NXE != 0;
        code |= bit(a.fetch && (s.cr4 & CR4_SMEP != 0 || nx), pf::FETCH);
        Fault::PageFault {
            addr: self.linear,
            code,
        }
    }

    /// Reads the entry at `gpa`, 4 or 8 bytes, and takes in its rights.
    /// `rights`: whether the entry has R/W, U/S and XD bits (PAE PDPTEs
    /// have none) and an accessed bit.
    fn entry(
        &mut self,
        mem: &dyn GuestMemory,
        gpa: u64,
        wide: bool,
        rights: bool,
    ) -> Result<u64, Fault> {
        let mut b = [0u8; 8];
        let n = if wide { 8 } else { 4 };
        mem.read(gpa, &mut b[..n])
            .map_err(|e| Fault::NotRam { gpa: e.gpa })?;
        let e = u64::from_le_bytes(b);
        if e & P == 0 {
            return Err(self.fault(false, false));
        }
        if !rights {
            return Ok(e);
        }
        if wide && e & XD != 0 {
            if self.s.efer & EFER_NXE == 0 {
                return Err(self.fault(true, true));
            }
            self.xd = true;
        }
        self.rw &= e & RW != 0;
        self.us &= e & US != 0;
        if let Some(slot) = self.used.get_mut(self.n) {
            *slot = (gpa, e);
            self.n += 1;
        }
        Ok(e)
    }

    /// 32-bit paging: two levels of 1024 four-byte entries.
    fn legacy(&mut self, mem: &dyn GuestMemory) -> Result<u64, Fault> {
        let l = self.linear & 0xffff_ffff;
        let pde_at = (self.s.cr3 & 0xffff_f000) + ((l >> 22) << 2);
        let pde = self.entry(mem, pde_at, false, true)?;
        if pde & PS != 0 && self.s.cr4 & CR4_PSE != 0 {
            // PSE-36: bits 20:13 hold physical address bits 39:32.
            let high = ((pde >> 13) & 0xff) << 32;
            return Ok(high | (pde & 0xffc0_0000) | (l & 0x3f_ffff));
        }
        let pte_at = (pde & 0xffff_f000) + (((l >> 12) & 0x3ff) << 2);
        let pte = self.entry(mem, pte_at, false, true)?;
        Ok((pte & 0xffff_f000) | (l & 0xfff))
    }

    /// PAE paging: four PDPTEs at CR3, then directories of 512 entries.
    fn pae(&mut self, mem: &dyn GuestMemory) -> Result<u64, Fault> {
        let l = self.linear & 0xffff_ffff;
        let pdpte_at = (self.s.cr3 & 0xffff_ffe0) + ((l >> 30) << 3);
        let pdpte = self.entry(mem, pdpte_at, true, false)?;
        self.descend(mem, pdpte & ADDR, 21)
    }

    /// 4- or 5-level paging.
    fn long(&mut self, mem: &dyn GuestMemory) -> Result<u64, Fault> {
        let top = if self.s.cr4 & CR4_LA57 != 0 { 48 } else { 39 };
        // Canonical: bits 63 down to the top of the address are all equal.
        let unused = 63 - (top + 8);
        if (((self.linear << unused) as i64) >> unused) as u64 != self.linear {
            return Err(Fault::General);
        }
        self.descend(mem, self.s.cr3 & ADDR, top)
    }

    /// Walks 8-byte entries from the table at `table` whose entries each
    /// map `1 << shift` bytes, down to the page.
    fn descend(
        &mut self,
        mem: &dyn GuestMemory,
        mut table: u64,
        mut shift: u32,
    ) -> Result<u64, Fault> {
        loop {
            let at = table + (((self.linear >> shift) & 0x1ff) << 3);
            let e = self.entry(mem, at, true, true)?;
            let large = e & PS != 0 && shift > 12;
            if large && shift > 30 {
                return Err(self.fault(true, true));
            }
            if shift == 12 || large {
                let offset = (1u64 << shift) - 1;
                // Address bits below the page size, but for bit 12 (PAT).
                if e & ADDR & offset & !0x1fff != 0 {
                    return Err(self.fault(true, true));
                }
                return Ok((e & ADDR & !offset) | (self.linear & offset));
            }
            table = e & ADDR;
            shift -= 9;
        }
    }

    /// The access rights the levels gave together.
    fn check(&self) -> Result<(), Fault> {
        let (s, a) = (self.s, self.access);
        let denied = if a.user {
            !self.us || (a.write && !self.rw) || (a.fetch && self.xd)
        } else if a.fetch {
            self.xd || (s.cr4 & CR4_SMEP != 0 && self.us)
        } else {
            let wp = s.cr0 & CR0_WP != 0;
            let smap = s.cr4 & CR4_SMAP != 0 && s.rflags & RFLAGS_AC == 0;
            (a.write && !self.rw && wp) || (smap && self.us)
        };
        if denied {
            return Err(self.fault(true, false));
        }
        Ok(())
    }

    /// Sets accessed bits, and the dirty bit of the leaf for a write.
    fn mark(&self, mem: &dyn GuestMemory) {
        let used = self.used.get(..self.n).unwrap_or(&[]);
        for (i, &(gpa, e)) in used.iter().enumerate() {
            let leaf = i + 1 == used.len();
            let want = A | if leaf && self.access.write { D } else { 0 };
            if e & want != want {
                // The entry was just read from RAM; a failure here cannot
                // happen and would only lose the bit.
                let _ = mem.write(gpa, &[(e | want) as u8]);
            }
        }
    }
}

//! The neutral vCPU state in and out of a VMCB. AMD's segment attributes
//! already have the neutral layout; EFER.SVME is the hypervisor's (set in
//! the VMCB, hidden from the VMM), and EFER.LMA follows LME and CR0.PG.

use super::vmcb::{off, Vmcb};
use crate::vm::state::{segment, set_segment, SEGMENT_MTD};
use crate::vm::vcpu::Vcpu;
use abi::vcpu::{intr_state, mtd, Segment, Table, VcpuState};

const EFER_LME: u64 = 1 << 8;
const EFER_LMA: u64 = 1 << 10;
const EFER_SVME: u64 = 1 << 12;
const CR0_PE: u64 = 1;
const CR0_PG: u64 = 1 << 31;
/// RFLAGS bits that exist; bit 1 is always set.
const RFLAGS_DEFINED: u64 = 0x003f_7fd5;

/// VMCB offsets of the segment registers, in `SEGMENT_MTD` order.
const SEGMENTS: [usize; 8] = [
    off::ES,
    off::CS,
    off::SS,
    off::DS,
    off::FS,
    off::GS,
    off::LDTR,
    off::TR,
];

/// The state of an x86 CPU after reset (until the VMM's STARTUP reply).
pub fn reset(c: Vmcb) {
    let data = Segment {
        sel: 0,
        ar: 0x93,
        limit: 0xffff,
        base: 0,
    };
    for at in [off::ES, off::SS, off::DS, off::FS, off::GS] {
        c.set_segment(at, &data);
    }
    c.set_segment(
        off::CS,
        &Segment {
            sel: 0xf000,
            ar: 0x9b,
            limit: 0xffff,
            base: 0xffff_0000,
        },
    );
    c.set_segment(off::LDTR, &Segment { ar: 0x82, ..data });
    c.set_segment(off::TR, &Segment { ar: 0x8b, ..data });
    c.set_segment(off::GDTR, &Segment { ar: 0, ..data });
    c.set_segment(off::IDTR, &Segment { ar: 0, ..data });
    c.write64(off::CR0, 0x6000_0010);
    c.write64(off::EFER, EFER_SVME);
    c.write64(off::RFLAGS, 2);
    c.write64(off::RIP, 0xfff0);
    c.write64(off::DR6, 0xffff_0ff0);
    c.write64(off::DR7, 0x400);
    c.write64(off::G_PAT, 0x0007_0406_0007_0406);
}

fn table(c: Vmcb, at: usize) -> Table {
    let s = c.segment(at);
    Table {
        limit: u64::from(s.limit),
        base: s.base,
    }
}

fn set_table(c: Vmcb, at: usize, t: &Table) {
    c.set_segment(
        at,
        &Segment {
            sel: 0,
            ar: 0,
            limit: t.limit as u32,
            base: t.base,
        },
    );
}

/// Copies the parts `m` selects (beyond the neutral ones) into `s`.
pub fn save(v: &mut Vcpu, m: u64, s: &mut VcpuState) {
    let c = Vmcb(v.control);
    if m & mtd::GPRS != 0 {
        s.gpr[0] = c.read64(off::RAX);
    }
    if m & mtd::RSP != 0 {
        s.gpr[4] = c.read64(off::RSP);
    }
    if m & mtd::RIP != 0 {
        s.rip = c.read64(off::RIP);
    }
    if m & mtd::RFLAGS != 0 {
        s.rflags = c.read64(off::RFLAGS);
    }
    if m & mtd::CR != 0 {
        s.cr0 = c.read64(off::CR0);
        s.cr2 = c.read64(off::CR2);
        s.cr3 = c.read64(off::CR3);
        s.cr4 = c.read64(off::CR4);
        s.efer = c.read64(off::EFER) & !EFER_SVME;
    }
    if m & mtd::DR7 != 0 {
        s.dr7 = c.read64(off::DR7);
    }
    for (i, bit) in SEGMENT_MTD.iter().enumerate() {
        if m & bit != 0 {
            set_segment(s, i, c.segment(SEGMENTS[i]));
        }
    }
    if m & mtd::GDTR_IDTR != 0 {
        s.gdtr = table(c, off::GDTR);
        s.idtr = table(c, off::IDTR);
    }
    if m & mtd::SYSENTER != 0 {
        s.sysenter_cs = c.read64(off::SYSENTER_CS);
        s.sysenter_esp = c.read64(off::SYSENTER_ESP);
        s.sysenter_eip = c.read64(off::SYSENTER_EIP);
    }
    if m & mtd::SYSCALL != 0 {
        s.star = c.read64(off::STAR);
        s.lstar = c.read64(off::LSTAR);
        s.cstar = c.read64(off::CSTAR);
        s.sfmask = c.read64(off::SFMASK);
        s.kernel_gs_base = c.read64(off::KERNEL_GS_BASE);
    }
    if m & mtd::PAT != 0 {
        s.pat = c.read64(off::G_PAT);
    }
    if m & mtd::INTR_STATE != 0 {
        s.intr_state = if c.read64(off::INT_STATE) & 1 != 0 {
            intr_state::STI
        } else {
            0
        };
    }
    if m & mtd::TSC != 0 {
        s.tsc_offset = c.read64(off::TSC_OFFSET);
    }
}

/// Loads the parts `m` selects from `s`. VMRUN checks the rest of the
/// state's consistency itself (an inconsistent one is an invalid-state exit).
pub fn load(v: &mut Vcpu, m: u64, s: &VcpuState) -> Result<(), &'static str> {
    let c = Vmcb(v.control);
    if m & mtd::GPRS != 0 {
        c.write64(off::RAX, s.gpr[0]);
    }
    if m & mtd::RSP != 0 {
        c.write64(off::RSP, s.gpr[4]);
    }
    if m & mtd::RIP != 0 {
        c.write64(off::RIP, s.rip);
    }
    if m & mtd::RFLAGS != 0 {
        c.write64(off::RFLAGS, (s.rflags & RFLAGS_DEFINED) | 2);
    }
    if m & mtd::CR != 0 {
        c.write64(off::CR0, s.cr0);
        c.write64(off::CR2, s.cr2);
        c.write64(off::CR3, s.cr3);
        c.write64(off::CR4, s.cr4);
        let mut efer = (s.efer & !EFER_LMA) | EFER_SVME;
        if efer & EFER_LME != 0 && s.cr0 & CR0_PG != 0 {
            efer |= EFER_LMA;
        }
        c.write64(off::EFER, efer);
    }
    if m & mtd::DR7 != 0 {
        c.write64(off::DR7, s.dr7);
    }
    for (i, bit) in SEGMENT_MTD.iter().enumerate() {
        if m & bit != 0 {
            c.set_segment(SEGMENTS[i], &segment(s, i));
        }
    }
    if m & (mtd::CS_SS | mtd::CR) != 0 {
        // AMD takes the privilege level from its own field.
        let real = c.read64(off::CR0) & CR0_PE == 0;
        let dpl = (c.segment(off::SS).ar >> 5) & 3;
        c.write8(off::CPL, if real { 0 } else { dpl as u8 });
    }
    if m & mtd::GDTR_IDTR != 0 {
        set_table(c, off::GDTR, &s.gdtr);
        set_table(c, off::IDTR, &s.idtr);
    }
    if m & mtd::SYSENTER != 0 {
        c.write64(off::SYSENTER_CS, s.sysenter_cs);
        c.write64(off::SYSENTER_ESP, s.sysenter_esp);
        c.write64(off::SYSENTER_EIP, s.sysenter_eip);
    }
    if m & mtd::SYSCALL != 0 {
        c.write64(off::STAR, s.star);
        c.write64(off::LSTAR, s.lstar);
        c.write64(off::CSTAR, s.cstar);
        c.write64(off::SFMASK, s.sfmask & 0xffff_ffff);
        c.write64(off::KERNEL_GS_BASE, s.kernel_gs_base);
    }
    if m & mtd::PAT != 0 {
        c.write64(off::G_PAT, s.pat);
    }
    if m & mtd::INTR_STATE != 0 {
        let shadow = s.intr_state & (intr_state::STI | intr_state::MOV_SS) != 0;
        c.write64(off::INT_STATE, u64::from(shadow));
    }
    if m & mtd::TSC != 0 {
        c.write64(off::TSC_OFFSET, s.tsc_offset);
    }
    if m & mtd::INTERCEPTS != 0 {
        super::intercepts::apply(c, v.intercepts);
    }
    Ok(())
}

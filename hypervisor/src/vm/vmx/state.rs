//! The neutral vCPU state in and out of a VMCS.
//!
//! - Segment attributes: VMX keeps the neutral bits 8–11 at 12–15 and marks
//!   unusable segments with bit 16 (neutral: attributes 0).
//! - CR0/CR4: the guest sees its own value (the read shadow); the real
//!   register also has the bits VMX requires (CR0.NE, CR4.VMXE), which are
//!   owned by the hypervisor (guest/host mask), as is every bit when the VMM
//!   intercepts writes to that register.
//! - EFER.LMA follows LME and CR0.PG, and so does the IA-32e entry control.
//! - PAE paging outside long mode takes its PDPTEs from the VMCS: they are
//!   read from guest memory whenever CR0, CR3 or CR4 are loaded.

use super::caps::{self, entry, get, proc};
use super::vmcs::{field as f, read, segment_fields, write};
use crate::vm::state::{segment, set_segment, SEGMENT_MTD};
use crate::vm::vcpu::Vcpu;
use abi::vcpu::{intercept, mtd, Segment, Table, VcpuState};

const CR0_PG: u64 = 1 << 31;
const CR4_PAE: u64 = 1 << 5;
const EFER_LME: u64 = 1 << 8;
const EFER_LMA: u64 = 1 << 10;
const RFLAGS_DEFINED: u64 = 0x003f_7fd5;

fn to_vmx_ar(ar: u16) -> u64 {
    if ar == 0 {
        1 << 16
    } else {
        u64::from(ar & 0xff) | (u64::from(ar & 0xf00) << 4)
    }
}

fn from_vmx_ar(a: u64) -> u16 {
    if a & (1 << 16) != 0 {
        0
    } else {
        ((a & 0xff) | ((a >> 4) & 0xf00)) as u16
    }
}

/// (must be 1, may be 1) for CR0 or CR4.
fn fixed(cr4: bool) -> (u64, u64) {
    if cr4 {
        (get(&caps::CR4_MUST), get(&caps::CR4_MAY))
    } else {
        (get(&caps::CR0_MUST), get(&caps::CR0_MAY))
    }
}

fn set_cr(cr4: bool, value: u64, intercepted: bool) {
    let (must, may) = fixed(cr4);
    let owned = if intercepted {
        u64::MAX
    } else {
        must | (!may & 0xffff_ffff)
    };
    let (real, shadow, mask) = if cr4 {
        (f::GUEST_CR4, f::CR4_SHADOW, f::CR4_MASK)
    } else {
        (f::GUEST_CR0, f::CR0_SHADOW, f::CR0_MASK)
    };
    write(real, (value | must) & may);
    write(shadow, value);
    write(mask, owned);
}

fn get_cr(cr4: bool) -> u64 {
    let (real, shadow, mask) = if cr4 {
        (f::GUEST_CR4, f::CR4_SHADOW, f::CR4_MASK)
    } else {
        (f::GUEST_CR0, f::CR0_SHADOW, f::CR0_MASK)
    };
    let m = read(mask);
    (read(real) & !m) | (read(shadow) & m)
}

pub fn set_cr0(value: u64) {
    set_cr(false, value, false);
}
pub fn set_cr4(value: u64) {
    set_cr(true, value, false);
}

/// Writes the controls that follow the VMM's `intercepts`.
pub fn apply_intercepts(v: &Vcpu) {
    let sel = v.intercepts;
    // #DB and #AC (endless delivery loops), #MC (the host's).
    let always = (1 << 1) | (1 << 17) | (1 << 18);
    write(f::EXCEPTION_BITMAP, (sel & intercept::EXCEPTIONS) | always);
    set_cr(false, get_cr(false), sel & intercept::CR0_WRITE != 0);
    set_cr(true, get_cr(true), sel & intercept::CR4_WRITE != 0);
}

/// The processor-based controls for this entry: the base set, the VMM's
/// optional exits and the window requests.
pub fn proc_controls(v: &Vcpu) -> u64 {
    let mut p = get(&caps::PROC_CTL) as u32;
    let sel = v.intercepts;
    if sel & intercept::RDTSC != 0 {
        p |= proc::RDTSC;
    }
    if sel & intercept::PAUSE != 0 {
        p |= proc::PAUSE;
    }
    if sel & intercept::CR3_WRITE != 0 {
        p |= proc::CR3_LOAD;
    }
    if v.requests & abi::vcpu::request::INTR_WINDOW != 0 {
        p |= proc::INTR_WINDOW;
    }
    if v.requests & abi::vcpu::request::NMI_WINDOW != 0 {
        p |= proc::NMI_WINDOW;
    }
    u64::from(p)
}

/// Copies the parts `m` selects (beyond the neutral ones) into `s`.
pub fn save(v: &mut Vcpu, m: u64, s: &mut VcpuState) {
    super::current(v);
    if m & mtd::RSP != 0 {
        s.gpr[4] = read(f::GUEST_RSP);
    }
    if m & mtd::RIP != 0 {
        s.rip = read(f::GUEST_RIP);
    }
    if m & mtd::RFLAGS != 0 {
        s.rflags = read(f::GUEST_RFLAGS);
    }
    if m & mtd::CR != 0 {
        s.cr0 = get_cr(false);
        s.cr4 = get_cr(true);
        s.cr2 = v.cr2;
        s.cr3 = read(f::GUEST_CR3);
        s.efer = read(f::GUEST_EFER);
    }
    if m & mtd::DR7 != 0 {
        s.dr7 = read(f::GUEST_DR7);
    }
    for (i, bit) in SEGMENT_MTD.iter().enumerate() {
        if m & bit != 0 {
            let (sel, limit, ar, base) = segment_fields(i as u32);
            let seg = Segment {
                sel: read(sel) as u16,
                ar: from_vmx_ar(read(ar)),
                limit: read(limit) as u32,
                base: read(base),
            };
            set_segment(s, i, seg);
        }
    }
    if m & mtd::GDTR_IDTR != 0 {
        s.gdtr = Table {
            limit: read(f::GUEST_GDTR_LIMIT),
            base: read(f::GUEST_GDTR_BASE),
        };
        s.idtr = Table {
            limit: read(f::GUEST_IDTR_LIMIT),
            base: read(f::GUEST_IDTR_BASE),
        };
    }
    if m & mtd::SYSENTER != 0 {
        s.sysenter_cs = read(f::GUEST_SYSENTER_CS);
        s.sysenter_esp = read(f::GUEST_SYSENTER_ESP);
        s.sysenter_eip = read(f::GUEST_SYSENTER_EIP);
    }
    if m & mtd::SYSCALL != 0 {
        let msrs = super::msrs::current(v);
        [s.star, s.lstar, s.cstar, s.sfmask, s.kernel_gs_base] = msrs;
    }
    if m & mtd::PAT != 0 {
        s.pat = read(f::GUEST_PAT);
    }
    if m & mtd::INTR_STATE != 0 {
        s.intr_state = read(f::GUEST_INTERRUPTIBILITY) & abi::vcpu::intr_state::ALL;
    }
    if m & mtd::TSC != 0 {
        s.tsc_offset = read(f::TSC_OFFSET);
    }
}

fn canonical(a: u64) -> bool {
    ((a as i64) << 16 >> 16) as u64 == a
}

/// Loads the parts `m` selects from `s`. The VM-entry checks catch the rest
/// (an invalid-state exit); what the hypervisor itself would trip over (a
/// non-canonical MSR value for WRMSR) is refused here.
pub fn load(v: &mut Vcpu, m: u64, s: &VcpuState) -> Result<(), &'static str> {
    super::current(v);
    if m & mtd::SYSCALL != 0
        && !(canonical(s.lstar) && canonical(s.cstar) && canonical(s.kernel_gs_base))
    {
        return Err("the VMM set a non-canonical system-call MSR");
    }
    if m & mtd::RSP != 0 {
        write(f::GUEST_RSP, s.gpr[4]);
    }
    if m & mtd::RIP != 0 {
        write(f::GUEST_RIP, s.rip);
    }
    if m & mtd::RFLAGS != 0 {
        write(f::GUEST_RFLAGS, (s.rflags & RFLAGS_DEFINED) | 2);
    }
    if m & mtd::CR != 0 {
        set_cr(false, s.cr0, v.intercepts & intercept::CR0_WRITE != 0);
        set_cr(true, s.cr4, v.intercepts & intercept::CR4_WRITE != 0);
        v.cr2 = s.cr2;
        write(f::GUEST_CR3, s.cr3);
        let lma = s.efer & EFER_LME != 0 && s.cr0 & CR0_PG != 0;
        let efer = (s.efer & !EFER_LMA) | if lma { EFER_LMA } else { 0 };
        write(f::GUEST_EFER, efer);
        let mut e = read(f::ENTRY_CONTROLS) & !u64::from(entry::IA32E_GUEST);
        if lma {
            e |= u64::from(entry::IA32E_GUEST);
        }
        write(f::ENTRY_CONTROLS, e);
        if !lma && s.cr0 & CR0_PG != 0 && s.cr4 & CR4_PAE != 0 {
            load_pdptes(v, s.cr3);
        }
    }
    if m & mtd::DR7 != 0 {
        write(f::GUEST_DR7, s.dr7);
    }
    for (i, bit) in SEGMENT_MTD.iter().enumerate() {
        if m & bit != 0 {
            let g = segment(s, i);
            let (sel, limit, ar, base) = segment_fields(i as u32);
            write(sel, u64::from(g.sel));
            write(limit, u64::from(g.limit));
            write(ar, to_vmx_ar(g.ar));
            write(base, g.base);
        }
    }
    if m & mtd::GDTR_IDTR != 0 {
        write(f::GUEST_GDTR_LIMIT, s.gdtr.limit);
        write(f::GUEST_GDTR_BASE, s.gdtr.base);
        write(f::GUEST_IDTR_LIMIT, s.idtr.limit);
        write(f::GUEST_IDTR_BASE, s.idtr.base);
    }
    if m & mtd::SYSENTER != 0 {
        write(f::GUEST_SYSENTER_CS, s.sysenter_cs);
        write(f::GUEST_SYSENTER_ESP, s.sysenter_esp);
        write(f::GUEST_SYSENTER_EIP, s.sysenter_eip);
    }
    if m & mtd::SYSCALL != 0 {
        super::msrs::current(v);
        // SFMASK's upper half is reserved (WRMSR would fault on it).
        v.msrs = [
            s.star,
            s.lstar,
            s.cstar,
            s.sfmask & 0xffff_ffff,
            s.kernel_gs_base,
        ];
    }
    if m & mtd::PAT != 0 {
        write(f::GUEST_PAT, s.pat);
    }
    if m & mtd::INTR_STATE != 0 {
        write(
            f::GUEST_INTERRUPTIBILITY,
            s.intr_state & abi::vcpu::intr_state::ALL,
        );
    }
    if m & mtd::TSC != 0 {
        write(f::TSC_OFFSET, s.tsc_offset);
    }
    if m & mtd::INTERCEPTS != 0 {
        apply_intercepts(v);
    }
    Ok(())
}

/// PAE paging outside long mode: the four PDPTEs the CPU would have loaded
/// from the guest's CR3.
fn load_pdptes(v: &Vcpu, cr3: u64) {
    let table = cr3 & 0xffff_ffe0;
    for i in 0..4u32 {
        let e = crate::vm::gspace::read_guest(v.root, table + u64::from(i) * 8).unwrap_or(0);
        write(f::GUEST_PDPTE0 + 2 * i, e);
    }
}

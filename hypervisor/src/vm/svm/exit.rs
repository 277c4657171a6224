//! AMD exit codes as neutral exits, and the event state applied before each
//! entry (injection, the interrupt window, NMI blocking).

use super::intercepts::{IRET, VINTR};
use super::vmcb::{off, Vmcb};
use super::{decode_assists, nrip};
use crate::vm::backend::Outcome;
use crate::vm::vcpu::Vcpu;
use abi::vcpu::{cr, gpa, inj, io, request, Exit};

const V_IRQ: u64 = 1 << 8;
const V_IGN_TPR: u64 = 1 << 20;
const V_INTR_PRIO: u64 = 0xf << 16;

/// Before VMRUN: the event to inject and the interrupt-window request.
pub fn prepare_entry(v: &mut Vcpu, c: Vmcb) {
    let mut event = 0;
    if v.inj & inj::VALID != 0 {
        let kind = inj::kind_of(v.inj);
        // AMD knows no "software exception" type, and without NRIP-save it
        // cannot push the next RIP itself: the guest resumes after the
        // instruction because RIP is moved past it here.
        let amd_kind = if kind == inj::kind::SOFT_EXCEPTION {
            inj::kind::EXCEPTION
        } else {
            kind
        };
        if kind == inj::kind::SOFT_INT || kind == inj::kind::SOFT_EXCEPTION {
            c.write64(off::RIP, c.read64(off::RIP).wrapping_add(v.inj_len));
        }
        if kind == inj::kind::NMI {
            // The guest is in its NMI handler until its IRET: watch for it.
            v.nmi_blocked = true;
        }
        event = (v.inj & !(7 << 8)) | (amd_kind << 8);
        v.inj = 0;
    }
    c.write64(off::EVENT_INJ, event);
    let mut misc1 = c.read32(off::MISC1) & !(VINTR | IRET);
    let mut int_ctl = c.read64(off::INT_CTL) & !(V_IRQ | V_IGN_TPR | V_INTR_PRIO);
    if v.requests & request::INTR_WINDOW != 0 {
        // A virtual interrupt the guest can take exactly when it can take a
        // real one; its acceptance is the window exit.
        int_ctl |= V_IRQ | V_IGN_TPR | V_INTR_PRIO;
        misc1 |= VINTR;
    }
    if v.nmi_blocked {
        misc1 |= IRET;
    }
    c.write64(off::INT_CTL, int_ctl);
    c.write32(off::MISC1, misc1);
}

/// AMD tracks no NMI blocking of its own: the window is open unless an
/// injected NMI's handler has not returned yet.
pub fn nmi_window_open(v: &Vcpu) -> bool {
    !v.nmi_blocked
}

fn io_qual(info1: u64) -> u64 {
    let size = if info1 & (1 << 4) != 0 {
        1
    } else if info1 & (1 << 5) != 0 {
        2
    } else {
        4
    };
    let mut flags = 0;
    if info1 & 1 != 0 {
        flags |= io::IN;
    }
    if info1 & (1 << 2) != 0 {
        flags |= io::STRING;
    }
    if info1 & (1 << 3) != 0 {
        flags |= io::REP;
    }
    io::encode((info1 >> 16) as u16, size, flags)
}

fn npf_access(info1: u64) -> u64 {
    let mut a = if info1 & (1 << 1) != 0 {
        gpa::WRITE
    } else if info1 & (1 << 4) != 0 {
        gpa::EXEC
    } else {
        gpa::READ
    };
    if info1 & 1 != 0 {
        a |= gpa::PRESENT;
    }
    a
}

/// Decodes the exit the VMCB reports.
pub fn decode(v: &mut Vcpu) -> Outcome {
    let c = Vmcb(v.control);
    let code = c.read64(off::EXIT_CODE);
    let (info1, info2) = (c.read64(off::EXIT_INFO1), c.read64(off::EXIT_INFO2));
    let pending = c.read64(off::EXIT_INT_INFO);
    if pending & inj::VALID != 0 {
        // Interrupted while delivering an event: deliver it again (RIP is
        // already past an INT n that was being delivered).
        v.inj = pending;
        v.inj_len = 0;
    }
    let rip = c.read64(off::RIP);
    if code as u32 != u32::MAX {
        // After a refused VMRUN the state area is not the guest's.
        v.last_rip = rip;
    }
    let next = c.read64(off::NEXT_RIP);
    let len = |arch: u64| {
        if nrip() && next > rip {
            next - rip
        } else {
            arch
        }
    };
    v.qual = [0, 0];
    v.inst_len = 0;
    let exit = match code {
        0x60..=0x62 => return Outcome::Resume,
        0x63 => Exit::Init,
        0x64 => {
            v.requests &= !request::INTR_WINDOW;
            c.write64(off::INT_CTL, c.read64(off::INT_CTL) & !V_IRQ);
            c.write32(off::MISC1, c.read32(off::MISC1) & !VINTR);
            Exit::IntrWindow
        }
        0x52 => {
            crate::println!("hypervisor: machine check while running a guest");
            crate::fatal::stop_machine()
        }
        0x40..=0x5f => {
            v.qual = [info1 & 0xffff_ffff, info2];
            if matches!(code, 0x43 | 0x44) {
                // INT3 and INTO (one byte; NRIP-save knows prefixes).
                v.inst_len = len(1);
            }
            Exit::Exception((code - 0x40) as u8)
        }
        0x74 => {
            v.nmi_blocked = false;
            c.write32(off::MISC1, c.read32(off::MISC1) & !IRET);
            if v.requests & request::NMI_WINDOW == 0 {
                return Outcome::Resume;
            }
            v.requests &= !request::NMI_WINDOW;
            Exit::NmiWindow
        }
        0x7b => {
            v.qual[0] = io_qual(info1);
            v.inst_len = info2.wrapping_sub(rip);
            Exit::Io
        }
        0x10..=0x1f | 0x65 => {
            let n = if code == 0x65 { 0 } else { code - 0x10 };
            let known = decode_assists() && info1 >> 63 != 0;
            let gpr = if known { info1 & 0xf } else { cr::GPR_UNKNOWN };
            v.qual[0] = cr::encode(n, cr::WRITE, gpr);
            v.inst_len = if known && nrip() { len(0) } else { 0 };
            Exit::CrAccess
        }
        0x400 => {
            v.qual = [info2, npf_access(info1)];
            Exit::GpaFault
        }
        // VMEXIT_INVALID is -1; some emulators store only its low half.
        _ if code as u32 == u32::MAX => Exit::InvalidState,
        _ => {
            let (exit, arch) = match code {
                0x72 => (Exit::Cpuid, 2),
                0x78 => (Exit::Hlt, 1),
                0x7c if info1 == 0 => (Exit::Rdmsr, 2),
                0x7c => (Exit::Wrmsr, 2),
                0x81 => (Exit::Vmcall, 3),
                0x77 => (Exit::Pause, 2),
                0x8d => (Exit::Xsetbv, 3),
                0x6e => (Exit::Rdtsc, 2),
                0x87 => (Exit::Rdtscp, 3),
                0x7f => (Exit::TripleFault, 0),
                _ => {
                    v.qual[0] = code;
                    (Exit::Unsupported, 0)
                }
            };
            if arch != 0 {
                v.inst_len = len(arch);
            }
            exit
        }
    };
    Outcome::Deliver(exit)
}

//! The exits the test guest (`guests/vmtest/guest.S`) causes, in order,
//! and how the VMM checks and answers each: here the steps from power-on
//! to the instruction exits of long mode, the rest in [`late`]. A step
//! needing a CPU feature the guest was told it lacks ([`Step::needs`]) is
//! left out by both.

use super::vm::Vmm;
use super::vm_emul::{
    code_at_rip, len, low, port_io, set_edx_eax, skip, Answer, Res, RAX, RBX, RCX, RDX,
};
use super::vm_guest::{self as g, code, port};
use super::vm_kit::{ar, bits, guest_word, reset_state};
use super::vm_seq_late as late;
use crate::check::eq;
use abi::vcpu::{intercept, mtd, Exit, VcpuState};

pub struct Step {
    pub exit: Exit,
    pub what: &'static str,
    /// `vm_guest::FEAT_*` bits the step needs.
    pub needs: u64,
    /// QEMU's TCG as the SVM CPU does not intercept this instruction:
    /// there the exit may be missing (see `Vmm::qemu_svm`); the next exit
    /// then comes from elsewhere.
    pub qemu_svm_missing: Option<&'static [u8]>,
    pub answer: fn(&mut Vmm, &mut VcpuState) -> Res,
}

const fn step(exit: Exit, what: &'static str, answer: fn(&mut Vmm, &mut VcpuState) -> Res) -> Step {
    Step {
        exit,
        what,
        needs: 0,
        qemu_svm_missing: None,
        answer,
    }
}

pub const SEQ: &[Step] = &[
    step(Exit::Startup, "startup", startup),
    step(Exit::Io, "out word", hello),
    step(Exit::Io, "in byte", port_in),
    step(Exit::Cpuid, "cpuid", cpuid),
    step(Exit::Wrmsr, "wrmsr efer", efer),
    step(Exit::Hlt, "hlt in long mode", hlt),
    step(Exit::Rdmsr, "rdmsr", rdmsr),
    step(Exit::Wrmsr, "wrmsr", wrmsr),
    step(Exit::Vmcall, "vmcall", vmcall),
    Step {
        needs: g::FEAT_XSAVE,
        qemu_svm_missing: Some(code::XSETBV),
        ..step(Exit::Xsetbv, "xsetbv", xsetbv)
    },
    step(Exit::Pause, "pause", pause),
    step(Exit::Rdtsc, "rdtsc", rdtsc),
    Step {
        needs: g::FEAT_RDTSCP,
        ..step(Exit::Rdtscp, "rdtscp", rdtscp)
    },
    step(Exit::Io, "ask tsc offset", late::ask_tsc),
    step(Exit::Io, "ask cr4 intercept", late::ask_cr4),
    step(Exit::CrAccess, "cr4 write", late::cr4_write),
    step(Exit::Io, "ask #ud intercept", late::ask_ud),
    step(Exit::Exception(6), "#ud", late::ud),
    step(Exit::Io, "ask #gp injection", late::ask_gp),
    step(Exit::Io, "ask interrupt window", late::ask_intr),
    step(Exit::IntrWindow, "interrupt window", late::intr_window),
    step(Exit::Io, "ask nmi window", late::ask_nmi),
    step(Exit::NmiWindow, "nmi window", late::nmi_window),
    step(Exit::GpaFault, "mmio read", late::mmio_read),
    step(Exit::GpaFault, "mmio write", late::mmio_write),
    step(Exit::Io, "ask revoke", late::ask_revoke),
    step(Exit::GpaFault, "revoked page", late::revoked),
    step(Exit::Io, "ask recall", late::ask_spin),
    step(Exit::Recall, "recall", late::recall),
    Step {
        qemu_svm_missing: Some(code::INVD),
        ..step(Exit::Unsupported, "invd", late::invd)
    },
    step(Exit::Unsupported, "vmxon or vmrun", late::vmx_svm),
    step(Exit::Io, "ask end", late::ask_end),
    step(Exit::TripleFault, "triple fault", late::triple_fault),
];

fn startup(v: &mut Vmm, s: &mut VcpuState) -> Res {
    *s = reset_state();
    v.intercepts = intercept::PAUSE | intercept::RDTSC;
    s.intercepts = v.intercepts;
    Ok(Answer::Resume(mtd::ALL & !mtd::QUAL))
}

fn hello(_: &mut Vmm, s: &mut VcpuState) -> Res {
    port_io(s, port::HELLO, 2, false)?;
    eq("the guest's load address", s.gpr[RAX] & 0xffff, g::LOAD)?;
    skip(s, 0)
}

fn port_in(_: &mut Vmm, s: &mut VcpuState) -> Res {
    port_io(s, port::IN, 1, true)?;
    s.gpr[RAX] = (s.gpr[RAX] & !0xff) | g::IN_VALUE;
    skip(s, mtd::GPRS)
}

fn cpuid(v: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    eq("cpuid leaf", low(s, RAX), g::CPUID_LEAF)?;
    s.gpr[RAX] = g::CPUID_LEAF;
    s.gpr[RBX] = v.backend;
    s.gpr[RCX] = v.features;
    s.gpr[RDX] = g::CPUID_MAGIC;
    skip(s, mtd::GPRS)
}

fn efer(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    eq("wrmsr index", low(s, RCX), bits::EFER)?;
    let value = low(s, RAX) | (low(s, RDX) << 32);
    eq("efer written", value, bits::EFER_LME)?;
    eq(
        "cr0 in protected mode",
        s.cr0 & (bits::CR0_PE | bits::CR0_PG),
        1,
    )?;
    s.efer = value;
    skip(s, mtd::CR)
}

fn hlt(v: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 1)?;
    let stored = |at| guest_word(v.ram, at).unwrap_or(u64::MAX);
    eq("backend the guest stored", stored(g::D_BACKEND), v.backend)?;
    eq(
        "features the guest stored",
        stored(g::D_FEATURES),
        v.features,
    )?;
    eq("efer.lma", s.efer & bits::EFER_LMA, bits::EFER_LMA)?;
    eq("cr0.pg", s.cr0 & bits::CR0_PG, bits::CR0_PG)?;
    eq("cs.l", u64::from(s.cs.ar & ar::L), u64::from(ar::L))?;
    skip(s, 0)
}

fn rdmsr(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    eq("rdmsr index", low(s, RCX), g::MSR_READ)?;
    set_edx_eax(s, g::RDMSR_VALUE);
    skip(s, mtd::GPRS)
}

fn wrmsr(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    eq("wrmsr index", low(s, RCX), g::MSR_WRITE)?;
    eq(
        "wrmsr value",
        low(s, RAX) | (low(s, RDX) << 32),
        g::WRMSR_VALUE,
    )?;
    skip(s, 0)
}

fn vmcall(v: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 3)?;
    let insn = if v.backend == g::BACKEND_VMX {
        code::VMCALL
    } else {
        code::VMMCALL
    };
    code_at_rip(v, s, insn)?;
    eq("vmcall rax", s.gpr[RAX], g::VMCALL_IN)?;
    s.gpr[RAX] = g::VMCALL_OUT;
    skip(s, mtd::GPRS)
}

fn xsetbv(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 3)?;
    eq("xsetbv index", low(s, RCX), 0)?;
    eq("xsetbv value", low(s, RAX) | (low(s, RDX) << 32), 3)?;
    eq("cr4.osxsave", s.cr4 & bits::CR4_OSXSAVE, bits::CR4_OSXSAVE)?;
    eq("xcr0 before", s.xcr0, 1)?;
    s.xcr0 = 3;
    skip(s, mtd::XCR0)
}

fn pause(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    skip(s, 0)
}

fn rdtsc(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 2)?;
    set_edx_eax(s, g::RDTSC_VALUE);
    skip(s, mtd::GPRS)
}

fn rdtscp(_: &mut Vmm, s: &mut VcpuState) -> Res {
    len(s, 3)?;
    set_edx_eax(s, g::RDTSCP_VALUE);
    s.gpr[RCX] = g::TSC_AUX;
    skip(s, mtd::GPRS)
}

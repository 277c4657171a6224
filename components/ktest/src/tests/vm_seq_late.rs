//! The second half of [`super::vm_seq::SEQ`], in long mode: requests
//! on the port that change intercepts, the TSC offset and injection;
//! windows; guest-physical faults (emulated MMIO, a revoked page);
//! the recall; instructions the hypervisor does not virtualize; the end.

use super::vm::Vmm;
use super::vm_emul::{apply_cr_write, code_at_rip, cr_write, port_io, skip, Answer, Res, RAX, RCX};
use super::vm_guest::{self as g, ask, code, port};
use super::vm_kit::bits;
use crate::check::{eq, ok, TResult};
use abi::cap::rights::mem;
use abi::vcpu::{gpa, inj, intercept, intr_state, mtd, request, VcpuState};
use user_rt::sys::{self, Crd};

/// The #UD bit of the exception intercepts.
const UD: u64 = 1 << 6;

/// An OUT of `code` to the request port.
fn asked(s: &VcpuState, code: u64) -> TResult {
    port_io(s, port::ASK, 1, false)?;
    eq("request", s.gpr[RAX] & 0xff, code)
}

/// New intercepts, loaded with the answer (`mtd::INTERCEPTS`).
fn set_intercepts(v: &mut Vmm, s: &mut VcpuState, intercepts: u64) {
    v.intercepts = intercepts;
    s.intercepts = intercepts;
}

pub(super) fn ask_tsc(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::TSC)?;
    v.tsc_offset = g::TSC_OFFSET;
    s.tsc_offset = g::TSC_OFFSET;
    set_intercepts(v, s, intercept::PAUSE);
    skip(s, mtd::INTERCEPTS | mtd::TSC)
}

pub(super) fn ask_cr4(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::CR4)?;
    set_intercepts(v, s, v.intercepts | intercept::CR4_WRITE);
    skip(s, mtd::INTERCEPTS)
}

pub(super) fn cr4_write(v: &mut Vmm, s: &mut VcpuState) -> Res {
    let w = cr_write(v, s)?;
    eq("control register", w.number, 4)?;
    code_at_rip(v, s, &[0x0f, 0x22, 0xe0])?;
    eq("the value sets PGE", w.value, s.cr4 | bits::CR4_PGE)?;
    apply_cr_write(s, &w)
}

pub(super) fn ask_ud(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::UD)?;
    set_intercepts(v, s, (v.intercepts & !intercept::CR4_WRITE) | UD);
    skip(s, mtd::INTERCEPTS)
}

pub(super) fn ud(v: &mut Vmm, s: &mut VcpuState) -> Res {
    eq("#UD error code", s.qual[0], 0)?;
    code_at_rip(v, s, code::UD2)?;
    s.rip += 2;
    Ok(Answer::Resume(mtd::RIP))
}

pub(super) fn ask_gp(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::GP)?;
    s.inj = inj::exception(13, Some(g::GP_ERROR));
    s.requests = 0;
    set_intercepts(v, s, v.intercepts & !UD);
    skip(s, mtd::INTERCEPTS | mtd::INJ)
}

pub(super) fn ask_intr(_: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::INTR)?;
    eq("#GP delivered (inj)", s.inj & inj::VALID, 0)?;
    eq("interrupts off", s.rflags & bits::RFLAGS_IF, 0)?;
    s.requests = request::INTR_WINDOW;
    s.inj = 0;
    skip(s, mtd::INJ)
}

pub(super) fn intr_window(_: &mut Vmm, s: &mut VcpuState) -> Res {
    eq("interrupts on", s.rflags & bits::RFLAGS_IF, bits::RFLAGS_IF)?;
    eq("no interrupt shadow", s.intr_state & intr_state::STI, 0)?;
    eq("request cleared", s.requests & request::INTR_WINDOW, 0)?;
    s.inj = inj::interrupt(g::INTR_VECTOR);
    Ok(Answer::Resume(mtd::INJ))
}

pub(super) fn ask_nmi(_: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::NMI)?;
    eq("interrupt delivered (inj)", s.inj & inj::VALID, 0)?;
    s.requests = request::NMI_WINDOW;
    s.inj = 0;
    skip(s, mtd::INJ)
}

pub(super) fn nmi_window(_: &mut Vmm, s: &mut VcpuState) -> Res {
    eq("request cleared", s.requests & request::NMI_WINDOW, 0)?;
    s.inj = inj::nmi();
    Ok(Answer::Resume(mtd::INJ))
}

/// A GPA fault at `at` by an access of `kind` (`gpa::READ` or `WRITE`) to
/// an unmapped page.
fn gpa_fault(s: &VcpuState, at: u64, kind: u64) -> TResult {
    eq("guest-physical address", s.qual[0], at)?;
    let access = s.qual[1] & (gpa::READ | gpa::WRITE | gpa::PRESENT);
    eq("access (read/write/present)", access, kind)
}

pub(super) fn mmio_read(v: &mut Vmm, s: &mut VcpuState) -> Res {
    gpa_fault(s, g::MMIO, gpa::READ)?;
    code_at_rip(v, s, code::LOAD_RAX)?;
    s.gpr[RAX] = g::MMIO_READ;
    s.rip += code::LOAD_RAX.len() as u64;
    Ok(Answer::Resume(mtd::GPRS | mtd::RIP))
}

pub(super) fn mmio_write(v: &mut Vmm, s: &mut VcpuState) -> Res {
    gpa_fault(s, g::MMIO + 8, gpa::WRITE)?;
    code_at_rip(v, s, code::STORE_RCX)?;
    eq("value written", s.gpr[RCX], g::MMIO_WRITE)?;
    s.rip += code::STORE_RCX.len() as u64;
    Ok(Answer::Resume(mtd::RIP))
}

pub(super) fn ask_revoke(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::REVOKE)?;
    let page = Crd::mem(v.revocable >> 12, 0, 0);
    ok("revoke the guest's page", sys::revoke(v.me, page, false))?;
    skip(s, 0)
}

pub(super) fn revoked(v: &mut Vmm, s: &mut VcpuState) -> Res {
    gpa_fault(s, g::REVOCABLE, gpa::READ)?;
    code_at_rip(v, s, code::LOAD_RAX)?;
    let page = Crd::mem(v.revocable >> 12, 0, mem::RW);
    ok(
        "map the page again",
        sys::delegate_guest(v.me, v.vm, page, g::REVOCABLE >> 12),
    )?;
    // The guest retries the read.
    Ok(Answer::Resume(0))
}

/// The guest's STI before its spin loop (see guest.S, step 21).
const STI_LEN: u64 = 1;

pub(super) fn ask_spin(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::SPIN)?;
    v.spin_rip = s.rip + s.inst_len + STI_LEN;
    v.wake = true;
    skip(s, 0)
}

/// The recall may come before the guest ran its STI (the main EC can recall
/// as soon as it wakes) or in the loop; either way the guest goes on after
/// the loop.
pub(super) fn recall(v: &mut Vmm, s: &mut VcpuState) -> Res {
    let before_sti = v.spin_rip - STI_LEN;
    if s.rip != before_sti {
        eq("rip in the spin loop", s.rip, v.spin_rip)?;
    }
    s.rip = v.spin_rip;
    code_at_rip(v, s, code::SPIN)?;
    s.rip += code::SPIN.len() as u64;
    Ok(Answer::Resume(mtd::RIP))
}

pub(super) fn invd(v: &mut Vmm, s: &mut VcpuState) -> Res {
    code_at_rip(v, s, code::INVD)?;
    s.rip += code::INVD.len() as u64;
    Ok(Answer::Resume(mtd::RIP))
}

pub(super) fn vmx_svm(v: &mut Vmm, s: &mut VcpuState) -> Res {
    let insn = if v.backend == g::BACKEND_VMX {
        code::VMXON
    } else {
        code::VMRUN
    };
    code_at_rip(v, s, insn)?;
    s.rip += insn.len() as u64;
    Ok(Answer::Resume(mtd::RIP))
}

pub(super) fn ask_end(v: &mut Vmm, s: &mut VcpuState) -> Res {
    asked(s, ask::END)?;
    if v.no_shutdown_exit {
        user_rt::text::Line::new()
            .str("ktest: vm guest: triple-fault step left out (quirk=svm-no-shutdown-exit)")
            .print();
        // The triple fault is the last step: the run is complete without it.
        v.pos += 1;
        return Ok(Answer::Stop);
    }
    set_intercepts(v, s, 0);
    skip(s, mtd::INTERCEPTS)
}

pub(super) fn triple_fault(_: &mut Vmm, s: &mut VcpuState) -> Res {
    eq("idtr limit (the guest emptied its IDT)", s.idtr.limit, 0)?;
    Ok(Answer::Stop)
}

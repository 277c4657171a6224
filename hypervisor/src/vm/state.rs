//! The neutral vCPU state in a handler's UTCB: written at each exit with
//! the parts the portal's MTD selects, read back from the reply with the
//! parts the reply's MTD selects. The hypervisor's own fields (qualification,
//! instruction length, injection, requests, intercepts, XCR0 and the general
//! registers the hardware does not keep) are handled here; the rest by the
//! vendor code. A reply the hypervisor cannot apply stops the vCPU.

use super::backend;
use crate::arch::fpu;
use crate::ipc::utcb;
use crate::obj::ec::{Ec, PendingCall};
use crate::obj::Ref;
use abi::vcpu::{inj, intercept, mtd, request, Segment, VcpuState, VCPU_STATE_WORDS};

/// The MTD bit that selects each segment register, in the order both
/// vendors number them: ES, CS, SS, DS, FS, GS, LDTR, TR.
pub const SEGMENT_MTD: [u64; 8] = [
    mtd::DS_ES,
    mtd::CS_SS,
    mtd::CS_SS,
    mtd::DS_ES,
    mtd::FS_GS,
    mtd::FS_GS,
    mtd::TR_LDTR,
    mtd::TR_LDTR,
];

/// Segment register `i` (in `SEGMENT_MTD` order) of `s`.
pub fn segment(s: &VcpuState, i: usize) -> Segment {
    [s.es, s.cs, s.ss, s.ds, s.fs, s.gs, s.ldtr, s.tr][i & 7]
}

/// Sets segment register `i` (in `SEGMENT_MTD` order) of `s`.
pub fn set_segment(s: &mut VcpuState, i: usize, seg: Segment) {
    let slot = match i & 7 {
        0 => &mut s.es,
        1 => &mut s.cs,
        2 => &mut s.ss,
        3 => &mut s.ds,
        4 => &mut s.fs,
        5 => &mut s.gs,
        6 => &mut s.ldtr,
        _ => &mut s.tr,
    };
    *slot = seg;
}

/// Writes the exit state of the vCPU `caller` into `handler`'s UTCB;
/// returns the number of words. Kept out of line: the IPC paths that call
/// it are hot for ordinary messages.
#[inline(never)]
pub fn write(caller: Ref<Ec>, handler: Ref<Ec>, call: &PendingCall) -> u64 {
    if caller.get().cpu as usize != crate::sched::this_index() {
        // Handed over by a CPU that destroyed the previous caller: the
        // state is written when the handler runs (`write_due`).
        handler.get().vcpu_state_due = Some((caller, call.mtd));
        return VCPU_STATE_WORDS as u64;
    }
    write_now(caller, handler, call.mtd)
}

/// Before `handler` runs (on its own CPU): the vCPU state a call handed
/// to it on another CPU left to write.
pub fn write_due(handler: Ref<Ec>) {
    if let Some((caller, m)) = handler.get().vcpu_state_due.take() {
        if handler.get().caller == Some(caller) {
            write_now(caller, handler, m);
        }
    }
}

fn write_now(caller: Ref<Ec>, handler: Ref<Ec>, mtd_bits: u64) -> u64 {
    let Some(vr) = caller.get().vcpu else {
        return 0;
    };
    let v = vr.get();
    let m = mtd_bits & mtd::ALL;
    let mut s = VcpuState::default();
    if m & mtd::GPRS != 0 {
        s.gpr = v.gpr;
        s.gpr[4] = 0;
    }
    backend::save(v, m, &mut s);
    if m & mtd::RIP != 0 {
        s.inst_len = v.inst_len;
    }
    if m & mtd::QUAL != 0 {
        s.qual = v.qual;
    }
    if m & mtd::XCR0 != 0 {
        s.xcr0 = v.xcr0;
    }
    if m & mtd::INJ != 0 {
        s.inj = v.inj;
        s.requests = v.requests;
    }
    if m & mtd::INTERCEPTS != 0 {
        s.intercepts = v.intercepts;
    }
    let u = utcb(handler);
    u.words[..VCPU_STATE_WORDS].copy_from_slice(&s.to_words());
    u.mtd = m;
    u.received = VCPU_STATE_WORDS as u64;
    VCPU_STATE_WORDS as u64
}

/// Whether the guest may have `xcr0`: x87 always, AVX only with SSE, the
/// AVX-512 parts together and only with AVX, and nothing the host's
/// XSAVE area does not hold.
fn xcr0_ok(x: u64) -> bool {
    const SSE: u64 = 1 << 1;
    const AVX: u64 = 1 << 2;
    const AVX512: u64 = 0b111 << 5;
    x & 1 != 0
        && x & !fpu::host_xcr0().max(1) == 0
        && (x & AVX == 0 || x & SSE != 0)
        && (x & AVX512 == 0 || (x & AVX512 == AVX512 && x & AVX != 0))
}

/// Whether `w` is an event the hypervisor can inject.
fn inj_ok(w: u64) -> bool {
    if w & inj::VALID == 0 {
        return true;
    }
    let reserved = w & 0xffff_f000 & !inj::VALID;
    let kind = inj::kind_of(w);
    let known = matches!(
        kind,
        inj::kind::EXTERNAL
            | inj::kind::NMI
            | inj::kind::EXCEPTION
            | inj::kind::SOFT_INT
            | inj::kind::SOFT_EXCEPTION
    );
    let exception_vector = kind != inj::kind::EXCEPTION || inj::vector(w) < 32;
    reserved == 0 && known && exception_vector
}

/// Applies the handler's reply (MTD `m`) to the vCPU `caller`; stops the
/// vCPU when the state is one the hypervisor cannot apply. Out of line, as
/// `write`.
#[inline(never)]
pub fn read_back(caller: Ref<Ec>, handler: Ref<Ec>, m: u64) {
    let Some(vr) = caller.get().vcpu else {
        return;
    };
    let v = vr.get();
    let mut words = [0u64; VCPU_STATE_WORDS];
    words.copy_from_slice(&utcb(handler).words[..VCPU_STATE_WORDS]);
    let s = VcpuState::from_words(&words);
    if m & mtd::XCR0 != 0 && !xcr0_ok(s.xcr0) {
        super::run::stop(caller, "the VMM set an XCR0 the CPU cannot give the guest");
        return;
    }
    if m & mtd::INJ != 0 && !inj_ok(s.inj) {
        super::run::stop(caller, "the VMM asked to inject an undefined event");
        return;
    }
    if m & mtd::GPRS != 0 {
        let rsp = v.gpr[4];
        v.gpr = s.gpr;
        v.gpr[4] = rsp;
    }
    if m & mtd::XCR0 != 0 {
        v.xcr0 = s.xcr0;
    }
    if m & mtd::INJ != 0 {
        v.inj = s.inj;
        // A software interrupt or exception resumes after the instruction
        // that exited.
        v.inj_len = v.inst_len;
        v.requests = s.requests & request::ALL;
    }
    if m & mtd::INTERCEPTS != 0 {
        v.intercepts = s.intercepts & intercept::ALL;
    }
    if let Err(why) = backend::load(v, m, &s) {
        super::run::stop(caller, why);
    }
}

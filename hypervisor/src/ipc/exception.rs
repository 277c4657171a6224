//! Exceptions of user ECs as calls to their event portals: the faulting
//! state travels to the handler's UTCB as an `ExcState` (the parts the
//! portal's MTD selects), and the handler's reply writes the parts its MTD
//! selects back before the EC resumes.

use super::utcb;
use crate::arch::frame::Frame;
use crate::arch::idt;
use crate::cap::CapRef;
use crate::obj::ec::{Ec, PendingCall, State};
use crate::obj::pt::Pt;
use crate::obj::{Obj, Ref};
use crate::user_memory::USER_END;
use abi::cap::rights;
use abi::utcb::{ExcState, EXC_STATE_WORDS, RFLAGS_USER_MASK};
use abi::Mtd;
use hv_core::fmt::Hex;

/// Delivers exception `vector` of the running EC `ec` to its event portal,
/// or kills it if there is none it may call.
pub fn raise(ec: Ref<Ec>, vector: u64, error: u64, cr2: u64) {
    let e = ec.get();
    match event_portal(ec, vector) {
        Some((pt, h)) => {
            let call = PendingCall {
                entry: pt.get().entry,
                id: pt.get().id,
                mtd: pt.get().mtd,
                words: 0,
                exception: true,
                vector,
                error,
                cr2,
            };
            // The handler was checked to be alive, so this cannot fail.
            let _ = super::begin_call(ec, h, call);
        }
        None => {
            crate::println!(
                "ec killed: pd ",
                e.pd.get().id,
                " ec ",
                e.id,
                ": ",
                idt::exception_name(vector),
                " (vector ",
                vector,
                ") without a handler, error ",
                Hex(error),
                ", rip ",
                Hex(e.regs.rip),
                ", cr2 ",
                Hex(cr2)
            );
            super::stop(ec);
        }
    }
}

/// The portal at `ec`'s event base plus `event` and its handler, if `ec`
/// may call it now: a live local EC on the same CPU, not `ec` itself.
pub fn event_portal(ec: Ref<Ec>, event: u64) -> Option<(Ref<Pt>, Ref<Ec>)> {
    let e = ec.get();
    let pt = e
        .evt_base
        .checked_add(event)
        .and_then(|sel| e.pd.get().obj.get(sel))
        .and_then(portal_of)?;
    let h = pt.get().ec?;
    let usable = h != ec && h.get().cpu == e.cpu && h.get().state != State::Dead && !h.get().global;
    usable.then_some((pt, h))
}

fn portal_of(node: CapRef) -> Option<Ref<Pt>> {
    let n = node.get();
    match n.obj {
        Some(Obj::Pt(pt)) if n.rights & rights::pt::CALL != 0 => Some(pt),
        _ => None,
    }
}

fn state_of(r: &Frame) -> ExcState {
    ExcState {
        rax: r.rax,
        rbx: r.rbx,
        rcx: r.rcx,
        rdx: r.rdx,
        rsi: r.rsi,
        rdi: r.rdi,
        rbp: r.rbp,
        r8: r.r8,
        r9: r.r9,
        r10: r.r10,
        r11: r.r11,
        r12: r.r12,
        r13: r.r13,
        r14: r.r14,
        r15: r.r15,
        rsp: r.rsp,
        rip: r.rip,
        rflags: r.rflags,
        vector: 0,
        error: 0,
        cr2: 0,
    }
}

/// Writes the selected state of `caller` into `handler`'s UTCB; returns the
/// number of words the message has.
pub fn write_state(caller: Ref<Ec>, handler: Ref<Ec>, call: &PendingCall) -> u64 {
    if caller.get().vcpu.is_some() {
        return crate::vm::state::write(caller, handler, call);
    }
    let mtd = Mtd(call.mtd);
    let full = state_of(&caller.get().regs);
    let mut s = ExcState::default();
    if mtd.has(Mtd::GPRS) {
        s = ExcState {
            rsp: 0,
            rip: 0,
            rflags: 0,
            ..full
        };
    }
    if mtd.has(Mtd::RSP) {
        s.rsp = full.rsp;
    }
    if mtd.has(Mtd::RIP) {
        s.rip = full.rip;
    }
    if mtd.has(Mtd::RFLAGS) {
        s.rflags = full.rflags;
    }
    if mtd.has(Mtd::QUAL) {
        s.vector = call.vector;
        s.error = call.error;
        s.cr2 = call.cr2;
    }
    let u = utcb(handler);
    u.words[..EXC_STATE_WORDS].copy_from_slice(&s.to_words());
    u.mtd = call.mtd;
    u.received = EXC_STATE_WORDS as u64;
    EXC_STATE_WORDS as u64
}

/// The handler's reply: the parts of its UTCB's `ExcState` that `mtd`
/// selects become `caller`'s state. A RIP outside the user half kills it.
pub fn read_back(caller: Ref<Ec>, handler: Ref<Ec>, mtd: Mtd) {
    if caller.get().vcpu.is_some() {
        crate::vm::state::read_back(caller, handler, mtd.0);
        return;
    }
    let mut words = [0u64; EXC_STATE_WORDS];
    words.copy_from_slice(&utcb(handler).words[..EXC_STATE_WORDS]);
    let s = ExcState::from_words(&words);
    let r = &mut caller.get().regs;
    if mtd.has(Mtd::GPRS) {
        (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp) =
            (s.rax, s.rbx, s.rcx, s.rdx, s.rsi, s.rdi, s.rbp);
        (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15) =
            (s.r8, s.r9, s.r10, s.r11, s.r12, s.r13, s.r14, s.r15);
    }
    if mtd.has(Mtd::RSP) {
        r.rsp = s.rsp;
    }
    if mtd.has(Mtd::RIP) {
        r.rip = s.rip;
    }
    if mtd.has(Mtd::RFLAGS) {
        r.rflags = (r.rflags & !RFLAGS_USER_MASK) | (s.rflags & RFLAGS_USER_MASK);
    }
    // The state may now differ in RCX/R11 from what SYSRET would restore.
    caller.get().sysret = false;
    if r.rip >= USER_END {
        super::kill(
            caller,
            "an exception handler set a RIP outside the user half",
        );
    }
}

//! The registers of every hypercall, built without issuing it.
//!
//! The wrappers of [`crate::sys`] issue exactly what these functions return,
//! so the tests below pin the register order of every call on the host. A
//! test that must send a malformed request builds the well-formed one here,
//! changes one argument and sends it with [`Request::issue`].

use super::{Ec, Pd, Portal, Sc, Sm};
use abi::call::Ret;
use abi::{
    delegate_flags, ec_flags, revoke_flags, Crd, EcOp, Hypercall, MachineOp, Mtd, Selector, SmOp,
};

/// One hypercall: its number and the eight argument registers (`rdi`,
/// `rsi`, `rdx`, `r8`, `r9`, `r10`, `r12`, `r13`; unused ones are 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub call: Hypercall,
    pub args: [u64; 8],
}

impl Request {
    fn new<const N: usize>(call: Hypercall, used: [u64; N]) -> Self {
        let mut args = [0; 8];
        args[..N].copy_from_slice(&used);
        Self { call, args }
    }

    /// Issues the hypercall and returns what came back, unchecked.
    pub fn issue(&self) -> Ret {
        abi::call::hypercall(self.call, self.args)
    }
}

/// `bytes` must be at most `CONSOLE_WRITE_MAX` long to be accepted.
pub fn console_write(bytes: &[u8]) -> Request {
    let (ptr, len) = (bytes.as_ptr() as u64, bytes.len() as u64);
    Request::new(Hypercall::ConsoleWrite, [ptr, len])
}

pub fn machine_control(pd: Pd, op: MachineOp) -> Request {
    Request::new(Hypercall::MachineControl, [pd.0, op as u64])
}

pub fn call(pt: Portal, words: usize) -> Request {
    Request::new(Hypercall::Call, [pt.0, words as u64])
}

/// A reply of `words` message words, or (after an exception) the MTD bits
/// of state to write back: the same register.
pub fn reply(words_or_mtd: u64) -> Request {
    Request::new(Hypercall::Reply, [words_or_mtd])
}

pub fn create_pd(dst: Selector, parent: Pd, quota_pages: u64) -> Request {
    Request::new(Hypercall::CreatePd, [dst, parent.0, quota_pages])
}

/// Everything [`Hypercall::CreateEc`] needs besides the destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcSpec {
    /// The PD the EC runs in (needs `CREATE`; pays for the EC).
    pub pd: Pd,
    /// The CPU the EC stays on.
    pub cpu: u32,
    /// Page-aligned address in `pd` where the hypervisor maps the UTCB.
    pub utcb: u64,
    /// `rsp` at start (global) or at every call of a portal (local). A Rust
    /// `extern "C"` function entered there needs
    /// [`crate::start::entry_sp`] of the stack top.
    pub stack_ptr: u64,
    /// Exception `v` of the EC is a call to portal `evt_base + v` in `pd`.
    pub evt_base: Selector,
    /// `rip` at start; ignored for local ECs (their portals say where).
    pub entry: u64,
    /// A global EC runs on a scheduling context of its own; a local EC only
    /// serves calls to its portals.
    pub global: bool,
}

impl EcSpec {
    /// A global EC that starts at `entry` once a scheduling context is
    /// bound to it.
    pub fn global(
        pd: Pd,
        cpu: u32,
        utcb: u64,
        stack_ptr: u64,
        evt_base: Selector,
        entry: u64,
    ) -> Self {
        Self {
            pd,
            cpu,
            utcb,
            stack_ptr,
            evt_base,
            entry,
            global: true,
        }
    }

    /// A local EC: a portal handler.
    pub fn local(pd: Pd, cpu: u32, utcb: u64, stack_ptr: u64, evt_base: Selector) -> Self {
        Self {
            pd,
            cpu,
            utcb,
            stack_ptr,
            evt_base,
            entry: 0,
            global: false,
        }
    }
}

pub fn create_ec(dst: Selector, ec: &EcSpec) -> Request {
    let flags = if ec.global { ec_flags::GLOBAL } else { 0 };
    Request::new(
        Hypercall::CreateEc,
        [
            dst,
            ec.pd.0,
            u64::from(ec.cpu),
            ec.utcb,
            ec.stack_ptr,
            ec.evt_base,
            ec.entry,
            flags,
        ],
    )
}

/// A vCPU in `pd` on `cpu`: [`Hypercall::CreateEc`] with
/// [`ec_flags::VCPU`] and UTCB, stack pointer and entry 0 (the hypervisor
/// refuses anything else). Its exits call the portals at `evt_base` plus the
/// `abi::vcpu::Exit` number in `pd`'s object space.
pub fn create_vcpu(dst: Selector, pd: Pd, cpu: u32, evt_base: Selector) -> Request {
    Request::new(
        Hypercall::CreateEc,
        [dst, pd.0, u64::from(cpu), 0, 0, evt_base, 0, ec_flags::VCPU],
    )
}

pub fn create_sc(dst: Selector, ec: Ec, prio: u8, quantum_us: u64) -> Request {
    Request::new(
        Hypercall::CreateSc,
        [dst, ec.0, u64::from(prio), quantum_us],
    )
}

pub fn create_pt(dst: Selector, ec: Ec, entry: u64, mtd: Mtd) -> Request {
    Request::new(Hypercall::CreatePt, [dst, ec.0, entry, mtd.0])
}

pub fn create_sm(dst: Selector, pd: Pd, count: u64) -> Request {
    Request::new(Hypercall::CreateSm, [dst, pd.0, count])
}

pub fn pt_ctrl(pt: Portal, id: u64) -> Request {
    Request::new(Hypercall::PtCtrl, [pt.0, id])
}

/// `deadline_tsc` 0 waits forever (and is what `Up` passes).
pub fn sm_ctrl(sm: Sm, op: SmOp, deadline_tsc: u64) -> Request {
    Request::new(Hypercall::SmCtrl, [sm.0, op as u64, deadline_tsc])
}

pub fn sc_ctrl(sc: Sc) -> Request {
    Request::new(Hypercall::ScCtrl, [sc.0])
}

pub fn delegate(src: Pd, dst: Pd, crd: Crd, dst_base: u64) -> Request {
    delegate_with(src, dst, crd, dst_base, 0)
}

/// [`delegate`] with `abi::delegate_flags`.
pub fn delegate_with(src: Pd, dst: Pd, crd: Crd, dst_base: u64, flags: u64) -> Request {
    Request::new(Hypercall::Delegate, [src.0, dst.0, crd.0, dst_base, flags])
}

/// [`delegate`] of memory into `dst`'s guest-physical space, at guest page
/// `guest_page`, with the CRD's rights as the guest's access rights.
pub fn delegate_guest(src: Pd, dst: Pd, crd: Crd, guest_page: u64) -> Request {
    delegate_with(src, dst, crd, guest_page, delegate_flags::GUEST)
}

pub fn revoke(pd: Pd, crd: Crd, self_too: bool) -> Request {
    let flags = if self_too { revoke_flags::SELF } else { 0 };
    Request::new(Hypercall::Revoke, [pd.0, crd.0, flags])
}

pub fn lookup(pd: Pd, crd: Crd) -> Request {
    Request::new(Hypercall::Lookup, [pd.0, crd.0])
}

pub fn pd_quota(pd: Pd) -> Request {
    Request::new(Hypercall::PdQuota, [pd.0])
}

pub fn ec_ctrl(ec: Ec, op: EcOp) -> Request {
    Request::new(Hypercall::EcCtrl, [ec.0, op as u64])
}

/// `flags` are bits of [`abi::int_flags`].
pub fn assign_int(sm: Sm, cpu: u32, flags: u64) -> Request {
    Request::new(Hypercall::AssignInt, [sm.0, u64::from(cpu), flags])
}

#[cfg(test)]
mod tests;

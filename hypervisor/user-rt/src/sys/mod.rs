//! Typed wrappers for every hypercall of [`abi::Hypercall`].
//!
//! Each wrapper builds its registers with a pure function of [`req`] (tested
//! on the host) and issues them with `abi::call::hypercall`. Capabilities are
//! newtypes over [`Selector`] that carry their kind; the wrapper that creates
//! an object returns its newtype, so the types say what a selector names.
//! The newtypes do not make a selector valid: the hypervisor still checks
//! every capability and answers with a [`Status`].
//!
//! `docs/ABI.md` lists, per call, the rights it needs and every status it
//! returns.

mod cap;
mod ipc;
mod machine;
mod obj;
pub mod req;
mod sm;
mod vcpu;

pub use abi::call::{raw, raw8, Ret};
pub use abi::{Crd, Mtd, ObjType, Selector, Status};
pub use cap::{delegate, delegate_uncached, lookup, mem_type, revoke, Quota};
pub use ipc::{reply, reply_exception, reply_vcpu};
pub use machine::{console_write, machine_control};
pub use obj::{create_ec, create_pd, create_pt, create_sc, create_sm};
pub use req::{EcSpec, Request};
pub use sm::{assign_int, Msi};
pub use vcpu::{create_vcpu, delegate_guest};

/// A protection-domain capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pd(pub Selector);

/// An execution-context capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ec(pub Selector);

/// A scheduling-context capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sc(pub Selector);

/// A portal capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Portal(pub Selector);

/// A semaphore capability (also an interrupt's semaphore).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sm(pub Selector);

/// The root PD's capabilities at start ([`abi::cap::root`]), typed.
pub mod root {
    use super::{Ec, Pd, Sc, Sm};
    use abi::cap::root;

    /// The root PD itself, with every right including `MACHINE`.
    pub const PD: Pd = Pd(root::PD);
    /// The root EC.
    pub const EC: Ec = Ec(root::EC);
    /// The root EC's scheduling context.
    pub const SC: Sc = Sc(root::SC);

    /// The semaphore of GSI `gsi` (valid for `gsi < Hip::gsi_count`).
    pub const fn gsi(gsi: u32) -> Sm {
        Sm(root::GSI_BASE + gsi as u64)
    }

    /// The semaphore of MSI number `n` (valid for `n < Hip::msi_count`).
    pub fn msi(hip: &abi::hip::Hip, n: u32) -> Sm {
        Sm(hip.msi_selector(n))
    }
}

/// Issues `req` and turns a refusal into its status.
fn issue(req: Request) -> Result<Ret, Status> {
    let ret = req.issue();
    ret.status().into_result().map(|()| ret)
}

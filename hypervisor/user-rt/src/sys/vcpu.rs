//! Virtual CPUs: creating one, recalling it, giving its PD guest-physical
//! memory, and answering its exits. The exit state itself travels in the
//! handler's UTCB (`crate::Utcb::vcpu_state`).

use super::req;
use super::{issue, Crd, Ec, Pd, Selector, Status};
use abi::EcOp;

/// A vCPU at `dst` in `pd` (needs `CREATE`; the PD gets a guest-physical
/// space if it has none) on `cpu`. It starts when a scheduling context is
/// bound to it ([`super::create_sc`]), with an `Exit::Startup` call to the
/// portal at `evt_base + Exit::Startup.event()` in `pd`'s object space.
pub fn create_vcpu(dst: Selector, pd: Pd, cpu: u32, evt_base: Selector) -> Result<Ec, Status> {
    issue(req::create_vcpu(dst, pd, cpu, evt_base)).map(|_| Ec(dst))
}

impl Ec {
    /// Makes the vCPU exit with `Exit::Recall` before it runs guest code
    /// again (needs `CTRL`); `Err(Aborted)` once the vCPU was stopped.
    pub fn recall(self) -> Result<(), Status> {
        issue(req::ec_ctrl(self, EcOp::Recall)).map(drop)
    }
}

/// Maps the memory of `src` in `crd` into `dst`'s guest-physical space at
/// guest page `guest_page`, with `crd`'s rights (read, write, execute) as
/// the guest's. Revoking the source memory unmaps it from the guest.
pub fn delegate_guest(src: Pd, dst: Pd, crd: Crd, guest_page: u64) -> Result<(), Status> {
    issue(req::delegate_guest(src, dst, crd, guest_page)).map(drop)
}

//! Synchronous IPC: calling a portal, replying to the caller, and setting a
//! portal's id.

use super::req;
use super::{issue, Portal, Status};
use crate::utcb::Utcb;
use abi::Mtd;

impl Portal {
    /// Calls the portal (needs `CALL`) with the first `words` words of the
    /// caller's UTCB and blocks until the reply; returns the number of reply
    /// words, which are then the first words of the UTCB.
    ///
    /// The hypervisor writes the UTCB during the call, so the call borrows
    /// the handle: no slice of the words can be held across it.
    pub fn call(self, utcb: &mut Utcb, words: usize) -> Result<usize, Status> {
        // The handle is only borrowed, as a token that nothing else uses
        // the page while the hypervisor writes it.
        let _ = utcb;
        issue(req::call(self, words)).map(|ret| ret.out0 as usize)
    }

    /// Sets the id the portal's handler receives in `rdi` (needs `CTRL`).
    pub fn set_id(self, id: u64) -> Result<(), Status> {
        issue(req::pt_ctrl(self, id)).map(drop)
    }
}

/// Replies to the current caller with the first `words` words of this EC's
/// UTCB and waits for the next call, which enters at the portal's entry
/// with a fresh stack. Returns only when refused (a global EC cannot
/// reply; too many words).
pub fn reply(words: usize) -> Status {
    req::reply(words as u64).issue().status()
}

/// Replies to an exception message: the parts of the UTCB's `ExcState` that
/// `mtd` selects are written back to the faulting EC, which resumes.
/// Returns only when refused.
pub fn reply_exception(mtd: Mtd) -> Status {
    req::reply(mtd.0).issue().status()
}

/// Answers a vCPU exit: the parts of the UTCB's `VcpuState` that `mtd`
/// (bits of `abi::vcpu::mtd`) selects are loaded into the vCPU, which
/// resumes. Returns only when refused (`BadParameter` for bits outside
/// `abi::vcpu::mtd::ALL`); the exit then still waits for an answer.
pub fn reply_vcpu(mtd: u64) -> Status {
    req::reply(mtd).issue().status()
}

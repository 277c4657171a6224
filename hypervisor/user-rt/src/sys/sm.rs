//! Semaphores, interrupts routed to them, and scheduling-context time.

use super::req;
use super::{issue, Sc, Sm, Status};
use abi::SmOp;

impl Sm {
    /// Wakes the first waiter, or counts up (needs `UP`).
    pub fn up(self) -> Result<(), Status> {
        issue(req::sm_ctrl(self, SmOp::Up, 0)).map(drop)
    }

    /// Counts down, waiting as long as it takes (needs `DOWN`).
    pub fn down(self) -> Result<(), Status> {
        self.down_until(0)
    }

    /// Consumes the whole count, waiting while it is 0 (needs `DOWN`).
    pub fn down_zero(self) -> Result<(), Status> {
        issue(req::sm_ctrl(self, SmOp::DownZero, 0)).map(drop)
    }

    /// Counts down, waiting until the TSC reaches `deadline_tsc` at most
    /// (`Err(Timeout)` then); 0 waits forever (needs `DOWN`).
    pub fn down_until(self, deadline_tsc: u64) -> Result<(), Status> {
        issue(req::sm_ctrl(self, SmOp::Down, deadline_tsc)).map(drop)
    }
}

impl Sc {
    /// TSC cycles the scheduling context has consumed (needs `CTRL`).
    pub fn consumed(self) -> Result<u64, Status> {
        issue(req::sc_ctrl(self)).map(|ret| ret.out0)
    }
}

/// Where a device must write to raise an MSI; zero for GSIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msi {
    pub address: u64,
    pub data: u64,
}

/// Routes the interrupt of semaphore `sm` (an interrupt semaphore, needs
/// `CTRL`) to `cpu`; `flags` are bits of `abi::int_flags`.
pub fn assign_int(sm: Sm, cpu: u32, flags: u64) -> Result<Msi, Status> {
    issue(req::assign_int(sm, cpu, flags)).map(|ret| Msi {
        address: ret.out0,
        data: ret.out1,
    })
}

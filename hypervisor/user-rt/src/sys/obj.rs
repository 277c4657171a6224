//! Creating kernel objects. Each call puts the new object's original
//! capability (all rights of its kind) at `dst` in the caller's object space
//! and returns it typed; the object is charged to the quota of the PD it
//! belongs to (see `docs/ABI.md`).

use super::req::{self, EcSpec};
use super::{issue, Ec, Pd, Portal, Sc, Selector, Sm, Status};
use abi::Mtd;

/// A new PD, child of `parent` (needs `CREATE`), which moves `quota_pages`
/// of its kernel-memory quota to the child and pays one more page for it.
pub fn create_pd(dst: Selector, parent: Pd, quota_pages: u64) -> Result<Pd, Status> {
    issue(req::create_pd(dst, parent, quota_pages)).map(|_| Pd(dst))
}

/// A new EC as `spec` describes. The hypervisor maps its UTCB at
/// `spec.utcb` in `spec.pd`.
pub fn create_ec(dst: Selector, spec: &EcSpec) -> Result<Ec, Status> {
    issue(req::create_ec(dst, spec)).map(|_| Ec(dst))
}

/// A scheduling context for the global EC `ec` (needs `BIND_SC`), which
/// starts running: priority below `abi::PRIORITIES`, quantum in µs up to
/// `abi::MAX_QUANTUM_US`.
pub fn create_sc(dst: Selector, ec: Ec, prio: u8, quantum_us: u64) -> Result<Sc, Status> {
    issue(req::create_sc(dst, ec, prio, quantum_us)).map(|_| Sc(dst))
}

/// A portal to the local EC `ec` (needs `BIND_PT`), entered at `entry`;
/// `mtd` selects the state an exception message carries. Its id starts as 0.
pub fn create_pt(dst: Selector, ec: Ec, entry: u64, mtd: Mtd) -> Result<Portal, Status> {
    issue(req::create_pt(dst, ec, entry, mtd)).map(|_| Portal(dst))
}

/// A semaphore with the initial `count`, belonging to `pd` (needs `CREATE`).
pub fn create_sm(dst: Selector, pd: Pd, count: u64) -> Result<Sm, Status> {
    issue(req::create_sm(dst, pd, count)).map(|_| Sm(dst))
}

//! Moving, removing and inspecting capabilities. Capabilities never travel
//! in messages: a PD holding `CTRL` capabilities for both PDs delegates.

use super::req;
use super::{issue, Crd, ObjType, Pd, Status};

/// Delegates the capabilities in `crd` of `src`'s space to `dst` at
/// `dst_base` (aligned like the source range), with the source rights ANDed
/// with `crd`'s rights. Both PDs need `CTRL`.
pub fn delegate(src: Pd, dst: Pd, crd: Crd, dst_base: u64) -> Result<(), Status> {
    issue(req::delegate(src, dst, crd, dst_base)).map(drop)
}

/// [`delegate`] for memory, mapped uncached at the destination
/// (`abi::delegate_flags::UNCACHED`).
pub fn delegate_uncached(src: Pd, dst: Pd, crd: Crd, dst_base: u64) -> Result<(), Status> {
    let flags = abi::delegate_flags::UNCACHED;
    issue(req::delegate_with(src, dst, crd, dst_base, flags)).map(drop)
}

/// Removes every capability derived from `pd`'s capabilities in `crd`, in
/// every PD; with `self_too` also `pd`'s own (destroying the objects whose
/// original capabilities those are). Needs `CTRL` on `pd`.
pub fn revoke(pd: Pd, crd: Crd, self_too: bool) -> Result<(), Status> {
    issue(req::revoke(pd, crd, self_too)).map(drop)
}

/// The capability of `pd` (needs `CTRL`) that holds unit `crd.base()` of
/// `crd`'s space, and the kind of object for an object capability.
pub fn lookup(pd: Pd, crd: Crd) -> Result<(Crd, Option<ObjType>), Status> {
    issue(req::lookup(pd, crd)).map(|ret| {
        let found = Crd(ret.out0);
        let kind = if found.space() == abi::Space::Obj {
            ObjType::from_raw(ret.out1)
        } else {
            None
        };
        (found, kind)
    })
}

/// The memory type (`abi::mem_type`) of the memory capability of `pd`
/// (needs `CTRL`) that holds page `page`.
pub fn mem_type(pd: Pd, page: u64) -> Result<u64, Status> {
    issue(req::lookup(pd, Crd::mem(page, 0, 0))).map(|ret| ret.out1)
}

/// A PD's kernel-memory quota, in 4 KiB pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub used: u64,
}

impl Pd {
    /// The PD's quota (needs `CTRL`).
    pub fn quota(self) -> Result<Quota, Status> {
        issue(req::pd_quota(self)).map(|ret| Quota {
            limit: ret.out0,
            used: ret.out1,
        })
    }
}

//! Protection domain: the unit of isolation. It holds the three capability
//! spaces, the kernel-memory quota everything it owns is charged to, and the
//! list of objects that belong to it (destroyed with it).

use super::{Header, Obj, OwnedArena, Ref};
use crate::arch::kernel_space;
use crate::cap::{io_space::IoSpace, mem_space::MemSpace, obj_space::ObjSpace, Slab};
use crate::kmem;
use abi::Status;
use core::sync::atomic::{AtomicU64, Ordering};
use hv_core::list::List;
use hv_core::quota::{self, Quota};

pub struct Pd {
    pub hdr: Header,
    /// A number for console reports (0 is the kernel's, 1 the root PD).
    pub id: u64,
    pub quota: Quota,
    /// Objects that belong to this PD.
    pub owned: List<Obj>,
    pub obj: ObjSpace,
    pub mem: MemSpace,
    pub io: IoSpace,
    /// The guest-physical space (`vm::gspace`), empty until first used.
    pub guest: crate::vm::gspace::GuestSpace,
    pub slab: Slab,
    /// Destruction has revoked everything and waits for what it owns.
    pub torn_down: bool,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Pd {
    fn blank(owner: Option<Ref<Pd>>, quota: Quota) -> Self {
        Self {
            hdr: Header::new(owner),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            quota,
            owned: List::new(),
            obj: ObjSpace::new(),
            mem: MemSpace::new(0),
            io: IoSpace::new(),
            guest: crate::vm::gspace::GuestSpace::new(),
            slab: Slab::new(),
            torn_down: false,
        }
    }
}

/// The kernel's own PD: holds the original capabilities of the objects the
/// kernel makes at boot (the root PD's PD, EC and SC, interrupt semaphores),
/// so the root PD's capabilities to them are derived ones it can drop but
/// cannot destroy the objects with. It has no address space of its own.
pub fn create_kernel_pd() -> Result<Ref<Pd>, Status> {
    kmem::new_obj(None, Pd::blank(None, Quota::new(u64::MAX)))
}

/// The root PD: charged to nobody, with `quota_pages` of quota.
pub fn create_root(quota_pages: u64) -> Result<Ref<Pd>, Status> {
    let pd = kmem::new_obj(None, Pd::blank(None, Quota::new(quota_pages)))?;
    match kernel_space::new_user_space(pd) {
        Ok(pml4) => {
            pd.get().mem = MemSpace::new(pml4);
            Ok(pd)
        }
        Err(e) => {
            kmem::free_obj(None, pd);
            Err(e)
        }
    }
}

/// A new PD belonging to `parent`, with `quota_pages` split off the
/// parent's quota (which also pays one page for the PD itself).
pub fn create(parent: Ref<Pd>, quota_pages: u64) -> Result<Ref<Pd>, Status> {
    if quota_pages == 0 {
        return Err(Status::BadParameter);
    }
    // Check both charges before making either, so a refusal changes nothing.
    let needed = quota_pages.checked_add(1).ok_or(Status::OutOfQuota)?;
    if parent.get().quota.free() < needed {
        return Err(Status::OutOfQuota);
    }
    let child_quota =
        quota::split(&mut parent.get().quota, quota_pages).map_err(|_| Status::OutOfQuota)?;
    let pd = match kmem::new_obj(Some(parent), Pd::blank(Some(parent), child_quota)) {
        Ok(pd) => pd,
        Err(e) => {
            quota::join(&mut parent.get().quota, child_quota);
            return Err(e);
        }
    };
    match kernel_space::new_user_space(pd) {
        Ok(pml4) => pd.get().mem = MemSpace::new(pml4),
        Err(e) => {
            let q = pd.get().quota;
            kmem::free_obj(Some(parent), pd);
            quota::join(&mut parent.get().quota, q);
            return Err(e);
        }
    }
    adopt(parent, Obj::Pd(pd));
    Ok(pd)
}

/// Records that `obj` belongs to `pd`.
pub fn adopt(pd: Ref<Pd>, obj: Obj) {
    pd.get().owned.push_back(&mut OwnedArena, obj);
}

/// Forgets `obj` (being freed) from its owner's list.
pub fn disown(obj: Obj) {
    if let Some(owner) = obj.header().owner {
        if obj.header().owned.linked {
            owner.get().owned.remove(&mut OwnedArena, obj);
        }
    }
}

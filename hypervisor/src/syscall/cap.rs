//! Capability calls: delegate, revoke, look up, read a quota.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::cap;
use crate::obj::ec::Ec;
use crate::obj::pd::Pd;
use crate::obj::{Obj, Ref};
use abi::cap::rights;
use abi::{delegate_flags, revoke_flags, Crd, Status};

fn pd_ctrl(ec: Ref<Ec>, sel: u64) -> Result<Ref<Pd>, Status> {
    obj_cap(ec, sel, rights::pd::CTRL, Obj::pd)
}

pub fn delegate(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [src, dst, crd, dst_base, flags, ..] = args(f);
    let crd = Crd(crd);
    let to = Crd::new(crd.space(), dst_base, crd.order(), crd.rights());
    // Ports are physical: an I/O capability keeps its port numbers.
    let io_moved = crd.space() == abi::Space::Io && dst_base != crd.base();
    if !crd.is_valid_range() || !to.is_valid_range() || to.base() != dst_base || io_moved {
        return Err(Status::BadRange);
    }
    let uncached = flags & delegate_flags::UNCACHED != 0;
    let guest = flags & delegate_flags::GUEST != 0;
    let memory_only = uncached || guest;
    if crd.rights() == 0
        || flags & !(delegate_flags::UNCACHED | delegate_flags::GUEST) != 0
        || (memory_only && crd.space() != abi::Space::Mem)
    {
        return Err(Status::BadParameter);
    }
    let src = pd_ctrl(ec, src)?;
    let dst = pd_ctrl(ec, dst)?;
    if guest && crate::vm::backend() == crate::vm::Backend::None {
        return Err(Status::Unsupported);
    }
    let how = cap::delegate::How { uncached, guest };
    cap::delegate::delegate(src, dst, crd, dst_base, how)?;
    Ok(NONE)
}

pub fn revoke(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [pd, crd, flags, ..] = args(f);
    let crd = Crd(crd);
    if !crd.is_valid_range() {
        return Err(Status::BadRange);
    }
    if flags & !revoke_flags::SELF != 0 {
        return Err(Status::BadParameter);
    }
    let pd = pd_ctrl(ec, pd)?;
    cap::revoke::revoke(pd, crd, flags & revoke_flags::SELF != 0)?;
    Ok(NONE)
}

pub fn lookup(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [pd, crd, ..] = args(f);
    let crd = Crd(crd);
    if !Crd::new(crd.space(), crd.base(), 0, 0).is_valid_range() {
        return Err(Status::BadRange);
    }
    let pd = pd_ctrl(ec, pd)?;
    let (found, extra) = cap::lookup::lookup(pd, crd)?;
    Ok((Some(found.0), Some(extra)))
}

pub fn pd_quota(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let pd = pd_ctrl(ec, f.rdi)?;
    let q = pd.get().quota;
    Ok((Some(q.limit()), Some(q.used())))
}

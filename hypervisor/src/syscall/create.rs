//! Creation calls. Each new object belongs to a PD and is charged to it;
//! its original capability goes to the caller's object space.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::cap::{self, mem_space, obj_space};
use crate::obj::ec::{Ec, Kind};
use crate::obj::pd::{self, Pd};
use crate::obj::pt::{PortalArena, Pt};
use crate::obj::{Header, Obj, Ref};
use crate::user_memory::USER_END;
use crate::{kmem, sched};
use abi::cap::{rights, OBJ_SPACE_SELECTORS};
use abi::{ec_flags, Selector, Space, Status, MAX_QUANTUM_US, PRIORITIES};
use hv_core::list::Links;

/// Checks that `dst` is free in the caller's space and that both the
/// caller (for the slot: tables, a node) and `owner` (for `owner_pages` of
/// the new object) can pay, then reserves the slot. Nothing is charged when
/// it refuses. The node is returned for [`install`].
fn reserve(
    ec: Ref<Ec>,
    dst: Selector,
    owner: Ref<Pd>,
    owner_pages: u64,
) -> Result<cap::CapRef, Status> {
    let me = ec.get().pd;
    let space = &me.get().obj;
    if space.get(dst).is_some() {
        return Err(Status::Occupied);
    }
    let slot_pages = u64::from(!space.has_root())
        + u64::from(!space.has_leaf(dst))
        + u64::from(me.get().slab.free_count() == 0);
    let affordable = if me == owner {
        me.get().quota.free() >= slot_pages.saturating_add(owner_pages)
    } else {
        me.get().quota.free() >= slot_pages && owner.get().quota.free() >= owner_pages
    };
    if !affordable {
        return Err(Status::OutOfQuota);
    }
    obj_space::prepare(me, dst)?;
    cap::alloc_node(me, Space::Obj, dst, 0, 0)
}

/// Stores `obj`'s original capability (reserved `node`) at its selector.
fn install(node: cap::CapRef, obj: Obj, rights: u8) {
    let n = node.get();
    n.obj = Some(obj);
    n.rights = rights;
    obj_space::set(n.pd, n.base, Some(node));
    obj.header().original = Some(node);
}

fn check_dst(dst: Selector) -> Result<(), Status> {
    if dst >= OBJ_SPACE_SELECTORS {
        return Err(Status::BadSelector);
    }
    Ok(())
}

pub fn pd(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, parent, quota, ..] = args(f);
    if quota == 0 {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let parent = obj_cap(ec, parent, rights::pd::CREATE, Obj::pd)?;
    // The parent pays a page for the PD and hands over the quota.
    let node = reserve(ec, dst, parent, quota.saturating_add(1))?;
    match pd::create(parent, quota) {
        Ok(p) => {
            install(node, Obj::Pd(p), rights::pd::CTRL | rights::pd::CREATE);
            Ok(NONE)
        }
        Err(e) => {
            cap::free_node(node);
            Err(e)
        }
    }
}

pub fn ec(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, pd_sel, cpu, utcb, sp, evt_base, rip, flags] = args(f);
    if cpu >= sched::online_cpus() as u64 {
        return Err(Status::BadCpu);
    }
    let kind = match flags {
        0 => Kind::Local,
        ec_flags::GLOBAL => Kind::Global,
        ec_flags::VCPU if utcb | sp | rip == 0 => Kind::Vcpu,
        _ => return Err(Status::BadParameter),
    };
    if !utcb.is_multiple_of(4096) || utcb >= USER_END {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let pd = obj_cap(ec, pd_sel, rights::pd::CREATE, Obj::pd)?;
    if evt_base >= OBJ_SPACE_SELECTORS {
        return Err(Status::BadSelector);
    }
    if kind == Kind::Vcpu && !crate::vm::backend::ready(cpu as u32) {
        return Err(Status::Unsupported);
    }
    if kind != Kind::Vcpu && mem_space::overlaps(pd, utcb >> 12, 1) {
        return Err(Status::Occupied);
    }
    // EC page, UTCB page, its node's slab page and up to three page tables;
    // or EC page, vCPU and control pages and a guest-space root.
    let node = reserve(ec, dst, pd, 6)?;
    let new = match crate::obj::ec::build(pd, cpu as u32, utcb, sp, evt_base, rip, kind) {
        Ok(e) => e,
        Err(e) => {
            cap::free_node(node);
            return Err(e);
        }
    };
    install(
        node,
        Obj::Ec(new),
        rights::ec::CTRL | rights::ec::BIND_PT | rights::ec::BIND_SC,
    );
    Ok(NONE)
}

pub fn sc(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, ec_sel, prio, quantum_us, ..] = args(f);
    if prio >= PRIORITIES || quantum_us == 0 || quantum_us > MAX_QUANTUM_US {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let target = obj_cap(ec, ec_sel, rights::ec::BIND_SC, Obj::ec)?;
    if !target.get().global {
        return Err(Status::BadParameter);
    }
    if target.get().own_sc.is_some() || ec.get().pd.get().obj.get(dst).is_some() {
        return Err(Status::Occupied);
    }
    let node = reserve(ec, dst, target.get().pd, 1)?;
    match crate::obj::sc::bind(target, prio as u8, quantum_us) {
        Ok(s) => {
            install(node, Obj::Sc(s), rights::sc::CTRL);
            Ok(NONE)
        }
        Err(e) => {
            cap::free_node(node);
            Err(e)
        }
    }
}

pub fn pt(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, ec_sel, entry, mtd, ..] = args(f);
    // Exception portals use the first bits; vCPU exit portals all of them.
    if mtd & !abi::vcpu::mtd::ALL != 0 {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let handler = obj_cap(ec, ec_sel, rights::ec::BIND_PT, Obj::ec)?;
    if handler.get().global {
        return Err(Status::BadParameter);
    }
    let pd = handler.get().pd;
    let node = reserve(ec, dst, pd, 1)?;
    let value = Pt {
        hdr: Header::new(Some(pd)),
        ec: Some(handler),
        entry,
        mtd,
        id: 0,
        link: Links::default(),
    };
    match kmem::new_obj(Some(pd), value) {
        Ok(p) => {
            handler.get().portals.push_back(&mut PortalArena, p);
            pd::adopt(pd, Obj::Pt(p));
            install(node, Obj::Pt(p), rights::pt::CTRL | rights::pt::CALL);
            Ok(NONE)
        }
        Err(e) => {
            cap::free_node(node);
            Err(e)
        }
    }
}

pub fn sm(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, pd_sel, count, ..] = args(f);
    check_dst(dst)?;
    let pd = obj_cap(ec, pd_sel, rights::pd::CREATE, Obj::pd)?;
    let node = reserve(ec, dst, pd, 1)?;
    match crate::obj::sm::build(Some(pd), count, None) {
        Ok(s) => {
            install(
                node,
                Obj::Sm(s),
                rights::sm::CTRL | rights::sm::UP | rights::sm::DOWN,
            );
            Ok(NONE)
        }
        Err(e) => {
            cap::free_node(node);
            Err(e)
        }
    }
}

//! Creation calls. Each new object belongs to a PD and is charged to it;
//! its original capability goes to the caller's object space.

use super::{args, obj_cap, Out, NONE};
use crate::arch::frame::Frame;
use crate::cap::{self, mem_space, obj_space};
use crate::obj::ec::{Ec, State};
use crate::obj::pd::{self, Pd};
use crate::obj::pt::{PortalArena, Pt};
use crate::obj::sc::Sc;
use crate::obj::sm::Sm;
use crate::obj::{Header, Obj, Ref};
use crate::user_memory::USER_END;
use crate::{arch, ipc, kmem, sched};
use abi::cap::{rights, OBJ_SPACE_SELECTORS};
use abi::{ec_flags, Mtd, Selector, Space, Status, MAX_QUANTUM_US, PRIORITIES};
use core::sync::atomic::{AtomicU64, Ordering};
use hv_core::list::{Links, List};

static NEXT_EC: AtomicU64 = AtomicU64::new(0);

fn pick_pd(o: Obj) -> Option<Ref<Pd>> {
    match o {
        Obj::Pd(p) => Some(p),
        _ => None,
    }
}

fn pick_ec(o: Obj) -> Option<Ref<Ec>> {
    match o {
        Obj::Ec(e) => Some(e),
        _ => None,
    }
}

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
    let parent = obj_cap(ec, parent, rights::pd::CREATE, pick_pd)?;
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
    if !utcb.is_multiple_of(4096) || utcb >= USER_END || flags & !ec_flags::GLOBAL != 0 {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let pd = obj_cap(ec, pd_sel, rights::pd::CREATE, pick_pd)?;
    if evt_base >= OBJ_SPACE_SELECTORS {
        return Err(Status::BadSelector);
    }
    if mem_space::overlaps(pd, utcb >> 12, 1) {
        return Err(Status::Occupied);
    }
    // EC page, UTCB page, its node's slab page and up to three page tables.
    let node = reserve(ec, dst, pd, 6)?;
    let new = match build_ec(
        pd,
        cpu as u32,
        utcb,
        sp,
        evt_base,
        rip,
        flags & ec_flags::GLOBAL != 0,
    ) {
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

/// Makes an EC of `pd` with its UTCB mapped at `utcb`.
pub fn build_ec(
    pd: Ref<Pd>,
    cpu: u32,
    utcb: u64,
    sp: u64,
    evt_base: u64,
    rip: u64,
    global: bool,
) -> Result<Ref<Ec>, Status> {
    let utcb_phys = kmem::alloc(pd)?;
    let mut regs = ipc::fresh_frame(rip, sp);
    // A global EC learns where its UTCB is; a local one gets the portal id
    // and message size at each call instead.
    regs.rdi = utcb;
    let value = Ec {
        hdr: Header::new(Some(pd)),
        id: NEXT_EC.fetch_add(1, Ordering::Relaxed),
        pd,
        cpu,
        global,
        regs,
        sysret: false,
        utcb_phys,
        utcb_node: None,
        stack_top: sp,
        evt_base,
        state: if global { State::Ready } else { State::Idle },
        sc: None,
        own_sc: None,
        caller: None,
        callee: None,
        callers: List::new(),
        wait: Links::default(),
        queued_on: None,
        sm: None,
        pending: None,
        in_exception: false,
        timeout: Links::default(),
        deadline: 0,
        portals: List::new(),
    };
    let new = match kmem::new_obj(Some(pd), value) {
        Ok(e) => e,
        Err(e) => {
            kmem::free(pd, utcb_phys);
            return Err(e);
        }
    };
    arch::fpu::init_area(new.get().fpu());
    match mem_space::map_fixed(pd, utcb >> 12, utcb_phys >> 12, rights::mem::RW) {
        Ok(n) => new.get().utcb_node = Some(n),
        Err(e) => {
            kmem::free_obj(Some(pd), new);
            kmem::free(pd, utcb_phys);
            return Err(e);
        }
    }
    pd::adopt(pd, Obj::Ec(new));
    Ok(new)
}

pub fn sc(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, ec_sel, prio, quantum_us, ..] = args(f);
    if prio >= PRIORITIES || quantum_us == 0 || quantum_us > MAX_QUANTUM_US {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let target = obj_cap(ec, ec_sel, rights::ec::BIND_SC, pick_ec)?;
    if !target.get().global {
        return Err(Status::BadParameter);
    }
    if target.get().own_sc.is_some() || ec.get().pd.get().obj.get(dst).is_some() {
        return Err(Status::Occupied);
    }
    let node = reserve(ec, dst, target.get().pd, 1)?;
    match bind_sc(target, prio as u8, quantum_us) {
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

/// Makes an SC for the global EC `ec` (charged to its PD) and lets it run.
pub fn bind_sc(ec: Ref<Ec>, prio: u8, quantum_us: u64) -> Result<Ref<Sc>, Status> {
    let pd = ec.get().pd;
    let quantum = (quantum_us * arch::timer::tsc_khz() / 1000).max(1);
    let s = kmem::new_obj(
        Some(pd),
        Sc {
            hdr: Header::new(Some(pd)),
            ec: Some(ec),
            cpu: ec.get().cpu,
            prio,
            quantum,
            left: quantum,
            consumed: 0,
            rq: Links::default(),
        },
    )?;
    pd::adopt(pd, Obj::Sc(s));
    ec.get().own_sc = Some(s);
    // The EC and any handler working for it run on the new SC.
    let mut cur = Some(ec);
    while let Some(x) = cur {
        x.get().sc = Some(s);
        cur = x.get().callee;
    }
    if sched::target(s).is_some() {
        sched::enqueue(s);
    }
    Ok(s)
}

pub fn pt(ec: Ref<Ec>, f: &Frame) -> Result<Out, Status> {
    let [dst, ec_sel, entry, mtd, ..] = args(f);
    if mtd & !Mtd::ALL != 0 {
        return Err(Status::BadParameter);
    }
    check_dst(dst)?;
    let handler = obj_cap(ec, ec_sel, rights::ec::BIND_PT, pick_ec)?;
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
    let pd = obj_cap(ec, pd_sel, rights::pd::CREATE, pick_pd)?;
    let node = reserve(ec, dst, pd, 1)?;
    match new_sm(Some(pd), count, None) {
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

/// A semaphore belonging to `pd` (None: the kernel, for interrupts).
pub fn new_sm(
    pd: Option<Ref<Pd>>,
    count: u64,
    irq: Option<crate::irq::Source>,
) -> Result<Ref<Sm>, Status> {
    let s = kmem::new_obj(
        pd,
        Sm {
            hdr: Header::new(pd),
            count,
            waiters: List::new(),
            irq,
        },
    )?;
    if let Some(pd) = pd {
        pd::adopt(pd, Obj::Sm(s));
    }
    Ok(s)
}

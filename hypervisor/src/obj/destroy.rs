//! Destruction. An object is doomed when its original capability is
//! removed or its owner is destroyed; doomed objects wait on one queue and
//! are torn down one at a time, so destroying a tree of PDs needs no
//! recursion. Tearing an object down first clears every reference to it
//! (queues, partners, CPUs), then returns its pages to its owner's quota.
//!
//! A PD goes in two steps: first everything in its spaces is revoked and
//! everything it owns is doomed; once all it owns is gone, its tables are
//! freed and its quota returns to its parent.

use super::ec::Ec;
use super::pd::{self, Pd};
use super::pt::{PortalArena, Pt};
use super::sc::Sc;
use super::sm::Sm;
use super::{DoomedArena, Obj, OwnedArena, Ref};
use crate::arch::{fpu, tlb};
use crate::cap::{self, mem_space, revoke, Tree};
use crate::{ipc, kmem, sched};
use core::cell::UnsafeCell;
use hv_core::list::List;
use hv_core::quota;
use hv_core::tree;

struct Queue(UnsafeCell<List<Obj>>);

// SAFETY: the queue is only touched with the kernel lock held.
unsafe impl Sync for Queue {}

static DOOMED: Queue = Queue(UnsafeCell::new(List::new()));

fn doomed() -> &'static mut List<Obj> {
    // SAFETY: kernel lock held (module rule); no caller keeps the reference.
    unsafe { &mut *DOOMED.0.get() }
}

/// Queues `obj` for destruction (once).
pub fn doom(obj: Obj) {
    let h = obj.header();
    if !h.dying {
        h.dying = true;
        doomed().push_back(&mut DoomedArena, obj);
    }
}

/// Dooms `obj` by removing its original capability (and everything derived
/// from it), or directly if that is gone already.
fn doom_with_caps(obj: Obj) {
    match obj.header().original {
        Some(orig) => tree::remove_subtree(&mut Tree, orig, revoke::on_remove),
        None => doom(obj),
    }
}

/// Destroys everything queued, then flushes what was unmapped.
pub fn run() {
    while let Some(obj) = doomed().pop_front(&mut DoomedArena) {
        match obj {
            Obj::Pd(p) => {
                if !pd_step(p) {
                    doomed().push_back(&mut DoomedArena, obj);
                }
            }
            Obj::Ec(e) => ec(e),
            Obj::Sc(s) => sc(s),
            Obj::Pt(p) => pt(p),
            Obj::Sm(s) => sm(s),
        }
    }
    revoke::flush();
}

/// Forgets `obj`'s original capability (it is being removed) if `node` is it.
pub fn original_removed(obj: Obj, node: cap::CapRef) {
    if obj.header().original == Some(node) {
        obj.header().original = None;
        doom(obj);
    }
}

fn pd_step(p: Ref<Pd>) -> bool {
    if !p.get().torn_down {
        p.get().torn_down = true;
        revoke::everything_of(p);
        let mut cur = p.get().owned.front();
        while let Some(o) = cur {
            cur = p.get().owned.next(&OwnedArena, o);
            doom_with_caps(o);
        }
        return false;
    }
    if !p.get().owned.is_empty() {
        return false;
    }
    // No CPU may keep the space loaded once its tables are freed.
    let pml4 = p.get().mem.pml4;
    revoke::flush();
    tlb::shootdown(pml4, true);
    if pml4 != 0 {
        hv_core::paging::free_user_half(&mut mem_space::Tables(p), pml4);
        kmem::free(p, pml4);
    }
    crate::vm::gspace::destroy(p);
    cap::obj_space::free_tables(p);
    cap::io_space::free_bitmap(p);
    cap::free_slab(p);
    let owner = p.get().hdr.owner;
    let q = p.get().quota;
    if q.used() != 0 {
        // Everything charged to the PD is freed by now; a remainder is a
        // kernel bug, reported so tests catch it.
        crate::println!(
            "kmem: destroyed pd ",
            p.get().id,
            " still had ",
            q.used(),
            " pages charged"
        );
    }
    pd::disown(Obj::Pd(p));
    if let Some(parent) = owner {
        quota::join(&mut parent.get().quota, q);
    }
    kmem::free_obj(owner, p);
    true
}

fn ec(e: Ref<Ec>) {
    ipc::stop(e);
    let x = e.get();
    while let Some(p) = x.portals.pop_front(&mut PortalArena) {
        p.get().ec = None;
        doom_with_caps(Obj::Pt(p));
    }
    if let Some(s) = x.own_sc.take() {
        s.get().ec = None;
        sched::remove(s);
        doom_with_caps(Obj::Sc(s));
    }
    sched::forget_current(e);
    fpu::forget(e);
    if let Some(n) = x.utcb_node.take() {
        revoke::drop_fixed(n);
    }
    crate::vm::vcpu::detach(e);
    let owner = x.hdr.owner;
    if let (Some(pd), true) = (owner, x.utcb_phys != 0) {
        kmem::free(pd, x.utcb_phys);
    }
    pd::disown(Obj::Ec(e));
    kmem::free_obj(owner, e);
}

fn sc(s: Ref<Sc>) {
    sched::remove(s);
    if let Some(e) = s.get().ec.take() {
        e.get().own_sc = None;
        // Whoever runs on this SC now (the EC and the handlers of its
        // calls) has no time until a new SC is bound.
        let mut cur = Some(e);
        while let Some(x) = cur {
            if x.get().sc == Some(s) {
                x.get().sc = None;
            }
            cur = x.get().callee;
        }
    }
    let owner = s.get().hdr.owner;
    pd::disown(Obj::Sc(s));
    kmem::free_obj(owner, s);
}

fn pt(p: Ref<Pt>) {
    if let Some(e) = p.get().ec.take() {
        e.get().portals.remove(&mut PortalArena, p);
    }
    let owner = p.get().hdr.owner;
    pd::disown(Obj::Pt(p));
    kmem::free_obj(owner, p);
}

fn sm(s: Ref<Sm>) {
    ipc::sm::abort_waiters(s);
    if let Some(irq) = s.get().irq.take() {
        crate::irq::detach(irq);
    }
    let owner = s.get().hdr.owner;
    pd::disown(Obj::Sm(s));
    kmem::free_obj(owner, s);
}

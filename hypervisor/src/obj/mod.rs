//! Kernel objects: protection domains (`pd`), execution contexts (`ec`),
//! scheduling contexts (`sc`), portals (`pt`) and semaphores (`sm`).
//!
//! Every object belongs to a PD and lives in whole pages charged to that PD's
//! kernel-memory quota (`kmem`). Objects refer to each other by [`Ref`], a
//! raw pointer into the direct map. The rules that make this sound:
//! - all objects are created, changed and destroyed only while the big
//!   kernel lock is held (`sched::lock`), so no two CPUs touch one object;
//! - an object is freed only by `destroy`, which first clears every `Ref` to
//!   it (queues, partner links, per-CPU state), so no `Ref` dangles;
//! - references obtained from [`Ref::get`] are used briefly and never two
//!   at once to the same object.

pub mod destroy;
pub mod ec;
pub mod pd;
pub mod pt;
pub mod sc;
pub mod sm;

use crate::cap::CapRef;
use core::ptr::NonNull;
use hv_core::list::{Links, ListArena};

/// A reference to a kernel object of type `T`.
pub struct Ref<T>(NonNull<T>);

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Ref<T> {}
impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for Ref<T> {}

impl<T> Ref<T> {
    /// Wraps a pointer to a live object in kernel memory.
    pub fn new(ptr: NonNull<T>) -> Self {
        Self(ptr)
    }

    /// The object. See the module rules: only under the kernel lock, and
    /// only while no other reference to the same object is in use.
    #[allow(clippy::mut_from_ref)]
    pub fn get(&self) -> &'static mut T {
        // SAFETY: by the module rules the object is alive (destroy clears
        // every Ref before freeing), the kernel lock serialises all access,
        // and callers do not hold two references to one object at a time.
        unsafe { &mut *self.0.as_ptr() }
    }

    /// The object's kernel virtual address (for identity and diagnostics).
    pub fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }
}

/// A reference to any kind of object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Obj {
    Pd(Ref<pd::Pd>),
    Ec(Ref<ec::Ec>),
    Sc(Ref<sc::Sc>),
    Pt(Ref<pt::Pt>),
    Sm(Ref<sm::Sm>),
}

impl Obj {
    pub fn header(&self) -> &'static mut Header {
        match self {
            Obj::Pd(r) => &mut r.get().hdr,
            Obj::Ec(r) => &mut r.get().hdr,
            Obj::Sc(r) => &mut r.get().hdr,
            Obj::Pt(r) => &mut r.get().hdr,
            Obj::Sm(r) => &mut r.get().hdr,
        }
    }

    pub fn pd(self) -> Option<Ref<pd::Pd>> {
        if let Obj::Pd(r) = self {
            Some(r)
        } else {
            None
        }
    }
    pub fn ec(self) -> Option<Ref<ec::Ec>> {
        if let Obj::Ec(r) = self {
            Some(r)
        } else {
            None
        }
    }
    pub fn sc(self) -> Option<Ref<sc::Sc>> {
        if let Obj::Sc(r) = self {
            Some(r)
        } else {
            None
        }
    }
    pub fn pt(self) -> Option<Ref<pt::Pt>> {
        if let Obj::Pt(r) = self {
            Some(r)
        } else {
            None
        }
    }
    pub fn sm(self) -> Option<Ref<sm::Sm>> {
        if let Obj::Sm(r) = self {
            Some(r)
        } else {
            None
        }
    }

    /// The ABI's name for the kind.
    pub fn kind(&self) -> abi::ObjType {
        match self {
            Obj::Pd(_) => abi::ObjType::Pd,
            Obj::Ec(_) => abi::ObjType::Ec,
            Obj::Sc(_) => abi::ObjType::Sc,
            Obj::Pt(_) => abi::ObjType::Pt,
            Obj::Sm(_) => abi::ObjType::Sm,
        }
    }
}

/// What every object has: its owner, its original capability and its place
/// on the owner's list and, once doomed, on the destruction queue.
pub struct Header {
    /// The PD the object belongs to (None only for the root PD).
    pub owner: Option<Ref<pd::Pd>>,
    /// The capability its creation returned; removing it destroys the object.
    pub original: Option<CapRef>,
    /// On the owner's list of objects.
    pub owned: Links<Obj>,
    /// On the destruction queue (or already being destroyed).
    pub dying: bool,
    pub doomed: Links<Obj>,
}

impl Header {
    pub const fn new(owner: Option<Ref<pd::Pd>>) -> Self {
        Self {
            owner,
            original: None,
            owned: Links {
                prev: None,
                next: None,
                linked: false,
            },
            dying: false,
            doomed: Links {
                prev: None,
                next: None,
                linked: false,
            },
        }
    }
}

/// The list of objects a PD owns.
pub struct OwnedArena;

impl ListArena for OwnedArena {
    type Id = Obj;
    fn links(&self, id: Obj) -> Links<Obj> {
        id.header().owned
    }
    fn set_links(&mut self, id: Obj, l: Links<Obj>) {
        id.header().owned = l;
    }
}

/// The destruction queue.
pub struct DoomedArena;

impl ListArena for DoomedArena {
    type Id = Obj;
    fn links(&self, id: Obj) -> Links<Obj> {
        id.header().doomed
    }
    fn set_links(&mut self, id: Obj, l: Links<Obj>) {
        id.header().doomed = l;
    }
}

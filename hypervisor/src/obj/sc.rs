//! Scheduling context: a priority and a time quantum on one CPU, the thing
//! the scheduler picks. It runs its EC, or whatever EC that EC's calls have
//! donated it to.

use super::{ec::Ec, Header, Ref};
use hv_core::list::{Links, ListArena};

pub struct Sc {
    pub hdr: Header,
    /// The global EC this SC belongs to (None once that EC is gone).
    pub ec: Option<Ref<Ec>>,
    pub cpu: u32,
    pub prio: u8,
    /// Quantum and what is left of it, in TSC cycles.
    pub quantum: u64,
    pub left: u64,
    /// TSC cycles consumed so far.
    pub consumed: u64,
    /// On its CPU's run queue.
    pub rq: Links<Ref<Sc>>,
}

pub struct RunArena;

impl ListArena for RunArena {
    type Id = Ref<Sc>;
    fn links(&self, id: Ref<Sc>) -> Links<Ref<Sc>> {
        id.get().rq
    }
    fn set_links(&mut self, id: Ref<Sc>, l: Links<Ref<Sc>>) {
        id.get().rq = l;
    }
}

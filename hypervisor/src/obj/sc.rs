//! Scheduling context: a priority and a time quantum on one CPU, the thing
//! the scheduler picks. It runs its EC, or whatever EC that EC's calls have
//! donated it to.

use super::{ec::Ec, pd, Header, Obj, Ref};
use crate::{arch, kmem, sched};
use abi::Status;
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

/// Makes an SC for the global EC `ec` (charged to its PD) and lets it run.
pub fn bind(ec: Ref<Ec>, prio: u8, quantum_us: u64) -> Result<Ref<Sc>, Status> {
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

//! Semaphore: a counter with a FIFO of waiting ECs. Interrupts for user-level
//! drivers arrive as ups on their semaphore (`irq`).

use super::{
    ec::Ec,
    pd::{self, Pd},
    Header, Obj, Ref,
};
use crate::kmem;
use abi::Status;
use hv_core::list::List;

pub struct Sm {
    pub hdr: Header,
    pub count: u64,
    pub waiters: List<Ref<Ec>>,
    /// The interrupt this semaphore receives, if it is an interrupt
    /// semaphore (made by the kernel at boot).
    pub irq: Option<crate::irq::Source>,
}

/// A semaphore belonging to `pd` (None: the kernel, for interrupts).
pub fn build(
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

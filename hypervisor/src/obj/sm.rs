//! Semaphore: a counter with a FIFO of waiting ECs. Interrupts for user-level
//! drivers arrive as ups on their semaphore (`irq`).

use super::{ec::Ec, Header, Ref};
use hv_core::list::List;

pub struct Sm {
    pub hdr: Header,
    pub count: u64,
    pub waiters: List<Ref<Ec>>,
    /// The interrupt this semaphore receives, if it is an interrupt
    /// semaphore (made by the kernel at boot).
    pub irq: Option<crate::irq::Source>,
}

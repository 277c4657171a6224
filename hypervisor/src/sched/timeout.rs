//! Deadlines of semaphore downs, per CPU, in TSC cycles.

use crate::arch::cpu::rdtsc;
use crate::obj::ec::{deadline_of, Ec, TimeoutArena};
use crate::obj::Ref;

/// Starts `ec`'s deadline on its CPU.
pub fn start(ec: Ref<Ec>, deadline: u64) {
    ec.get().deadline = deadline;
    let c = super::cpu(ec.get().cpu as usize);
    c.timeouts
        .insert(&mut TimeoutArena, ec, deadline, deadline_of);
    if ec.get().cpu as usize != super::this_index() {
        // The other CPU must re-arm its timer for the new deadline.
        super::request_resched(ec.get().cpu as usize);
    }
}

/// Cancels `ec`'s deadline, if it has one.
pub fn cancel(ec: Ref<Ec>) {
    if ec.get().timeout.linked {
        super::cpu(ec.get().cpu as usize)
            .timeouts
            .remove(&mut TimeoutArena, ec);
    }
}

/// Wakes every EC of this CPU whose deadline has passed, with `Timeout`.
/// (Waking reaches the scheduler state again, so no reference to it is
/// held across.)
pub fn expire() {
    let now = rdtsc();
    while let Some(ec) = super::this()
        .timeouts
        .pop_expired(&mut TimeoutArena, now, deadline_of)
    {
        crate::ipc::sm::time_out(ec);
    }
}

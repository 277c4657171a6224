//! Semaphore operations: up, down (optionally with an absolute TSC
//! deadline), down-and-zero. Waiters are woken in FIFO order; an interrupt
//! semaphore's level-triggered GSI is unmasked again by the next down.

use crate::arch::cpu::rdtsc;
use crate::obj::ec::{Ec, State, WaitArena};
use crate::obj::sm::Sm;
use crate::obj::Ref;
use crate::sched::{self, timeout};
use abi::Status;

/// A down by `ec`: `Some(status)` if it completes at once, `None` if `ec`
/// now waits (its `rax` gets the outcome when it is woken).
pub fn down(ec: Ref<Ec>, sm: Ref<Sm>, zero: bool, deadline: u64) -> Option<Status> {
    let s = sm.get();
    if let Some(irq) = s.irq {
        crate::irq::unmask(irq);
    }
    if s.count > 0 {
        s.count = if zero { 0 } else { s.count - 1 };
        return Some(Status::Success);
    }
    if deadline != 0 && deadline <= rdtsc() {
        return Some(Status::Timeout);
    }
    let e = ec.get();
    e.state = State::WaitSm;
    e.sm = Some(sm);
    e.regs.rax = Status::Success as u64;
    s.waiters.push_back(&mut WaitArena, ec);
    if deadline != 0 {
        timeout::start(ec, deadline);
    }
    None
}

/// An up: wakes the first waiter, or counts.
pub fn up(sm: Ref<Sm>) {
    let s = sm.get();
    match s.waiters.pop_front(&mut WaitArena) {
        Some(w) => {
            w.get().sm = None;
            timeout::cancel(w);
            w.get().regs.rax = Status::Success as u64;
            sched::wake(w);
        }
        None => s.count = s.count.saturating_add(1),
    }
}

/// `ec`'s deadline passed while it waited.
pub fn time_out(ec: Ref<Ec>) {
    if let Some(sm) = ec.get().sm.take() {
        sm.get().waiters.remove(&mut WaitArena, ec);
        ec.get().regs.rax = Status::Timeout as u64;
        sched::wake(ec);
    }
}

/// `ec` is going away: it no longer waits anywhere.
pub fn forget_waiter(ec: Ref<Ec>) {
    if let Some(sm) = ec.get().sm.take() {
        sm.get().waiters.remove(&mut WaitArena, ec);
    }
    timeout::cancel(ec);
}

/// The semaphore is being destroyed: every waiter gets `Aborted`.
pub fn abort_waiters(sm: Ref<Sm>) {
    while let Some(w) = sm.get().waiters.pop_front(&mut WaitArena) {
        w.get().sm = None;
        timeout::cancel(w);
        w.get().regs.rax = Status::Aborted as u64;
        sched::wake(w);
    }
}

//! Scheduling: per-CPU priority round robin over scheduling contexts.
//!
//! Each CPU has a run queue of SCs (highest priority first, equal priorities
//! in turn), the SC and EC it runs, and a deadline queue for semaphore
//! time-outs. The SC that runs is not on the queue. An SC is runnable when
//! the chain from its EC along `callee` links ends at a ready EC
//! ([`target`]); a blocked SC is on no queue and is put back by whatever
//! readies its EC ([`wake`]). The local APIC timer ends quanta and time-outs.
//!
//! Every kernel path ends in [`finish`] or [`schedule`], which leave for user
//! mode (`exit`) or idle; nothing returns into a kernel stack frame.

pub mod exit;
pub mod lock;
pub mod timeout;

use crate::arch::{apic, cpu::rdtsc, idt::vector, percpu};
use crate::obj::ec::{Ec, State};
use crate::obj::sc::{RunArena, Sc};
use crate::obj::Ref;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};
use hv_core::runqueue::RunQueue;
use hv_core::timeouts::Timeouts;

pub struct Cpu {
    pub rq: RunQueue<Ref<Sc>>,
    pub timeouts: Timeouts<Ref<Ec>>,
    pub current_sc: Option<Ref<Sc>>,
    pub current_ec: Option<Ref<Ec>>,
    /// TSC when the current SC last started or was accounted.
    pub started: u64,
    /// The EC whose state the FPU registers hold.
    pub fpu_owner: Option<Ref<Ec>>,
    /// Pick again before leaving the kernel.
    pub resched: bool,
    /// The TSC deadline the timer is armed for (None: stopped or fired), so
    /// an exit that keeps it does not reprogram the timer.
    pub armed: Option<u64>,
    /// Whether CR0.TS is set (`arch::fpu`), so unchanged exits skip CR0.
    pub ts: bool,
}

struct Slot(UnsafeCell<Cpu>);

// SAFETY: every CPU's scheduling state is only touched with the kernel lock
// held, so there is never more than one CPU in it.
unsafe impl Sync for Slot {}

#[allow(clippy::declare_interior_mutable_const)] // only initialises CPUS
const IDLE: Slot = Slot(UnsafeCell::new(Cpu {
    rq: RunQueue::new(),
    timeouts: Timeouts::new(),
    current_sc: None,
    current_ec: None,
    started: 0,
    fpu_owner: None,
    resched: false,
    armed: None,
    ts: false,
}));

static CPUS: [Slot; percpu::MAX_CPUS] = [IDLE; percpu::MAX_CPUS];
static ONLINE: AtomicUsize = AtomicUsize::new(1);

/// The scheduling state of CPU `index`. Kernel lock held.
pub fn cpu(index: usize) -> &'static mut Cpu {
    // SAFETY: the kernel lock is held by the caller (module rule), so no
    // other CPU is in the scheduler; callers do not keep two references.
    unsafe { &mut *CPUS[index.min(percpu::MAX_CPUS - 1)].0.get() }
}

pub fn this_index() -> usize {
    percpu::current().index as usize
}

/// The executing CPU's scheduling state. Kernel lock held.
pub fn this() -> &'static mut Cpu {
    cpu(this_index())
}

pub fn online_cpus() -> usize {
    ONLINE.load(Ordering::Acquire)
}

pub fn set_online_cpus(n: usize) {
    ONLINE.store(n, Ordering::Release);
}

/// The EC that `sc` runs now, if it is runnable.
pub fn target(sc: Ref<Sc>) -> Option<Ref<Ec>> {
    let mut ec = sc.get().ec?;
    loop {
        match ec.get().state {
            State::Ready => return Some(ec),
            State::InCall => ec = ec.get().callee?,
            _ => return None,
        }
    }
}

/// Makes `ec` ready and its SC runnable.
pub fn wake(ec: Ref<Ec>) {
    ec.get().state = State::Ready;
    if let Some(sc) = ec.get().sc {
        enqueue(sc);
    }
}

/// Puts a runnable `sc` on its CPU's queue (unless it runs), and asks that
/// CPU to reschedule if `sc` should preempt what it runs.
pub fn enqueue(sc: Ref<Sc>) {
    let index = sc.get().cpu as usize;
    let c = cpu(index);
    if c.current_sc == Some(sc) {
        request_resched(index);
        return;
    }
    if !sc.get().rq.linked {
        c.rq.enqueue(&mut RunArena, sc, sc.get().prio);
    }
    let preempt = match c.current_sc {
        Some(cur) => sc.get().prio > cur.get().prio,
        None => true,
    };
    if preempt {
        request_resched(index);
    }
}

/// Takes `sc` off its CPU's queue and off the CPU (it is being destroyed).
pub fn remove(sc: Ref<Sc>) {
    let index = sc.get().cpu as usize;
    let c = cpu(index);
    if sc.get().rq.linked {
        c.rq.dequeue(&mut RunArena, sc, sc.get().prio);
    }
    if c.current_sc == Some(sc) {
        // The EC keeps `current_ec`, so the registers it has in user mode on
        // that CPU are still saved when the CPU next enters the kernel.
        c.current_sc = None;
        request_resched(index);
    }
}

/// The EC this CPU ran in user mode before entering the kernel, if it may
/// go on (a CPU forgets an EC that must not: see [`forget_current`]).
pub fn running() -> Option<Ref<Ec>> {
    this().current_ec.filter(|e| e.get().state == State::Ready)
}

/// `ec` must not go on where it runs now (it is destroyed, or its call was
/// cut short): a CPU that runs it forgets it, without saving its registers,
/// and picks again.
pub fn forget_current(ec: Ref<Ec>) {
    for i in 0..online_cpus() {
        if cpu(i).current_ec == Some(ec) {
            cpu(i).current_ec = None;
            request_resched(i);
        }
    }
}

/// Asks CPU `index` to pick again before it returns to user mode.
pub fn request_resched(index: usize) {
    if index == this_index() {
        this().resched = true;
    } else {
        cpu(index).resched = true;
        apic::send_ipi(index, vector::RESCHED);
    }
}

/// Charges the time since the last accounting to the running SC.
pub fn account(c: &mut Cpu) {
    let now = rdtsc();
    if let Some(sc) = c.current_sc {
        let used = now.saturating_sub(c.started);
        let s = sc.get();
        s.consumed += used;
        s.left = s.left.saturating_sub(used);
    }
    c.started = now;
}

/// Leaves the kernel: continues the running SC, or picks again if asked to
/// or if it cannot run.
pub fn finish() -> ! {
    let c = this();
    if !c.resched {
        if let Some(ec) = c.current_sc.and_then(target) {
            c.current_ec = Some(ec);
            exit::to_user(ec)
        }
    }
    schedule()
}

/// Picks the highest-priority runnable SC of this CPU and runs it; idles if
/// there is none. A preempted SC keeps its place at the front of its level
/// unless its quantum is used up.
pub fn schedule() -> ! {
    let c = this();
    c.resched = false;
    account(c);
    if let Some(sc) = c.current_sc.take() {
        if target(sc).is_some() {
            let s = sc.get();
            if s.left == 0 {
                s.left = s.quantum;
                c.rq.enqueue(&mut RunArena, sc, s.prio);
            } else {
                c.rq.enqueue_front(&mut RunArena, sc, s.prio);
            }
        }
    }
    c.current_ec = None;
    while let Some((sc, _)) = c.rq.pop_highest(&mut RunArena) {
        if let Some(ec) = target(sc) {
            c.current_sc = Some(sc);
            c.current_ec = Some(ec);
            c.started = rdtsc();
            exit::to_user(ec)
        }
    }
    exit::idle()
}

/// The timer interrupt: charge time, end the quantum if it is used up, and
/// wake ECs whose semaphore deadline passed.
pub fn tick() {
    let c = this();
    c.armed = None;
    account(c);
    if let Some(sc) = c.current_sc {
        if sc.get().left == 0 {
            c.resched = true;
        }
    }
    timeout::expire();
}

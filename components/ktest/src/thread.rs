//! Threads of a ktest PD: global ECs that run a Rust function, and local ECs
//! that serve portal calls with a handler function.
//!
//! Each has its own stack and UTCB. Its entry trampoline finds what to run
//! in a table of slots by the stack pointer it was entered with (for local
//! ECs the portal id stays free for the tests). A finished global EC counts
//! up its `done` semaphore and parks; a handler's [`Reply`] says how it
//! answers: with message words, with exception state, or not at all.

use core::sync::atomic::{AtomicU64, Ordering};
use user_rt::sys::{self, Mtd, Sm};
use user_rt::Utcb;

/// A global EC's work: runs once with its UTCB and argument.
pub type Body = fn(&mut Utcb, u64);
/// A portal handler: `(utcb, portal id, words received, argument)`.
pub type Handler = fn(&mut Utcb, u64, u64, u64) -> Reply;

/// How a handler answers its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Reply with that many words of the UTCB.
    Words(usize),
    /// Reply to an exception, writing back the state `Mtd` bits select.
    State(u64),
    /// Do not reply: block for good (the caller stays blocked).
    Park,
}

#[derive(Clone, Copy)]
enum Work {
    Body(Body),
    Handler(Handler),
}

#[derive(Clone, Copy)]
struct Slot {
    lo: u64,
    hi: u64,
    utcb: u64,
    work: Option<Work>,
    arg: u64,
    done: Option<Sm>,
}

const FREE: Slot = Slot {
    lo: 0,
    hi: 0,
    utcb: 0,
    work: None,
    arg: 0,
    done: None,
};

const SLOTS: usize = 64;
static TABLE: spin::Mutex<[Slot; SLOTS]> = spin::Mutex::new([FREE; SLOTS]);
/// A semaphore nobody counts up: finished ECs wait on it for good.
static PARK: AtomicU64 = AtomicU64::new(u64::MAX);
/// Replies the hypervisor refused (a handler asked for something invalid).
pub static REFUSED_REPLIES: AtomicU64 = AtomicU64::new(0);

/// Sets the semaphore finished ECs park on.
pub fn set_park(sm: Sm) {
    PARK.store(sm.0, Ordering::Relaxed);
}

fn register(lo: u64, hi: u64, utcb: u64, work: Work, arg: u64, done: Option<Sm>) -> bool {
    let mut t = TABLE.lock();
    let Some(slot) = t.iter_mut().find(|s| s.work.is_none()) else {
        return false;
    };
    *slot = Slot {
        lo,
        hi,
        utcb,
        work: Some(work),
        arg,
        done,
    };
    true
}

/// Registers a global EC's stack `[lo, hi)` and UTCB before it starts.
pub fn register_body(lo: u64, hi: u64, utcb: u64, body: Body, arg: u64, done: Sm) -> bool {
    register(lo, hi, utcb, Work::Body(body), arg, Some(done))
}

/// Registers a local EC's stack `[lo, hi)` and UTCB before its portals
/// are called.
pub fn register_handler(lo: u64, hi: u64, utcb: u64, h: Handler, arg: u64) -> bool {
    register(lo, hi, utcb, Work::Handler(h), arg, None)
}

/// Forgets every slot (their ECs were destroyed).
pub fn clear_all() {
    *TABLE.lock() = [FREE; SLOTS];
}

/// The slot of the running EC, by its stack pointer.
fn mine() -> Slot {
    let sp: u64;
    // SAFETY: reads the stack pointer; no memory or flags are touched.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack)) };
    let t = TABLE.lock();
    t.iter()
        .find(|s| s.work.is_some() && s.lo <= sp && sp < s.hi)
        .copied()
        .unwrap_or(FREE)
}

/// Waits for good.
pub fn park() -> ! {
    loop {
        let _ = Sm(PARK.load(Ordering::Relaxed)).down();
        core::hint::spin_loop();
    }
}

/// Where global ECs start (`rdi` = UTCB address, unused: the slot has it).
pub extern "C" fn global_entry(_utcb: u64) -> ! {
    let s = mine();
    if let Some(Work::Body(body)) = s.work {
        // SAFETY: the slot's UTCB is this EC's (registered with its stack);
        // this is the only handle, made once at the EC's start.
        let mut u = unsafe { Utcb::at(s.utcb) };
        body(&mut u, s.arg);
    }
    if let Some(done) = s.done {
        let _ = done.up();
    }
    park()
}

/// Where portals of local ECs enter: `rdi` = portal id, `rsi` = words.
pub extern "C" fn local_entry(id: u64, words: u64) -> ! {
    let s = mine();
    let reply = match s.work {
        Some(Work::Handler(h)) => {
            // SAFETY: the slot's UTCB is this EC's; each call starts afresh
            // on the stack, so the handle of an earlier call is gone.
            let mut u = unsafe { Utcb::at(s.utcb) };
            h(&mut u, id, words, s.arg)
        }
        _ => Reply::Words(0),
    };
    match reply {
        Reply::Words(n) => {
            sys::reply(n);
        }
        Reply::State(mtd) => {
            sys::reply_exception(Mtd(mtd));
        }
        Reply::Park => park(),
    }
    REFUSED_REPLIES.fetch_add(1, Ordering::Relaxed);
    loop {
        sys::reply(0);
    }
}

//! What the IPC ordering and reset tests share: a trace that handlers
//! append to in the order they are entered, and caller threads that call a
//! portal with a tag and record what came back.
//!
//! A caller ([`caller`]) sends two words, its tag and the [`SEND`] word of
//! its slot, and records in its slot that it started, then its status and
//! the first two reply words. Tests tell from them which invocation served
//! whom, and whether a caller got a reply computed for someone else.

use crate::check::{eq, ok, Fail, TResult};
use crate::ctx::{Ctx, Thread};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{Portal, Sc, Status};
use user_rt::{Line, Utcb};

/// Entries a trace holds.
const TRACE_LEN: usize = 16;

/// Handler entries in order.
pub struct Trace {
    len: AtomicU64,
    items: [AtomicU64; TRACE_LEN],
}

/// The trace of the running test.
pub static TRACE: Trace = Trace {
    len: AtomicU64::new(0),
    items: [const { AtomicU64::new(0) }; TRACE_LEN],
};

impl Trace {
    /// Appends `v` (entries past the capacity are counted, not kept).
    pub fn push(&self, v: u64) {
        let i = self.len.fetch_add(1, SeqCst) as usize;
        if let Some(item) = self.items.get(i) {
            item.store(v, SeqCst);
        }
    }

    pub fn len(&self) -> u64 {
        self.len.load(SeqCst)
    }

    /// Entry `i` (0 if there is none yet).
    pub fn at(&self, i: usize) -> u64 {
        self.items.get(i).map_or(0, |x| x.load(SeqCst))
    }

    /// The trace is exactly `want`; else a line with both, in hex.
    pub fn expect(&self, what: &str, want: &[u64]) -> TResult {
        let n = self.len() as usize;
        if n == want.len() && want.iter().enumerate().all(|(i, &w)| self.at(i) == w) {
            return Ok(());
        }
        let mut line = Line::new().str(what).str(": expected");
        for w in want {
            line = line.str(" ").hex(*w);
        }
        line = line.str(", got");
        for i in 0..n.min(TRACE_LEN) {
            line = line.str(" ").hex(self.at(i));
        }
        Err(Fail::from(line))
    }
}

/// Caller slots.
pub const SLOTS: usize = 8;

/// What the caller of a slot sends and records.
pub struct Slot {
    /// Set before it calls.
    pub started: AtomicU64,
    /// Its status plus one, once the call returned (0 before).
    pub status: AtomicU64,
    /// Reply words 0 and 1.
    pub reply: [AtomicU64; 2],
}

/// Word 1 of each slot's message.
pub static SEND: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

#[allow(clippy::declare_interior_mutable_const)] // only initialises SLOT
const EMPTY: Slot = Slot {
    started: AtomicU64::new(0),
    status: AtomicU64::new(0),
    reply: [AtomicU64::new(0), AtomicU64::new(0)],
};

pub static SLOT: [Slot; SLOTS] = [EMPTY; SLOTS];

/// Clears the trace and every slot.
pub fn reset() {
    TRACE.len.store(0, SeqCst);
    TRACE.items.iter().for_each(|x| x.store(0, SeqCst));
    for (s, w) in SLOT.iter().zip(&SEND) {
        s.started.store(0, SeqCst);
        s.status.store(0, SeqCst);
        s.reply.iter().for_each(|x| x.store(0, SeqCst));
        w.store(0, SeqCst);
    }
}

/// The argument of [`caller`]: slot `slot` calls `portal` with `tag`
/// (below 2^36).
pub fn arg(slot: usize, portal: Portal, tag: u64) -> u64 {
    (slot as u64) << 56 | tag << 20 | portal.0
}

/// A caller thread's body (`arg` from [`arg`]).
pub fn caller(u: &mut Utcb, arg: u64) {
    let i = (arg >> 56) as usize % SLOTS;
    let (slot, tag, portal) = (
        &SLOT[i],
        (arg >> 20) & ((1 << 36) - 1),
        arg & ((1 << 20) - 1),
    );
    u.words_mut()[0] = tag;
    u.words_mut()[1] = SEND[i].load(SeqCst);
    slot.started.store(1, SeqCst);
    let got = match Portal(portal).call(u, 2) {
        Ok(_) => Status::Success,
        Err(e) => e,
    };
    slot.reply[0].store(u.words()[0], SeqCst);
    slot.reply[1].store(u.words()[1], SeqCst);
    slot.status.store(got as u64 + 1, SeqCst);
}

/// Slot `i`'s call returned `Success` with reply words `w0` and `w1`.
pub fn replied(what: &str, i: usize, w0: u64, w1: u64) -> TResult {
    let s = &SLOT[i];
    let got = s.status.load(SeqCst);
    if got != Status::Success as u64 + 1 {
        let line = Line::new().str(what).str(": the call did not succeed");
        return Err(Fail::from(line.str(" (status + 1: ").dec(got).str(")")));
    }
    eq(what, s.reply[0].load(SeqCst), w0)?;
    eq(what, s.reply[1].load(SeqCst), w1)
}

/// Waits up to 1 s for the caller thread `t`; else says that `who` did
/// not finish.
pub fn finish(ctx: &Ctx, t: &Thread, who: &str) -> TResult {
    ctx.join(t, 1000)
        .map_err(|_| Fail::from(Line::new().str(who).str(" did not finish in time")))
}

/// Waits until the EC on `sc` is blocked: its SC's time stays put while
/// we sleep a millisecond (an EC that is only ready would run then, as
/// nothing else does). A caller blocked this way waits in a queue.
pub fn blocked(ctx: &Ctx, sc: Sc, who: &str) -> TResult {
    let end = ctx.deadline(1000);
    let mut last = ok("sc_ctrl", sc.consumed())?;
    loop {
        ctx.sleep(1);
        let now = ok("sc_ctrl", sc.consumed())?;
        if now == last {
            return Ok(());
        }
        if ctx.now() > end {
            let line = Line::new().str(who).str(" did not block within 1 s");
            return Err(Fail::from(line));
        }
        last = now;
    }
}

/// Waits until caller `t` of slot `i` has started and blocked.
pub fn queued(ctx: &Ctx, i: usize, t: &Thread, who: &str) -> TResult {
    let started = &SLOT[i].started;
    if !ctx.wait_until(1000, || started.load(SeqCst) == 1) {
        let line = Line::new().str(who).str(" did not start");
        return Err(Fail::from(line));
    }
    blocked(ctx, t.sc, who)
}

/// Slot `i`'s call has not returned.
pub fn pending(what: &str, i: usize) -> TResult {
    eq(what, SLOT[i].status.load(SeqCst), 0)
}

//! Exceptions delivered to portals and resumed: a global EC of ktest faults
//! (#PF, #UD, #DE, #BP, #GP) and a local EC of ktest handles it through the
//! portal at the EC's event base plus the vector, in the ways a handler can:
//! map memory and retry, skip to a recovery address with new registers,
//! advance RIP, or resume unchanged.

use crate::check::{eq, ok, TResult};
use crate::ctx::{Ctx, Thread};
use crate::probe::{self, LEA_LEN, MARK};
use crate::suite::Test;
use crate::thread::{Body, Reply};
use abi::cap::rights::mem;
use abi::Mtd;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Pd};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("exception_pf_map_and_retry", pf_map),
    ("exception_pf_recover_registers", pf_recover),
    ("exception_ud_advance_rip", ud_advance),
    ("exception_de_recover", de_recover),
    ("exception_bp_resume", bp_resume),
    ("exception_gp_privileged_and_ports", gp),
];

/// What the handler saw last, and how often it ran.
pub struct Seen {
    pub count: AtomicU64,
    pub vector: AtomicU64,
    pub error: AtomicU64,
    pub cr2: AtomicU64,
    pub rip: AtomicU64,
    pub rax: AtomicU64,
    pub rflags: AtomicU64,
    pub mtd: AtomicU64,
    pub words: AtomicU64,
}

pub static SEEN: Seen = Seen {
    count: AtomicU64::new(0),
    vector: AtomicU64::new(0),
    error: AtomicU64::new(0),
    cr2: AtomicU64::new(0),
    rip: AtomicU64::new(0),
    rax: AtomicU64::new(0),
    rflags: AtomicU64::new(0),
    mtd: AtomicU64::new(0),
    words: AtomicU64::new(0),
};

/// What the faulting EC's body computed.
pub static RESULT: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
/// For the mapping handler: this PD, and the page to map where.
pub static MAP: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// How the handler answers (its argument).
pub mod mode {
    pub const MAP: u64 = 1;
    pub const RECOVER: u64 = 2;
    pub const SKIP_UD: u64 = 3;
    pub const RESUME: u64 = 4;
}

fn handle(u: &mut Utcb, _id: u64, words: u64, mode: u64) -> Reply {
    let mut s = u.exc_state();
    SEEN.vector.store(s.vector, SeqCst);
    SEEN.error.store(s.error, SeqCst);
    SEEN.cr2.store(s.cr2, SeqCst);
    SEEN.rip.store(s.rip, SeqCst);
    SEEN.rax.store(s.rax, SeqCst);
    SEEN.rflags.store(s.rflags, SeqCst);
    SEEN.mtd.store(u.mtd().0, SeqCst);
    SEEN.words.store(words, SeqCst);
    SEEN.count.fetch_add(1, SeqCst);
    match mode {
        mode::MAP => {
            let [me, src, dst] = [0, 1, 2].map(|i| MAP[i].load(SeqCst));
            let _ = sys::delegate(Pd(me), Pd(me), Crd::mem(src, 0, mem::RW), dst);
            Reply::State(0)
        }
        mode::RECOVER => {
            s.rip = s.rcx;
            s.rax = MARK | s.vector;
            u.set_exc_state(&s);
            Reply::State(Mtd::GPRS | Mtd::RIP)
        }
        mode::SKIP_UD => {
            s.rip += 2;
            u.set_exc_state(&s);
            Reply::State(Mtd::RIP)
        }
        _ => Reply::State(0),
    }
}

/// Resets what the handler saw and the results.
pub fn reset() {
    SEEN.count.store(0, SeqCst);
    for r in &RESULT {
        r.store(0, SeqCst);
    }
}

/// A handler on `cpu` answering in `mode`, with portals (`mtd`) for
/// `vectors` at a fresh event base; returns the event base.
pub fn handler(
    ctx: &mut Ctx,
    cpu: u32,
    mode: u64,
    mtd: u64,
    vectors: &[u64],
) -> Result<u64, crate::check::Fail> {
    let evt = ctx.sels(32);
    let h = ctx.handler(cpu, handle, mode)?;
    for v in vectors {
        ctx.portal_at(evt + v, h, mtd)?;
    }
    Ok(evt)
}

/// Runs `body(arg)` in a new EC on CPU 0 whose faults go to a handler in
/// `mode`, and waits for it.
fn run(
    ctx: &mut Ctx,
    mode: u64,
    mtd: u64,
    vectors: &[u64],
    body: Body,
    arg: u64,
) -> Result<Thread, crate::check::Fail> {
    reset();
    let evt = handler(ctx, 0, mode, mtd, vectors)?;
    let t = ctx.thread(0, 60, evt, body, arg)?;
    ctx.join(&t, 2000)?;
    Ok(t)
}

fn seen(what: &str, v: &AtomicU64, want: u64) -> TResult {
    eq(what, v.load(SeqCst), want)
}

fn result(i: usize) -> u64 {
    RESULT[i].load(SeqCst)
}

fn pf_map(ctx: &mut Ctx) -> TResult {
    let page = ctx.pages(1)?;
    let value = 0x1234_5678_9abc_def0u64;
    // SAFETY: a fresh page of our RAM, mapped read-write.
    unsafe { (page as *mut u64).write_volatile(value) };
    let at = ctx.va(4096);
    for (i, v) in [ctx.me.0, page >> 12, at >> 12].into_iter().enumerate() {
        MAP[i].store(v, SeqCst);
    }
    run(
        ctx,
        mode::MAP,
        Mtd::ALL,
        &[14],
        |_, a| RESULT[0].store(probe::read(a), SeqCst),
        at,
    )?;
    eq("value read after the handler mapped it", result(0), value)?;
    seen("handler calls", &SEEN.count, 1)?;
    seen("vector", &SEEN.vector, 14)?;
    seen("cr2", &SEEN.cr2, at)?;
    seen("error (user read, not present)", &SEEN.error, 4)?;
    seen("rip", &SEEN.rip, probe::read_addr() + LEA_LEN)?;
    seen("mtd", &SEEN.mtd, Mtd::ALL)?;
    seen("words", &SEEN.words, abi::utcb::EXC_STATE_WORDS as u64)?;
    ok("unmap", sys::revoke(ctx.me, Crd::mem(at >> 12, 0, 0), true))
}

fn pf_recover(ctx: &mut Ctx) -> TResult {
    let unmapped = ctx.va(4096);
    run(
        ctx,
        mode::RECOVER,
        Mtd::ALL,
        &[14],
        |_, a| RESULT[0].store(probe::read(a), SeqCst),
        unmapped,
    )?;
    eq("read returns the handler's rax", result(0), MARK | 14)?;
    seen("cr2", &SEEN.cr2, unmapped)?;
    seen("error", &SEEN.error, 4)?;
    // A write to a page mapped read-only: present, write, user.
    let page = ctx.pages(1)?;
    let ro = ctx.va(4096);
    ok(
        "map read-only",
        sys::delegate(ctx.me, ctx.me, Crd::mem(page >> 12, 0, mem::READ), ro >> 12),
    )?;
    run(
        ctx,
        mode::RECOVER,
        Mtd::ALL,
        &[14],
        |_, a| RESULT[0].store(probe::write(a, 5), SeqCst),
        ro,
    )?;
    eq("write returns the handler's rax", result(0), MARK | 14)?;
    seen("cr2", &SEEN.cr2, ro)?;
    seen("error (user write, present)", &SEEN.error, 7)?;
    // SAFETY: our own RAM page, mapped read-write at `page`.
    let now = unsafe { (page as *const u64).read_volatile() };
    eq("the page is unchanged", now, 0)?;
    ok("unmap", sys::revoke(ctx.me, Crd::mem(ro >> 12, 0, 0), true))
}

fn ud_advance(ctx: &mut Ctx) -> TResult {
    let mtd = Mtd::RIP | Mtd::QUAL;
    run(
        ctx,
        mode::SKIP_UD,
        mtd,
        &[6],
        |_, _| RESULT[0].store(probe::ud(0x55), SeqCst),
        0,
    )?;
    eq("resumed after ud2", result(0), 1)?;
    seen("vector", &SEEN.vector, 6)?;
    seen("error", &SEEN.error, 0)?;
    seen("cr2", &SEEN.cr2, 0)?;
    seen("rip", &SEEN.rip, probe::ud_addr())?;
    seen("rax not selected by the MTD reads 0", &SEEN.rax, 0)?;
    seen("rflags not selected reads 0", &SEEN.rflags, 0)?;
    seen("mtd", &SEEN.mtd, mtd)
}

fn de_recover(ctx: &mut Ctx) -> TResult {
    run(
        ctx,
        mode::RECOVER,
        Mtd::ALL,
        &[0],
        |_, _| RESULT[0].store(probe::div0(), SeqCst),
        0,
    )?;
    eq("div returns the handler's rax", result(0), MARK)?;
    seen("vector", &SEEN.vector, 0)?;
    seen("error", &SEEN.error, 0)
}

fn bp_resume(ctx: &mut Ctx) -> TResult {
    run(
        ctx,
        mode::RESUME,
        Mtd::ALL,
        &[3],
        |_, _| RESULT[0].store(probe::bp(), SeqCst),
        0,
    )?;
    eq("resumed after int3", result(0), 7)?;
    seen("vector", &SEEN.vector, 3)?;
    seen("rip (after the trap)", &SEEN.rip, probe::bp_addr() + 1)?;
    seen(
        "rflags has IF",
        &SEEN.rflags,
        SEEN.rflags.load(SeqCst) | 0x200,
    )
}

fn gp(ctx: &mut Ctx) -> TResult {
    let body = |_: &mut Utcb, _| {
        RESULT[0].store(probe::cli(), SeqCst);
        RESULT[1].store(probe::port_in(0x80), SeqCst);
        RESULT[2].store(probe::port_out(0x3f8, b'!' as u64), SeqCst);
        RESULT[3].store(probe::port_in(0x71), SeqCst);
    };
    run(ctx, mode::RECOVER, Mtd::ALL, &[13], body, 0)?;
    eq("cli", result(0), MARK | 13)?;
    eq("in from a port not granted", result(1), MARK | 13)?;
    eq("out to the kernel's UART", result(2), MARK | 13)?;
    crate::check::that("in from a granted port works", result(3) & MARK != MARK)?;
    seen("handler calls", &SEEN.count, 3)?;
    seen("error", &SEEN.error, 0)
}

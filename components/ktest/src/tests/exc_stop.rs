//! Exceptions that do not simply resume: a handler that does not reply
//! leaves the EC blocked; an EC without a usable handler (no portal, not a
//! portal, a portal without `CALL`, a handler on another CPU) is killed; a
//! reply with undefined MTD bits is refused; a reply with a kernel RIP kills;
//! a reply can change only the user-settable flags.

use super::exc::{reset, RESULT, SEEN};
use crate::check::{eq, ok, st, status, that, TResult};
use crate::ctx::Ctx;
use crate::probe;
use crate::suite::Test;
use crate::thread::Reply;
use abi::utcb::RFLAGS_USER_MASK;
use abi::Mtd;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, ObjType, Sm, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("exception_no_reply_leaves_it_blocked", no_reply),
    ("exception_without_handler_kills", kills),
    ("exception_reply_with_bad_mtd_refused", bad_mtd),
    ("exception_reply_with_kernel_rip_kills", kernel_rip),
    ("exception_reply_changes_only_user_flags", rflags),
];

static BLOCK: AtomicU64 = AtomicU64::new(0);
static REPLY_STATUS: AtomicU64 = AtomicU64::new(0);
static COUNTS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

const IF: u64 = 1 << 9;
const FLAGS_SET: u64 = 0x1 | 0x40 | 0x80 | 0x800; // CF, ZF, SF, OF
const FLAGS_FOREIGN: u64 = 0x3000 | (1 << 21); // IOPL 3, ID

/// Handler modes of this module (beyond `exc::mode`).
fn special(u: &mut Utcb, _id: u64, _words: u64, m: u64) -> Reply {
    let mut s = u.exc_state();
    SEEN.rflags.store(s.rflags, SeqCst);
    SEEN.count.fetch_add(1, SeqCst);
    match m {
        // Block until the test counts up, then skip the ud2.
        10 => {
            let _ = Sm(BLOCK.load(SeqCst)).down();
            s.rip += 2;
        }
        // Try a reply with an undefined MTD bit first.
        11 => {
            let refused = sys::reply_exception(Mtd(0x20));
            REPLY_STATUS.store(refused as u64, SeqCst);
            s.rip += 2;
        }
        12 => s.rip = 0xffff_8000_0000_0000,
        _ => {
            s.rip = s.rcx;
            s.rflags = (s.rflags | FLAGS_SET | FLAGS_FOREIGN) & !IF;
            u.set_exc_state(&s);
            return Reply::State(Mtd::RIP | Mtd::RFLAGS);
        }
    }
    u.set_exc_state(&s);
    Reply::State(Mtd::RIP)
}

/// A handler in mode `m` for vector 6 on CPU 0; its event base.
fn special_handler(ctx: &mut Ctx, m: u64) -> Result<u64, crate::check::Fail> {
    let evt = ctx.sels(32);
    let h = ctx.handler(0, special, m)?;
    ctx.portal_at(evt + 6, h, Mtd::ALL)?;
    Ok(evt)
}

fn progress_then_ud(_: &mut Utcb, _: u64) {
    RESULT[0].store(1, SeqCst);
    probe::ud(0);
    RESULT[0].store(2, SeqCst);
}

fn no_reply(ctx: &mut Ctx) -> TResult {
    reset();
    BLOCK.store(ctx.sm(0)?.0, SeqCst);
    let evt = special_handler(ctx, 10)?;
    let t = ctx.thread(0, 60, evt, progress_then_ud, 0)?;
    that(
        "handler entered",
        ctx.wait_until(1000, || SEEN.count.load(SeqCst) == 1),
    )?;
    ctx.sleep(20);
    eq(
        "no progress while the handler holds it",
        RESULT[0].load(SeqCst),
        1,
    )?;
    status(
        "not finished",
        st(t.done.down_until(ctx.deadline(5))),
        Status::Timeout,
    )?;
    ok("release the handler", Sm(BLOCK.load(SeqCst)).up())?;
    ctx.join(&t, 1000)?;
    eq("resumed after the reply", RESULT[0].load(SeqCst), 2)
}

fn count_then_ud(_: &mut Utcb, counter: u64) {
    let c = &COUNTS[counter as usize];
    loop {
        if c.fetch_add(1, SeqCst) + 1 == 1000 {
            probe::ud(0);
        }
    }
}

fn kills(ctx: &mut Ctx) -> TResult {
    reset();
    for c in &COUNTS {
        c.store(0, SeqCst);
    }
    // 0: no portal; 1: a semaphore at the vector; 2: a portal without
    // CALL; 3: a handler on another CPU.
    let h = ctx.handler(0, special, 10)?;
    let other = if ctx.cpus > 1 {
        Some(ctx.handler(1, special, 10)?)
    } else {
        None
    };
    let mut threads = alloc::vec::Vec::new();
    for case in 0..4u64 {
        let evt = ctx.sels(32);
        match case {
            1 => ok("sm at the vector", sys::create_sm(evt + 6, ctx.me, 0)).map(drop)?,
            2 => {
                let pt = ctx.portal(h, Mtd::ALL)?;
                let r = abi::cap::rights::pt::CTRL;
                ok(
                    "copy without CALL",
                    sys::delegate(ctx.me, ctx.me, Crd::obj(pt.0, r), evt + 6),
                )?;
            }
            3 => match other {
                Some(o) => ctx.portal_at(evt + 6, o, Mtd::ALL).map(drop)?,
                None => continue,
            },
            _ => {}
        }
        threads.push((case, ctx.thread(0, 60, evt, count_then_ud, case)?));
    }
    for (case, t) in threads {
        let c = &COUNTS[case as usize];
        that(
            "reached the fault",
            ctx.wait_until(1000, || c.load(SeqCst) >= 1000),
        )?;
        ctx.sleep(10);
        eq("stopped at the fault", c.load(SeqCst), 1000)?;
        let (_, kind) = ok(
            "the EC's capability stays",
            sys::lookup(ctx.me, Crd::obj(t.ec.0, 0)),
        )?;
        eq(
            "still an EC",
            kind.map_or(0, |k| k as u64),
            ObjType::Ec as u64,
        )?;
    }
    eq("no handler ran", SEEN.count.load(SeqCst), 0)
}

fn bad_mtd(ctx: &mut Ctx) -> TResult {
    reset();
    let evt = special_handler(ctx, 11)?;
    let t = ctx.thread(0, 60, evt, progress_then_ud, 0)?;
    ctx.join(&t, 1000)?;
    let got = Status::from_raw(REPLY_STATUS.load(SeqCst)).unwrap_or(Status::BadCall);
    status("reply with MTD bit 5", got, Status::BadParameter)?;
    eq("resumed by the second reply", RESULT[0].load(SeqCst), 2)
}

fn kernel_rip(ctx: &mut Ctx) -> TResult {
    reset();
    let evt = special_handler(ctx, 12)?;
    let t = ctx.thread(0, 60, evt, progress_then_ud, 0)?;
    that(
        "handler entered",
        ctx.wait_until(1000, || SEEN.count.load(SeqCst) == 1),
    )?;
    ctx.sleep(10);
    status(
        "killed, not finished",
        st(t.done.down_until(ctx.deadline(5))),
        Status::Timeout,
    )?;
    eq("no progress", RESULT[0].load(SeqCst), 1)?;
    eq("handler ran once", SEEN.count.load(SeqCst), 1)
}

fn rflags(ctx: &mut Ctx) -> TResult {
    reset();
    let evt = special_handler(ctx, 13)?;
    let t = ctx.thread(
        0,
        60,
        evt,
        |_, _| RESULT[0].store(probe::flags(), SeqCst),
        0,
    )?;
    ctx.join(&t, 1000)?;
    let (before, after) = (SEEN.rflags.load(SeqCst), RESULT[0].load(SeqCst));
    that("IF was set", before & IF != 0)?;
    eq("CF ZF SF OF set", after & FLAGS_SET, FLAGS_SET)?;
    eq("IF kept", after & IF, IF)?;
    eq(
        "IOPL and ID unchanged",
        after & FLAGS_FOREIGN,
        before & FLAGS_FOREIGN,
    )?;
    that(
        "only user bits are settable",
        FLAGS_SET & !RFLAGS_USER_MASK == 0,
    )
}

//! IPC: calls and replies within ktest's PD and across PDs (a server in a
//! PD of its own), every refusal of `Call` and `Reply`, and callers that
//! lose their handler.

use crate::check::{eq, ok, refused, st, status, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::roles::server::{self, echo, mix, reply_len};
use crate::spawn::{spawn, Spawn};
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights::{pt, sm};
use abi::cap::OBJ_SPACE_SELECTORS;
use abi::utcb::UTCB_WORDS;
use abi::ObjType;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::loader::sel;
use user_rt::sys::{self, req, Crd, Portal, Status};
use user_rt::Utcb;

pub const TESTS: &[Test] = &[
    ("call_refusals", call_refusals),
    ("reply_refusals", reply_refusals),
    ("ipc_echo_in_pd", echo_in_pd),
    ("ipc_ping_pong_across_pds", ping_pong),
    ("call_aborted_when_handler_destroyed", aborted),
];

static STATUS: AtomicU64 = AtomicU64::new(0);
static ENTERED: AtomicU64 = AtomicU64::new(0);

/// Calls `p` with `n` words `seed + i`, checks the echo and its id.
fn exchange(u: &mut Utcb, p: Portal, n: usize, seed: u64, id: u64) -> TResult {
    for (i, w) in u.words_mut()[..n].iter_mut().enumerate() {
        *w = seed.wrapping_add(i as u64);
    }
    let m = ok("call", p.call(u, n))?;
    eq("reply words", m as u64, reply_len(n) as u64)?;
    eq("received", u.received() as u64, m as u64)?;
    eq("id seen by the handler (rdi)", u.words()[0], id)?;
    eq("words seen by the handler (rsi)", u.words()[1], n as u64)?;
    for i in 0..m - 2 {
        if u.words()[i + 2] != mix(seed.wrapping_add(i as u64), i) {
            return eq("reply word", u.words()[i + 2], mix(seed + i as u64, i));
        }
    }
    Ok(())
}

fn call_refusals(ctx: &mut Ctx) -> TResult {
    let h = ctx.handler(0, echo, 0)?;
    let p = ctx.portal(h, 0)?;
    let s = ctx.sm(0)?;
    let no_call = ctx.copy(p.0, pt::CTRL)?;
    let me = ctx.me;
    let call = |sel: u64, n: usize| req::call(Portal(sel), n).issue().status();
    refused("too many words", Status::BadParameter, &[me], &[], || {
        call(p.0, UTCB_WORDS + 1)
    })?;
    status(
        "too many words, bad portal",
        call(OBJ_SPACE_SELECTORS, UTCB_WORDS + 1),
        Status::BadParameter,
    )?;
    status(
        "out of range",
        call(OBJ_SPACE_SELECTORS, 0),
        Status::BadSelector,
    )?;
    status("empty", call(no_call + 1, 0), Status::BadSelector)?;
    status("wrong type", call(s.0, 0), Status::WrongType)?;
    status("without CALL", call(no_call, 0), Status::Denied)?;
    status("all words", call(p.0, UTCB_WORDS), Status::Success)?;
    if ctx.cpus > 1 {
        let far = ctx.handler(1, echo, 0)?;
        let fp = ctx.portal(far, 0)?;
        let call = |sel: u64, n: usize| req::call(Portal(sel), n).issue().status();
        status("handler on another CPU", call(fp.0, 1), Status::BadCpu)?;
    }
    Ok(())
}

fn reply_refusals(ctx: &mut Ctx) -> TResult {
    status(
        "reply from a global EC",
        sys::reply(0),
        Status::BadParameter,
    )?;
    status(
        "raw reply from a global EC",
        req::reply(0).issue().status(),
        Status::BadParameter,
    )?;
    fn too_long(u: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
        STATUS.store(sys::reply(UTCB_WORDS + 1) as u64, SeqCst);
        u.words_mut()[0] = 42;
        Reply::Words(1)
    }
    STATUS.store(0, SeqCst);
    let h = ctx.handler(0, too_long, 0)?;
    let p = ctx.portal(h, 0)?;
    let m = ok("call", p.call(&mut ctx.utcb, 0))?;
    let got = Status::from_raw(STATUS.load(SeqCst)).unwrap_or(Status::BadCall);
    status("reply with 511 words", got, Status::BadParameter)?;
    eq("then the valid reply", m as u64, 1)?;
    eq("its word", ctx.utcb.words()[0], 42)
}

fn echo_in_pd(ctx: &mut Ctx) -> TResult {
    let h = ctx.handler(0, echo, 0)?;
    let p = ctx.portal(h, 0)?;
    exchange(&mut ctx.utcb, p, 3, 100, 0)?;
    ok("set id", p.set_id(0xdead_beef_0001))?;
    for n in [0, 1, 7, UTCB_WORDS - 2, UTCB_WORDS] {
        exchange(&mut ctx.utcb, p, n, n as u64 * 1000, 0xdead_beef_0001)?;
    }
    let s = ctx.sm(0)?;
    let ctl = |sel: u64| st(Portal(sel).set_id(1));
    status(
        "pt_ctrl: out of range",
        ctl(OBJ_SPACE_SELECTORS),
        Status::BadSelector,
    )?;
    status("pt_ctrl: empty", ctl(s.0 + 1), Status::BadSelector)?;
    status("pt_ctrl: wrong type", ctl(s.0), Status::WrongType)?;
    let call_only = ctx.copy(p.0, pt::CALL)?;
    status("pt_ctrl: without CTRL", ctl(call_only), Status::Denied)?;
    exchange(&mut ctx.utcb, Portal(call_only), 2, 5, 0xdead_beef_0001)
}

/// Starts a server PD and copies its portal into ours; the portal.
pub fn start_server(ctx: &mut Ctx) -> Result<(Portal, user_rt::loader::Child), Fail> {
    let ready = ctx.sm(0)?;
    let child = spawn(
        ctx,
        &Spawn {
            args: "role=server",
            ..Spawn::default()
        },
        |l| l.grant_cap("ready", ready.0, sm::UP, sel::SELF + 1, ObjType::Sm),
    )?;
    ok("server ready", ready.down_until(ctx.deadline(2000)))?;
    let mine = ctx.sel();
    let crd = Crd::obj(server::PORTAL, abi::cap::rights::ALL);
    ok(
        "copy the server's portal",
        sys::delegate(child.pd, ctx.me, crd, mine),
    )?;
    Ok((Portal(mine), child))
}

fn ping_pong(ctx: &mut Ctx) -> TResult {
    let (p, _) = start_server(ctx)?;
    let mut id = 0;
    for i in 0..64u64 {
        if i == 32 {
            id = 0x5e77_0000_0000_0020;
            ok("set id of the server's portal", p.set_id(id))?;
        }
        exchange(&mut ctx.utcb, p, (i % 9) as usize, i << 32, id)?;
    }
    exchange(&mut ctx.utcb, p, UTCB_WORDS, 7, id)
}

fn block(_: &mut Utcb, _: u64, _: u64, _: u64) -> Reply {
    ENTERED.store(1, SeqCst);
    Reply::Park
}

fn caller(u: &mut Utcb, portal: u64) {
    STATUS.store(st(Portal(portal).call(u, 1)) as u64, SeqCst);
}

fn aborted(ctx: &mut Ctx) -> TResult {
    ENTERED.store(0, SeqCst);
    STATUS.store(u64::MAX, SeqCst);
    let h = ctx.handler(0, block, 0)?;
    let p = ctx.portal(h, 0)?;
    let t = ctx.thread(0, 60, 0, caller, p.0)?;
    that(
        "handler entered",
        ctx.wait_until(1000, || ENTERED.load(SeqCst) == 1),
    )?;
    eq("caller still waits", STATUS.load(SeqCst), u64::MAX)?;
    ok(
        "destroy the handler",
        sys::revoke(ctx.me, Crd::obj(h.0, 0), true),
    )?;
    ctx.join(&t, 1000)?;
    let got = Status::from_raw(STATUS.load(SeqCst)).unwrap_or(Status::BadCall);
    status("caller's status", got, Status::Aborted)?;
    let again = st(p.call(&mut ctx.utcb, 0));
    status("its portal went with it", again, Status::BadSelector)
}

//! `role=server`: an IPC partner in a PD of its own. It makes a local EC
//! and a portal at [`PORTAL`] that answers with [`echo`], then counts up
//! its `ready` semaphore; the test copies the portal out of the server's
//! space (it holds the server's PD capability) and calls it.

use crate::ctx::Ctx;
use crate::thread::Reply;
use abi::utcb::UTCB_WORDS;
use user_rt::sys::{Selector, Sm};
use user_rt::{Line, Utcb};

/// Where the server puts its portal.
pub const PORTAL: Selector = 4000;

/// The transformation of word `i` of a message.
pub fn mix(x: u64, i: usize) -> u64 {
    x.rotate_left(7) ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Words of the reply to a message of `n` words.
pub fn reply_len(n: usize) -> usize {
    (n + 2).min(UTCB_WORDS)
}

/// Answers `[id, n, mix(w0, 0), mix(w1, 1), ...]` (as many as fit).
pub fn echo(u: &mut Utcb, id: u64, words: u64, _: u64) -> Reply {
    let m = reply_len(words as usize);
    let w = u.words_mut();
    for i in (0..m - 2).rev() {
        w[i + 2] = mix(w[i], i);
    }
    w[0] = id;
    w[1] = words;
    Reply::Words(m)
}

pub fn run(ctx: &mut Ctx) {
    let made = ctx
        .handler(0, echo, 0)
        .and_then(|h| ctx.portal_at(PORTAL, h, 0));
    if made.is_err() {
        Line::new()
            .str("ktest: server: cannot make its portal")
            .print();
        return;
    }
    if let Some((ready, _)) = ctx.info.cap("ready") {
        let _ = Sm(ready).up();
    }
}

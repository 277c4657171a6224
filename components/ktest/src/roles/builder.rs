//! `role=builder`: a PD that fills itself with objects, so a test can
//! destroy it and check that everything goes and the quota comes back. It
//! makes a global EC (finished, parked), a local EC with a portal at
//! [`PORTAL`], a semaphore at [`SM`], and a grandchild PD at [`GRANDCHILD`]
//! with a semaphore of its own, RAM pages mapped and a copy of [`SM`];
//! then it counts up its `ready` semaphore.

use crate::check::{ok, Fail};
use crate::ctx::Ctx;
use crate::roles::server::echo;
use abi::cap::rights;
use user_rt::sys::{self, Crd, Selector, Sm};
use user_rt::Line;

pub const PORTAL: Selector = 4000;
pub const SM: Selector = 4001;
pub const GRANDCHILD: Selector = 4002;
pub const GRANDCHILD_SM: Selector = 4003;

fn build(ctx: &mut Ctx) -> Result<(), Fail> {
    ctx.thread(0, 10, 0, |_, _| {}, 0)?;
    let h = ctx.handler(0, echo, 0)?;
    ctx.portal_at(PORTAL, h, 0)?;
    ok("sm", sys::create_sm(SM, ctx.me, 0))?;
    let g = ok("grandchild", sys::create_pd(GRANDCHILD, ctx.me, 32))?;
    ok("grandchild sm", sys::create_sm(GRANDCHILD_SM, g, 0))?;
    let pages = ctx.block(2)?;
    let crd = Crd::mem(pages >> 12, 2, rights::mem::RW);
    ok("grandchild ram", sys::delegate(ctx.me, g, crd, 0x1_0000))?;
    ok(
        "grandchild sm copy",
        sys::delegate(ctx.me, g, Crd::obj(SM, rights::ALL), 100),
    )
}

pub fn run(ctx: &mut Ctx) {
    if let Err(why) = build(ctx) {
        Line::new()
            .str("ktest: builder: ")
            .bytes(why.line().as_bytes())
            .print();
        return;
    }
    if let Some((ready, _)) = ctx.info.cap("ready") {
        let _ = Sm(ready).up();
    }
}

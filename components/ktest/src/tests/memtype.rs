//! Memory types: a delegation can make memory uncached (never cached
//! again further down), Lookup reports the type, and the kernel refuses to
//! read uncached memory on a caller's behalf (it would use the cached
//! direct map).

use crate::check::{eq, ok, st, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::mem;
use abi::{delegate_flags, mem_type, Crd, Status};
use user_rt::sys::{self, req};

pub const TESTS: &[Test] = &[("memory_type_uncached_delegation", uncached)];

/// `len` bytes at `addr` of this PD.
fn bytes(addr: u64, len: usize) -> &'static [u8] {
    // SAFETY: the callers pass pages this test mapped read-write in its own
    // PD and keeps mapped while the slice is used.
    unsafe { core::slice::from_raw_parts(addr as *const u8, len) }
}

fn uncached(ctx: &mut Ctx) -> TResult {
    let me = ctx.me;
    let page = ctx.pages(1)?;
    let text = b"ktest: (write-back console write)\n";
    // SAFETY: `page` is a fresh page of this PD's RAM, mapped read-write.
    unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), page as *mut u8, text.len()) };
    let wb = |what, addr: u64| -> TResult {
        eq(
            what,
            ok(what, sys::mem_type(me, addr >> 12))?,
            mem_type::WRITE_BACK,
        )
    };
    let uc = |what, addr: u64| -> TResult {
        eq(
            what,
            ok(what, sys::mem_type(me, addr >> 12))?,
            mem_type::UNCACHED,
        )
    };
    wb("RAM is write-back", page)?;
    let alias = ctx.va(4096);
    let crd = Crd::mem(page >> 12, 0, mem::RW);
    ok(
        "delegate uncached",
        sys::delegate_uncached(me, me, crd, alias >> 12),
    )?;
    uc("the copy is uncached", alias)?;
    wb("the source stays write-back", page)?;
    eq(
        "one memory, two types",
        u64::from(bytes(alias, 1)[0]),
        u64::from(b'k'),
    )?;
    let again = ctx.va(4096);
    let from_alias = Crd::mem(alias >> 12, 0, mem::RW);
    ok(
        "delegate the copy on",
        sys::delegate(me, me, from_alias, again >> 12),
    )?;
    uc("a type is never strengthened", again)?;
    status(
        "console write from uncached memory",
        st(sys::console_write(bytes(alias, text.len()))),
        Status::BadMemory,
    )?;
    ok(
        "console write from write-back memory",
        sys::console_write(bytes(page, text.len())),
    )?;
    let unknown = req::delegate_with(me, me, crd, ctx.va(4096) >> 12, 1 << 2)
        .issue()
        .status();
    status("an undefined flag", unknown, Status::BadParameter)?;
    let sel = ctx.sel();
    let objects = req::delegate_with(me, me, Crd::obj(me.0, 0x1f), sel, delegate_flags::UNCACHED);
    status(
        "uncached objects",
        objects.issue().status(),
        Status::BadParameter,
    )?;
    status(
        "nothing was delegated",
        st(sys::lookup(me, Crd::obj(sel, 0))),
        Status::BadSelector,
    )?;
    ok(
        "revoke the copies",
        sys::revoke(me, Crd::mem(alias >> 12, 0, 0), true),
    )?;
    status(
        "the copy of the copy went too",
        st(sys::mem_type(me, again >> 12)),
        Status::BadSelector,
    )?;
    wb("the source stays", page)
}

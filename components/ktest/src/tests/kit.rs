//! What the scheduling, semaphore, SMP, FPU, entry and benchmark tests
//! share: global ECs started later or with a quantum of their own, and ECs
//! in *another* PD that run a function of this image on pages shared with
//! this PD.
//!
//! Another PD is a copy of ktest loaded with `role=idle` ([`Other::new`]);
//! its read-only segments are this image's, so an EC created in it can
//! enter any function of ours that touches only its stack and the shared
//! pages. Each such EC gets four pages at an address of the other PD:
//! a data page shared with us, two shared stack pages and its UTCB above
//! them; it finds the data page from the UTCB address it starts with
//! ([`remote_words`]). By convention word 0 of the data page names an
//! `UP` semaphore and word 1 a `DOWN` semaphore in the other PD, for
//! [`remote_finish`].

use crate::check::{ok, Fail};
use crate::ctx::Ctx;
use crate::spawn::{spawn, Spawn};
use crate::thread::{self, Body};
use core::sync::atomic::{AtomicU64, Ordering};
use user_rt::loader::plan::PAGE;
use user_rt::start::entry_sp;
use user_rt::sys::{self, Crd, Ec, EcSpec, Pd, Sc, Selector, Sm, Status};

/// Stack pages of a thread made here.
const STACK_PAGES: u64 = 4;
/// Pages below a remote EC's UTCB: the data page and two stack pages.
const REMOTE_PAGES: u64 = 3;
/// Where this file puts capabilities it grants another PD.
const OTHER_FIRST_SEL: Selector = 4096;

/// Words of a shared data page.
pub type Words = [AtomicU64; 512];

/// A global EC of this PD that has no scheduling context yet.
#[derive(Clone, Copy)]
pub struct Parked {
    pub ec: Ec,
    /// Counted up when the body returns.
    pub done: Sm,
}

/// A global EC of this PD on `cpu` that will run `body(utcb, arg)` once
/// [`start`] binds a scheduling context to it.
pub fn parked(
    ctx: &mut Ctx,
    cpu: u32,
    evt_base: Selector,
    body: Body,
    arg: u64,
) -> Result<Parked, Fail> {
    let lo = ctx.pages(STACK_PAGES)?;
    let hi = lo + STACK_PAGES * PAGE;
    let utcb = ctx.va(PAGE);
    let done = ctx.sm(0)?;
    if !thread::register_body(lo, hi, utcb, body, arg, done) {
        return Err(Fail::new("too many threads"));
    }
    let entry = thread::global_entry as *const () as u64;
    let spec = EcSpec::global(ctx.me, cpu, utcb, entry_sp(hi), evt_base, entry);
    let ec = ok("create_ec(parked)", sys::create_ec(ctx.sel(), &spec))?;
    Ok(Parked { ec, done })
}

/// Starts `ec` with priority `prio` and a quantum of `quantum_us`.
pub fn start(ctx: &mut Ctx, ec: Ec, prio: u8, quantum_us: u64) -> Result<Sc, Fail> {
    ok("create_sc", sys::create_sc(ctx.sel(), ec, prio, quantum_us))
}

/// A global EC of this PD with event base `evt` running `body` at `prio`
/// with `quantum_us`.
pub fn thread_q(
    ctx: &mut Ctx,
    cpu: u32,
    prio: u8,
    quantum_us: u64,
    evt: Selector,
    body: Body,
    arg: u64,
) -> Result<(Parked, Sc), Fail> {
    let p = parked(ctx, cpu, evt, body, arg)?;
    let sc = start(ctx, p.ec, prio, quantum_us)?;
    Ok((p, sc))
}

/// Waits up to `ms` for `done` to be counted up.
pub fn join(ctx: &Ctx, done: Sm, ms: u64) -> Result<(), Fail> {
    match done.down_until(ctx.deadline(ms)) {
        Ok(()) => Ok(()),
        Err(Status::Timeout) => Err(Fail::new("an EC did not finish in time")),
        Err(e) => ok("join", Err(e)),
    }
}

/// TSC cycles in `ms` milliseconds.
pub fn ms(ctx: &Ctx, ms: u64) -> u64 {
    ms * ctx.tsc_khz
}

/// The time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: reads the time-stamp counter, which ring 3 may.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Another PD: a copy of ktest with `role=idle`, whose only EC parks.
pub struct Other {
    pub pd: Pd,
    next_sel: Selector,
    /// The event base of ECs made from now on (the last [`Other::events`]).
    evt: Selector,
}

/// An EC in another PD and its shared data page.
pub struct RemoteEc {
    pub ec: Ec,
    /// The data page, as we see it.
    pub words: &'static Words,
    /// The data page's address in the other PD.
    pub remote: u64,
}

/// The words of the page at `addr`, which [`Ctx::pages`] handed out.
fn own_words(addr: u64) -> &'static Words {
    // SAFETY: `addr` comes from `Ctx::pages`: a page-aligned page of
    // ktest's RAM, mapped read-write for as long as ktest runs and handed
    // out once (a bump allocator). Atomics make sharing it with other ECs,
    // in this PD or another, sound.
    unsafe { &*(addr as *const Words) }
}

/// A fresh page of our RAM, zeroed: its address and its words.
pub fn fresh_page(ctx: &mut Ctx) -> Result<(u64, &'static Words), Fail> {
    let addr = ctx.pages(1)?;
    let w = own_words(addr);
    w.iter().for_each(|x| x.store(0, Ordering::Relaxed));
    Ok((addr, w))
}

/// The shared data page of a remote EC, from the UTCB address it starts
/// with (in `rdi`).
///
/// # Safety
/// The caller is an EC made by [`Other::ec`] and `utcb` is its UTCB
/// address, so the data page lies [`REMOTE_PAGES`] pages below it and
/// stays mapped read-write while the EC exists.
pub unsafe fn remote_words(utcb: u64) -> &'static Words {
    // SAFETY: by the contract, a mapped, page-aligned read-write page;
    // atomics make sharing it sound.
    unsafe { &*((utcb - REMOTE_PAGES * PAGE) as *const Words) }
}

/// Ends a remote EC: counts up the semaphore of word 0 and then waits on
/// that of word 1 for good.
pub fn remote_finish(w: &Words) -> ! {
    let _ = Sm(w[0].load(Ordering::Acquire)).up();
    loop {
        let _ = Sm(w[1].load(Ordering::Acquire)).down();
        core::hint::spin_loop();
    }
}

impl Other {
    /// Loads a copy of ktest as another PD; it is destroyed with the test.
    pub fn new(ctx: &mut Ctx) -> Result<Self, Fail> {
        let spec = Spawn {
            args: "role=idle",
            ram: 256 << 10,
            ..Spawn::default()
        };
        let child = spawn(ctx, &spec, |_| Ok(()))?;
        Ok(Self {
            pd: child.pd,
            next_sel: OTHER_FIRST_SEL,
            evt: 0,
        })
    }

    /// Delegates our capability `sel` with `rights` to the other PD; its
    /// selector there.
    pub fn grant(&mut self, ctx: &Ctx, sel: Selector, rights: u8) -> Result<Selector, Fail> {
        let at = self.next_sel;
        self.next_sel += 1;
        ok(
            "delegate to the other PD",
            sys::delegate(ctx.me, self.pd, Crd::obj(sel, rights), at),
        )?;
        Ok(at)
    }

    /// Grants our portal `pt` (`CALL`) at all 32 selectors of a new event
    /// base of the other PD: every exception of an EC with that base is a
    /// call to it. ECs [`Other::ec`] makes from now on use it. The base.
    pub fn events(&mut self, ctx: &Ctx, pt: Selector) -> Result<Selector, Fail> {
        self.next_sel = self.next_sel.next_multiple_of(32);
        let base = self.next_sel;
        for _ in 0..32 {
            self.grant(ctx, pt, abi::cap::rights::pt::CALL)?;
        }
        self.evt = base;
        Ok(base)
    }

    /// Maps our page `page` in the other PD at `at` with `rights`.
    pub fn map(&self, ctx: &Ctx, page: u64, at: u64, rights: u8) -> Result<(), Fail> {
        let crd = Crd::mem(page / PAGE, 0, rights);
        ok(
            "map in the other PD",
            sys::delegate(ctx.me, self.pd, crd, at / PAGE),
        )
    }

    /// `pages` fresh pages of ours, zeroed and mapped read-write in the
    /// other PD too (followed by a free page there): the first page's
    /// words, and the address of the pages there.
    pub fn shared(&self, ctx: &mut Ctx, pages: u64) -> Result<(&'static Words, u64), Fail> {
        let local = ctx.pages(pages)?;
        let remote = ctx.va((pages + 1) * PAGE);
        for i in 0..pages {
            let rw = abi::cap::rights::mem::RW;
            self.map(ctx, local + i * PAGE, remote + i * PAGE, rw)?;
        }
        let w = own_words(local);
        w.iter().for_each(|x| x.store(0, Ordering::Relaxed));
        Ok((w, remote))
    }

    /// An EC in the other PD on `cpu` entering `entry` (global: at once
    /// when it gets an SC; local: on each call of its portals) with the
    /// shared pages. Word 0 and 1 of the data page are set for
    /// [`remote_finish`] (`done` gets `UP`, a fresh semaphore `DOWN`).
    pub fn ec(
        &mut self,
        ctx: &mut Ctx,
        cpu: u32,
        entry: u64,
        global: bool,
        done: Sm,
    ) -> Result<RemoteEc, Fail> {
        let (w, remote) = self.shared(ctx, REMOTE_PAGES)?;
        let park = ctx.sm(0)?;
        w[0].store(
            self.grant(ctx, done.0, abi::cap::rights::sm::UP)?,
            Ordering::Release,
        );
        w[1].store(
            self.grant(ctx, park.0, abi::cap::rights::sm::DOWN)?,
            Ordering::Release,
        );
        let utcb = remote + REMOTE_PAGES * PAGE;
        let spec = EcSpec {
            pd: self.pd,
            cpu,
            utcb,
            stack_ptr: entry_sp(utcb),
            evt_base: self.evt,
            entry,
            global,
        };
        let ec = ok("create_ec(remote)", sys::create_ec(ctx.sel(), &spec))?;
        Ok(RemoteEc {
            ec,
            words: w,
            remote,
        })
    }
}

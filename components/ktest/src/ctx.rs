//! What a test works with: its PD, selectors, RAM and address space to
//! allocate from, time, and helpers that make ECs and portals in its own
//! PD. Everything a test allocates from the selector range is destroyed
//! after it ([`Ctx::cleanup`]), so each test starts from the same state.

use crate::check::{ok, Fail, TResult};
use crate::quota::Reach;
use crate::thread::{self, Body, Handler};
use user_rt::loader::{layout, plan, BumpFrames, Frames, StartInfo};
use user_rt::start::entry_sp;
use user_rt::sys::{self, Crd, Ec, EcSpec, Mtd, Pd, Portal, Sc, Selector, Sm, Status};
use user_rt::Utcb;

/// Stack of a thread or handler.
const STACK: u64 = 16 << 10;
/// Selectors below this are never handed out by [`Ctx::fresh_leaf`]'s
/// downward counter.
const LEAF_FLOOR: Selector = 1 << 16;
const LEAF: Selector = 512;

pub struct Ctx {
    pub me: Pd,
    pub info: &'static StartInfo,
    /// The main EC's UTCB.
    pub utcb: Utcb,
    pub cpus: u32,
    pub tsc_khz: u64,
    /// The hypervisor's CPU features (`abi::hip::feature`).
    pub features: u64,
    pub frames: BumpFrames,
    next_sel: Selector,
    /// The highest `next_sel` ever reached.
    peak_sel: Selector,
    mark: Selector,
    next_leaf: Selector,
    next_va: u64,
    nap: Sm,
}

/// A global EC of this PD running a [`Body`].
#[derive(Clone, Copy)]
pub struct Thread {
    pub ec: Ec,
    pub sc: Sc,
    /// Counted up when the body returns.
    pub done: Sm,
}

impl Ctx {
    /// Sets up the context of the running program (`me` needs
    /// `CTRL|CREATE`).
    pub fn new(info: &'static StartInfo, me: Pd, utcb: Utcb, frames: BumpFrames) -> Self {
        let mut c = Self {
            me,
            info,
            utcb,
            cpus: info.cpu_count,
            tsc_khz: info.tsc_khz.max(1),
            features: info.features,
            frames,
            next_sel: info.free_sel,
            peak_sel: info.free_sel,
            mark: info.free_sel,
            next_leaf: abi::cap::OBJ_SPACE_SELECTORS - LEAF,
            next_va: layout::FREE,
            nap: Sm(0),
        };
        let park = c.sel();
        let nap = c.sel();
        // Without these the program still runs; sleeping then spins.
        if let Ok(p) = sys::create_sm(park, me, 0) {
            thread::set_park(p);
        }
        c.nap = sys::create_sm(nap, me, 0).unwrap_or(Sm(nap));
        c.mark = c.next_sel;
        c
    }

    /// A free selector.
    pub fn sel(&mut self) -> Selector {
        self.sels(1)
    }

    /// `n` (a power of two) free selectors aligned to `n`; the first.
    pub fn sels(&mut self, n: u64) -> Selector {
        let s = self.next_sel.next_multiple_of(n);
        self.next_sel = s + n;
        self.peak_sel = self.peak_sel.max(self.next_sel);
        s
    }

    /// Makes the next `n` selectors cheap: their tables exist and `n` free
    /// capability nodes wait in this PD's slab, so creating or receiving
    /// capabilities there charges only the objects themselves.
    pub fn warm(&mut self, n: u64) -> Result<(), Fail> {
        let first = self.next_sel;
        for i in 0..n {
            ok("warm", sys::create_sm(first + i, self.me, 0))?;
        }
        for i in 0..n {
            ok("unwarm", sys::revoke(self.me, Crd::obj(first + i, 0), true))?;
        }
        self.peak_sel = self.peak_sel.max(first + n);
        self.next_sel = first;
        Ok(())
    }

    /// A selector in a block of 512 that nothing has used, so the kernel
    /// has no table for it yet.
    pub fn fresh_leaf(&mut self) -> Selector {
        self.next_leaf -= LEAF;
        assert!(self.next_leaf >= LEAF_FLOOR);
        self.next_leaf
    }

    /// `n` fresh pages of this PD's RAM (mapped read-write); their address.
    pub fn pages(&mut self, n: u64) -> Result<u64, Fail> {
        self.frames
            .take(n, plan::PAGE)
            .ok_or(Fail::new("out of RAM"))
    }

    /// A fresh block of `2^order` pages aligned to its size.
    pub fn block(&mut self, order: u8) -> Result<u64, Fail> {
        self.frames.alloc(order).ok_or(Fail::new("out of RAM"))
    }

    /// `bytes` of address space nothing is mapped at, with a free page on
    /// either side.
    pub fn va(&mut self, bytes: u64) -> u64 {
        let at = self.next_va + plan::PAGE;
        self.next_va = (at + bytes).next_multiple_of(plan::PAGE) + plan::PAGE;
        at
    }

    /// How far selectors and address space were ever handed out: what
    /// kernel tables this PD may have needed so far.
    pub fn reach(&self) -> Reach {
        Reach {
            sel: self.peak_sel,
            leaf: self.next_leaf,
            va: self.next_va,
        }
    }

    /// Starts a test: what it allocates from here on is its own.
    pub fn mark(&mut self) {
        self.mark = self.next_sel;
    }

    /// Destroys everything the test allocated selectors for (objects,
    /// copies of capabilities) and forgets its threads.
    pub fn cleanup(&mut self) {
        let count = self.next_sel - self.mark;
        for b in plan::blocks(self.mark, self.mark, count, 31) {
            let _ = sys::revoke(self.me, Crd::new(abi::Space::Obj, b.src, b.order, 0), true);
        }
        thread::clear_all();
        self.next_sel = self.mark;
    }

    pub fn now(&self) -> u64 {
        // SAFETY: reads the time-stamp counter, which ring 3 may.
        unsafe { core::arch::x86_64::_rdtsc() }
    }

    /// The TSC value `ms` milliseconds from now.
    pub fn deadline(&self, ms: u64) -> u64 {
        self.now() + ms * self.tsc_khz
    }

    /// Sleeps about `ms` milliseconds.
    pub fn sleep(&self, ms: u64) {
        let end = self.deadline(ms);
        while self.now() < end {
            if self.nap.down_until(end) == Err(Status::BadSelector) {
                core::hint::spin_loop();
            }
        }
    }

    /// Polls `cond` every millisecond for up to `ms` milliseconds.
    pub fn wait_until(&self, ms: u64, cond: impl Fn() -> bool) -> bool {
        let end = self.deadline(ms);
        loop {
            if cond() {
                return true;
            }
            if self.now() >= end {
                return false;
            }
            self.sleep(1);
        }
    }

    /// A stack and a UTCB address for a new EC of this PD: (stack bottom,
    /// stack top, UTCB).
    fn ec_memory(&mut self) -> Result<(u64, u64, u64), Fail> {
        let lo = self.pages(STACK / plan::PAGE)?;
        Ok((lo, lo + STACK, self.va(plan::PAGE)))
    }

    /// A global EC of this PD on `cpu` with priority `prio` and event base
    /// `evt_base`, running `body(utcb, arg)`; it starts at once.
    pub fn thread(
        &mut self,
        cpu: u32,
        prio: u8,
        evt_base: Selector,
        body: Body,
        arg: u64,
    ) -> Result<Thread, Fail> {
        let (lo, hi, utcb) = self.ec_memory()?;
        let (ec_sel, sc_sel, done_sel) = (self.sel(), self.sel(), self.sel());
        let done = ok("create_sm(done)", sys::create_sm(done_sel, self.me, 0))?;
        if !thread::register_body(lo, hi, utcb, body, arg, done) {
            return Err(Fail::new("too many threads"));
        }
        let entry = thread::global_entry as *const () as u64;
        let spec = EcSpec::global(self.me, cpu, utcb, entry_sp(hi), evt_base, entry);
        let ec = ok("create_ec(thread)", sys::create_ec(ec_sel, &spec))?;
        let sc = ok(
            "create_sc(thread)",
            sys::create_sc(sc_sel, ec, prio, 10_000),
        )?;
        Ok(Thread { ec, sc, done })
    }

    /// A global EC created but not started (no SC): for calls that need one.
    pub fn idle_thread(&mut self, cpu: u32) -> Result<Ec, Fail> {
        let (_, hi, utcb) = self.ec_memory()?;
        let entry = thread::global_entry as *const () as u64;
        let spec = EcSpec::global(self.me, cpu, utcb, entry_sp(hi), 0, entry);
        ok("create_ec(idle)", sys::create_ec(self.sel(), &spec))
    }

    /// A local EC of this PD on `cpu` that serves its portals with
    /// `handler(utcb, id, words, arg)`.
    pub fn handler(&mut self, cpu: u32, handler: Handler, arg: u64) -> Result<Ec, Fail> {
        self.handler_utcb(cpu, handler, arg).map(|(ec, _)| ec)
    }

    /// [`Ctx::handler`], and the address of the EC's UTCB (for portal
    /// entries in assembly that bypass `thread::local_entry`).
    pub fn handler_utcb(
        &mut self,
        cpu: u32,
        handler: Handler,
        arg: u64,
    ) -> Result<(Ec, u64), Fail> {
        let (lo, hi, utcb) = self.ec_memory()?;
        if !thread::register_handler(lo, hi, utcb, handler, arg) {
            return Err(Fail::new("too many threads"));
        }
        let spec = EcSpec::local(self.me, cpu, utcb, entry_sp(hi), 0);
        let ec = ok("create_ec(handler)", sys::create_ec(self.sel(), &spec))?;
        Ok((ec, utcb))
    }

    /// A portal to the local EC `ec` at selector `at`, with `mtd`.
    pub fn portal_at(&mut self, at: Selector, ec: Ec, mtd: u64) -> Result<Portal, Fail> {
        let entry = thread::local_entry as *const () as u64;
        ok("create_pt", sys::create_pt(at, ec, entry, Mtd(mtd)))
    }

    /// A portal to the local EC `ec` at a new selector.
    pub fn portal(&mut self, ec: Ec, mtd: u64) -> Result<Portal, Fail> {
        let at = self.sel();
        self.portal_at(at, ec, mtd)
    }

    /// A semaphore of this PD with `count`.
    pub fn sm(&mut self, count: u64) -> Result<Sm, Fail> {
        let at = self.sel();
        ok("create_sm", sys::create_sm(at, self.me, count))
    }

    /// A copy of this PD's capability `sel` at a new selector, with `mask`.
    pub fn copy(&mut self, sel: Selector, mask: u8) -> Result<Selector, Fail> {
        let at = self.sel();
        ok(
            "delegate(copy)",
            sys::delegate(self.me, self.me, Crd::obj(sel, mask), at),
        )?;
        Ok(at)
    }

    /// Waits up to `ms` for `t` to finish.
    pub fn join(&self, t: &Thread, ms: u64) -> TResult {
        match t.done.down_until(self.deadline(ms)) {
            Ok(()) => Ok(()),
            Err(Status::Timeout) => Err(Fail::new("a thread did not finish in time")),
            Err(e) => ok("join", Err(e)),
        }
    }

    /// A child PD of this one with `quota` pages.
    pub fn child_pd(&mut self, quota: u64) -> Result<Pd, Fail> {
        let at = self.sel();
        ok("create_pd", sys::create_pd(at, self.me, quota))
    }
}

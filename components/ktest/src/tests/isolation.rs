//! Isolation: a PD without capabilities (`role=attacker`) gets
//! `BadSelector` for every capability-taking call on every selector, faults
//! on every address of other PDs, the kernel and non-canonical space, on
//! writes to its own read-only pages, and on every port.

use crate::check::{eq, ok, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::roles::attacker::{self, kind, report_at, Report};
use crate::spawn::{spawn, Spawn};
use crate::suite::Test;
use abi::cap::rights::{mem, pt};
use abi::cap::PHYS_WINDOW;
use abi::{Mtd, Status};
use core::sync::atomic::Ordering::SeqCst;
use user_rt::loader::layout;
use user_rt::start::entry_sp;
use user_rt::sys::{self, Crd, EcSpec, Pd};
use user_rt::Line;

pub const TESTS: &[Test] = &[("isolation_attacker_without_capabilities", attack)];

/// (kind, address, expected vector or status, expected CR2, expected error).
type Expect = (u64, u64, u64, Option<u64>, Option<u64>);

fn probes(ctx: &mut Ctx) -> [Expect; 12] {
    let pf = Some;
    let ram = ctx.info.mem("ram").map_or(layout::RAM, |r| r.0);
    [
        (kind::READ, ram, 14, pf(ram), Some(4)),
        (
            kind::READ,
            ram + (32 << 20),
            14,
            pf(ram + (32 << 20)),
            Some(4),
        ),
        (
            kind::READ,
            layout::FREE + 0x1000,
            14,
            pf(layout::FREE + 0x1000),
            Some(4),
        ),
        (
            kind::READ,
            PHYS_WINDOW + 0x10_0000,
            14,
            pf(PHYS_WINDOW + 0x10_0000),
            Some(4),
        ),
        (
            kind::READ,
            0xffff_8000_0010_0000,
            14,
            pf(0xffff_8000_0010_0000),
            None,
        ),
        (kind::READ, 0x0000_8000_0000_0000, 13, None, Some(0)),
        (
            kind::WRITE,
            crate::probe::read_addr(),
            14,
            pf(crate::probe::read_addr()),
            Some(7),
        ),
        (
            kind::WRITE,
            layout::START_INFO,
            14,
            pf(layout::START_INFO),
            Some(7),
        ),
        (kind::IN, 0x70, 13, None, Some(0)),
        (kind::IN, 0x20, 13, None, Some(0)),
        (kind::OUT, 0x3f8, 13, None, Some(0)),
        (kind::CONSOLE, ram, Status::BadMemory as u64, None, None),
    ]
}

/// Puts the handler and its portals in the attacker's PD.
fn arm(ctx: &mut Ctx, pd: Pd, cpu: u32) -> TResult {
    let stack = ctx.block(2)?;
    let base = (attacker::HANDLER_STACK >> 12) - 4;
    ok(
        "handler stack",
        sys::delegate(ctx.me, pd, Crd::mem(stack >> 12, 2, mem::RW), base),
    )?;
    let spec = EcSpec::local(
        pd,
        cpu,
        attacker::HANDLER_UTCB,
        entry_sp(attacker::HANDLER_STACK),
        0,
    );
    let h = ok("handler EC", sys::create_ec(ctx.sel(), &spec))?;
    let entry = attacker::fault_entry as *const () as u64;
    for v in [0, 6, 13, 14] {
        let p = ok("portal", sys::create_pt(ctx.sel(), h, entry, Mtd(Mtd::ALL)))?;
        ok(
            "give it",
            sys::delegate(ctx.me, pd, Crd::obj(p.0, pt::CALL), attacker::EVT + v),
        )?;
    }
    Ok(())
}

fn attack(ctx: &mut Ctx) -> TResult {
    let page = ctx.pages(1)?;
    // SAFETY: a fresh page of our RAM, mapped read-write; zero is a valid
    // `Report` and from now on it is only accessed through atomics.
    let r: &Report = unsafe {
        core::ptr::write_bytes(page as *mut u8, 0, 4096);
        report_at(page)
    };
    let expect = probes(ctx);
    for (p, e) in r.probes.iter().zip(&expect) {
        p.kind.store(e.0, SeqCst);
        p.addr.store(e.1, SeqCst);
    }
    r.probe_count.store(expect.len() as u64, SeqCst);
    let cpu = ctx.cpus - 1;
    let spec = Spawn {
        args: "role=attacker",
        cpu,
        prio: 40,
        quota: 128,
        ram: 0,
        self_cap: false,
        evt_base: attacker::EVT,
    };
    let child = spawn(ctx, &spec, |l| {
        l.grant_mem("report", page, 4096, mem::RW, attacker::REPORT)
    })?;
    arm(ctx, child.pd, cpu)?;
    r.armed.store(1, SeqCst);
    that(
        "the attacker finished",
        ctx.wait_until(20_000, || r.done.load(SeqCst) == 1),
    )?;
    // It ends itself right after (see `attacker::run`): its time stops.
    let last = core::cell::Cell::new(u64::MAX);
    let stopped = ctx.wait_until(1000, || {
        let now = child.sc.consumed().unwrap_or(0);
        last.replace(now) == now
    });
    that("the attacker stopped", stopped)?;
    for call in 0..attacker::CALLS {
        let first = r.first_other[call].load(SeqCst);
        if r.other[call].load(SeqCst) != 0 {
            return Err(Fail::from(
                Line::new()
                    .str("call #")
                    .dec(call as u64)
                    .str(" on selector ")
                    .dec(first >> 8)
                    .str(": status ")
                    .dec(first & 0xff)
                    .str(" instead of bad selector"),
            ));
        }
        eq(
            "selectors refused",
            r.bad_selector[call].load(SeqCst),
            attacker::SEL_RANGE,
        )?;
    }
    let mut faults = 0;
    for (i, (p, e)) in r.probes.iter().zip(&expect).enumerate() {
        let fail = |what: &str, got: u64, want: u64| {
            Fail::from(
                Line::new()
                    .str("probe ")
                    .dec(i as u64)
                    .str(": ")
                    .str(what)
                    .str(": expected ")
                    .hex(want)
                    .str(", got ")
                    .hex(got),
            )
        };
        let got = p.vector.load(SeqCst);
        if got != e.2 {
            return Err(fail("vector (or status); all ones: no fault", got, e.2));
        }
        if let Some(cr2) = e.3.filter(|&c| c != p.cr2.load(SeqCst)) {
            return Err(fail("cr2", p.cr2.load(SeqCst), cr2));
        }
        if let Some(err) = e.4.filter(|&x| x != p.error.load(SeqCst) & 7) {
            return Err(fail("error code", p.error.load(SeqCst), err));
        }
        faults += u64::from(e.0 != kind::CONSOLE);
    }
    eq("faults the handler saw", r.faults.load(SeqCst), faults)
}

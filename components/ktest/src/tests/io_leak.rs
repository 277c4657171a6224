//! An I/O bitmap does not outlive its PD on a CPU: PD P, holding the CMOS
//! ports, reads one on the last CPU (so that CPU loads P's bitmap); P is
//! destroyed; then PD R, holding no ports (or only the other CMOS port, so
//! it has a bitmap of its own), reads the same port on that CPU and must
//! get #GP, every time: its handler (in ktest's PD, whose own bitmap allows
//! the port) must not leave ktest's bitmap loaded for R either. Several
//! rounds, so that new PDs reuse the memory of destroyed ones.

use super::exc::{self, mode, SEEN};
use super::kit::{self, remote_finish, remote_words, Other};
use crate::check::{eq, ok, that, TResult};
use crate::ctx::Ctx;
use crate::probe::{self, MARK};
use crate::suite::Test;
use abi::Mtd;
use core::sync::atomic::Ordering::SeqCst;
use user_rt::sys::{self, Crd};
use user_rt::Line;

pub const TESTS: &[Test] = &[("io_bitmap_gone_with_its_pd", bitmap_gone)];

/// The port read: CMOS data (the index is left at register C, whose read
/// has no effect while the RTC raises no interrupts).
const PORT: u64 = 0x71;
const ROUNDS: u64 = 4;
/// Words of the data page: the port, then what each read returned.
const W_PORT: usize = 2;
const W_READS: usize = 3;
const READS: usize = 3;

/// A remote EC: reads the port of word 2 three times, recording each
/// result (`MARK | 13` when its handler skipped a #GP), and finishes.
extern "C" fn reader(utcb: u64) -> ! {
    // SAFETY: this EC was made by `Other::ec`, which starts it with its
    // UTCB address.
    let w = unsafe { remote_words(utcb) };
    let port = w[W_PORT].load(SeqCst);
    for i in 0..READS {
        w[W_READS + i].store(probe::port_in(port), SeqCst);
    }
    remote_finish(w)
}

/// Loads a PD with `ports` (a CMOS port range, or none), runs [`reader`]
/// in it on `cpu` with exceptions to `evt_pt` (if any), and waits; what
/// the reads returned. The PD is destroyed afterwards.
fn run_reader(
    ctx: &mut Ctx,
    cpu: u32,
    ports: Option<Crd>,
    evt_pt: Option<u64>,
) -> Result<[u64; READS], crate::check::Fail> {
    let mut other = Other::new(ctx)?;
    if let Some(crd) = ports {
        ok(
            "grant ports",
            sys::delegate(ctx.me, other.pd, crd, crd.base()),
        )?;
    }
    if let Some(pt) = evt_pt {
        other.events(ctx, pt)?;
    }
    let done = ctx.sm(0)?;
    let e = other.ec(ctx, cpu, reader as *const () as u64, true, done)?;
    e.words[W_PORT].store(PORT, SeqCst);
    kit::start(ctx, e.ec, 40, 10_000)?;
    kit::join(ctx, done, 2000)?;
    let got = core::array::from_fn(|i| e.words[W_READS + i].load(SeqCst));
    ok(
        "destroy the PD",
        sys::revoke(ctx.me, Crd::obj(other.pd.0, 0), true),
    )?;
    Ok(got)
}

fn bitmap_gone(ctx: &mut Ctx) -> TResult {
    let cpu = ctx.cpus - 1;
    exc::reset();
    let evt = exc::handler(ctx, cpu, mode::RECOVER, Mtd::ALL, &[13])?;
    let pt = evt + 13;
    for round in 0..ROUNDS {
        let both = Crd::io(0x70, 1);
        let reads = run_reader(ctx, cpu, Some(both), None)?;
        // Without a handler, a #GP would have killed it before it finished.
        that("P read its port", reads.iter().all(|r| r & MARK != MARK))?;
        let before = SEEN.count.load(SeqCst);
        // Odd rounds: R has a bitmap too, without the port.
        let index_only = (round % 2 == 1).then(|| Crd::io(0x70, 0));
        let reads = run_reader(ctx, cpu, index_only, Some(pt))?;
        for r in reads {
            if r != MARK | 13 {
                let line = Line::new()
                    .str("round ")
                    .dec(round)
                    .str(": R read port 0x71 without #GP: ")
                    .hex(r);
                return Err(crate::check::Fail::from(line));
            }
        }
        eq(
            "#GPs R's handler saw",
            SEEN.count.load(SeqCst) - before,
            READS as u64,
        )?;
        eq("vector", SEEN.vector.load(SeqCst), 13)?;
    }
    Ok(())
}

//! Large mappings end to end: a naturally aligned block of 2 MiB (order 9)
//! and of 4 MiB (order 10) of ktest's RAM is delegated to another PD at an
//! aligned address, where an EC on the last CPU reads what ktest wrote at
//! the start, in the middle and at the last word of the block, and writes
//! there what ktest then reads. Then it reads the last word over and over;
//! revoking the block from the other PD stops those reads when `Revoke`
//! returns (the other CPU's TLB entry for the large page is gone), and
//! every probed address faults there (#PF, CR2 = the address), while
//! ktest's own mapping stays.

use super::exc::{self, mode, SEEN};
use super::kit::{self, remote_finish, remote_words, Other};
use crate::check::{eq, ok, st, status, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::probe::{self, MARK};
use crate::suite::Test;
use abi::cap::rights::mem;
use abi::Mtd;
use core::sync::atomic::Ordering::SeqCst;
use user_rt::sys::{self, Crd, Sm, Status};

pub const TESTS: &[Test] = &[("large_mappings_2m_and_4m", large)];

/// Words of the data page: the block's address and size there, a
/// semaphore to wait on between the passes, what the first pass read and
/// wrote, that it is done, what the second pass read, and how many reads
/// of the last word succeeded in between.
const W_AT: usize = 2;
const W_SIZE: usize = 3;
const W_GO: usize = 4;
const W_READ: usize = 5;
const W_WROTE: usize = 8;
const W_PASS: usize = 11;
const W_AGAIN: usize = 12;
const W_LOOPS: usize = 15;

/// What ktest writes at offset `o` before the other PD reads it.
fn ours(o: u64) -> u64 {
    0x6b74_0000_0000_0000 | o
}

/// What the other PD writes at offset `o`.
fn theirs(o: u64) -> u64 {
    0x0c41_0000_0000_0000 | o
}

/// The offsets probed in a block of `size` bytes.
fn offsets(size: u64) -> [u64; 3] {
    [0, size / 2 + 0x1238, size - 8]
}

/// A remote EC: reads and writes the block at the offsets, waits on the
/// semaphore, reads the last word until that faults, then reads the others
/// again (faults are skipped by its handler: `MARK | 14`).
extern "C" fn toucher(utcb: u64) -> ! {
    // SAFETY: this EC was made by `Other::ec`, which starts it with its
    // UTCB address.
    let w = unsafe { remote_words(utcb) };
    let (at, size) = (w[W_AT].load(SeqCst), w[W_SIZE].load(SeqCst));
    for (i, o) in offsets(size).into_iter().enumerate() {
        w[W_READ + i].store(probe::read(at + o), SeqCst);
        w[W_WROTE + i].store(probe::write(at + o, theirs(o)), SeqCst);
    }
    w[W_PASS].store(1, SeqCst);
    let _ = Sm(w[W_GO].load(SeqCst)).down();
    let last = at + size - 8;
    let mut v = probe::read(last);
    while v & MARK != MARK {
        w[W_LOOPS].fetch_add(1, SeqCst);
        v = probe::read(last);
    }
    w[W_AGAIN + 2].store(v, SeqCst);
    for (i, o) in offsets(size).into_iter().enumerate().take(2) {
        w[W_AGAIN + i].store(probe::read(at + o), SeqCst);
    }
    remote_finish(w)
}

/// Reads ktest's word at `addr`.
fn peek(addr: u64) -> u64 {
    // SAFETY: `addr` is an aligned word of a block of our RAM from
    // `Ctx::block`, mapped read-write for us for good; the other PD writes
    // it only in its first pass, which is over when we read.
    unsafe { (addr as *const u64).read_volatile() }
}

/// One block of `2^order` pages, probed from `cpu` with #PF going to
/// our portal `pt`.
fn one_block(ctx: &mut Ctx, order: u8, cpu: u32, pt: u64) -> TResult {
    let size = 4096u64 << order;
    let block = ctx.block(order)?;
    let (own, _) = ok(
        "lookup our block",
        sys::lookup(ctx.me, Crd::mem(block >> 12, 0, 0)),
    )?;
    that("our own capability spans 2 MiB", own.order() >= 9)?;
    for o in offsets(size) {
        // SAFETY: as in `peek`; nothing else uses the fresh block yet.
        unsafe { ((block + o) as *mut u64).write_volatile(ours(o)) };
    }
    let mut other = Other::new(ctx)?;
    other.events(ctx, pt)?;
    let at = ctx.va(2 * size).next_multiple_of(size);
    let crd = Crd::mem(block >> 12, order, mem::RW);
    ok(
        "delegate the block",
        sys::delegate(ctx.me, other.pd, crd, at >> 12),
    )?;
    let (theirs_crd, _) = ok(
        "lookup its last page there",
        sys::lookup(other.pd, Crd::mem((at + size - 8) >> 12, 0, 0)),
    )?;
    let held = order.min(own.order());
    let base = ((at + size - 8) >> 12) & !((1u64 << held) - 1);
    eq(
        "the capability there (as large as ours allows)",
        theirs_crd.0,
        Crd::mem(base, held, mem::RW).0,
    )?;
    let (go, done) = (ctx.sm(0)?, ctx.sm(0)?);
    let e = other.ec(ctx, cpu, toucher as *const () as u64, true, done)?;
    e.words[W_AT].store(at, SeqCst);
    e.words[W_SIZE].store(size, SeqCst);
    e.words[W_GO].store(other.grant(ctx, go.0, abi::cap::rights::sm::DOWN)?, SeqCst);
    kit::start(ctx, e.ec, 40, 10_000)?;
    that(
        "the first pass ran",
        ctx.wait_until(2000, || e.words[W_PASS].load(SeqCst) == 1),
    )?;
    for (i, o) in offsets(size).into_iter().enumerate() {
        eq("read there", e.words[W_READ + i].load(SeqCst), ours(o))?;
        eq(
            "written there (0: no fault)",
            e.words[W_WROTE + i].load(SeqCst),
            0,
        )?;
        eq("what we read of it", peek(block + o), theirs(o))?;
    }
    let faults = SEEN.count.load(SeqCst);
    ok("second pass", go.up())?;
    let loops = &e.words[W_LOOPS];
    that(
        "it reads the last word again and again",
        ctx.wait_until(2000, || loops.load(SeqCst) > 1000),
    )?;
    ok(
        "revoke the block from the other PD",
        sys::revoke(ctx.me, Crd::mem(block >> 12, order, 0), false),
    )?;
    let after = loops.load(SeqCst);
    ctx.sleep(20);
    that(
        "at most a read in flight completes after Revoke",
        loops.load(SeqCst) <= after + 1,
    )?;
    kit::join(ctx, done, 2000)?;
    for (i, o) in offsets(size).into_iter().enumerate() {
        let again = e.words[W_AGAIN + i].load(SeqCst);
        eq("read after the revocation", again, MARK | 14)?;
        eq("still ours", peek(block + o), theirs(o))?;
    }
    eq("faults", SEEN.count.load(SeqCst) - faults, 3)?;
    let middle = at + offsets(size)[1];
    eq(
        "cr2 of the last fault (the middle)",
        SEEN.cr2.load(SeqCst),
        middle,
    )?;
    status(
        "its capability is gone",
        st(sys::lookup(other.pd, Crd::mem(at >> 12, 0, 0))),
        Status::BadSelector,
    )
}

fn large(ctx: &mut Ctx) -> TResult {
    exc::reset();
    let cpu = ctx.cpus - 1;
    let evt = exc::handler(ctx, cpu, mode::RECOVER, Mtd::ALL, &[14])?;
    for order in [9, 10] {
        one_block(ctx, order, cpu, evt + 14).map_err(|f| {
            let why = f.line();
            let line = user_rt::Line::new()
                .str("order ")
                .dec(u64::from(order))
                .str(": ");
            Fail::from(line.bytes(why.as_bytes()))
        })?;
    }
    Ok(())
}

//! ktest: the native kernel test suite, a ring-3 program that root-pd
//! starts from the second boot module (command line `ktest.elf ...`, root
//! argument `test`).
//!
//! Without a role argument it runs every test of [`suite`] and prints one
//! line per test, `ktest: <name> ... ok`, `... skipped (<why>)` or `...
//! FAILED: <why>`, then `ktest: N passed, M failed, K skipped`, and counts
//! up the `done` semaphore root-pd waits on. With `role=<name>` it is a sub-component
//! that a test loaded into a PD of its own ([`spawn`], [`roles`]).
//!
//! What root-pd hands over is described in `root-pd/src/ktest.rs`; this
//! program finds it in its start info (`user_rt::loader`).
#![no_std]
#![no_main]
// A failed check returns its message line by value (`check::Fail`, 168
// bytes): no allocation on the failure path, and tests are not hot code.
#![allow(clippy::result_large_err)]

extern crate alloc;

// The freestanding support crate provides memcpy & co; linking it is enough.
use freestanding as _;

mod bench;
mod check;
mod ctx;
mod probe;
mod quota;
mod roles;
mod spawn;
mod suite;
mod tests;
mod thread;

use user_rt::loader::{self, sel, BumpFrames};
use user_rt::sys::Pd;
use user_rt::{Heap, Line, Utcb};

#[global_allocator]
static HEAP: Heap = Heap::new();

user_rt::entry!(main);
user_rt::panic_handler!();

/// Bytes of the `ram` item that become the heap (at most).
const HEAP_MAX: u64 = 4 << 20;

/// Entered with the UTCB address in `rdi` (global ECs get it there).
fn main(utcb: u64) -> ! {
    // SAFETY: ktest is always started by `user_rt::loader` (by root-pd or a
    // copy of itself).
    let Some(info) = (unsafe { loader::start_info() }) else {
        Line::new().str("ktest: no start info; stopping").print();
        user_rt::start::idle()
    };
    let role = info.arg("role");
    if role == Some(b"attacker") {
        roles::attacker::run(info)
    }
    let (ram, ram_len) = info.mem("ram").unwrap_or((0, 0));
    let heap = (ram_len / 4).min(HEAP_MAX);
    // SAFETY: the `ram` item is mapped read-write for us alone; its first
    // `heap` bytes go to the heap and the rest to the page allocator.
    let frames = unsafe {
        HEAP.init(ram as usize, heap as usize);
        BumpFrames::new(ram + heap, ram_len - heap)
    };
    // SAFETY: `utcb` is this EC's UTCB (the kernel passes it in `rdi`), and
    // this is its only handle.
    let utcb = unsafe { Utcb::at(utcb) };
    let me = Pd(info.cap("self").map_or(sel::SELF, |c| c.0));
    let mut ctx = ctx::Ctx::new(info, me, utcb, frames);
    match role {
        None if bench::wanted(&ctx) => bench::run(&mut ctx),
        None => suite::run(&mut ctx),
        Some(r) => roles::run(&mut ctx, r),
    }
    thread::park()
}

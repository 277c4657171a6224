//! The VMM program: one per guest, started by root-pd.
//!
//! root-pd hands over (items of the start info, see `root-pd/src/vms.rs`):
//! `self` (its PD capability, to create the guest's PD and vCPUs), `ram`
//! (heap and stacks), `guest` (the guest's RAM, read-write-execute),
//! `kernel` and `m0`.. (the boot modules, read-only), `done` (a semaphore
//! counted up when the guest has stopped), and as arguments the guest's
//! configuration line and, on a line of its own, `epoch=<Unix time>`.
//!
//! The program loads the kernel into guest RAM, creates the guest PD,
//! one handler EC with exit portals per vCPU and the vCPUs, then becomes
//! the timer thread until the guest stops. Everything a guest does is
//! decided by the `vmm` library; this program only carries it out.
#![no_std]
#![no_main]

extern crate alloc;

use freestanding as _;

mod clock;
mod console;
mod handler;
mod host;
mod lock;
mod report;
mod shared;
mod timer;
mod vm;

use core::sync::atomic::Ordering;
use user_rt::loader::{self, sel, BumpFrames};
use user_rt::sys::{self, Pd, Sm};
use user_rt::{Heap, Line};

#[global_allocator]
static HEAP: Heap = Heap::new();

user_rt::entry!(main);
user_rt::panic_handler!("vmm");

/// Handlers that must never return block on this (nobody counts it up).
pub static PARK: spin::Once<Sm> = spin::Once::new();

const HEAP_BYTES: u64 = 2 << 20;
/// vCPUs run below the timer thread, so a timer interrupt preempts a
/// spinning guest on a shared CPU.
const VCPU_PRIO: u8 = 20;
const QUANTUM_US: u64 = 10_000;

fn main(_utcb: u64) -> ! {
    // SAFETY: root-pd starts this program through `user_rt::loader`.
    let Some(info) = (unsafe { loader::start_info() }) else {
        Line::new().str("vmm: no start info; stopping").print();
        user_rt::start::idle()
    };
    let (ram, ram_len) = info.mem("ram").unwrap_or((0, 0));
    let heap = HEAP_BYTES.min(ram_len / 2);
    // SAFETY: the `ram` item is ours alone; its first `heap` bytes go to
    // the heap and the rest to the page allocator.
    let frames = unsafe {
        HEAP.init(ram as usize, heap as usize);
        BumpFrames::new(ram + heap, ram_len - heap)
    };
    let me = Pd(info.cap("self").map_or(sel::SELF, |c| c.0));
    let mut a = vm::Alloc::new(info, me, frames);
    if let Ok(s) = a.sm() {
        PARK.call_once(|| s);
    }
    let args = info.args();
    let mut lines = args.split(|&b| b == b'\n');
    let line = core::str::from_utf8(lines.next().unwrap_or(b"")).unwrap_or("");
    let epoch = lines
        .find_map(|l| l.strip_prefix(b"epoch="))
        .and_then(|v| core::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or(0);
    let spec = match vmm::config::parse_line(line) {
        Ok(vmm::config::Item::Vm(s)) => s,
        _ => {
            Line::new()
                .str("vmm: bad guest description: ")
                .str(line)
                .print();
            finish(info)
        }
    };
    let v = match vm::setup(info, &mut a, &spec, epoch) {
        Ok(v) => shared::VMM.call_once(|| v),
        Err(e) => {
            let l = Line::new()
                .str("vmm[")
                .str(&spec.name)
                .str("]: cannot start: ")
                .str(e.what);
            l.str(" ").str(e.status.map_or("", |s| s.name())).print();
            finish(info)
        }
    };
    report::say(&v.name, "starting");
    for vc in &v.vcpus {
        let s = a.sels(1);
        if let Err(e) = sys::create_sc(s, vc.ec, VCPU_PRIO, QUANTUM_US) {
            Line::new()
                .str("vmm: create_sc (vcpu) failed: ")
                .str(e.name())
                .print();
            v.stopped.store(true, Ordering::Release);
        }
    }
    timer::run(v);
    // Stopped: make every vCPU leave the guest; their handlers park.
    for vc in &v.vcpus {
        let _ = vc.ec.recall();
        let _ = vc.wake.up();
    }
    finish(info)
}

/// Tells root-pd the guest is over and waits to be destroyed.
fn finish(info: &'static loader::StartInfo) -> ! {
    if let Some((done, _)) = info.cap("done") {
        let _ = Sm(done).up();
    }
    handler::park()
}

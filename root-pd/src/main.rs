//! The root protection domain (root-pd), the first user program.
//!
//! The hypervisor starts it in ring 3 with the address of the read-only
//! hypervisor information page (HIP) in `rdi`. It owns every resource at
//! boot; for now it reports what it was given, checks that malformed
//! hypercalls are refused with the documented status, and then does what its
//! command line asks:
//! - `then=poweroff` (default) or `then=reboot`: leave the machine that way;
//!   `then=stay`: keep running (idle in user mode);
//! - `fault=pf|ud|gp|de|bp`: raise that exception on purpose, to show that a
//!   fault of root-pd is reported as its own and is not a hypervisor panic;
//! - `test`: start the native kernel test suite (`ktest`, see [`ktest`]) and
//!   wait for it to finish before doing what `then=` says;
//! - `vms=<file>`: start the guests the configuration module `<file>`
//!   describes, one VMM each, and wait for them (see [`vms`]);
//! - `bench`: start ktest in its benchmark mode (it prints `bench: <name>=
//!   <value> <unit>` lines), wait for it, then the guests of `bench.vms`
//!   (which print theirs through their VMMs), then print `bench: done`
//!   (what `cargo xtask bench` waits for).
//!
//! Start-up, console lines and hypercall wrappers come from the user runtime
//! (`user-rt`), as for every user program.
#![no_std]
#![no_main]

use abi::hip::{mem_kind, Hip};
use abi::{call, MachineOp};
use user_rt::sys::{self, root};
use user_rt::Line;

// The freestanding support crate provides memcpy & co; linking it is enough.
use freestanding as _;

mod ktest;
mod start_state;
mod vms;
mod wallclock;

extern crate alloc;

use user_rt::loader::BumpFrames;
use user_rt::Heap;

#[global_allocator]
static HEAP: Heap = Heap::new();
/// root-pd's heap (configuration parsing, bookkeeping of guests).
const HEAP_BYTES: u64 = 1 << 20;
/// The guests `bench` runs after ktest's benchmarks (a boot module).
const BENCH_VMS: &[u8] = b"bench.vms";

user_rt::entry!(main);
user_rt::panic_handler!();

/// The module's own command line: the HIP's first module is root-pd.
fn own_cmdline(hip: &Hip) -> &[u8] {
    hip.modules()
        .first()
        .map_or(&[][..], |m| hip.string(m.cmdline))
}

/// The value of `key=value` in a command line of space-separated words.
fn option<'a>(cmdline: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    cmdline
        .split(|b| *b == b' ')
        .rev()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix(b"="))
}

/// Checks that malformed hypercalls get their documented status and change
/// nothing; prints which one failed, or one line saying all held.
fn check_hypercall_errors() {
    use abi::{Hypercall, Status, CONSOLE_WRITE_MAX};
    let console = Hypercall::ConsoleWrite as u64;
    let machine = Hypercall::MachineControl as u64;
    let buf = [b'x'; 8];
    let cases: [(&str, u64, u64, u64, Status); 6] = [
        ("unknown call number", 0x1234, 0, 0, Status::BadCall),
        (
            "console write too long",
            console,
            buf.as_ptr() as u64,
            CONSOLE_WRITE_MAX + 1,
            Status::BadParameter,
        ),
        (
            "console write from unmapped memory",
            console,
            0xdead_0000,
            8,
            Status::BadMemory,
        ),
        (
            "console write from kernel memory",
            console,
            0xffff_8000_0000_0000,
            8,
            Status::BadMemory,
        ),
        (
            "console write wrapping around",
            console,
            u64::MAX - 3,
            8,
            Status::BadMemory,
        ),
        (
            "undefined machine operation",
            machine,
            abi::cap::root::PD,
            7,
            Status::BadParameter,
        ),
    ];
    let mut ok = true;
    for (what, number, a0, a1, expected) in cases {
        let got = call::raw(number, a0, a1);
        if got != expected as u64 {
            ok = false;
            Line::new()
                .str("root-pd: hypercall check failed: ")
                .str(what)
                .str(": status ")
                .dec(got)
                .print();
        }
    }
    if ok {
        Line::new().str("root-pd: hypercall error paths ok").print();
    }
}

fn fault(kind: &[u8]) {
    Line::new()
        .str("root-pd: raising ")
        .bytes(kind)
        .str(" on purpose")
        .print();
    // SAFETY: none of these is sound, by design: each raises the exception
    // named on the command line so the test can watch the hypervisor report
    // it. Nothing runs after the faulting instruction.
    unsafe {
        match kind {
            b"pf" => core::ptr::write_volatile(0xdead_0000 as *mut u64, 1),
            b"ud" => core::arch::asm!("ud2"),
            b"gp" => core::arch::asm!("cli"),
            b"de" => {
                core::arch::asm!("xor edx, edx", "xor ecx, ecx", "div ecx", out("eax") _, out("edx") _, out("ecx") _)
            }
            b"bp" => core::arch::asm!("int3"),
            _ => Line::new()
                .str("root-pd: unknown fault kind, ignored")
                .print(),
        }
    }
}

/// The page allocator over the largest usable RAM region (what root-pd
/// hands its children), after taking the heap from it.
fn frames(hip: &Hip) -> Option<BumpFrames> {
    let largest = hip
        .memory()
        .iter()
        .filter(|m| m.kind == mem_kind::USABLE)
        .max_by_key(|m| m.size)?;
    if largest.size < 2 * HEAP_BYTES {
        return None;
    }
    let base = abi::cap::PHYS_WINDOW + largest.base;
    // SAFETY: usable RAM is mapped read-write at PHYS_WINDOW + phys in the
    // root PD and nothing else of root-pd uses it; the heap takes the first
    // HEAP_BYTES, the page allocator the rest.
    unsafe {
        HEAP.init(base as usize, HEAP_BYTES as usize);
        Some(BumpFrames::new(
            base + HEAP_BYTES,
            largest.size - HEAP_BYTES,
        ))
    }
}

/// Entered with the HIP's address, which the hypervisor passes to the root
/// PD only.
fn main(hip: u64) -> ! {
    // SAFETY: the hypervisor maps the HIP read-only at the address it passes
    // the root PD, for the PD's lifetime; it is page-aligned and every bit
    // pattern is a valid `Hip` (plain integers and arrays of them).
    let hip: &'static Hip = unsafe { &*(hip as *const Hip) };
    if !hip.is_valid() {
        Line::new()
            .str("root-pd: the HIP is not valid; stopping")
            .print();
        user_rt::start::idle();
    }
    let usable: u64 = hip
        .memory()
        .iter()
        .filter(|m| m.kind == mem_kind::USABLE)
        .map(|m| m.size)
        .sum();
    Line::new()
        .str("root-pd: up, ")
        .dec(hip.cpus().len() as u64)
        .str(" CPUs, ")
        .dec((usable + (1 << 19)) >> 20)
        .str(" MiB")
        .print();
    check_hypercall_errors();
    if let Some((ram, device)) = start_state::check(hip) {
        Line::new()
            .str("root-pd: start state ok: ")
            .dec(ram)
            .str(" MiB RAM and ")
            .dec(device)
            .str(" MiB device memory in the window")
            .print();
    }
    let Some(mut frames) = frames(hip) else {
        Line::new().str("root-pd: no usable RAM; stopping").print();
        user_rt::start::idle();
    };
    let cmdline = own_cmdline(hip);
    if let Some(kind) = option(cmdline, b"fault") {
        fault(kind);
    }
    if cmdline.split(|b| *b == b' ').any(|w| w == b"test") {
        ktest::run(hip, &mut frames, "", option(cmdline, b"quirk"));
    }
    if let Some(file) = option(cmdline, b"vms") {
        vms::run(hip, &mut frames, file);
    }
    if cmdline.split(|b| *b == b' ').any(|w| w == b"bench") {
        ktest::run(hip, &mut frames, "bench", option(cmdline, b"quirk"));
        vms::run(hip, &mut frames, BENCH_VMS);
        Line::new().str("bench: done").print();
    }
    match option(cmdline, b"then").unwrap_or(b"poweroff") {
        b"reboot" => {
            let status = sys::machine_control(root::PD, MachineOp::Reboot);
            Line::new()
                .str("root-pd: reboot failed, status ")
                .dec(status as u64)
                .print();
        }
        b"stay" => {}
        _ => {
            let status = sys::machine_control(root::PD, MachineOp::PowerOff);
            Line::new()
                .str("root-pd: power off failed, status ")
                .dec(status as u64)
                .print();
        }
    }
    user_rt::start::idle()
}

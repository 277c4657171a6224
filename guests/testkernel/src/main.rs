//! testkernel: a Multiboot 1 kernel of our own that checks one device of
//! the PC platform per run and reports through the debug-exit port.
//!
//! The loader passes `test=<name>` on the kernel command line; the kernel
//! prints `testkernel: <name>: ...` lines on COM1 and ends with `PASS`
//! (0x10) or `FAIL` (0x11) written to port 0xf4. It runs the same on the
//! project's VMM and on plain QEMU (`qemu-system-x86_64 -kernel
//! testkernel.elf -append test=pit -device isa-debug-exit`), which is how
//! the tests themselves are checked against a reference platform.
//!
//! Tests: `pit`, `rtc`, `lapic` (timer one-shot, periodic and TSC-deadline,
//! in xAPIC and then x2APIC mode), `ioapic` (edge and level routing),
//! `serial`, `fwcfg`, `smp` (starts the other vCPUs with INIT/SIPI and
//! exchanges IPIs), `multiboot` (the loader's memory map and modules), `chaos` (writes nonsense everywhere, then executes
//! random bytes: its VMM must stop it cleanly), `spin` (serial output
//! for a while, the bystander beside `chaos`) and `bench` (times the exits
//! its VMM handles, for `cargo xtask bench`).
#![no_std]
#![no_main]

use freestanding as _;

mod console;
mod dev;
mod idt;
mod io;
mod multiboot;
mod smp;
mod tests;

use console::{exit, say, Line, PASS};

core::arch::global_asm!(include_str!("boot.S"), options(att_syntax));

/// The Multiboot 1 magic in EAX at entry.
const MB_MAGIC: u32 = 0x2bad_b002;

#[no_mangle]
extern "C" fn kmain(magic: u32, info: u32) -> ! {
    console::init();
    idt::init();
    idt::load();
    // Whatever ran before may have left the PICs on the exception vectors
    // (a PC BIOS puts the master at 8): remap and mask them first.
    dev::pic::init();
    if magic != MB_MAGIC {
        console::fail("boot", "not started by a Multiboot loader");
    }
    let mb = multiboot::Info::at(info);
    let test = mb.arg(b"test=").unwrap_or(b"");
    Line::new()
        .str("testkernel: ")
        .bytes(test)
        .str(": start, ")
        .dec(mb.mem_upper_kib() / 1024 + 1)
        .str(" MiB")
        .print();
    let name = core::str::from_utf8(test).unwrap_or("?");
    match test {
        b"pit" => tests::pit::run(),
        b"rtc" => tests::rtc::run(),
        b"lapic" => tests::lapic::run(),
        b"ioapic" => tests::ioapic::run(),
        b"serial" => tests::serial::run(),
        b"fwcfg" => tests::fwcfg::run(&mb),
        b"smp" => tests::smp::run(),
        b"chaos" => tests::chaos::run(),
        b"spin" => tests::spin::run(&mb),
        b"bench" => tests::bench::run(),
        b"multiboot" => tests::multiboot::run(&mb),
        _ => console::fail(
            name,
            "unknown test (want test=pit|rtc|lapic|ioapic|serial|fwcfg|smp|multiboot|chaos|spin|bench)",
        ),
    }
    Line::new()
        .str("testkernel: ")
        .str(name)
        .str(": passed")
        .print();
    exit(PASS)
}

#[no_mangle]
extern "C" fn ap_main(index: u32) -> ! {
    smp::ap_main(index)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    say("panic");
    exit(console::FAIL)
}

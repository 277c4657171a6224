//! `test=ioapic`: the PICs masked, the PIT routed through IOAPIC pin 2
//! (edge; ISA IRQ 0 is GSI 2, the override every PC has) and the RTC's
//! periodic interrupt through pin 8 as a level-triggered entry: the remote
//! IRR bit must stay set until the handler's EOI, and the entry must not
//! fire again while it is set.

use super::report;
use crate::console::check;
use crate::dev::{ioapic, lapic, pic, pit, pm, rtc};
use crate::idt;
use crate::io;
use core::sync::atomic::{AtomicU32, Ordering};

const T: &str = "ioapic";
const PIT_VECTOR: u8 = 0x50;
const RTC_VECTOR: u8 = 0x51;

/// Handler runs that found remote IRR clear before their EOI (must stay 0).
static IRR_CLEAR: AtomicU32 = AtomicU32::new(0);

fn pit_tick(_: u8) {
    lapic::eoi();
}

fn rtc_tick(_: u8) {
    if ioapic::entry(8) & ioapic::REMOTE_IRR == 0 {
        IRR_CLEAR.fetch_add(1, Ordering::Relaxed);
    }
    rtc::read(0x0c);
    lapic::eoi();
}

pub fn run() {
    pic::init();
    lapic::enable();
    let ver = ioapic::read(1);
    check(
        T,
        (ver >> 16) & 0xff >= 23,
        "fewer than 24 redirection entries",
    );
    check(
        T,
        ioapic::entry(2) & ioapic::MASKED != 0,
        "pin 2 not masked at reset",
    );
    let me = lapic::id() as u8;

    idt::hook(PIT_VECTOR, pit_tick);
    ioapic::route(2, u32::from(PIT_VECTOR), me);
    let start = pm::now_us();
    pit::periodic(1193);
    io::sti();
    let done = pm::wait(3000, || idt::count(PIT_VECTOR) >= 10);
    io::cli();
    let us = pm::now_us() - start;
    ioapic::route(2, ioapic::MASKED | u32::from(PIT_VECTOR), me);
    pit::stop();
    check(T, done, "fewer than 10 PIT interrupts through pin 2 in 3 s");
    report(T, "10 PIT interrupts through pin 2 in", us, " us");
    check(T, us >= 9_900, "PIT interrupts through pin 2 came early");

    idt::hook(RTC_VECTOR, rtc_tick);
    rtc::read(0x0c);
    ioapic::route(8, ioapic::LEVEL | u32::from(RTC_VECTOR), me);
    rtc::write(0x0a, 0x26);
    rtc::write(0x0b, rtc::read(0x0b) | 0x40);
    io::sti();
    let done = pm::wait(3000, || idt::count(RTC_VECTOR) >= 16);
    io::cli();
    rtc::write(0x0b, rtc::read(0x0b) & !0x40);
    rtc::read(0x0c);
    // An interrupt that reached the local APIC after the count was
    // reached is still pending there (IF was clear), its remote IRR set:
    // let it in, so its handler's EOI is the last word.
    io::sti();
    pm::wait(2, || false);
    io::cli();
    ioapic::route(
        8,
        ioapic::MASKED | ioapic::LEVEL | u32::from(RTC_VECTOR),
        me,
    );
    check(T, done, "fewer than 16 RTC interrupts through pin 8 in 3 s");
    check(
        T,
        IRR_CLEAR.load(Ordering::Relaxed) == 0,
        "remote IRR clear inside the handler of a level-triggered entry",
    );
    check(
        T,
        ioapic::entry(8) & ioapic::REMOTE_IRR == 0,
        "remote IRR still set after the EOI",
    );
}

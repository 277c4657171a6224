//! `test=rtc`: the CMOS clock shows a plausible date and ticks; its
//! periodic interrupt (1024 Hz, IRQ 8 through the slave PIC) arrives at
//! the programmed rate; a time written with the SET bit reads back.

use super::report;
use crate::console::{check, Line};
use crate::dev::{pic, pm, rtc};
use crate::idt;
use crate::io;

const T: &str = "rtc";
const VECTOR: u8 = pic::BASE + 8;

fn periodic(v: u8) {
    // Reading C acknowledges the interrupt (and lowers IRQ 8).
    rtc::read(0x0c);
    pic::eoi(v);
}

pub fn run() {
    let t = rtc::now();
    Line::new()
        .str("testkernel: rtc: date ")
        .dec(u64::from(t.year))
        .str("-")
        .dec(u64::from(t.month))
        .str("-")
        .dec(u64::from(t.day))
        .str(" ")
        .dec(u64::from(t.hour))
        .str(":")
        .dec(u64::from(t.min))
        .str(":")
        .dec(u64::from(t.sec))
        .print();
    check(T, (2024..2200).contains(&t.year), "implausible year");
    check(
        T,
        (1..=12).contains(&t.month) && (1..=31).contains(&t.day),
        "implausible date",
    );
    check(
        T,
        t.hour < 24 && t.min < 60 && t.sec < 60,
        "implausible time",
    );
    let first = rtc::now().sec;
    check(
        T,
        pm::wait(3000, || rtc::now().sec != first),
        "the seconds did not advance in 3 s",
    );

    pic::init();
    idt::hook(VECTOR, periodic);
    rtc::read(0x0c);
    rtc::write(0x0a, 0x26); // 32.768 kHz base, rate 6: 1024 Hz
    rtc::write(0x0b, rtc::read(0x0b) | 0x40);
    let start = pm::now_us();
    pic::unmask(8);
    io::sti();
    let done = pm::wait(5000, || idt::count(VECTOR) >= 64);
    io::cli();
    let us = pm::now_us() - start;
    rtc::write(0x0b, rtc::read(0x0b) & !0x40);
    pic::mask_all();
    check(T, done, "fewer than 64 periodic interrupts in 5 s");
    report(T, "64 periodic interrupts in", us, " us");
    // 64 / 1024 Hz = 62500 us.
    check(T, us >= 60_000, "periodic interrupts came early");

    // Set 2031-07-04 12:34:56 (BCD, 24 h) and read it back.
    let b = rtc::read(0x0b);
    rtc::write(0x0b, (b | 0x80 | 0x02) & !0x04);
    for (reg, v) in [
        (0u8, 0x56u8),
        (2, 0x34),
        (4, 0x12),
        (7, 0x04),
        (8, 0x07),
        (9, 0x31),
        (0x32, 0x20),
    ] {
        rtc::write(reg, v);
    }
    rtc::write(0x0b, rtc::read(0x0b) & !0x80);
    let t = rtc::now();
    check(
        T,
        t.year == 2031 && t.month == 7 && t.day == 4,
        "the date written did not read back",
    );
    check(
        T,
        t.hour == 12 && t.min == 34 && t.sec >= 56,
        "the time written did not read back",
    );
}

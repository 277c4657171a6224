//! `test=pit`: channel 0 as a 1 kHz tick through the PIC, its counter
//! read through the latch and the read-back command, and channel 2 as a
//! polled one-shot gated through port 0x61. Time is checked against the
//! ACPI PM timer: ticks must never come early; they may come late (a slow
//! emulator coalesces them).

use super::report;
use crate::console::check;
use crate::dev::{pic, pit, pm};
use crate::idt;
use crate::io;

const T: &str = "pit";
/// 1 ms at 1.193182 MHz.
const COUNT: u16 = 1193;
const TICKS: u32 = 20;
const VECTOR: u8 = pic::BASE;

fn tick(v: u8) {
    pic::eoi(v);
}

pub fn run() {
    pic::init();
    idt::hook(VECTOR, tick);
    let start = pm::now_us();
    pit::periodic(COUNT);
    pic::unmask(0);
    io::sti();
    let done = pm::wait(5000, || idt::count(VECTOR) >= TICKS);
    io::cli();
    let us = pm::now_us() - start;
    check(T, done, "fewer than 20 channel-0 interrupts in 5 s");
    report(T, "20 ticks in", us, " us");
    // 20 periods of 1193 clocks are 19996 us; allow for rounding.
    check(T, us >= 19_900, "channel-0 interrupts came early");

    let a = pit::read0();
    let b = pit::read0();
    check(
        T,
        a <= COUNT && b <= COUNT,
        "latched count above the reload value",
    );
    // Mode 2 (bits 1-3), access lo/hi (bits 4-5), output high between
    // the short low pulses.
    let st = pit::status(0);
    check(
        T,
        st & 0x3e == 0x34,
        "read-back status of channel 0 is not mode 2, lo/hi",
    );
    pic::mask_all();
    pit::stop();

    // Channel 2: 10 ms one-shot (11932 clocks), polled.
    let start = pm::now_us();
    pit::start_ch2(11932);
    check(
        T,
        !pit::ch2_out(),
        "channel 2 output high right after the count was loaded",
    );
    let fired = pm::wait(2000, pit::ch2_out);
    let us = pm::now_us() - start;
    check(T, fired, "channel 2 never reached its terminal count");
    report(T, "channel 2 one-shot of 10 ms took", us, " us");
    check(T, us >= 9_900, "channel 2 reached terminal count early");
}

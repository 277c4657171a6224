//! `test=lapic`: the local APIC timer in one-shot, periodic and
//! TSC-deadline mode, first in xAPIC mode (MMIO), then again in x2APIC
//! mode (MSRs) where CPUID offers it; plus a self-IPI in each mode.

use super::report;
use crate::console::{check, fail, say};
use crate::dev::{lapic, pm};
use crate::idt;
use crate::io::{self, cpuid, rdtsc, wrmsr};
use core::sync::atomic::{AtomicU64, Ordering};

const T: &str = "lapic";
const ONE_SHOT: u8 = 0x40;
const PERIODIC: u8 = 0x41;
const DEADLINE: u8 = 0x42;
const SELF_IPI: u8 = 0x43;

/// The TSC at the last TSC-deadline interrupt.
static FIRED_AT: AtomicU64 = AtomicU64::new(0);

fn eoi(_: u8) {
    lapic::eoi();
}

fn deadline_fired(_: u8) {
    FIRED_AT.store(rdtsc(), Ordering::Relaxed);
    lapic::eoi();
}

fn wait_count(v: u8, n: u32, what: &str) {
    io::sti();
    let ok = pm::wait(3000, || idt::count(v) >= n);
    io::cli();
    if !ok {
        fail(T, what);
    }
}

/// Runs every timer mode in the APIC's current mode.
fn timers(mode: &str) {
    say(mode);
    lapic::enable();
    let base = [ONE_SHOT, PERIODIC, DEADLINE, SELF_IPI].map(idt::count);

    // One-shot: divide by 16, 100000 bus clocks.
    lapic::write(lapic::TIMER_DIV, 0x3);
    lapic::write(lapic::LVT_TIMER, lapic::ONE_SHOT | u32::from(ONE_SHOT));
    lapic::write(lapic::TIMER_INIT, 100_000);
    let cur = lapic::read(lapic::TIMER_CUR);
    check(T, cur <= 100_000, "current count above the initial count");
    wait_count(ONE_SHOT, base[0] + 1, "no one-shot timer interrupt in 3 s");
    check(
        T,
        lapic::read(lapic::TIMER_CUR) == 0,
        "current count not 0 after a one-shot expired",
    );
    let before = idt::count(ONE_SHOT);
    pm::wait(20, || false);
    check(
        T,
        idt::count(ONE_SHOT) == before,
        "a one-shot timer fired twice",
    );

    // Periodic: five interrupts, then masked.
    lapic::write(lapic::LVT_TIMER, lapic::PERIODIC | u32::from(PERIODIC));
    let start = pm::now_us();
    lapic::write(lapic::TIMER_INIT, 200_000);
    wait_count(
        PERIODIC,
        base[1] + 5,
        "fewer than 5 periodic timer interrupts in 3 s",
    );
    report(T, "5 periodic interrupts in", pm::now_us() - start, " us");
    lapic::write(
        lapic::LVT_TIMER,
        lapic::MASKED | lapic::PERIODIC | u32::from(PERIODIC),
    );
    lapic::write(lapic::TIMER_INIT, 0);

    // TSC deadline, where CPUID says so.
    if cpuid(1).2 & (1 << 24) != 0 {
        lapic::write(lapic::LVT_TIMER, lapic::TSC_DEADLINE | u32::from(DEADLINE));
        let deadline = rdtsc() + 2_000_000;
        wrmsr(lapic::TSC_DEADLINE_MSR, deadline);
        wait_count(DEADLINE, base[2] + 1, "no TSC-deadline interrupt in 3 s");
        check(
            T,
            FIRED_AT.load(Ordering::Relaxed) >= deadline,
            "TSC-deadline interrupt before the deadline",
        );
        say("tsc-deadline ok");
    } else {
        fail(T, "CPUID does not offer TSC-deadline mode");
    }
    lapic::write(lapic::LVT_TIMER, lapic::MASKED);

    // Self IPI through the ICR (shorthand "self", fixed).
    lapic::ipi(0, (1 << 18) | u32::from(SELF_IPI));
    wait_count(SELF_IPI, base[3] + 1, "no self IPI");
}

pub fn run() {
    for v in [ONE_SHOT, PERIODIC, SELF_IPI] {
        idt::hook(v, eoi);
    }
    idt::hook(DEADLINE, deadline_fired);
    check(
        T,
        lapic::read(lapic::VERSION) & 0xff >= 0x10,
        "not an integrated APIC version",
    );
    timers("lapic: xAPIC mode");
    if cpuid(1).2 & (1 << 21) == 0 {
        fail(T, "CPUID does not offer x2APIC");
    }
    let id = lapic::id();
    lapic::enter_x2apic();
    check(T, lapic::id() == id, "the APIC ID changed with x2APIC mode");
    timers("lapic: x2APIC mode");
}

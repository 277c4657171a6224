//! The APIC timer: deadlines to the nanosecond at BUS_HZ = 1 GHz.

use super::*;

const ONE_SHOT: u32 = 0x40;
const PERIODIC: u32 = 0x2_0040;
const TSC_DEADLINE: u32 = 0x4_0040;
const DIV1: u32 = 0xb;

#[test]
fn bus_clock_is_one_ghz() {
    assert_eq!(super::super::BUS_HZ, 1_000_000_000);
}

#[test]
fn one_shot_fires_once_on_time() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT);
    b.wr(0x3e0, DIV1);
    b.at(1000);
    b.wr(0x380, 500);
    assert_eq!(b.apic.deadline(), Some(1500));
    b.at(1200);
    assert_eq!(b.rd(0x390), 300);
    b.at(1499);
    b.tick();
    assert!(!b.irr_has(0x40));
    assert_eq!(b.rd(0x390), 1);
    b.at(1500);
    assert_eq!(b.rd(0x390), 0, "reads 0 at expiry, before the tick");
    b.tick();
    assert!(b.irr_has(0x40));
    assert_eq!(b.apic.deadline(), None);
    b.at(5000);
    assert_eq!(b.rd(0x390), 0);
    assert_eq!(b.rd(0x380), 500, "initial count kept");
}

#[test]
fn divide_encodings() {
    let table = [
        (0x0, 2),
        (0x1, 4),
        (0x2, 8),
        (0x3, 16),
        (0x8, 32),
        (0x9, 64),
        (0xa, 128),
        (0xb, 1),
    ];
    for (dcr, div) in table {
        let mut b = Bench::enabled();
        b.wr(0x320, ONE_SHOT);
        b.wr(0x3e0, dcr);
        b.at(7);
        b.wr(0x380, 10);
        assert_eq!(b.apic.deadline(), Some(7 + 10 * div), "dcr {dcr:#x}");
        b.at(7 + 3 * div);
        assert_eq!(b.rd(0x390), 7, "dcr {dcr:#x}");
        b.at(7 + 3 * div - 1);
        assert_eq!(b.rd(0x390), 8, "dcr {dcr:#x}");
    }
}

#[test]
fn periodic_reloads_from_the_expiry_instant() {
    let mut b = Bench::enabled();
    b.wr(0x320, PERIODIC);
    b.wr(0x380, 100); // divide by 2: 200 ns
    assert_eq!(b.apic.deadline(), Some(200));
    b.at(200);
    b.tick();
    assert_eq!(b.apic.ack(), Some(0x40));
    b.wr(0xb0, 0);
    assert_eq!(b.apic.deadline(), Some(400));
    assert_eq!(b.rd(0x390), 100);
    b.at(250);
    assert_eq!(b.rd(0x390), 75);
    // The platform ticks late: the period stays on its grid.
    b.at(430);
    b.tick();
    assert_eq!(b.apic.deadline(), Some(600));
    assert_eq!(b.rd(0x390), 85);
    // Missed periods coalesce into one interrupt.
    b.at(1050);
    b.tick();
    assert_eq!(b.apic.ack(), Some(0x40));
    assert_eq!(b.apic.ack(), None);
    assert_eq!(b.apic.deadline(), Some(1200));
    assert_eq!(b.rd(0x390), 75);
}

#[test]
fn periodic_count_wraps_without_a_tick() {
    let mut b = Bench::enabled();
    b.wr(0x320, PERIODIC);
    b.wr(0x3e0, DIV1);
    b.wr(0x380, 10);
    b.at(25);
    assert_eq!(b.rd(0x390), 5);
    b.at(30);
    assert_eq!(b.rd(0x390), 10);
}

#[test]
fn masked_expiries_still_run_the_timer() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT | LVT_MASKED);
    b.wr(0x3e0, DIV1);
    b.wr(0x380, 10);
    b.at(10);
    b.tick();
    assert!(!b.irr_has(0x40));
    assert_eq!(b.apic.deadline(), None);
    let mut b = Bench::enabled();
    b.wr(0x320, PERIODIC | LVT_MASKED);
    b.wr(0x3e0, DIV1);
    b.wr(0x380, 10);
    b.at(10);
    b.tick();
    assert!(!b.irr_has(0x40));
    assert_eq!(b.apic.deadline(), Some(20));
    b.wr(0x320, PERIODIC);
    b.at(20);
    b.tick();
    assert!(b.irr_has(0x40), "unmasking does not disturb the period");
}

#[test]
fn zero_initial_count_stops_the_timer() {
    let mut b = Bench::enabled();
    b.wr(0x320, PERIODIC);
    b.wr(0x380, 10);
    b.wr(0x380, 0);
    assert_eq!(b.apic.deadline(), None);
    assert_eq!(b.rd(0x390), 0);
}

#[test]
fn divide_change_keeps_the_count() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT);
    b.wr(0x380, 100); // divide by 2
    b.at(100);
    assert_eq!(b.rd(0x390), 50);
    b.wr(0x3e0, DIV1);
    assert_eq!(b.apic.deadline(), Some(150));
    assert_eq!(b.rd(0x390), 50);
}

#[test]
fn overdue_expiry_fires_before_a_reload() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT);
    b.wr(0x3e0, DIV1);
    b.wr(0x380, 100);
    b.at(150);
    b.wr(0x380, 100);
    assert!(b.irr_has(0x40));
    assert_eq!(b.apic.deadline(), Some(250));
}

#[test]
fn tsc_deadline_mode() {
    let mut b = Bench::enabled();
    b.wr(0x320, TSC_DEADLINE);
    b.at(1000); // TSC 2000
    b.wr(0x380, 100);
    assert_eq!(b.rd(0x380), 0, "initial count ignored");
    assert_eq!(b.apic.deadline(), None);
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 5000));
    assert_eq!(b.rdmsr(MSR_TSC_DEADLINE), Some(5000));
    assert_eq!(b.apic.deadline(), Some(2500));
    assert_eq!(b.rd(0x390), 0);
    b.at(2499);
    b.tick();
    assert!(!b.irr_has(0x40));
    b.at(2500);
    b.tick();
    assert!(b.irr_has(0x40));
    assert_eq!(b.rdmsr(MSR_TSC_DEADLINE), Some(0), "disarmed after firing");
    assert_eq!(b.apic.deadline(), None);
    // Writing 0 disarms; a past deadline is due now.
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 9000));
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 0));
    assert_eq!(b.apic.deadline(), None);
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 1));
    assert_eq!(b.apic.deadline(), Some(2500));
}

#[test]
fn tsc_deadline_rounds_up_to_when_the_tsc_gets_there() {
    let mut b = Bench::with_rate(1, false, TscRate::new(3_000_000));
    b.wr(0xf0, 0x1ff);
    b.wr(0x320, TSC_DEADLINE);
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 10));
    assert_eq!(b.apic.deadline(), Some(4), "TSC 9 at 3 ns, 12 at 4 ns");
    b.now = Time { ns: 3, tsc: 9 };
    b.tick();
    assert!(!b.irr_has(0x40));
    b.now = Time { ns: 4, tsc: 12 };
    b.tick();
    assert!(b.irr_has(0x40));
}

#[test]
fn far_tsc_deadlines_saturate() {
    let mut b = Bench::with_rate(1, false, TscRate::new(500_000));
    b.wr(0xf0, 0x1ff);
    b.wr(0x320, TSC_DEADLINE);
    b.now = Time { ns: 1000, tsc: 500 };
    assert!(b.wrmsr(MSR_TSC_DEADLINE, u64::MAX));
    assert_eq!(b.apic.deadline(), Some(u64::MAX));
    b.tick();
    assert!(!b.irr_has(0x40));
}

#[test]
fn tsc_deadline_only_in_its_mode() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT);
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 5000));
    assert_eq!(b.rdmsr(MSR_TSC_DEADLINE), Some(0));
    assert_eq!(b.apic.deadline(), None);
}

#[test]
fn mode_changes_disarm() {
    let mut b = Bench::enabled();
    b.wr(0x320, ONE_SHOT);
    b.wr(0x380, 100);
    b.wr(0x320, ONE_SHOT | LVT_MASKED);
    assert_eq!(b.apic.deadline(), Some(200), "same mode keeps running");
    b.wr(0x320, PERIODIC);
    assert_eq!(b.apic.deadline(), None);
    assert_eq!(b.rd(0x390), 0);
    b.wr(0x320, TSC_DEADLINE);
    assert!(b.wrmsr(MSR_TSC_DEADLINE, 100));
    b.wr(0x320, ONE_SHOT);
    assert_eq!(b.apic.deadline(), None);
    b.wr(0x320, TSC_DEADLINE);
    assert_eq!(b.rdmsr(MSR_TSC_DEADLINE), Some(0), "the deadline is gone");
}

#[test]
fn x2apic_timer_registers() {
    let mut b = Bench::enabled();
    b.x2();
    assert!(b.wrmsr(0x832, u64::from(ONE_SHOT)));
    assert!(b.wrmsr(0x83e, u64::from(DIV1)));
    assert!(b.wrmsr(0x838, 40));
    b.at(15);
    assert_eq!(b.rdmsr(0x839), Some(25));
    assert_eq!(b.rdmsr(0x838), Some(40));
    assert_eq!(b.rdmsr(0x83e), Some(0xb));
    assert_eq!(b.apic.deadline(), Some(40));
}

//! OUT0 edges, deadlines and their rounding, coalescing, the gate.

use super::*;

#[test]
fn mode0_raises_irq0_once_at_terminal_count() {
    let mut p = Pit::new();
    let t0 = 1_000_000;
    program(&mut p, t0, 0, 0x30, 1193);
    // 1193 clocks = 999 847.47 ns, rounded up: the first ns at which the
    // counter has reached zero.
    assert_eq!(p.deadline(), Some(t0 + 999_848));
    assert_eq!(tick(&mut p, t0 + 999_847), 0);
    assert_eq!(tick(&mut p, t0 + 999_848), 1);
    assert_eq!(latched(&mut p, t0 + 999_847, 0), 1);
    assert_eq!(latched(&mut p, t0 + 999_848, 0), 0);
    assert_eq!(p.deadline(), None);
    assert_eq!(tick(&mut p, t0 + 10_000_000_000), 0);
    // It keeps counting down past zero, OUT stays high.
    assert_eq!(latched(&mut p, after(t0, 1194), 0), 0xffff);
    wr(&mut p, after(t0, 2000), 0x43, 0xe2);
    assert_eq!(rd(&mut p, after(t0, 2000), 0x40) & 0x80, 0x80);
    // Count 0 is 65536.
    program(&mut p, 0, 0, 0x30, 0);
    assert_eq!(latched(&mut p, 0, 0), 0);
    assert_eq!(latched(&mut p, after(0, 1), 0), 0xffff);
    assert_eq!(p.deadline(), Some(54_925_402));
}

#[test]
fn a_control_word_raising_out0_is_an_edge() {
    let mut p = Pit::new();
    assert_eq!(wr(&mut p, 0, 0x43, 0x30), 0, "mode 0 drops OUT");
    assert_eq!(wr(&mut p, 0, 0x43, 0x34), 1, "mode 2 raises it");
    assert_eq!(wr(&mut p, 0, 0x43, 0x34), 0);
    // Linux's shutdown: mode 0, count 0 ... then periodic mode: one edge.
    program(&mut p, 0, 0, 0x30, 0);
    assert_eq!(wr(&mut p, 1000, 0x43, 0x34), 1);
    // Terminal count caught up by the write itself, not twice.
    program(&mut p, 0, 0, 0x30, 10);
    assert_eq!(wr(&mut p, after(0, 20), 0x43, 0x34), 1);
    assert_eq!(tick(&mut p, after(0, 20)), 0);
}

#[test]
fn mode2_deadline_advances_one_period_per_tick() {
    let mut p = Pit::new();
    let t0 = 7;
    program(&mut p, t0, 0, 0x34, 11932); // ~100 Hz
    for k in 1..=50 {
        let d = p.deadline().unwrap();
        assert_eq!(d, after(t0, k * 11932));
        assert_eq!(tick(&mut p, d - 1), 0);
        assert_eq!(tick(&mut p, d), 1);
    }
    assert_eq!(after(t0, 11932) - t0, 10_000_151);
    // A count of 1 is illegal in mode 2; it runs as 2.
    program(&mut p, 0, 0, 0x34, 1);
    assert_eq!(p.deadline(), Some(ns_for(2)));
    assert_eq!(ns_for(2), 1677);
}

#[test]
fn missed_periods_coalesce_into_one_pulse() {
    let mut p = Pit::new();
    program(&mut p, 0, 0, 0x34, 1193);
    let late = after(0, 10 * 1193 + 5);
    assert_eq!(tick(&mut p, late), 1);
    assert_eq!(p.deadline(), Some(after(0, 11 * 1193)));
    assert_eq!(tick(&mut p, late), 0);
    // Square wave edges coalesce the same way.
    program(&mut p, 0, 0, 0x36, 1000);
    assert_eq!(tick(&mut p, after(0, 3999)), 1);
    assert_eq!(p.deadline(), Some(after(0, 4000)));
}

#[test]
fn mode4_strobes_one_clock_after_terminal_count() {
    let mut p = Pit::new();
    program(&mut p, 0, 0, 0x38, 100);
    assert_eq!(p.deadline(), Some(after(0, 101)));
    assert_eq!(tick(&mut p, after(0, 100)), 0);
    assert_eq!(tick(&mut p, after(0, 101)), 1);
    assert_eq!(p.deadline(), None);
    // Modes 1 and 5 never trigger on counter 0: its gate is tied high.
    program(&mut p, 0, 0, 0x32, 100);
    assert_eq!(p.deadline(), None);
    program(&mut p, 0, 0, 0x3a, 100);
    assert_eq!(tick(&mut p, 1_000_000_000), 0);
}

/// Linux's pit_calibrate_tsc: gate high and speaker off through port B,
/// counter 2 in mode 0 with a 50 ms count, then poll port B bit 5.
#[test]
fn linux_tsc_calibration_sequence() {
    let mut p = Pit::new();
    let t0 = 123_456_789;
    let b = rd(&mut p, t0, 0x61);
    wr(&mut p, t0, 0x61, (b & !0x02) | 0x01);
    wr(&mut p, t0, 0x43, 0xb0);
    let latch: u16 = (1_193_182 / 20) as u16;
    wr(&mut p, t0, 0x42, latch as u8);
    wr(&mut p, t0, 0x42, (latch >> 8) as u8);
    assert_eq!(rd(&mut p, t0, 0x61) & 0x20, 0);
    let end = t0 + 49_999_917;
    assert_eq!(rd(&mut p, end - 1, 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, end, 0x61) & 0x20, 0x20);
    assert_eq!(p.deadline(), None, "counter 2 raises no interrupt");
    // quick_pit_calibrate reads the live counter LSB, MSB.
    program(&mut p, t0, 2, 0xb0, 0xffff);
    rd(&mut p, after(t0, 0x300), 0x42);
    assert_eq!(rd(&mut p, after(t0, 0x300), 0x42), 0xfc);
}

#[test]
fn counter2_gate_pauses_mode0_and_restarts_periodic_modes() {
    let mut p = Pit::new();
    program(&mut p, 0, 2, 0xb0, 1000);
    let open = after(0, 500);
    assert_eq!(latched(&mut p, open, 2), 1000, "gate low: held");
    wr(&mut p, open, 0x61, 0x01);
    let close = after(open, 300);
    assert_eq!(latched(&mut p, close, 2), 700);
    wr(&mut p, close, 0x61, 0x00);
    let reopen = close + 5_000_000;
    assert_eq!(latched(&mut p, reopen, 2), 700, "paused");
    wr(&mut p, reopen, 0x61, 0x01);
    assert_eq!(rd(&mut p, after(reopen, 699), 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, after(reopen, 700), 0x61) & 0x20, 0x20);
    // Mode 2: a closed gate forces OUT high, opening it reloads.
    program(&mut p, 0, 2, 0xb4, 100);
    assert_eq!(latched(&mut p, after(0, 40), 2), 60);
    wr(&mut p, after(0, 40), 0x61, 0x00);
    assert_eq!(rd(&mut p, after(0, 99), 0x61) & 0x20, 0x20);
    let open = after(0, 200);
    wr(&mut p, open, 0x61, 0x01);
    assert_eq!(latched(&mut p, open, 2), 100);
    assert_eq!(rd(&mut p, after(open, 98), 0x61) & 0x20, 0x20);
    assert_eq!(rd(&mut p, after(open, 99), 0x61) & 0x20, 0, "count 1: low");
    // Mode 1 waits for a rising gate and retriggers on every one.
    program(&mut p, 0, 2, 0xb2, 100);
    assert_eq!(rd(&mut p, after(0, 5), 0x61) & 0x20, 0x20);
    let t1 = after(0, 10);
    wr(&mut p, t1, 0x61, 0x00);
    wr(&mut p, t1, 0x61, 0x01);
    assert_eq!(rd(&mut p, after(t1, 40), 0x61) & 0x20, 0);
    let t2 = after(t1, 50);
    wr(&mut p, t2, 0x61, 0x00);
    wr(&mut p, t2, 0x61, 0x01);
    assert_eq!(rd(&mut p, after(t2, 99), 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, after(t2, 100), 0x61) & 0x20, 0x20);
    // Mode 5: one low clock at terminal count after the trigger.
    program(&mut p, 0, 2, 0xba, 10);
    wr(&mut p, 0, 0x61, 0x00);
    wr(&mut p, 0, 0x61, 0x01);
    assert_eq!(rd(&mut p, after(0, 9), 0x61) & 0x20, 0x20);
    assert_eq!(rd(&mut p, after(0, 10), 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, after(0, 11), 0x61) & 0x20, 0x20);
}

#[test]
fn huge_times_saturate_instead_of_overflowing() {
    let mut p = Pit::new();
    let t0 = u64::MAX - 10_000;
    program(&mut p, t0, 0, 0x34, 2);
    assert_eq!(p.deadline(), Some(t0 + ns_for(2)));
    assert_eq!(tick(&mut p, u64::MAX), 1);
    assert_eq!(p.deadline(), Some(u64::MAX), "saturated");
    latched(&mut p, u64::MAX, 0);
    // A count loaded at 0, read at the end of time.
    program(&mut p, 0, 0, 0x34, 0xffff);
    assert_eq!(tick(&mut p, u64::MAX), 1);
    assert!(p.deadline().unwrap() > u64::MAX - 60_000_000);
    // Time going backwards reads as no time passed.
    program(&mut p, 1000, 0, 0x34, 500);
    assert_eq!(latched(&mut p, 0, 0), 500);
    assert_eq!(tick(&mut p, 0), 0);
}

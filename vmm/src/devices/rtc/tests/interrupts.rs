//! Periodic, update and alarm interrupts, register C and UIP.

use super::*;

#[test]
fn periodic_interrupts_at_rate_6_come_at_1024_hz() {
    let mut b = Bench::new(WED);
    assert_eq!(b.rtc.deadline(), None, "nothing enabled");
    b.write(0, 0x0b, 0x42);
    assert_eq!(b.rtc.deadline(), Some(976_563));
    b.tick(976_562);
    assert_eq!(b.lines(), []);
    b.tick(976_563);
    assert_eq!(b.lines(), [true]);
    assert_eq!(b.rtc.deadline(), None, "PF already set");
    assert_eq!(b.read(976_600, 0x0c), 0xc0);
    assert_eq!(b.lines(), [false]);
    assert_eq!(b.rtc.deadline(), Some(1_953_125));
    let mut n = 0;
    while let Some(t) = b.rtc.deadline().filter(|&t| t <= SEC) {
        b.tick(t);
        b.read(t, 0x0c);
        n += 1;
    }
    assert_eq!(n, 1023, "edges 2..=1024 of the first second");
    // PF is set even with PIE clear, and raises the line once enabled.
    b.write(SEC, 0x0b, 0x02);
    b.lines();
    b.write(SEC + SEC / 100, 0x0b, 0x42);
    assert_eq!(b.lines(), [true]);
}

#[test]
fn periodic_rates_follow_the_datasheet_table() {
    assert_eq!(clock::period_ticks(0), None);
    assert_eq!(clock::period_ticks(1), Some(128), "256 Hz");
    assert_eq!(clock::period_ticks(2), Some(256), "128 Hz");
    assert_eq!(clock::period_ticks(3), Some(4), "8192 Hz");
    assert_eq!(clock::period_ticks(15), Some(16_384), "2 Hz");
    let mut b = Bench::new(WED);
    b.write(0, 0x0a, 0x2f);
    b.write(0, 0x0b, 0x42);
    assert_eq!(b.rtc.deadline(), Some(SEC / 2));
    b.write(0, 0x0a, 0x20);
    assert_eq!(b.rtc.deadline(), None, "rate 0 is off");
}

#[test]
fn update_interrupt_comes_once_per_second() {
    let mut b = Bench::new(WED);
    b.write(SEC / 4, 0x0b, 0x12);
    assert_eq!(b.rtc.deadline(), Some(SEC));
    b.tick(SEC);
    assert_eq!(b.lines(), [true]);
    assert_eq!(
        b.read(SEC, 0x0c),
        0xd0,
        "IRQF, UF, and PF of the default rate"
    );
    assert_eq!(b.lines(), [false]);
    assert_eq!(b.rtc.deadline(), Some(2 * SEC));
    assert_eq!(b.read(SEC, 0x0c), 0x00, "reading C cleared it");
}

#[test]
fn alarm_matches_with_and_without_dont_care_bytes() {
    let mut b = Bench::new(WED);
    b.write(0, 1, 0x20);
    b.write(0, 3, 0x51);
    b.write(0, 5, 0x14);
    b.write(0, 0x0b, 0x22);
    assert_eq!(b.rtc.deadline(), Some(4 * SEC));
    b.tick(4 * SEC);
    assert_eq!(b.lines(), [true]);
    assert_eq!(b.read(4 * SEC, 0x0c), 0xf0, "IRQF, AF, UF and PF");
    assert_eq!(b.lines(), [false]);
    assert_eq!(
        b.rtc.deadline(),
        Some((4 + 86_400) * SEC),
        "same time tomorrow"
    );
    b.write(4 * SEC, 1, 0x00);
    b.write(4 * SEC, 3, 0x52);
    b.write(4 * SEC, 5, 0xc0);
    assert_eq!(b.rtc.deadline(), Some(44 * SEC), "next 52:00 of any hour");
    b.write(4 * SEC, 1, 0xff);
    b.write(4 * SEC, 3, 0xc0);
    assert_eq!(b.rtc.deadline(), Some(5 * SEC), "every second");
    b.write(4 * SEC, 3, 0x61);
    assert_eq!(b.rtc.deadline(), None, "minute 61 never comes");
    // Found lazily, too: AF after a long gap without AIE.
    b.write(4 * SEC, 0x0b, 0x02);
    b.write(4 * SEC, 3, 0x00);
    b.write(4 * SEC, 5, 0x15);
    b.read(4 * SEC, 0x0c);
    assert_eq!(b.read(3600 * SEC, 0x0c) & 0x20, 0x20);
}

#[test]
fn reading_c_lowers_the_line_only_when_raised() {
    let mut b = Bench::new(WED);
    b.read(0, 0x0c);
    assert_eq!(b.lines(), []);
    b.write(0, 0x0b, 0x12);
    b.tick(SEC);
    b.tick(2 * SEC);
    assert_eq!(b.lines(), [true]);
    b.write(2 * SEC, 0x0b, 0x02);
    assert_eq!(b.lines(), [false], "disabling UIE drops IRQF");
    b.write(2 * SEC, 0x0c, 0xff);
    b.write(2 * SEC, 0x0d, 0x00);
    assert_eq!(b.read(2 * SEC, 0x0d), 0x80);
    assert_eq!(
        b.read(2 * SEC, 0x0c),
        0x50,
        "UF (and PF) stay until C is read"
    );
}

#[test]
fn uip_is_set_just_before_each_update() {
    let mut b = Bench::new(WED);
    assert_eq!(b.read(SEC - 244_142, 0x0a), 0x26);
    assert_eq!(b.read(SEC - 244_141, 0x0a), 0xa6);
    assert_eq!(b.read(SEC - 1, 0x0a), 0xa6);
    assert_eq!(b.read(SEC, 0x0a), 0x26);
    b.write(SEC, 0x0a, 0xa5);
    assert_eq!(b.read(SEC, 0x0a), 0x25, "UIP is read-only");
    b.write(SEC, 0x0b, 0x82);
    assert_eq!(b.read(2 * SEC - 1, 0x0a), 0x25, "no UIP while SET");
}

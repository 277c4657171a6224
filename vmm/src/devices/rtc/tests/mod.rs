//! Host tests of the RTC: a bench driving it through its ports.

mod interrupts;
mod memory;

use alloc::vec::Vec;

use super::calendar::{self, Format};
use super::*;
use crate::ctx::Event;
use crate::time::Time;

/// 2026-11-25 14:51:16 UTC, a Wednesday.
pub const WED: u64 = 1_795_618_276;
pub const SEC: u64 = 1_000_000_000;
pub const MIB: u64 = 1 << 20;

pub struct Bench {
    pub rtc: Rtc,
    pub events: Vec<Event>,
}

impl Bench {
    pub fn new(epoch: u64) -> Self {
        Self {
            rtc: Rtc::new(epoch, 256 * MIB, 0),
            events: Vec::new(),
        }
    }

    pub fn read(&mut self, ns: u64, index: u8) -> u8 {
        let mut ctx = Ctx::new(Time { ns, tsc: 0 }, 0, &mut self.events);
        self.rtc.write(&mut ctx, 0x70, 1, u64::from(index));
        self.rtc.read(&mut ctx, 0x71, 1) as u8
    }

    pub fn write(&mut self, ns: u64, index: u8, v: u8) {
        let mut ctx = Ctx::new(Time { ns, tsc: 0 }, 0, &mut self.events);
        self.rtc.write(&mut ctx, 0x70, 1, u64::from(index));
        self.rtc.write(&mut ctx, 0x71, 1, u64::from(v));
    }

    pub fn tick(&mut self, ns: u64) {
        let mut ctx = Ctx::new(Time { ns, tsc: 0 }, 0, &mut self.events);
        self.rtc.tick(&mut ctx);
    }

    /// The time registers 0, 2, 4, 6, 7, 8, 9 and 0x32.
    pub fn time(&mut self, ns: u64) -> [u8; 8] {
        [0, 2, 4, 6, 7, 8, 9, 0x32].map(|i| self.read(ns, i))
    }

    /// The IRQ 8 levels driven since the last call.
    pub fn lines(&mut self) -> Vec<bool> {
        let v = self
            .events
            .iter()
            .filter_map(|e| match *e {
                Event::Line { irq: IRQ, level } => Some(level),
                _ => None,
            })
            .collect();
        self.events.clear();
        v
    }
}

#[test]
fn reads_the_time_in_bcd_and_binary() {
    let mut b = Bench::new(WED);
    assert_eq!(b.read(0, 0x0b), 0x02, "24-hour BCD after reset");
    assert_eq!(b.time(0), [0x16, 0x51, 0x14, 4, 0x25, 0x11, 0x26, 0x20]);
    b.write(0, 0x0b, 0x06);
    assert_eq!(b.time(0), [16, 51, 14, 4, 25, 11, 26, 20]);
    assert_eq!(b.time(SEC * 3 / 2), [17, 51, 14, 4, 25, 11, 26, 20]);
    assert_eq!(b.time(44 * SEC)[..3], [0, 52, 14]);
}

#[test]
fn february_29_2028_exists() {
    let mut b = Bench::new(1_835_395_199); // 2028-02-28 23:59:59
    assert_eq!(b.time(0), [0x59, 0x59, 0x23, 2, 0x28, 0x02, 0x28, 0x20]);
    assert_eq!(b.time(SEC), [0, 0, 0, 3, 0x29, 0x02, 0x28, 0x20]);
    assert_eq!(
        b.time(SEC + 86_400 * SEC),
        [0, 0, 0, 4, 0x01, 0x03, 0x28, 0x20]
    );
}

#[test]
fn year_2100_is_not_leap_and_the_century_counts() {
    let mut b = Bench::new(4_107_542_399); // 2100-02-28 23:59:59
    assert_eq!(b.time(SEC), [0, 0, 0, 2, 0x01, 0x03, 0x00, 0x21]);
    let mut b = Bench::new(4_102_444_799); // 2099-12-31 23:59:59
    assert_eq!(b.time(0)[4..], [0x31, 0x12, 0x99, 0x20]);
    assert_eq!(b.time(SEC)[4..], [0x01, 0x01, 0x00, 0x21]);
}

#[test]
fn twelve_hour_mode_sets_the_pm_bit() {
    let mut b = Bench::new(WED);
    b.write(0, 0x0b, 0x00);
    assert_eq!(b.read(0, 4), 0x82);
    b.write(0, 0x0b, 0x04);
    assert_eq!(b.read(0, 4), 0x82, "binary 2 PM");
    let f = Format {
        binary: false,
        h24: false,
    };
    for (h, enc) in [
        (0, 0x12),
        (1, 0x01),
        (11, 0x11),
        (12, 0x92),
        (13, 0x81),
        (23, 0x91),
    ] {
        assert_eq!(calendar::encode_hour(h, f), enc);
        assert_eq!(calendar::decode_hour(enc, f), Some(h));
    }
    assert_eq!(calendar::decode_hour(0x13, f), None);
    assert_eq!(calendar::decode_hour(0x80, f), None);
}

#[test]
fn calendar_conversions_agree_with_counting_days() {
    let mut days = 0i64;
    for year in 1970..2500 {
        for month in 1..=12 {
            for day in 1..=calendar::days_in_month(year, month) {
                assert_eq!(calendar::days_from_date(year, month, day), days);
                assert_eq!(calendar::date_from_days(days), (year, month, day));
                days += 1;
            }
        }
    }
    for d in (-719_528..4_000_000).step_by(997) {
        let (y, m, dd) = calendar::date_from_days(d);
        assert_eq!(calendar::days_from_date(y, m, dd), d);
    }
    assert_eq!(calendar::date_from_days(-719_528), (0, 1, 1));
    assert!(calendar::is_leap(2000) && !calendar::is_leap(1900) && calendar::is_leap(2028));
}

#[test]
fn set_freezes_the_clock_and_applies_the_written_time() {
    let mut b = Bench::new(WED);
    b.write(SEC / 10, 0x0b, 0x12); // UIE
    b.write(SEC * 3 / 10, 0x0b, 0x92); // SET
    assert_eq!(b.read(SEC * 3 / 10, 0x0b), 0x82, "SET clears UIE");
    for (i, v) in [
        (0, 0x05),
        (2, 0x04),
        (4, 0x03),
        (6, 0x04),
        (7, 0x02),
        (8, 0x01),
        (9, 0x30),
    ] {
        b.write(SEC * 4 / 10, i, v);
    }
    assert_eq!(
        b.time(4 * SEC),
        [0x05, 0x04, 0x03, 0x04, 0x02, 0x01, 0x30, 0x20]
    );
    // Cleared 0.3 s into a second: the divider keeps its phase.
    b.write(5 * SEC + SEC * 3 / 10, 0x0b, 0x02);
    assert_eq!(b.read(5 * SEC + SEC * 3 / 10, 0), 0x05);
    assert_eq!(b.read(6 * SEC - 1, 0), 0x05);
    assert_eq!(b.read(6 * SEC, 0), 0x06);
    assert_eq!(
        b.time(7 * SEC + 1)[..7],
        [0x07, 0x04, 0x03, 0x04, 0x02, 0x01, 0x30]
    );
    assert_eq!(b.time(86_400 * SEC)[3], 0x05, "weekday counts on");
}

#[test]
fn restarting_the_divider_delays_the_next_update_by_half_a_second() {
    let mut b = Bench::new(WED);
    b.write(SEC / 10, 0x0b, 0x82);
    b.write(SEC / 10, 0x0a, 0x76); // divider reset, as Linux does
    b.write(SEC / 10, 0, 0x30);
    b.write(SEC / 10, 0x0b, 0x02);
    assert_eq!(b.read(3 * SEC, 0), 0x30, "held while the divider is reset");
    assert_eq!(b.read(3 * SEC, 0x0a) & 0x80, 0, "no UIP while stopped");
    b.write(3 * SEC + SEC / 4, 0x0a, 0x26);
    assert_eq!(b.read(3 * SEC + SEC * 3 / 4 - 1, 0), 0x30);
    assert_eq!(b.read(3 * SEC + SEC * 3 / 4, 0), 0x31);
}

#[test]
fn writing_a_time_register_while_running_takes_effect_at_once() {
    let mut b = Bench::new(WED);
    b.write(SEC / 2, 2, 0x07);
    assert_eq!(b.time(SEC / 2)[..3], [0x16, 0x07, 0x14]);
    assert_eq!(b.time(SEC)[..3], [0x17, 0x07, 0x14]);
    b.write(SEC, 6, 1); // the guest says it is Sunday
    assert_eq!(b.read(SEC, 6), 1);
    assert_eq!(b.read(SEC + 86_400 * SEC, 6), 2);
    b.write(SEC, 8, 0x13); // month 13 clamps to December
    assert_eq!(b.read(SEC, 8), 0x12);
}

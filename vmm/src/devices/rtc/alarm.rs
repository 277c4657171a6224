//! The alarm comparator: seconds, minutes and hours compared with the alarm
//! registers at every update, where an alarm byte of 0xC0–0xFF matches any
//! value ("don't care"), so 0xC0 in all three alarms once per second.
//!
//! Instead of comparing at each update, the RTC asks for the first matching
//! second after a given one and sets a deadline there.

use super::calendar::{self, Format, DAY};

#[derive(Clone, Copy)]
enum Want {
    Any,
    Is(u8),
    /// The byte names no valid value (minute 61, hour 0x13 in 12-hour
    /// mode): the time never shows it.
    Never,
}

impl Want {
    fn new(b: u8, value: Option<u8>) -> Self {
        if b >= 0xc0 {
            Want::Any
        } else {
            value.map_or(Want::Never, Want::Is)
        }
    }

    /// The first value at or after `from` (below `end`) that matches.
    fn first_from(self, from: u8, end: u8) -> Option<u8> {
        match self {
            Want::Any => (from < end).then_some(from),
            Want::Is(v) => (v >= from && v < end).then_some(v),
            Want::Never => None,
        }
    }
}

/// The alarm's three bytes as written, in CMOS order of their registers
/// (0x01 seconds, 0x03 minutes, 0x05 hours).
pub type AlarmRegs = [u8; 3];

/// The first second after `secs` (since the epoch) whose time of day the
/// alarm matches in format `f`, or `None` if none ever does.
pub fn next_after(alarm: &AlarmRegs, f: Format, secs: i64) -> Option<i64> {
    let sec_of = |b: u8| {
        let v = calendar::decode(b, f);
        (v < 60).then_some(v)
    };
    let s = Want::new(alarm[0], sec_of(alarm[0]));
    let m = Want::new(alarm[1], sec_of(alarm[1]));
    let h = Want::new(alarm[2], calendar::decode_hour(alarm[2], f));
    let day = secs.div_euclid(DAY);
    let next = secs.rem_euclid(DAY) + 1; // today's first candidate
    let today = first_match(h, m, s, next).map(|t| day * DAY + t);
    today.or_else(|| first_match(h, m, s, 0).map(|t| (day + 1) * DAY + t))
}

/// The first time of day at or after `from` (seconds, may be a whole day)
/// that matches.
fn first_match(h: Want, m: Want, s: Want, from: i64) -> Option<i64> {
    let (h0, m0, s0) = (
        (from / 3600) as u8,
        (from / 60 % 60) as u8,
        (from % 60) as u8,
    );
    let mut hour = h.first_from(h0, 24)?;
    loop {
        let (mf, sf) = if hour == h0 { (m0, s0) } else { (0, 0) };
        let mut minute = m.first_from(mf, 60);
        while let Some(mi) = minute {
            let second_from = if hour == h0 && mi == m0 { sf } else { 0 };
            if let Some(se) = s.first_from(second_from, 60) {
                return Some(i64::from(hour) * 3600 + i64::from(mi) * 60 + i64::from(se));
            }
            minute = m.first_from(mi + 1, 60);
        }
        hour = h.first_from(hour + 1, 24)?;
    }
}

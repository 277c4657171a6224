//! Calendar arithmetic and the RTC's register encodings.
//!
//! The clock counts seconds since 1970-01-01 00:00:00 (negative before);
//! this file turns such a count into the eight time-of-day registers of an
//! MC146818 (seconds, minutes, hours, weekday, day, month, year, and the
//! century byte at CMOS 0x32) in the register format that register B
//! selects, and back. The proleptic Gregorian calendar is used throughout:
//! the MC146818 itself treats every fourth year as leap, which first goes
//! wrong in 2100; with the century byte as part of the clock, the full rule
//! costs nothing.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days in a 400-year Gregorian cycle.
const CYCLE_DAYS: i64 = 146_097;

/// Days from 0000-03-01 (the start of a cycle, counting years from March
/// so that the leap day ends a year) to 1970-01-01.
const EPOCH_SHIFT: i64 = 719_468;

/// Register B's format bits that the time registers depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    /// DM: binary instead of BCD.
    pub binary: bool,
    /// 24-hour instead of 12-hour with a PM flag in bit 7.
    pub h24: bool,
}

impl Format {
    pub fn from_reg_b(b: u8) -> Self {
        Self {
            binary: b & 0x04 != 0,
            h24: b & 0x02 != 0,
        }
    }
}

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of `year`-`month`-`day` (month 1–12, day 1–31).
pub fn days_from_date(year: i64, month: u8, day: u8) -> i64 {
    // Count years from March: January and February belong to the year before.
    let y = if month <= 2 { year - 1 } else { year };
    let cycle = y.div_euclid(400);
    let year_of_cycle = y.rem_euclid(400);
    // Months from March; 153 days per five months (31 30 31 30 31).
    let m = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * m + 2) / 5 + i64::from(day) - 1;
    let day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    cycle * CYCLE_DAYS + day_of_cycle - EPOCH_SHIFT
}

/// The date (year, month 1–12, day 1–31) `days` after 1970-01-01.
pub fn date_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + EPOCH_SHIFT;
    let cycle = z.div_euclid(CYCLE_DAYS);
    let doc = z.rem_euclid(CYCLE_DAYS);
    // Remove the leap days before `doc` (one per 4 years, none per 100,
    // one per 400) to find the year of the cycle.
    let yoc = (doc - doc / 1460 + doc / 36_524 - doc / (CYCLE_DAYS - 1)) / 365;
    let doy = doc - (365 * yoc + yoc / 4 - yoc / 100);
    let m = (5 * doy + 2) / 153; // 0 = March
    let day = (doy - (153 * m + 2) / 5 + 1) as u8;
    let month = if m < 10 { m + 3 } else { m - 9 } as u8;
    let year = cycle * 400 + yoc + i64::from(month <= 2);
    (year, month, day)
}

/// The MC146818 weekday (1 = Sunday … 7 = Saturday) of a day count;
/// 1970-01-01 was a Thursday.
pub fn weekday(days: i64) -> u8 {
    ((days + 4).rem_euclid(7) + 1) as u8
}

/// `v` (0–99, or any byte in binary mode) in the register format.
pub fn encode(v: u8, f: Format) -> u8 {
    if f.binary {
        v
    } else {
        ((v / 10 % 10) << 4) | (v % 10)
    }
}

/// A register value back to a number. Invalid BCD digits (A–F) are taken
/// at face value, as a counter that was loaded with them would be.
pub fn decode(b: u8, f: Format) -> u8 {
    if f.binary {
        b
    } else {
        (b >> 4) * 10 + (b & 0x0f)
    }
}

/// An hour (0–23) in the register format: in 12-hour mode 12 AM is
/// midnight and bit 7 marks PM.
pub fn encode_hour(h: u8, f: Format) -> u8 {
    if f.h24 {
        return encode(h, f);
    }
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    encode(h12, f) | if h >= 12 { 0x80 } else { 0 }
}

/// An hours register to 0–23, or `None` if it names no hour.
pub fn decode_hour(b: u8, f: Format) -> Option<u8> {
    if f.h24 {
        let h = decode(b, f);
        return (h < 24).then_some(h);
    }
    let h12 = decode(b & 0x7f, f);
    if !(1..=12).contains(&h12) {
        return None;
    }
    Some(h12 % 12 + if b & 0x80 != 0 { 12 } else { 0 })
}

/// The time registers in CMOS order: seconds (0x00), minutes (0x02),
/// hours (0x04), weekday (0x06), day (0x07), month (0x08), year (0x09),
/// century (0x32).
pub type TimeRegs = [u8; 8];

/// The slot of CMOS index `i` in [`TimeRegs`].
pub fn slot(i: u8) -> Option<usize> {
    match i {
        0x00 => Some(0),
        0x02 => Some(1),
        0x04 => Some(2),
        0x06 => Some(3),
        0x07..=0x09 => Some(usize::from(i) - 3),
        0x32 => Some(7),
        _ => None,
    }
}

/// The registers showing `secs` seconds since the epoch, with the weekday
/// advanced by `wday_adjust` days (the MC146818's weekday is a counter of
/// its own that the guest may set to any value).
pub fn to_regs(secs: i64, wday_adjust: u8, f: Format) -> TimeRegs {
    let days = secs.div_euclid(DAY);
    let tod = secs.rem_euclid(DAY);
    let (year, month, day) = date_from_days(days);
    let wday = (weekday(days) - 1 + wday_adjust % 7) % 7 + 1;
    // A binary century byte past 255 wraps, as an 8-bit counter would.
    let century = (year.div_euclid(100) & 0xff) as u8;
    [
        encode((tod % 60) as u8, f),
        encode((tod / 60 % 60) as u8, f),
        encode_hour((tod / 3600) as u8, f),
        encode(wday, f),
        encode(day, f),
        encode(month, f),
        encode(year.rem_euclid(100) as u8, f),
        encode(century, f),
    ]
}

/// The time the registers show, as seconds since the epoch and a weekday
/// adjustment for [`to_regs`]. Out-of-range fields are clamped into range
/// (an invalid hour reads as 0, a day past the month's end as its last
/// day): the guest wrote nonsense, and the clock must still count.
pub fn from_regs(r: &TimeRegs, f: Format) -> (i64, u8) {
    let sec = i64::from(decode(r[0], f).min(59));
    let min = i64::from(decode(r[1], f).min(59));
    let hour = i64::from(decode_hour(r[2], f).unwrap_or(0));
    let century = i64::from(if f.binary {
        r[7]
    } else {
        decode(r[7], f).min(99)
    });
    let year = century * 100 + i64::from(decode(r[6], f).min(99));
    let month = decode(r[5], f).clamp(1, 12);
    let day = decode(r[4], f).clamp(1, days_in_month(year, month));
    let days = days_from_date(year, month, day);
    let wday = decode(r[3], f);
    let adjust = if (1..=7).contains(&wday) {
        (wday + 7 - weekday(days)) % 7
    } else {
        0
    };
    (days * DAY + hour * 3600 + min * 60 + sec, adjust)
}

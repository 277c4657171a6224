//! The host's real-time clock, read once so each guest's RTC starts at the
//! real time (the Unix time root-pd passes to every VMM).

use vmm::devices::rtc::calendar::{days_from_date, decode, decode_hour, Format};

fn cmos(reg: u8) -> u8 {
    let v: u8;
    // SAFETY: root-pd owns every I/O port at boot; the CMOS index and data
    // ports touch no memory. Nothing else of root-pd uses them while this
    // runs (ktest gets them only later, for its own test).
    unsafe {
        core::arch::asm!("out 0x70, al", in("al") reg, options(nomem, nostack));
        core::arch::asm!("in al, 0x71", out("al") v, options(nomem, nostack));
    }
    v
}

/// Seconds since 1970 by the host's CMOS clock (taken as UTC, as most
/// hypervisors' hosts keep it), or 0 if it reads nonsense.
pub fn unix_time() -> u64 {
    for _ in 0..1_000_000 {
        if cmos(0x0a) & 0x80 == 0 {
            break;
        }
    }
    let f = Format::from_reg_b(cmos(0x0b));
    let sec = decode(cmos(0x00), f);
    let min = decode(cmos(0x02), f);
    let hour = decode_hour(cmos(0x04), f).unwrap_or(0);
    let day = decode(cmos(0x07), f);
    let month = decode(cmos(0x08), f);
    let year = i64::from(decode(cmos(0x09), f));
    let century = i64::from(decode(cmos(0x32), f));
    let year = if (19..=99).contains(&century) {
        century * 100 + year
    } else {
        2000 + year
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 59 {
        return 0;
    }
    let days = days_from_date(year, month, day);
    (days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec)).max(0) as u64
}

//! The ACPI PM timer (3.579545 MHz, 24 bits) at port 0x608, where QEMU's
//! PIIX4 and the VMM put it: the clock every test measures time against.

use crate::io::inl;
use core::sync::atomic::{AtomicU64, Ordering};

const PM_TMR: u16 = 0x608;
pub const HZ: u64 = 3_579_545;

/// The last extended reading: bits 0-23 the counter, above it the wraps.
static LAST: AtomicU64 = AtomicU64::new(0);

/// Timer ticks since the first reading, extended past the 24-bit wrap
/// (callers read at least every 4 s; only one CPU reads at a time).
pub fn ticks() -> u64 {
    let raw = u64::from(inl(PM_TMR) & 0xff_ffff);
    let last = LAST.load(Ordering::Relaxed);
    let mut now = (last & !0xff_ffff) | raw;
    if now < last {
        now += 1 << 24;
    }
    LAST.store(now, Ordering::Relaxed);
    now
}

/// Microseconds since the first reading.
pub fn now_us() -> u64 {
    ticks() * 1_000_000 / HZ
}

/// Spins until `cond` holds or `ms` milliseconds passed; whether it held.
pub fn wait(ms: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = now_us() + ms * 1000;
    loop {
        if cond() {
            return true;
        }
        if now_us() >= end {
            return false;
        }
        core::hint::spin_loop();
    }
}

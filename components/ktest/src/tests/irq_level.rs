//! A level-triggered GSI is masked when it fires and stays masked until
//! the next down on its semaphore, so a driver can quiet its device first.
//!
//! The CMOS RTC keeps its interrupt line high from a periodic interrupt
//! until register C is read (QEMU and Bochs). Routed level-triggered and
//! active high (`AssignInt` with `LEVEL`), GSI 8 interrupts once; while C
//! is not read the line stays high, and an unmasked level-triggered input
//! would interrupt again after every EOI. So: one up, then none for many
//! periods; a down unmasks it and the still-high line gives exactly one
//! more up; once the RTC is quiet, no more.

use super::irq_rtc::{cmos_read, cmos_write, granted, DownZeroUntil};
use super::irq_rtc::{PIE, RATE_128HZ, REG_A, REG_B, REG_C};
use crate::check::{ok, st, status, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::int_flags::{LEVEL, MASK};
use user_rt::sys::{self, Sm, Status};

pub const TESTS: &[Test] = &[("irq_level_masked_until_next_down", level)];

/// A down that must not wait: `Success` if an up was counted, else
/// `Timeout` (it still unmasks the GSI).
fn try_down(irq: Sm) -> Status {
    st(irq.down_until(1))
}

/// Runs [`rounds`] at 128 Hz and puts the RTC and the route back as they
/// were (edge-triggered, masked).
fn level(ctx: &mut Ctx) -> TResult {
    let irq = granted(ctx, "gsi8")?;
    let (a, b) = (cmos_read(REG_A), cmos_read(REG_B));
    cmos_write(REG_A, (a & 0xf0) | RATE_128HZ);
    let result = rounds(ctx, irq, b);
    cmos_write(REG_B, b & !PIE);
    cmos_read(REG_C);
    cmos_write(REG_A, a);
    let _ = sys::assign_int(irq, 0, MASK);
    let _ = irq.down_zero_until(1);
    result
}

/// Routes GSI 8 level-triggered to CPU 0 and checks the masking; `b` is
/// register B as found.
fn rounds(ctx: &Ctx, irq: Sm, b: u8) -> TResult {
    cmos_write(REG_B, b & !PIE);
    cmos_read(REG_C);
    ok(
        "route GSI 8 level-triggered",
        sys::assign_int(irq, 0, LEVEL),
    )?;
    let _ = irq.down_zero_until(1);
    cmos_write(REG_B, b | PIE);
    status(
        "the first interrupt",
        st(irq.down_until(ctx.deadline(500))),
        Status::Success,
    )?;
    // Register C unread: the line stays high for 5 periods and more.
    ctx.sleep(40);
    status(
        "ups while masked with the line high",
        try_down(irq),
        Status::Timeout,
    )?;
    // That down unmasked it; the line is still high.
    ctx.sleep(20);
    cmos_write(REG_B, b & !PIE);
    cmos_read(REG_C);
    status(
        "the up after the down unmasked it",
        try_down(irq),
        Status::Success,
    )?;
    status("and no other", try_down(irq), Status::Timeout)
}

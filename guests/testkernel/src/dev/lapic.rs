//! The local APIC in xAPIC (MMIO) or x2APIC (MSR) mode, with one register
//! interface over both so each test runs in either mode.

use crate::io::{mmio_read, mmio_write, rdmsr, wrmsr};
use core::sync::atomic::{AtomicBool, Ordering};

const BASE: u64 = 0xfee0_0000;
const APIC_BASE_MSR: u32 = 0x1b;
pub const TSC_DEADLINE_MSR: u32 = 0x6e0;

pub const ID: u32 = 0x20;
pub const VERSION: u32 = 0x30;
pub const TPR: u32 = 0x80;
pub const EOI: u32 = 0xb0;
pub const SVR: u32 = 0xf0;
pub const ICR_LO: u32 = 0x300;
pub const ICR_HI: u32 = 0x310;
pub const LVT_TIMER: u32 = 0x320;
pub const TIMER_INIT: u32 = 0x380;
pub const TIMER_CUR: u32 = 0x390;
pub const TIMER_DIV: u32 = 0x3e0;

/// LVT timer modes (bits 17-18).
pub const ONE_SHOT: u32 = 0;
pub const PERIODIC: u32 = 1 << 17;
pub const TSC_DEADLINE: u32 = 2 << 17;
pub const MASKED: u32 = 1 << 16;

/// Whether x2APIC mode is on (the same on every CPU in these tests).
static X2: AtomicBool = AtomicBool::new(false);

pub fn x2apic() -> bool {
    X2.load(Ordering::Relaxed)
}

pub fn read(reg: u32) -> u32 {
    if x2apic() {
        rdmsr(0x800 + (reg >> 4)) as u32
    } else {
        mmio_read(BASE + u64::from(reg))
    }
}

pub fn write(reg: u32, v: u32) {
    if x2apic() {
        wrmsr(0x800 + (reg >> 4), u64::from(v));
    } else {
        mmio_write(BASE + u64::from(reg), v);
    }
}

/// This CPU's APIC ID.
pub fn id() -> u32 {
    if x2apic() {
        read(ID)
    } else {
        read(ID) >> 24
    }
}

/// Software-enables the APIC (spurious vector 0xff), TPR 0.
pub fn enable() {
    write(SVR, 0x1ff);
    write(TPR, 0);
}

/// Switches this CPU to x2APIC mode (from xAPIC).
pub fn enter_x2apic() {
    let b = rdmsr(APIC_BASE_MSR);
    wrmsr(APIC_BASE_MSR, b | (1 << 11) | (1 << 10));
    X2.store(true, Ordering::Relaxed);
}

pub fn eoi() {
    write(EOI, 0);
}

/// Sends an IPI: `icr` is the low word (vector, delivery mode, level,
/// shorthand) to APIC `dest`.
pub fn ipi(dest: u32, icr: u32) {
    if x2apic() {
        wrmsr(0x830, (u64::from(dest) << 32) | u64::from(icr));
    } else {
        write(ICR_HI, dest << 24);
        write(ICR_LO, icr);
    }
}

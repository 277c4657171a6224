//! Application processors: the BSP copies the real-mode trampoline to
//! `AP_PAGE` and starts each AP with INIT, SIPI, SIPI; an AP enters long
//! mode on the BSP's page tables (boot.S) and runs [`ap_main`].

use crate::dev::{lapic, pm};
use crate::idt;
use crate::io;
use core::sync::atomic::{AtomicU32, Ordering};

/// Where APs start (SIPI vector `AP_PAGE >> 12`).
pub const AP_PAGE: u64 = 0x8000;

extern "C" {
    fn ap_tramp_start();
    fn ap_tramp_end();
}

/// APs that reached `ap_main`.
pub static UP: AtomicU32 = AtomicU32::new(0);
/// Bit per APIC ID of the APs that came up.
pub static IDS: AtomicU32 = AtomicU32::new(0);
/// Per AP: 1 once its own APIC timer fired, 2 once the BSP's IPI arrived.
pub static STAGE: [AtomicU32; 8] = [const { AtomicU32::new(0) }; 8];
/// Vectors the APs use.
pub const AP_TIMER: u8 = 0x60;
pub const TO_AP: u8 = 0x61;
pub const TO_BSP: u8 = 0x62;

/// Copies the trampoline below 1 MiB.
pub fn install_trampoline() {
    let start = ap_tramp_start as *const () as usize;
    let len = ap_tramp_end as *const () as usize - start;
    // SAFETY: AP_PAGE is free RAM below 1 MiB that nothing else uses, and
    // the trampoline is far smaller than a page.
    unsafe { core::ptr::copy_nonoverlapping(start as *const u8, AP_PAGE as *mut u8, len) };
}

/// INIT, then two SIPIs to APIC `id` (the MP specification's sequence).
pub fn start(id: u32) {
    lapic::ipi(id, (5 << 8) | (1 << 14));
    pm::wait(10, || false);
    for _ in 0..2 {
        lapic::ipi(id, (6 << 8) | (AP_PAGE >> 12) as u32);
        pm::wait(1, || false);
    }
}

fn ap_eoi(_: u8) {
    lapic::eoi();
}

/// An AP's life: report in, run its own APIC timer once, wait for the
/// BSP's IPI, answer it with one of its own, then idle with interrupts
/// off.
pub fn ap_main(index: u32) -> ! {
    idt::load();
    lapic::enable();
    let i = (index as usize).min(STAGE.len() - 1);
    let id = lapic::id();
    IDS.fetch_or(1 << (id & 31), Ordering::AcqRel);
    UP.fetch_add(1, Ordering::AcqRel);

    let fired = idt::count(AP_TIMER);
    lapic::write(lapic::TIMER_DIV, 0x3);
    lapic::write(lapic::LVT_TIMER, lapic::ONE_SHOT | u32::from(AP_TIMER));
    lapic::write(lapic::TIMER_INIT, 50_000);
    while idt::count(AP_TIMER) == fired {
        io::wait_irq();
    }
    io::cli();
    STAGE[i].store(1, Ordering::Release);

    while idt::count(TO_AP) == 0 {
        io::wait_irq();
    }
    io::cli();
    STAGE[i].store(2, Ordering::Release);
    lapic::ipi(0, u32::from(TO_BSP));
    loop {
        // SAFETY: interrupts are off; the AP has nothing left to do.
        unsafe { core::arch::asm!("hlt", options(nomem, nostack)) };
    }
}

/// Hooks the APs' vectors (on the BSP, before starting them).
pub fn hooks() {
    for v in [AP_TIMER, TO_AP, TO_BSP] {
        idt::hook(v, ap_eoi);
    }
}

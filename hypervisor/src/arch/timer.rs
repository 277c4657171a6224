//! Time: the TSC and local APIC timer calibrated against the 8254 PIT, and a
//! check on each CPU that its timer interrupt really arrives.
//!
//! TSC-deadline mode is used where the CPU has it (one MSR write per timeout,
//! no divider drift); otherwise the APIC timer counts down in one-shot mode.

use super::apic::Lapic;
use super::cpu::rdtsc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use x86_64::instructions::port::Port;

const PIT_HZ: u64 = 1_193_182;
const CALIBRATION_MS: u64 = 10;

static TSC_KHZ: AtomicU64 = AtomicU64::new(0);
static APIC_KHZ: AtomicU64 = AtomicU64::new(0);
/// Timer interrupts seen, summed over all CPUs.
static TICKS: AtomicU32 = AtomicU32::new(0);

/// Busy-waits `ms` (at most 50) on PIT channel 2, the one wired to the
/// speaker gate, so no interrupt is involved.
fn pit_wait_ms(ms: u64) {
    let count = (PIT_HZ * ms / 1000).min(0xFFFF) as u16;
    let mut gate = Port::<u8>::new(0x61);
    let mut command = Port::<u8>::new(0x43);
    let mut channel2 = Port::<u8>::new(0x42);
    // SAFETY: ports 0x61/0x42/0x43 are the PIT and its gate, which the
    // hypervisor keeps for itself during boot; the speaker stays off.
    unsafe {
        let g = gate.read();
        gate.write((g & !0x02) | 0x01);
        command.write(0xB0); // channel 2, lo/hi byte, mode 0 (count down once)
        channel2.write(count as u8);
        channel2.write((count >> 8) as u8);
        // OUT2 (bit 5) rises when the count reaches zero; bound the loop in
        // case the PIT is missing.
        for _ in 0..100_000_000u64 {
            if gate.read() & 0x20 != 0 {
                break;
            }
        }
    }
}

/// Measures the TSC and the APIC timer (divider 16) against the PIT.
pub fn calibrate(lapic: &mut Lapic) {
    lapic.arm_one_shot(u32::MAX);
    let t0 = rdtsc();
    pit_wait_ms(CALIBRATION_MS);
    let t1 = rdtsc();
    let remaining = lapic.timer_current();
    lapic.arm_one_shot(0);
    TSC_KHZ.store((t1 - t0) / CALIBRATION_MS, Ordering::Relaxed);
    APIC_KHZ.store(
        u64::from(u32::MAX - remaining) / CALIBRATION_MS,
        Ordering::Relaxed,
    );
}

pub fn tsc_khz() -> u64 {
    TSC_KHZ.load(Ordering::Relaxed)
}

pub fn apic_khz() -> u64 {
    APIC_KHZ.load(Ordering::Relaxed)
}

static DEADLINE_MODE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Chooses TSC-deadline mode for `arm_at` (when CPUID offers it).
pub fn use_deadline_mode(on: bool) {
    DEADLINE_MODE.store(on, Ordering::Relaxed);
}

pub fn deadline_mode() -> bool {
    DEADLINE_MODE.load(Ordering::Relaxed)
}

/// Arms the executing CPU's timer to interrupt at TSC value `deadline`
/// (at once if it has passed), or stops it for `None`.
pub fn arm_at(deadline: Option<u64>) {
    let Some(lapic) = super::percpu::current().lapic.as_mut() else {
        return;
    };
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        // A deadline of 0 disarms; a past one fires at once.
        lapic.arm_tsc_deadline(deadline.map_or(0, |d| d.max(1)));
        return;
    }
    let Some(deadline) = deadline else {
        lapic.arm_one_shot(0);
        return;
    };
    let cycles = deadline.saturating_sub(rdtsc()).max(1);
    let ticks = u128::from(cycles) * u128::from(apic_khz()) / u128::from(tsc_khz().max(1));
    lapic.arm_one_shot(ticks.clamp(1, u128::from(u32::MAX)) as u32);
}

/// Called from the timer interrupt.
pub fn tick() {
    TICKS.fetch_add(1, Ordering::Relaxed);
}

/// Busy-waits about `us` microseconds on the TSC (after calibration).
pub fn delay_us(us: u64) {
    let end = rdtsc() + tsc_khz().max(1) * us / 1000;
    while rdtsc() < end {
        core::hint::spin_loop();
    }
}

/// Arms a 1 ms timeout on this CPU and waits for its interrupt with
/// interrupts on, spinning rather than halting so that a timer that never
/// fires cannot hang the CPU. Whether it arrived within 100 ms of TSC time.
pub fn self_test(lapic: &mut Lapic, deadline_mode: bool) -> bool {
    let before = TICKS.load(Ordering::Relaxed);
    if deadline_mode {
        lapic.arm_tsc_deadline(rdtsc() + tsc_khz());
    } else {
        lapic.arm_one_shot((apic_khz() as u32).max(1));
    }
    let give_up = rdtsc() + tsc_khz().max(1) * 100;
    x86_64::instructions::interrupts::enable();
    while TICKS.load(Ordering::Relaxed) == before && rdtsc() < give_up {
        core::hint::spin_loop();
    }
    x86_64::instructions::interrupts::disable();
    TICKS.load(Ordering::Relaxed) != before
}

//! The few privileged instructions the tests need, each behind a typed
//! wrapper: port I/O, MSRs, the TSC, CPUID, MMIO and interrupt flag.

use core::arch::asm;

pub fn outb(port: u16, v: u8) {
    // SAFETY: port I/O has no memory effects on this kernel's state; what a
    // port does is the point of the test that writes it.
    unsafe { asm!("out dx, al", in("dx") port, in("al") v, options(nomem, nostack)) };
}

pub fn outw(port: u16, v: u16) {
    // SAFETY: as for `outb`.
    unsafe { asm!("out dx, ax", in("dx") port, in("ax") v, options(nomem, nostack)) };
}

pub fn outl(port: u16, v: u32) {
    // SAFETY: as for `outb`.
    unsafe { asm!("out dx, eax", in("dx") port, in("eax") v, options(nomem, nostack)) };
}

pub fn inb(port: u16) -> u8 {
    let v: u8;
    // SAFETY: as for `outb`.
    unsafe { asm!("in al, dx", in("dx") port, out("al") v, options(nomem, nostack)) };
    v
}

pub fn inl(port: u16) -> u32 {
    let v: u32;
    // SAFETY: as for `outb`.
    unsafe { asm!("in eax, dx", in("dx") port, out("eax") v, options(nomem, nostack)) };
    v
}

pub fn rdmsr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: reads an MSR; a missing one faults into the exception
    // handler, which reports it and ends the test.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nomem, nostack)) };
    (u64::from(hi) << 32) | u64::from(lo)
}

pub fn wrmsr(msr: u32, v: u64) {
    // SAFETY: as for `rdmsr`; the MSRs written are the APIC's, which own no
    // memory of this kernel.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") v as u32, in("edx") (v >> 32) as u32,
             options(nomem, nostack))
    };
}

pub fn rdtsc() -> u64 {
    // SAFETY: reads the time-stamp counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// CPUID leaf `leaf`, subleaf 0: (eax, ebx, ecx, edx).
pub fn cpuid(leaf: u32) -> (u32, u32, u32, u32) {
    let r = core::arch::x86_64::__cpuid_count(leaf, 0);
    (r.eax, r.ebx, r.ecx, r.edx)
}

/// Reads the 32-bit device register at physical `addr` (identity-mapped,
/// uncached in the top GiB).
pub fn mmio_read(addr: u64) -> u32 {
    // SAFETY: the caller names a device register inside the identity map;
    // a volatile read is what the device expects.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

pub fn mmio_write(addr: u64, v: u32) {
    // SAFETY: as for `mmio_read`.
    unsafe { core::ptr::write_volatile(addr as *mut u32, v) }
}

pub fn sti() {
    // SAFETY: handlers for every vector are installed before any test runs.
    unsafe { asm!("sti", options(nomem, nostack)) };
}

pub fn cli() {
    // SAFETY: only masks interrupts.
    unsafe { asm!("cli", options(nomem, nostack)) };
}

/// Waits for an interrupt with interrupts enabled (`sti; hlt` so none is
/// lost between the two).
pub fn wait_irq() {
    // SAFETY: as for `sti`; `hlt` resumes at the next interrupt.
    unsafe { asm!("sti; hlt", options(nomem, nostack)) };
}

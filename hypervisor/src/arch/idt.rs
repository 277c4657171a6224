//! The interrupt descriptor table, shared by all CPUs. Every vector enters
//! through its stub in `entry.S`; the stubs are 16 bytes apart.

use super::gdt;
use spin::Once;

#[repr(C, align(16))]
struct Idt([u64; 512]);

static IDT: Once<Idt> = Once::new();

extern "C" {
    static vector_stubs: u8;
}

/// Vectors the hypervisor reserves for itself.
pub mod vector {
    pub const NMI: u8 = 2;
    pub const BREAKPOINT: u8 = 3;
    pub const OVERFLOW: u8 = 4;
    pub const DOUBLE_FAULT: u8 = 8;
    pub const MACHINE_CHECK: u8 = 18;
    /// The local APIC timer.
    pub const TIMER: u8 = 0xEC;
    /// Another CPU asks this one to reschedule.
    pub const RESCHED: u8 = 0xED;
    /// Another CPU asks this one to flush its TLB (`arch::tlb`).
    pub const SHOOTDOWN: u8 = 0xEE;
    /// Device interrupts routed to semaphores use vectors from here up to
    /// (not including) `TIMER`.
    pub const DEVICE_FIRST: u8 = 0x30;
    /// Device vectors: the FPU's #NM is vector 7.
    pub const DEVICE_NOT_AVAILABLE: u8 = 7;
    pub const GENERAL_PROTECTION: u8 = 13;
    /// The local APIC error interrupt.
    pub const APIC_ERROR: u8 = 0xFE;
    /// Spurious interrupts from the local APIC (no EOI).
    pub const SPURIOUS: u8 = 0xFF;
}

fn gate(handler: u64, ist: u8, dpl: u8) -> [u64; 2] {
    let low = (handler & 0xFFFF)
        | u64::from(gdt::KERNEL_CODE) << 16
        | u64::from(ist & 7) << 32
        | (0x8E | u64::from(dpl & 3) << 5) << 40 // present 64-bit interrupt gate
        | ((handler >> 16) & 0xFFFF) << 48;
    [low, handler >> 32]
}

/// Loads the IDT on the executing CPU, building it on first use.
pub fn load() {
    let idt = IDT.call_once(|| {
        let stubs = &raw const vector_stubs as u64;
        let mut table = [0u64; 512];
        for v in 0..256u64 {
            let (ist, dpl) = match v as u8 {
                vector::DOUBLE_FAULT => (gdt::IST_DOUBLE_FAULT, 0),
                vector::NMI => (gdt::IST_NMI, 0),
                vector::MACHINE_CHECK => (gdt::IST_MACHINE_CHECK, 0),
                // `int3` and `into` from user mode raise their own exception.
                vector::BREAKPOINT | vector::OVERFLOW => (0, 3),
                _ => (0, 0),
            };
            let [lo, hi] = gate(stubs + v * 16, ist, dpl);
            table[2 * v as usize] = lo;
            table[2 * v as usize + 1] = hi;
        }
        Idt(table)
    });
    let idtr = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of::<Idt>() - 1) as u16,
        base: x86_64::VirtAddr::new(idt.0.as_ptr() as u64),
    };
    // SAFETY: the IDT is static and every gate points at a stub in entry.S
    // with the kernel code selector.
    unsafe { x86_64::instructions::tables::lidt(&idtr) };
}

/// Mnemonic of an exception vector, for fault reports.
pub fn exception_name(vector: u64) -> &'static str {
    const NAMES: [&str; 32] = [
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS",
        "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23", "#24", "#25",
        "#26", "#27", "#HV", "#VC", "#SX", "#31",
    ];
    NAMES.get(vector as usize).copied().unwrap_or("interrupt")
}

/// The IDT's address (the host IDT base a VM exit restores).
pub fn base() -> u64 {
    IDT.get().map_or(0, |t| t as *const Idt as u64)
}

//! The microhypervisor: the only code that runs in ring 0.
//!
//! Principles (see docs/ARCHITECTURE.md):
//! - Mechanism, not policy: no device models, configuration parsing or
//!   placement decisions here; those live in root-pd and the VMMs.
//! - The kernel runs with interrupts off on one stack per CPU; hardware access
//!   sits behind small typed wrappers in `arch/`; portable logic lives in the
//!   host-tested `hv-core` crate.
//! - Bad input never crashes it: hypercall arguments are validated and errors
//!   are status codes; user faults are charged to the user program.
//! - No SIMD and no `core::fmt` in ring 0 (checked by a test on the image).
//!
//! Boot: `arch/boot.S` enters `kernel_entry_bsp` in long mode; it reads the
//! boot information, builds the allocator and the kernel's page tables, sets
//! up this CPU, parses ACPI, calibrates the timer, starts the other CPUs and
//! finally the root PD.
#![no_std]
#![no_main]

mod arch;
mod boot;
mod boot_info;
mod cap;
mod console;
mod console_out;
mod fatal;
mod handover;
mod ipc;
mod irq;
mod kmem;
mod mem;
mod obj;
mod platform;
mod power;
mod rootpd;
mod sched;
mod syscall;
mod traps;
mod user_memory;
mod vm;

// The freestanding support crate provides memcpy & co; linking it is enough.
use freestanding as _;

core::arch::global_asm!(include_str!("arch/boot.S"));
core::arch::global_asm!(include_str!("arch/entry.S"));
core::arch::global_asm!(include_str!("arch/trampoline.S"));
core::arch::global_asm!(include_str!("vm/svm/entry.S"));
core::arch::global_asm!(include_str!("vm/vmx/entry.S"));

/// Hands this CPU to the scheduler, which idles until there is work.
pub fn idle() -> ! {
    sched::lock::acquire();
    sched::schedule()
}

/// First Rust code on the boot CPU (from `boot.S`), with the Multiboot magic
/// and the physical address of the boot information.
#[no_mangle]
extern "C" fn kernel_entry_bsp(magic: u64, info: u64) -> ! {
    arch::serial::init();
    boot::boot_cpu(magic as u32, info)
}

/// First Rust code on an application processor (from `trampoline.S`), on
/// its own stack (whose top it is given) and the kernel's page tables.
#[no_mangle]
extern "C" fn ap_entry(index: u64, stack_top: u64) -> ! {
    boot::application_cpu(index as usize, stack_top)
}

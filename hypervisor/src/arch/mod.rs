//! x86-64 specifics: entry code, descriptor tables, paging, the local APIC,
//! timers and CPU start-up. Each file wraps one piece of hardware.

pub mod apic;
pub mod cpu;
pub mod fpu;
pub mod frame;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod kernel_space;
pub mod paging;
pub mod percpu;
pub mod pic;
pub mod serial;
pub mod smp;
pub mod syscall;
pub mod timer;
pub mod tlb;
pub mod tss;

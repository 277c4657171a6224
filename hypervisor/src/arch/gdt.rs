//! Segments: the per-CPU GDT and TSS. Long mode ignores segment bases and
//! limits; what matters is the privilege level of each selector, the order
//! SYSCALL/SYSRET derive selectors from (see `syscall.rs`), and the TSS that
//! holds the ring-0 stack and the IST stacks.

use super::percpu::PerCpu;
use x86_64::VirtAddr;

pub const KERNEL_CODE: u16 = 0x08;
pub const KERNEL_DATA: u16 = 0x10;
/// User selectors, with RPL 3.
pub const USER_DATA: u16 = 0x18 | 3;
pub const USER_CODE: u16 = 0x20 | 3;
pub const TSS: u16 = 0x28;

/// IST slots (1-based as the IDT encodes them).
pub const IST_DOUBLE_FAULT: u8 = 1;
pub const IST_NMI: u8 = 2;
pub const IST_MACHINE_CHECK: u8 = 3;

/// Fills and loads the GDT and TSS of the executing CPU.
/// `stack_top` is the ring-0 stack for entries from user mode; `ist` holds the
/// tops of the three IST stacks.
pub fn load(cpu: &mut PerCpu, stack_top: u64, ist: [u64; 3]) {
    let tss = super::tss::mine();
    tss.seg.privilege_stack_table[0] = VirtAddr::new(stack_top);
    for (slot, top) in ist.iter().enumerate() {
        tss.seg.interrupt_stack_table[slot] = VirtAddr::new(*top);
    }
    // No I/O bitmap loaded: an offset beyond the limit denies all ports.
    tss.seg.iomap_base = super::tss::NO_BITMAP;
    // The byte after the bitmap must have all bits set (the CPU may read
    // one byte past the last port); zero-initialised to keep it in .bss.
    tss.bitmap[8192] = 0xff;

    let base = &*tss as *const _ as u64;
    let limit = core::mem::size_of_val(tss) as u64 - 1;
    cpu.gdt = [
        0,
        0x00AF_9A00_0000_FFFF, // kernel code, 64-bit
        0x00CF_9200_0000_FFFF, // kernel data
        0x00CF_F200_0000_FFFF, // user data
        0x00AF_FA00_0000_FFFF, // user code, 64-bit
        (limit & 0xFFFF)
            | (base & 0xFF_FFFF) << 16
            | 0x89 << 40 // present, available 64-bit TSS
            | ((limit >> 16) & 0xF) << 48
            | ((base >> 24) & 0xFF) << 56,
        base >> 32,
    ];

    let gdtr = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of_val(&cpu.gdt) - 1) as u16,
        base: VirtAddr::new(cpu.gdt.as_ptr() as u64),
    };
    // SAFETY: the GDT lives in this CPU's static per-CPU block and stays valid;
    // its code and data descriptors match the selectors reloaded right after,
    // and the TSS descriptor points at this CPU's TSS.
    unsafe {
        x86_64::instructions::tables::lgdt(&gdtr);
        core::arch::asm!(
            "push {code}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {data:x}",
            "mov es, {data:x}",
            "mov ss, {data:x}",
            "ltr {tss:x}",
            code = in(reg) u64::from(KERNEL_CODE),
            data = in(reg) u64::from(KERNEL_DATA),
            tss = in(reg) u64::from(TSS),
            tmp = lateout(reg) _,
        );
    }
}

/// After a VMX exit, which cuts the GDT limit to 0xffff and the TR limit to
/// 0x67: the real GDT limit again, and the TSS reloaded (LTR needs its
/// descriptor marked available first).
pub fn reload_after_vm_exit(cpu: &mut PerCpu) {
    let tss_index = usize::from(TSS / 8);
    cpu.gdt[tss_index] &= !(1 << 41); // busy -> available
    let gdtr = x86_64::structures::DescriptorTablePointer {
        limit: (core::mem::size_of_val(&cpu.gdt) - 1) as u16,
        base: VirtAddr::new(cpu.gdt.as_ptr() as u64),
    };
    // SAFETY: the same GDT as loaded at boot (only its limit was cut); the
    // TSS descriptor was made available again, as LTR requires.
    unsafe {
        x86_64::instructions::tables::lgdt(&gdtr);
        core::arch::asm!("ltr {:x}", in(reg) u64::from(TSS), options(nostack));
    }
}

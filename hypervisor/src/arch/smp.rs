//! Starting the application processors listed in the MADT: INIT, then up to
//! two start-up IPIs, one CPU at a time, each given its own stacks and
//! per-CPU block before it runs.

use super::apic::Lapic;
use super::timer::delay_us;
use crate::mem;
use core::sync::atomic::{AtomicBool, Ordering};

/// Physical page of the real-mode start-up code (below 1 MiB, which the
/// frame allocator never hands out).
const TRAMPOLINE: u64 = 0x8000;

extern "C" {
    static trampoline_start: u8;
    static trampoline_end: u8;
    static trampoline_params: u8;
    static boot_pml4: u8;
}

/// Set by a starting CPU once it runs Rust code on its own stack.
static STARTED: AtomicBool = AtomicBool::new(false);

/// Copies the start-up code to its page.
pub fn install_trampoline() {
    // SAFETY: only the symbols' addresses are taken; the code between them is
    // position-dependent on TRAMPOLINE, where it is copied, a page reserved
    // from the allocator and reached through the direct map.
    unsafe {
        let start = &raw const trampoline_start;
        let len = (&raw const trampoline_end).offset_from(start) as usize;
        core::ptr::copy_nonoverlapping(start, mem::phys_to_virt(TRAMPOLINE) as *mut u8, len);
    }
}

/// Starts the CPU with `apic_id` on `stack_top`; it enters `ap_entry(index)`
/// (main.rs) on the kernel tables `kernel_root`. Returns whether it reported in.
pub fn start_cpu(
    lapic: &mut Lapic,
    apic_id: u32,
    index: usize,
    stack_top: u64,
    kernel_root: u64,
) -> bool {
    // SAFETY: address arithmetic on linker symbols only.
    let (params_offset, pml4) = unsafe {
        (
            (&raw const trampoline_params).offset_from(&raw const trampoline_start) as u64,
            // The boot tables sit in `.boot`, which runs at its physical address.
            &raw const boot_pml4 as u64,
        )
    };
    let params = mem::phys_to_virt(TRAMPOLINE + params_offset) as *mut u64;
    // SAFETY: the parameter block lies inside the trampoline page, which no
    // CPU executes while it is being filled (CPUs start one at a time).
    unsafe {
        params.write_volatile(pml4);
        params.add(1).write_volatile(stack_top);
        params.add(2).write_volatile(index as u64);
        params.add(3).write_volatile(kernel_root);
    }
    STARTED.store(false, Ordering::SeqCst);
    lapic.send_init(apic_id);
    delay_us(10_000);
    for _ in 0..2 {
        lapic.send_startup(apic_id, (TRAMPOLINE >> 12) as u8);
        for _ in 0..1000 {
            if STARTED.load(Ordering::SeqCst) {
                return true;
            }
            delay_us(200);
        }
    }
    false
}

/// Called by a starting CPU as soon as it runs on its own stack, so the boot
/// CPU may reuse the trampoline.
pub fn report_started() {
    STARTED.store(true, Ordering::SeqCst);
}

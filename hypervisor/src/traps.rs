//! Where every interrupt and exception lands (from `entry.S`): exceptions of
//! user code are charged to the user program, exceptions of the kernel are
//! fatal, and device interrupts are the kernel's own (timer, APIC error).

use crate::arch::frame::Frame;
use crate::arch::idt::vector;
use crate::arch::{percpu, timer};
use crate::{fatal, rootpd};

#[no_mangle]
extern "C" fn interrupt_dispatch(frame: &mut Frame) {
    let v = frame.vector;
    if v == u64::from(vector::NMI) {
        if fatal::stopping() {
            fatal::halt_forever();
        }
        crate::println!(
            "hypervisor: unexpected NMI on cpu ",
            percpu::current().index,
            ", ignored"
        );
        return;
    }
    if v < 32 {
        if frame.is_from_user() {
            rootpd::user_exception(frame);
        }
        fatal::kernel_exception(frame);
    }
    match v as u8 {
        vector::SPURIOUS => return, // no EOI for spurious interrupts
        vector::TIMER => timer::tick(),
        vector::APIC_ERROR => crate::println!(
            "hypervisor: local APIC error on cpu ",
            percpu::current().index
        ),
        _ => crate::println!(
            "hypervisor: unexpected interrupt vector ",
            v,
            " on cpu ",
            percpu::current().index
        ),
    }
    if let Some(lapic) = percpu::current().lapic.as_mut() {
        lapic.end_of_interrupt();
    }
}

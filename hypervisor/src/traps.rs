//! Where every interrupt and exception lands (from `entry.S`).
//!
//! - Exceptions of user code go to the running EC's event portal (`ipc`),
//!   except #NM, which hands the FPU over, and a #GP that only needed the
//!   PD's I/O bitmap loaded. Exceptions of the kernel are fatal.
//! - The kernel's own vectors: the timer (quanta, time-outs), reschedule
//!   and TLB-shootdown IPIs, APIC errors; device vectors become ups on
//!   their semaphores (`irq`).
//! - NMIs and shootdowns are answered without the kernel lock; everything
//!   else takes it and leaves through the scheduler.

use crate::arch::frame::Frame;
use crate::arch::idt::vector;
use crate::arch::{fpu, percpu, timer, tlb, tss};
use crate::obj::destroy;
use crate::sched::{self, exit, lock};
use crate::{fatal, ipc, irq};

fn eoi() {
    if let Some(lapic) = percpu::current().lapic.as_mut() {
        lapic.end_of_interrupt();
    }
}

#[no_mangle]
extern "C" fn interrupt_dispatch(frame: &mut Frame) {
    let v = frame.vector;
    if v == u64::from(vector::NMI) {
        if fatal::stopping() {
            fatal::halt_forever();
        }
        // Only the fatal path sends NMIs; a stray one is ignored without a
        // console line, which could deadlock on the console lock it
        // interrupted.
        return;
    }
    if v == u64::from(vector::SHOOTDOWN) {
        tlb::service();
        eoi();
        return;
    }
    // A machine check is the hardware's, whoever ran: the machine stops.
    if v < 32 && (!frame.is_from_user() || v == u64::from(vector::MACHINE_CHECK)) {
        fatal::kernel_exception(frame);
    }
    lock::acquire();
    if frame.is_from_user() {
        from_user(frame)
    }
    device_or_kernel_vector(v as u8);
    if percpu::current().vm_window {
        // Taken on the VM-exit path, which schedules itself (`vm::run`).
        lock::release();
        return;
    }
    // An interrupt that woke the CPU from idle: run what became ready, or
    // go back to sleep.
    if sched::this().resched || !sched::this().rq.is_empty() {
        sched::schedule()
    }
    exit::arm_timer();
    lock::release();
}

fn from_user(frame: &Frame) -> ! {
    let v = frame.vector;
    // The EC may have been destroyed (or its space left) while it ran; the
    // interrupt is still handled and acknowledged, its registers dropped.
    let current = sched::running();
    if let Some(ec) = current {
        ec.get().regs = *frame;
        ec.get().sysret = false;
    }
    match (v < 32, current) {
        (true, Some(ec)) => match v as u8 {
            vector::DEVICE_NOT_AVAILABLE => fpu::take_over(sched::this(), ec),
            vector::GENERAL_PROTECTION if tss::load_on_fault(ec.get().pd) => {}
            _ => {
                let cr2 = if v == 14 {
                    x86_64::registers::control::Cr2::read_raw()
                } else {
                    0
                };
                ipc::exception::raise(ec, v, frame.error, cr2);
            }
        },
        (true, None) => {}
        (false, _) => device_or_kernel_vector(v as u8),
    }
    destroy::run();
    sched::finish()
}

fn device_or_kernel_vector(v: u8) {
    match v {
        vector::SPURIOUS => return, // no EOI for spurious interrupts
        vector::TIMER => {
            timer::tick();
            sched::tick();
        }
        vector::RESCHED => sched::this().resched = true,
        vector::APIC_ERROR => crate::println!(
            "hypervisor: local APIC error on cpu ",
            percpu::current().index
        ),
        _ => {
            if !irq::handle(v) {
                crate::println!(
                    "hypervisor: unexpected interrupt vector ",
                    v,
                    " on cpu ",
                    percpu::current().index
                );
            }
        }
    }
    eoi();
}

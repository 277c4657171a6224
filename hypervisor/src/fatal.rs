//! The end of the road for the hypervisor itself: a kernel-mode exception or
//! a Rust panic. The report names what happened and where; then every CPU is
//! stopped (NMI to the others), and with `exit=debug` the emulator exits with
//! the failure status. User and guest faults never come here.

use crate::arch::frame::Frame;
use crate::arch::{idt, percpu};
use crate::{console, power};
use core::sync::atomic::{AtomicBool, Ordering};
use hv_core::fmt::{Hex, Hex64};
use hv_core::show;

static STOPPING: AtomicBool = AtomicBool::new(false);

/// Whether the machine is being stopped (NMIs then mean "halt").
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Prints `frame`'s registers, three to a line.
pub fn dump_registers(out: &mut dyn hv_core::fmt::Sink, frame: &Frame) {
    for (i, (name, value)) in frame.registers().iter().enumerate() {
        show!(
            out,
            if i % 3 == 0 { "  " } else { " " },
            *name,
            "=",
            Hex64(*value)
        );
        if i % 3 == 2 {
            show!(out, "\n");
        }
    }
    show!(out, "\n");
}

fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}

/// Halts this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Stops the other CPUs and this one.
pub fn stop_machine() -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    if percpu::installed() {
        if let Some(lapic) = percpu::current().lapic.as_mut() {
            lapic.send_nmi_to_others();
        }
    }
    crate::arch::serial::flush();
    power::debug_exit(power::DEBUG_EXIT_FAILURE);
    halt_forever()
}

/// A CPU exception in the hypervisor itself.
pub fn kernel_exception(frame: &Frame) -> ! {
    {
        let mut out = console::lock_for_fatal();
        let cpu = if percpu::installed() {
            percpu::current().index
        } else {
            0
        };
        show!(
            &mut *out,
            "HYPERVISOR FATAL: ",
            idt::exception_name(frame.vector),
            " (vector ",
            frame.vector,
            ") in the hypervisor on cpu ",
            cpu,
            ", error ",
            Hex(frame.error),
            ", rip ",
            Hex(frame.rip),
            ", cr2 ",
            Hex(cr2()),
            "\n"
        );
        dump_registers(&mut *out, frame);
        show!(&mut *out, "HYPERVISOR FATAL: machine stopped\n");
    }
    stop_machine()
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    {
        // Neither the message nor the location is read: either keeps the
        // panic sites' `core::fmt` arguments alive in the image. The return
        // addresses along the frame-pointer chain say where instead
        // (`addr2line -e target/images/hypervisor.elf ADDRESS`).
        let mut out = console::lock_for_fatal();
        show!(&mut *out, "HYPERVISOR FATAL: panic; return addresses:");
        let mut rbp: u64;
        // SAFETY: reads the frame pointer only (the kernel is built with
        // frame pointers forced on).
        unsafe {
            core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags))
        };
        for _ in 0..8 {
            // Follow only plausible kernel-stack frames.
            if rbp < crate::mem::DIRECT_MAP || !rbp.is_multiple_of(8) {
                break;
            }
            // SAFETY: `rbp` points into a kernel stack (kernel half, aligned),
            // where each frame holds the caller's rbp and return address.
            let (next, ret) = unsafe {
                (
                    (rbp as *const u64).read(),
                    (rbp as *const u64).add(1).read(),
                )
            };
            show!(&mut *out, " ", Hex(ret));
            if next <= rbp {
                break;
            }
            rbp = next;
        }
        show!(&mut *out, "\nHYPERVISOR FATAL: machine stopped\n");
    }
    stop_machine()
}

//! Leaving the kernel: for user mode with an EC's registers, or to idle.
//!
//! The EC's registers are copied to the CPU's own exit frame before the
//! kernel lock is released, because once it is released another CPU may
//! destroy the EC; the last instructions then read only per-CPU memory.

use super::{lock, this};
use crate::arch::frame::Frame;
use crate::arch::{fpu, percpu, timer, tlb, tss};
use crate::obj::ec::Ec;
use crate::obj::Ref;
use crate::user_memory::USER_END;

extern "C" {
    fn exit_iret(frame: *const Frame) -> !;
    fn exit_sysret(frame: *const Frame) -> !;
}

/// Runs `ec` (the running SC's target) in user mode.
pub fn to_user(ec: Ref<Ec>) -> ! {
    let e = ec.get();
    if e.vcpu.is_some() {
        crate::vm::run::to_guest(ec)
    }
    if e.vcpu_state_due.is_some() {
        crate::vm::state::write_due(ec);
    }
    if e.regs.rip >= USER_END {
        // SYSRET or IRET to a non-canonical address would fault in ring 0
        // with the user's registers (the SYSRET pitfall): stop the EC.
        crate::ipc::kill(ec, "return to a non-canonical or kernel address");
        super::schedule()
    }
    crate::vm::backend::before_user();
    tlb::switch_to(e.pd.get().mem.pml4);
    tss::switch_pd(e.pd);
    fpu::switch_to(this(), ec);
    arm_timer();
    let cpu = percpu::current();
    cpu.entry_frame = e.regs;
    let sysret = e.sysret;
    lock::release();
    crate::console_out::flush();
    // SAFETY: the frame is this CPU's (not shared), holds user-mode CS/SS
    // and a canonical user RIP (checked above); RFLAGS came from user mode
    // or were sanitised by the kernel.
    unsafe {
        if sysret {
            exit_sysret(&cpu.entry_frame)
        } else {
            exit_iret(&cpu.entry_frame)
        }
    }
}

/// Arms this CPU's timer for the end of the running quantum or the
/// earliest deadline, whichever comes first.
pub fn arm_timer() {
    let c = this();
    let quantum_end = c
        .current_sc
        .map(|sc| c.started.saturating_add(sc.get().left));
    let deadline = c.timeouts.earliest().map(|ec| ec.get().deadline);
    let next = match (quantum_end, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if next != c.armed {
        timer::arm_at(next);
        c.armed = next;
    }
}

/// Nothing to run: wait for interrupts with the kernel tables loaded (so a
/// destroyed space is never kept alive by an idle CPU).
pub fn idle() -> ! {
    let c = this();
    c.current_sc = None;
    c.current_ec = None;
    tlb::switch_to(0);
    arm_timer();
    lock::release();
    crate::console_out::flush();
    loop {
        x86_64::instructions::interrupts::enable_and_hlt();
        x86_64::instructions::interrupts::disable();
    }
}

//! The VMM's console lines: why a guest stopped, naming the guest, the
//! vCPU, the exit and the guest's RIP.

use abi::vcpu::Exit;
use user_rt::Line;
use vmm::ctx::Stop;
use vmm::vcpu::StopReason;

pub fn say(name: &str, what: &str) {
    Line::new()
        .str("vmm[")
        .str(name)
        .str("]: ")
        .str(what)
        .print();
}

/// `vmm[NAME]: stopped: WHY; vcpu V, exit E, rip R`.
pub fn stopped(name: &str, why: StopReason, vcpu: u32, exit: Exit, rip: u64) {
    let l = Line::new().str("vmm[").str(name).str("]: stopped: ");
    let l = match why {
        StopReason::Device(Stop::DebugExit(s)) => l.str("debug exit, status ").hex(u64::from(s)),
        StopReason::Device(Stop::Reset) => l.str("the guest asked for a reset"),
        StopReason::Device(Stop::PowerOff) => l.str("the guest powered off"),
        StopReason::Unhandled => l.str("no handler for this exit"),
        StopReason::Emulation(f) => l.str("cannot emulate: ").str(f.describe()),
        StopReason::TripleFault => l.str("triple fault"),
        StopReason::RamFault => l.str("guest-physical fault inside RAM"),
        StopReason::Asleep => l.str("every vCPU halted with interrupts off or waits for a SIPI"),
    };
    l.str("; vcpu ")
        .dec(u64::from(vcpu))
        .str(", exit ")
        .str(exit.name())
        .str(", rip ")
        .hex(rip)
        .print();
}

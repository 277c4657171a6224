//! One VM exit, handled.
//!
//! Port I/O and MMIO go to the platform (MMIO and string I/O through the
//! instruction emulator), CPUID and MSRs are answered here, HLT becomes a
//! wait, and whatever the VMM cannot handle stops the guest with the
//! reason. Instructions handled are skipped ([`emul::skip`]).

use abi::vcpu::{gpa, io, Exit, VcpuState};

use super::{cpuid, inject, msr};
use crate::ctx::Stop;
use crate::emul::{self, Fault};
use crate::mem::GuestMemory;
use crate::platform::Platform;
use crate::time::Time;

/// What the handler needs besides the state.
pub struct Env<'a> {
    pub platform: &'a mut Platform,
    pub mem: &'a dyn GuestMemory,
    pub now: Time,
    pub vcpu: u32,
    pub cpus: u32,
    /// The host's CPUID.
    pub host_cpuid: cpuid::HostCpuid<'a>,
    /// XCR0 bits the guest may set (the host's supported set).
    pub xcr0_mask: u64,
    /// RAM size: guest-physical faults below it are not MMIO.
    pub ram: u64,
}

/// Why the guest must stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// A device asked (debug exit, reset, power-off).
    Device(Stop),
    /// An exit the VMM has no answer for.
    Unhandled,
    /// The emulator could not complete an access.
    Emulation(Fault),
    /// The guest triple-faulted.
    TripleFault,
    /// A guest-physical fault inside RAM (the VMM maps all of it).
    RamFault,
    /// Every vCPU halted with interrupts off or waits for a SIPI: nothing
    /// can wake the guest again.
    Asleep,
}

/// What the VMM does next with the vCPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Reply: the guest goes on with the state as changed.
    Resume,
    /// The guest executed HLT: resume once an interrupt is pending.
    Halt,
    /// The vCPU waits for a SIPI (an AP at start-up, or after INIT).
    WaitSipi,
    /// The guest ends.
    Stop(StopReason),
}

/// Handles `exit` on `state`; a `Resume` has the pending interrupt (if
/// any) already placed for the next entry.
pub fn handle(exit: Exit, state: &mut VcpuState, env: &mut Env) -> Outcome {
    let out = dispatch(exit, state, env);
    if let Some(why) = env.platform.stopped {
        return Outcome::Stop(StopReason::Device(why));
    }
    if env.platform.take_init(env.vcpu) {
        return Outcome::WaitSipi;
    }
    if out == Outcome::Resume {
        inject::inject(state, env.platform, env.vcpu);
    }
    out
}

fn skip(state: &mut VcpuState) {
    emul::skip(state, state.inst_len);
}

fn dispatch(exit: Exit, state: &mut VcpuState, env: &mut Env) -> Outcome {
    match exit {
        Exit::Startup => {
            if env.vcpu == 0 {
                Outcome::Resume
            } else {
                Outcome::WaitSipi
            }
        }
        Exit::Cpuid => {
            let (leaf, sub) = (state.gpr[0] as u32, state.gpr[1] as u32);
            let r = cpuid::guest_cpuid(env.host_cpuid, leaf, sub, env.vcpu, env.cpus);
            for (reg, v) in [0, 3, 1, 2].into_iter().zip(r) {
                state.gpr[reg] = u64::from(v);
            }
            skip(state);
            Outcome::Resume
        }
        Exit::Io => port_io(state, env),
        Exit::GpaFault => mmio(state, env),
        Exit::Hlt => {
            skip(state);
            Outcome::Halt
        }
        Exit::Rdmsr => {
            let m = state.gpr[1] as u32;
            let v = if m == msr::EFER {
                Some(state.efer)
            } else {
                env.platform
                    .rdmsr(env.now, env.vcpu, m)
                    .or_else(|| msr::read(m))
            };
            match v {
                Some(v) => {
                    state.gpr[0] = v & 0xffff_ffff;
                    state.gpr[2] = v >> 32;
                    skip(state);
                }
                None => inject::exception(state, 13, Some(0)),
            }
            Outcome::Resume
        }
        Exit::Wrmsr => {
            let m = state.gpr[1] as u32;
            let v = (state.gpr[2] << 32) | (state.gpr[0] & 0xffff_ffff);
            if m == msr::EFER {
                match msr::efer(state, v) {
                    Some(e) => {
                        state.efer = e;
                        skip(state);
                    }
                    None => inject::exception(state, 13, Some(0)),
                }
            } else if env.platform.wrmsr(env.now, env.vcpu, m, v) || msr::write(m, v) {
                skip(state);
            } else {
                inject::exception(state, 13, Some(0));
            }
            Outcome::Resume
        }
        Exit::Xsetbv => {
            let v = (state.gpr[2] << 32) | (state.gpr[0] & 0xffff_ffff);
            let valid = state.gpr[1] as u32 == 0
                && v & 1 != 0
                && v & !env.xcr0_mask == 0
                && (v & 4 == 0 || v & 2 != 0);
            if valid {
                state.xcr0 = v;
                skip(state);
            } else {
                inject::exception(state, 13, Some(0));
            }
            Outcome::Resume
        }
        // A guest has no hypercalls: VMCALL/VMMCALL is #UD as on bare metal.
        Exit::Vmcall => {
            inject::exception(state, 6, None);
            Outcome::Resume
        }
        Exit::IntrWindow | Exit::NmiWindow | Exit::Recall => Outcome::Resume,
        Exit::TripleFault => Outcome::Stop(StopReason::TripleFault),
        _ => Outcome::Stop(StopReason::Unhandled),
    }
}

/// A bus for the emulator: the platform at one instant, for one vCPU.
struct Bus<'a, 'b> {
    env: &'a mut Env<'b>,
}

impl emul::MmioBus for Bus<'_, '_> {
    fn read(&mut self, gpa: u64, size: u8) -> u64 {
        let e = &mut *self.env;
        e.platform.mmio_read(e.now, e.vcpu, gpa, size)
    }
    fn write(&mut self, gpa: u64, size: u8, value: u64) {
        let e = &mut *self.env;
        e.platform.mmio_write(e.now, e.vcpu, gpa, size, value)
    }
}

impl emul::PortBus for Bus<'_, '_> {
    fn read(&mut self, port: u16, size: u8) -> u32 {
        let e = &mut *self.env;
        e.platform.io_read(e.now, e.vcpu, port, size)
    }
    fn write(&mut self, port: u16, size: u8, value: u32) {
        let e = &mut *self.env;
        e.platform.io_write(e.now, e.vcpu, port, size, value)
    }
}

fn emulated(r: Result<(), Fault>, state: &mut VcpuState) -> Outcome {
    match r {
        Ok(()) => Outcome::Resume,
        Err(Fault::PageFault { addr, code }) => {
            state.cr2 = addr;
            inject::exception(state, 14, Some(code));
            Outcome::Resume
        }
        Err(Fault::General) => {
            inject::exception(state, 13, Some(0));
            Outcome::Resume
        }
        Err(f) => Outcome::Stop(StopReason::Emulation(f)),
    }
}

fn port_io(state: &mut VcpuState, env: &mut Env) -> Outcome {
    let q = state.qual[0];
    if q & io::STRING != 0 {
        let mem = env.mem;
        let r = emul::emulate_string_io(state, mem, &mut Bus { env });
        return emulated(r, state);
    }
    let (port, size) = (io::port(q), io::size(q) as u8);
    let mask = match size {
        1 => 0xff,
        2 => 0xffff,
        _ => 0xffff_ffff,
    };
    if q & io::IN != 0 {
        let v = u64::from(env.platform.io_read(env.now, env.vcpu, port, size)) & mask;
        // A 32-bit IN zero-extends into RAX; narrower ones keep the rest.
        state.gpr[0] = if size == 4 {
            v
        } else {
            (state.gpr[0] & !mask) | v
        };
    } else {
        let v = (state.gpr[0] & mask) as u32;
        env.platform.io_write(env.now, env.vcpu, port, size, v);
    }
    skip(state);
    Outcome::Resume
}

fn mmio(state: &mut VcpuState, env: &mut Env) -> Outcome {
    let (addr, how) = (state.qual[0], state.qual[1]);
    if addr < env.ram || how & gpa::EXEC != 0 {
        return Outcome::Stop(StopReason::RamFault);
    }
    let mem = env.mem;
    let r = emul::emulate_mmio(state, mem, &mut Bus { env }, addr);
    emulated(r, state)
}

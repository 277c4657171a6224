//! The exit handler: every vCPU exit is a call to one portal of the vCPU's
//! handler EC, whose id says the vCPU and the exit. The handler runs the
//! library's decision ([`vmm::vcpu::handle`]) under the platform lock and
//! carries it out: reply, wait in HLT or for a SIPI, or stop the guest.

use abi::vcpu::{Exit, VcpuState};
use core::sync::atomic::Ordering;
use user_rt::sys;
use user_rt::Utcb;
use vmm::vcpu::{self, Env, Outcome, StopReason};

use crate::host;
use crate::report;
use crate::shared::{run, vmm, Vmm};

/// The portal id of exit `exit` of vCPU `vcpu`.
pub fn portal_id(vcpu: usize, exit: u64) -> u64 {
    ((vcpu as u64) << 8) | exit
}

/// Where every exit portal enters (`rdi` = portal id).
pub extern "C" fn entry(id: u64, _words: u64) -> ! {
    let v = vmm();
    let i = (id >> 8) as usize;
    let Some(me) = v.vcpus.get(i) else { park() };
    if v.stopped.load(Ordering::Acquire) {
        me.run.store(run::STOPPED, Ordering::Release);
        park();
    }
    // SAFETY: the UTCB of this handler EC, registered before its portals
    // existed; each call starts afresh, so no other handle is live.
    let mut utcb = unsafe { Utcb::at(me.utcb) };
    let mut state = utcb.vcpu_state();
    let exit = Exit::from_event(id & 0xff).unwrap_or(Exit::Unsupported);
    let rip = state.rip;
    // What the reply loads: what came with the exit, and all of a state
    // built anew.
    let mut reply = vcpu::mtd::fetch(exit);
    let mut out = step(v, i, |env| {
        if exit == Exit::Startup && i == 0 {
            let xcr0 = state.xcr0;
            state = vmm::loader::entry_state(&v.entry);
            state.xcr0 = xcr0;
            reply |= vmm::loader::ENTRY_MTD;
        }
        vcpu::handle(exit, &mut state, env)
    });
    loop {
        match out {
            Outcome::Resume => {
                me.run.store(run::RUNNING, Ordering::Release);
                utcb.set_vcpu_state(&state);
                sys::reply_vcpu(reply);
                // Only a refused reply comes back.
                out = Outcome::Stop(StopReason::Unhandled);
            }
            Outcome::Halt => out = halt(v, i, &mut state),
            Outcome::WaitSipi => {
                out = wait_sipi(v, i, &mut state);
                reply |= vcpu::reset::SIPI_MTD;
            }
            Outcome::Stop(why) => {
                stop(v, i, why, exit, rip);
                park()
            }
        }
    }
}

/// Runs `f` with the platform locked, then wakes whoever it made pending.
fn step(v: &Vmm, i: usize, f: impl FnOnce(&mut Env) -> Outcome) -> Outcome {
    let (out, kicks, deadline) = {
        let mut p = v.platform.lock();
        let mut env = Env {
            platform: &mut p,
            mem: &v.ram,
            now: v.clock.now(),
            vcpu: i as u32,
            cpus: v.vcpus.len() as u32,
            host_cpuid: &host::cpuid,
            xcr0_mask: v.xcr0_mask,
            ram: v.ram.len(),
        };
        let out = f(&mut env);
        (out, env.platform.take_kicks(), env.platform.deadline())
    };
    v.wake(kicks, Some(i));
    v.poke_timer(deadline);
    out
}

/// HLT: sleep until an interrupt the guest can take is pending (or an
/// NMI, INIT or stop), then resume with it injected.
fn halt(v: &Vmm, i: usize, state: &mut VcpuState) -> Outcome {
    let if_set = state.rflags & (1 << 9) != 0;
    let me = &v.vcpus[i];
    loop {
        me.run.store(
            if if_set { run::HALTED } else { run::ASLEEP },
            Ordering::Release,
        );
        if !if_set && v.all_asleep() {
            return Outcome::Stop(StopReason::Asleep);
        }
        let out = step(v, i, |env| {
            let p = &mut *env.platform;
            if let Some(why) = p.stopped {
                return Outcome::Stop(StopReason::Device(why));
            }
            if p.take_init(i as u32) {
                return Outcome::WaitSipi;
            }
            // HLT ends on an NMI, or on an interrupt the guest takes.
            match p.pending(i as u32) {
                Some(what) if if_set || what == vmm::platform::Intr::Nmi => {
                    vcpu::handle(Exit::Recall, state, env)
                }
                _ => Outcome::Halt,
            }
        });
        if out != Outcome::Halt || v.stopped.load(Ordering::Acquire) {
            return out;
        }
        let _ = me.wake.down();
    }
}

/// Waits for a SIPI, then starts in real mode at its page.
fn wait_sipi(v: &Vmm, i: usize, state: &mut VcpuState) -> Outcome {
    let me = &v.vcpus[i];
    loop {
        me.run.store(run::ASLEEP, Ordering::Release);
        if v.all_asleep() {
            return Outcome::Stop(StopReason::Asleep);
        }
        let out = step(v, i, |env| {
            if let Some(why) = env.platform.stopped {
                return Outcome::Stop(StopReason::Device(why));
            }
            env.platform.take_init(i as u32);
            match env.platform.take_sipi(i as u32) {
                Some(page) => {
                    *state = vcpu::reset::sipi_state(page, state.xcr0);
                    vcpu::handle(Exit::Recall, state, env)
                }
                None => Outcome::WaitSipi,
            }
        });
        if out != Outcome::WaitSipi || v.stopped.load(Ordering::Acquire) {
            return out;
        }
        let _ = me.wake.down();
    }
}

/// Reports the stop (once per guest) and tells the main thread.
fn stop(v: &Vmm, i: usize, why: StopReason, exit: Exit, rip: u64) {
    v.vcpus[i].run.store(run::STOPPED, Ordering::Release);
    if !v.stopped.swap(true, Ordering::AcqRel) {
        report::stopped(&v.name, why, i as u32, exit, rip);
        let _ = v.timer.up();
    }
}

/// Never replies: the vCPU stays in its exit until the VMM's PD goes.
pub fn park() -> ! {
    loop {
        let _ = crate::PARK.get().map(|s| s.down());
        core::hint::spin_loop();
    }
}

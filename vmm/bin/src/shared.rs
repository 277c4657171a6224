//! What every thread of the VMM shares: the platform behind its lock, the
//! guest RAM, the clock, and per vCPU the capabilities to wake or recall it.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

use user_rt::sys::{Ec, Sm};
use vmm::loader::Entry;
use vmm::mem::Ram;
use vmm::platform::Platform;

use crate::clock::Clock;
use crate::lock::Lock;

/// What a vCPU is doing, as far as waking it goes.
pub mod run {
    /// In the guest, or on its way there: a recall makes it look.
    pub const RUNNING: u8 = 0;
    /// In HLT with interrupts on: an interrupt wakes it.
    pub const HALTED: u8 = 1;
    /// In HLT with interrupts off, or waiting for a SIPI: only an NMI,
    /// INIT or SIPI from another vCPU wakes it.
    pub const ASLEEP: u8 = 2;
    /// Stopped for good.
    pub const STOPPED: u8 = 3;
}

pub struct Vcpu {
    /// The vCPU's EC (for recall).
    pub ec: Ec,
    /// Counted up to wake its handler from HLT or a SIPI wait.
    pub wake: Sm,
    /// Its handler's UTCB.
    pub utcb: u64,
    pub run: AtomicU8,
}

pub struct Vmm {
    pub name: String,
    pub platform: Lock<Platform>,
    pub ram: Ram,
    pub clock: Clock,
    pub vcpus: Vec<Vcpu>,
    /// Where vCPU 0 starts.
    pub entry: Entry,
    /// Wakes the timer thread (a deadline moved up, or the guest stopped).
    pub timer: Sm,
    /// The deadline (guest ns) the timer thread sleeps towards.
    pub armed: AtomicU64,
    pub stopped: AtomicBool,
    /// XCR0 bits a guest may set.
    pub xcr0_mask: u64,
}

pub static VMM: spin::Once<Vmm> = spin::Once::new();

pub fn vmm() -> &'static Vmm {
    // Set before any vCPU or thread that calls this starts.
    VMM.get().expect("VMM set up before its threads start")
}

impl Vmm {
    /// Wakes or recalls the vCPUs in `mask` (except `me`) so they look at
    /// their interrupts.
    pub fn wake(&self, mask: u64, me: Option<usize>) {
        for (i, v) in self.vcpus.iter().enumerate() {
            if mask & (1 << i) == 0 || Some(i) == me {
                continue;
            }
            match v.run.load(Ordering::Acquire) {
                run::HALTED | run::ASLEEP => {
                    let _ = v.wake.up();
                }
                run::RUNNING => {
                    let _ = v.ec.recall();
                }
                _ => {}
            }
        }
    }

    /// Wakes the timer thread if the platform's next deadline is earlier
    /// than the one it sleeps towards.
    pub fn poke_timer(&self, deadline: Option<u64>) {
        if deadline.is_some_and(|d| d < self.armed.load(Ordering::Acquire)) {
            let _ = self.timer.up();
        }
    }

    /// Whether every vCPU sleeps where only another vCPU could wake it.
    pub fn all_asleep(&self) -> bool {
        self.vcpus
            .iter()
            .all(|v| matches!(v.run.load(Ordering::Acquire), run::ASLEEP | run::STOPPED))
    }
}

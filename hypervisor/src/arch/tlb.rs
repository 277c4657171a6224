//! TLB shootdown. After memory is unmapped from a space, every CPU that may
//! hold translations of that space must drop them before the revoking
//! hypercall returns. A CPU only caches a user space while it has it loaded
//! (no PCIDs), so the requester asks exactly the CPUs that have it loaded:
//! each reloads CR3 (or switches to the kernel tables, if the space is being
//! destroyed) and acknowledges. The IPI handler does this without the kernel
//! lock, which the requester holds; a CPU spinning for the lock does it too.

use super::{apic, idt::vector, percpu};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[allow(clippy::declare_interior_mutable_const)] // only initialises the arrays
const NONE: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)] // only initialises the arrays
const CLEAR: AtomicBool = AtomicBool::new(false);
/// The PML4 each CPU has loaded (0: the kernel tables).
static LOADED: [AtomicU64; percpu::MAX_CPUS] = [NONE; percpu::MAX_CPUS];
/// The PML4 a CPU is to load when it acknowledges (0: the kernel tables).
static RELOAD: [AtomicU64; percpu::MAX_CPUS] = [NONE; percpu::MAX_CPUS];
static PENDING: [AtomicBool; percpu::MAX_CPUS] = [CLEAR; percpu::MAX_CPUS];

fn load(pml4: u64) {
    let root = if pml4 == 0 {
        super::kernel_space::root().unwrap_or(0)
    } else {
        pml4
    };
    if root != 0 {
        // SAFETY: every user space shares the kernel half with the kernel
        // tables, so the kernel keeps running across the switch.
        unsafe { super::paging::activate(root) };
    }
}

/// Makes `pml4` (0: the kernel tables) the executing CPU's address space.
pub fn switch_to(pml4: u64) {
    let me = percpu::current().index as usize;
    if LOADED[me].load(Ordering::Relaxed) != pml4 {
        LOADED[me].store(pml4, Ordering::SeqCst);
        load(pml4);
    }
}

/// Answers a pending shootdown request of the executing CPU.
pub fn service() {
    let me = percpu::current().index as usize;
    if PENDING[me].load(Ordering::Acquire) {
        let pml4 = RELOAD[me].load(Ordering::Relaxed);
        LOADED[me].store(pml4, Ordering::SeqCst);
        load(pml4);
        // Ports may have been revoked too: reload the bitmap lazily.
        super::tss::disable();
        crate::vm::remote::service();
        PENDING[me].store(false, Ordering::Release);
    }
}

/// Asks `cpu` to load `reload` (0: the kernel tables) and so flush its TLB.
fn ask(cpu: usize, reload: u64, asked: &mut [bool; percpu::MAX_CPUS]) {
    RELOAD[cpu].store(reload, Ordering::Relaxed);
    PENDING[cpu].store(true, Ordering::Release);
    asked[cpu] = true;
    apic::send_ipi(cpu, vector::SHOOTDOWN);
}

/// Waits until every CPU asked has answered.
fn wait(asked: &[bool; percpu::MAX_CPUS]) {
    for (cpu, was_asked) in asked.iter().enumerate() {
        if *was_asked {
            while PENDING[cpu].load(Ordering::Acquire) {
                core::hint::spin_loop();
            }
        }
    }
}

/// Flushes `pml4` from every CPU's TLB; with `leave`, CPUs that have it
/// loaded switch to the kernel tables (the space is being destroyed).
/// Called with the kernel lock held.
pub fn shootdown(pml4: u64, leave: bool) {
    if pml4 == 0 {
        return;
    }
    let me = percpu::current().index as usize;
    let target = if leave { 0 } else { pml4 };
    let mut asked = [false; percpu::MAX_CPUS];
    for (cpu, loaded) in LOADED.iter().enumerate().take(crate::sched::online_cpus()) {
        if loaded.load(Ordering::SeqCst) != pml4 {
            continue;
        }
        if cpu == me {
            LOADED[me].store(target, Ordering::SeqCst);
            load(target);
        } else {
            ask(cpu, target, &mut asked);
        }
    }
    wait(&asked);
}

/// Flushes every CPU's TLB (too many spaces changed to name them).
pub fn shootdown_all() {
    let me = percpu::current().index as usize;
    let mut asked = [false; percpu::MAX_CPUS];
    for (cpu, loaded) in LOADED.iter().enumerate().take(crate::sched::online_cpus()) {
        let loaded = loaded.load(Ordering::SeqCst);
        if cpu == me {
            load(loaded);
        } else {
            ask(cpu, loaded, &mut asked);
        }
    }
    wait(&asked);
}

/// Interrupts every other online CPU for which `pick` holds and waits until
/// each has answered (from outside guest mode: an interrupt makes a CPU that
/// runs a guest leave it, and it answers on its way back into the kernel).
/// Called with the kernel lock held.
pub fn kick_where(pick: impl Fn(usize) -> bool) {
    let me = percpu::current().index as usize;
    let mut asked = [false; percpu::MAX_CPUS];
    for (cpu, loaded) in LOADED.iter().enumerate().take(crate::sched::online_cpus()) {
        if cpu != me && pick(cpu) {
            ask(cpu, loaded.load(Ordering::SeqCst), &mut asked);
        }
    }
    wait(&asked);
}

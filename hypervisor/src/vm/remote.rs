//! What other CPUs need from a CPU that runs guests.
//!
//! A CPU caches a guest space's translations while it runs a vCPU of it and
//! (tagged by ASID or EPT pointer) afterwards. After a guest mapping is
//! removed, its space's generation goes up and every CPU inside a guest of
//! that space is interrupted: it leaves the guest, answers, and flushes
//! before it enters again (the vCPU compares generations). Before a vCPU's
//! pages are freed, no CPU may still be inside its guest, and on Intel the
//! CPU that last loaded its VMCS must VMCLEAR it (a loaded VMCS may be
//! written back to memory at any time).

use super::{backend, Backend};
use crate::arch::{percpu, tlb};
use core::sync::atomic::{AtomicU64, Ordering};

#[allow(clippy::declare_interior_mutable_const)] // only initialises the arrays
const ZERO: AtomicU64 = AtomicU64::new(0);
/// The guest-space root each CPU may be running a guest of (0: none).
static IN_GUEST: [AtomicU64; percpu::MAX_CPUS] = [ZERO; percpu::MAX_CPUS];
/// Intel: the VMCS each CPU has loaded (0: none). Written by its owner.
static LOADED_VMCS: [AtomicU64; percpu::MAX_CPUS] = [ZERO; percpu::MAX_CPUS];
/// Intel: a VMCS another CPU wants this one to VMCLEAR (0: none).
static CLEAR: [AtomicU64; percpu::MAX_CPUS] = [ZERO; percpu::MAX_CPUS];

fn me() -> usize {
    percpu::current().index as usize
}

/// This CPU is about to run a guest of the space at `root` (lock held).
pub fn entering(root: u64) {
    IN_GUEST[me()].store(root, Ordering::SeqCst);
}

/// This CPU left guest mode (first thing on the exit path).
pub fn left() {
    IN_GUEST[me()].store(0, Ordering::SeqCst);
}

/// Intel: the VMCS this CPU has loaded, and recording a new one.
pub fn loaded_vmcs() -> u64 {
    LOADED_VMCS[me()].load(Ordering::Relaxed)
}
pub fn set_loaded_vmcs(pa: u64) {
    LOADED_VMCS[me()].store(pa, Ordering::SeqCst);
}

/// Makes every other CPU inside a guest of `root` leave it and answer.
pub fn kick(root: u64) {
    tlb::kick_where(|cpu| IN_GUEST[cpu].load(Ordering::SeqCst) == root);
}

/// Makes every other CPU inside any guest leave it and answer.
pub fn kick_all() {
    tlb::kick_where(|cpu| IN_GUEST[cpu].load(Ordering::SeqCst) != 0);
}

/// Before the vCPU with control page `control` of the space at `root`
/// (bound to `cpu`) is freed: no CPU runs it and no CPU holds its VMCS.
/// `set_up`: (Intel) the VMCS was loaded on its CPU at some time; it may be
/// active there even when another VMCS is current, so that CPU VMCLEARs it.
pub fn release(cpu: usize, control: u64, root: u64, set_up: bool) {
    kick(root);
    if backend() != Backend::Vmx || !set_up {
        return;
    }
    if cpu == me() {
        clear_here(control);
        return;
    }
    CLEAR[cpu].store(control, Ordering::SeqCst);
    tlb::kick_where(|c| c == cpu);
}

/// Answers another CPU's request (from `tlb::service`, outside guest mode).
pub fn service() {
    let req = CLEAR[me()].load(Ordering::Acquire);
    if req != 0 {
        clear_here(req);
        CLEAR[me()].store(0, Ordering::Release);
    }
}

fn clear_here(control: u64) {
    super::vmx::clear(control);
}

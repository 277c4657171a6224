//! The system-call MSRs (STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE), which
//! the VMCS does not switch. A guest's values stay in the CPU across exits
//! that the hypervisor handles itself and across re-entries of the same
//! vCPU; the host's come back before the CPU returns to user mode (where
//! SYSCALL, SYSRET and SWAPGS use them) or runs another vCPU.

use crate::arch::percpu;
use crate::obj::Ref;
use crate::vm::vcpu::Vcpu;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

const MSRS: [u32; 5] = [
    0xc000_0081,
    0xc000_0082,
    0xc000_0083,
    0xc000_0084,
    0xc000_0102,
];

#[allow(clippy::declare_interior_mutable_const)] // only initialises the arrays
const ZERO: AtomicU64 = AtomicU64::new(0);
/// The host's values (the same on every CPU).
static HOST: [AtomicU64; 5] = [ZERO; 5];
/// The vCPU whose values each CPU holds (its address; 0: the host's; DEAD:
/// a destroyed vCPU's, dropped without saving).
static OWNER: [AtomicU64; percpu::MAX_CPUS] = [ZERO; percpu::MAX_CPUS];
const DEAD: u64 = 1;

fn read(i: usize) -> u64 {
    // SAFETY: these MSRs exist on every 64-bit CPU.
    unsafe { Msr::new(MSRS[i]).read() }
}

fn write(i: usize, value: u64) {
    // SAFETY: writing a guest's values is safe while the CPU is in the
    // kernel (which uses none of them) or the guest; the host's are back
    // before user mode (`before_user`). KERNEL_GS_BASE and LSTAR must be
    // canonical or WRMSR faults: guest values come from the guest itself
    // (saved here) or from a VMM reply, checked by `state`.
    unsafe { Msr::new(MSRS[i]).write(value) };
}

/// Records the host's values (after `syscall::init`).
pub fn capture_host() {
    for (i, h) in HOST.iter().enumerate() {
        h.store(read(i), Ordering::Relaxed);
    }
}

fn me() -> usize {
    percpu::current().index as usize
}

fn owner_ref(addr: u64) -> Option<Ref<Vcpu>> {
    if addr <= DEAD {
        return None;
    }
    core::ptr::NonNull::new(addr as *mut Vcpu).map(Ref::new)
}

/// Saves the values this CPU holds into their vCPU (if alive) and puts the
/// host's back.
fn unload() {
    let owner = OWNER[me()].swap(0, Ordering::SeqCst);
    if owner == 0 {
        return;
    }
    if let Some(v) = owner_ref(owner) {
        for (i, m) in v.get().msrs.iter_mut().enumerate() {
            *m = read(i);
        }
    }
    for (i, h) in HOST.iter().enumerate() {
        write(i, h.load(Ordering::Relaxed));
    }
}

/// Before entering `v`'s guest: its values in the CPU.
pub fn load_guest(v: &mut Vcpu) {
    let me_addr = v as *mut Vcpu as u64;
    if OWNER[me()].load(Ordering::SeqCst) == me_addr {
        return;
    }
    unload();
    for (i, m) in v.msrs.iter().enumerate() {
        write(i, *m);
    }
    OWNER[me()].store(me_addr, Ordering::SeqCst);
}

/// Before this CPU returns to user mode: the host's values again.
pub fn before_user() {
    unload();
    super::host::restore_tables();
}

/// The vCPU's current values (from the CPU while it holds them).
pub fn current(v: &mut Vcpu) -> [u64; 5] {
    if OWNER[me()].load(Ordering::SeqCst) == v as *mut Vcpu as u64 {
        unload();
    }
    v.msrs
}

/// `v` is being destroyed: a CPU holding its values drops them unsaved.
pub fn forget(v: &Vcpu) {
    let addr = v as *const Vcpu as u64;
    for o in OWNER.iter() {
        let _ = o.compare_exchange(addr, DEAD, Ordering::SeqCst, Ordering::SeqCst);
    }
}

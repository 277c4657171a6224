//! User FPU/SSE/AVX state, switched lazily per EC.
//!
//! The kernel itself never touches these registers (it is built without
//! SSE). When a CPU switches to an EC that does not own its FPU registers,
//! CR0.TS is set; the EC's first FPU instruction raises #NM, and only then
//! are the owner's registers saved to its EC and the new EC's loaded. Every
//! EC starts from the initial state, so no PD can see another's registers.
//!
//! XSAVE/XRSTOR are used where the CPU has them (with every user state
//! component the area fits), FXSAVE/FXRSTOR otherwise. The instructions are
//! emitted as bytes because the kernel's target features exclude them.

use crate::obj::ec::{Ec, FpuArea, FPU_AREA};
use crate::obj::Ref;
use crate::sched::Cpu;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use raw_cpuid::CpuId;

static USE_XSAVE: AtomicBool = AtomicBool::new(false);
static XCR0: AtomicU64 = AtomicU64::new(0);

/// x87, SSE, AVX, the three AVX-512 components, and PKRU: the kernel never
/// enables protection keys itself, but a guest may (CR4.PKE is the guest's),
/// so its PKRU is switched with the rest of its state.
const WANTED: u64 = 0b10_1110_0111;
const AVX512: u64 = 0b1110_0000;

fn xsetbv(value: u64) {
    // SAFETY: XSETBV with ECX = 0 writes XCR0; `value` only holds bits the
    // CPU reported as supported, always including x87 (the host's, or a
    // guest's checked by `vm::state`).
    unsafe {
        core::arch::asm!(".byte 0x0f, 0x01, 0xd1", in("ecx") 0, in("eax") value as u32, in("edx") (value >> 32) as u32, options(nostack))
    };
}

/// Enables XSAVE on the executing CPU (CR4.OSXSAVE, XCR0) where it exists.
/// The boot CPU chooses the components; the others follow.
pub fn init_cpu() {
    let cpuid = CpuId::new();
    let has_xsave = cpuid.get_feature_info().is_some_and(|f| f.has_xsave());
    if !has_xsave {
        return;
    }
    // SAFETY: setting CR4.OSXSAVE only enables the XSAVE instructions.
    unsafe {
        x86_64::registers::control::Cr4::update(|f| {
            f.insert(x86_64::registers::control::Cr4Flags::OSXSAVE)
        })
    };
    let mut xcr0 = XCR0.load(Ordering::Acquire);
    if xcr0 == 0 {
        let r = core::arch::x86_64::__cpuid_count(0xd, 0);
        let supported = (u64::from(r.edx) << 32) | u64::from(r.eax);
        xcr0 = supported & WANTED;
        xsetbv(xcr0);
        if core::arch::x86_64::__cpuid_count(0xd, 0).ebx as usize > FPU_AREA {
            xcr0 &= !AVX512;
        }
        xsetbv(xcr0);
        if core::arch::x86_64::__cpuid_count(0xd, 0).ebx as usize > FPU_AREA {
            xcr0 &= 0b11;
        }
        XCR0.store(xcr0, Ordering::Release);
        USE_XSAVE.store(true, Ordering::Release);
    }
    xsetbv(xcr0);
}

/// The initial state: x87 control word and MXCSR at their reset values,
/// everything else empty (an XSAVE header of zeros means "initial").
pub fn init_area(area: &mut FpuArea) {
    area.0.fill(0);
    area.0[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
    area.0[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
}

fn set_ts() {
    // SAFETY: CR0.TS only makes the next FPU instruction raise #NM.
    unsafe {
        x86_64::registers::control::Cr0::update(|f| {
            f.insert(x86_64::registers::control::Cr0Flags::TASK_SWITCHED)
        })
    };
}

fn clear_ts() {
    // SAFETY: CLTS only clears CR0.TS.
    unsafe { core::arch::asm!("clts", options(nostack, nomem)) };
}

fn save(area: &mut FpuArea) {
    let ptr = area.0.as_mut_ptr();
    // SAFETY: the area is 64-byte aligned, FPU_AREA bytes long, at least as
    // large as the XSAVE size chosen in `init_cpu` (or 512 for FXSAVE),
    // and owned by the EC whose state it receives.
    unsafe {
        if USE_XSAVE.load(Ordering::Relaxed) {
            core::arch::asm!(".byte 0x48, 0x0f, 0xae, 0x27", in("rdi") ptr, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack))
        } else {
            core::arch::asm!(".byte 0x48, 0x0f, 0xae, 0x07", in("rdi") ptr, options(nostack))
        }
    }
}

fn restore(area: &FpuArea) {
    let ptr = area.0.as_ptr();
    // SAFETY: as in `save`; the area holds a state saved by `save` or made
    // by `init_area`, both valid for XRSTOR/FXRSTOR.
    unsafe {
        if USE_XSAVE.load(Ordering::Relaxed) {
            core::arch::asm!(".byte 0x48, 0x0f, 0xae, 0x2f", in("rdi") ptr, in("eax") u32::MAX, in("edx") u32::MAX, options(nostack))
        } else {
            core::arch::asm!(".byte 0x48, 0x0f, 0xae, 0x0f", in("rdi") ptr, options(nostack))
        }
    }
}

/// Before running `ec`: let it use the FPU directly only if it owns it.
pub fn switch_to(c: &mut Cpu, ec: Ref<Ec>) {
    let ts = c.fpu_owner != Some(ec);
    if ts != c.ts {
        if ts {
            set_ts();
        } else {
            clear_ts();
        }
        c.ts = ts;
    }
}

/// #NM from user mode: hand the FPU registers to the running EC.
pub fn take_over(c: &mut Cpu, ec: Ref<Ec>) {
    clear_ts();
    c.ts = false;
    if let Some(owner) = c.fpu_owner {
        if owner == ec {
            return;
        }
        save(owner.get().fpu());
    }
    restore(ec.get().fpu());
    c.fpu_owner = Some(ec);
}

/// `ec` is going away: no CPU may save into it any more. Its registers may
/// stay in a CPU until the next owner restores its own complete state.
pub fn forget(ec: Ref<Ec>) {
    for i in 0..crate::sched::online_cpus() {
        let c = crate::sched::cpu(i);
        if c.fpu_owner == Some(ec) {
            c.fpu_owner = None;
        }
    }
}

/// The host's XCR0 (0 without XSAVE): the most a guest may enable.
pub fn host_xcr0() -> u64 {
    if USE_XSAVE.load(Ordering::Relaxed) {
        XCR0.load(Ordering::Relaxed)
    } else {
        0
    }
}

#[allow(clippy::declare_interior_mutable_const)] // only initialises GUEST_XCR0
const HOST: AtomicBool = AtomicBool::new(false);
/// Whether each CPU runs with a guest's XCR0.
static GUEST_XCR0: [AtomicBool; crate::arch::percpu::MAX_CPUS] =
    [HOST; crate::arch::percpu::MAX_CPUS];

fn me() -> usize {
    crate::arch::percpu::current().index as usize
}

/// Before entering a guest (whose FPU state is loaded): its XCR0, which
/// `vm::state` checked to be a subset of the host's.
pub fn enter_guest_xcr0(xcr0: u64) {
    let host = host_xcr0();
    if host != 0 && xcr0 != host {
        xsetbv(xcr0);
        GUEST_XCR0[me()].store(true, Ordering::Relaxed);
    }
}

/// After a VM exit: the host's XCR0 again, before any XSAVE. It is read
/// back too: an emulator that does not intercept XSETBV (QEMU 7.2's SVM)
/// lets the guest change it.
pub fn leave_guest_xcr0() {
    let changed = GUEST_XCR0[me()].swap(false, Ordering::Relaxed);
    let host = host_xcr0();
    if host != 0 && (changed || xgetbv() != host) {
        xsetbv(host);
    }
}

fn xgetbv() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: XGETBV with ECX = 0 reads XCR0; CR4.OSXSAVE is set whenever
    // the host uses XSAVE (the caller checked).
    unsafe {
        core::arch::asm!(".byte 0x0f, 0x01, 0xd0", in("ecx") 0, out("eax") lo, out("edx") hi, options(nomem, nostack))
    };
    (u64::from(hi) << 32) | u64::from(lo)
}

//! Entering a guest and the VM-exit path.
//!
//! A vCPU that its SC runs goes through [`to_guest`] instead of a return to
//! user mode: events that need no guest (STARTUP, a recall, an open NMI
//! window) are delivered at once; otherwise the CPU flushes what the vCPU
//! must not see, loads the guest FPU state and XCR0, releases the kernel
//! lock and enters. The exit arrives in [`vm_exit_dispatch`] on a fresh
//! stack. Host interrupts that caused or met the exit are taken in a short
//! window before the kernel lock is taken again; what is left is either
//! resumed here or delivered to the VMM as a call to the exit's portal.

use super::backend::{self, Backend, Outcome};
use super::remote;
use crate::arch::{fpu, percpu, tlb};
use crate::obj::ec::{Ec, PendingCall};
use crate::obj::{destroy, Ref};
use crate::sched::{self, exit, lock};
use abi::vcpu::{request, Exit};
use core::cell::UnsafeCell;

/// Tags (ASIDs, VPIDs) a CPU hands out round robin, and which vCPU last
/// used each on each CPU: a vCPU whose tag another used since flushes.
const TAGS: usize = 256;

struct Owners(UnsafeCell<[[u64; TAGS]; percpu::MAX_CPUS]>);

// SAFETY: each CPU touches only its own row, with the kernel lock held.
unsafe impl Sync for Owners {}

static OWNERS: Owners = Owners(UnsafeCell::new([[0; TAGS]; percpu::MAX_CPUS]));

/// The tag a new vCPU with number `id` uses.
pub fn tag_for(id: u64) -> u64 {
    let n = backend::tags().clamp(1, TAGS as u64 - 1);
    1 + id % n
}

/// Records that vCPU `id` runs with `tag` on this CPU; true if another
/// vCPU used the tag here since it last did.
fn claim_tag(tag: u64, id: u64) -> bool {
    // SAFETY: this CPU's row, kernel lock held (module rule).
    let row = unsafe { &mut (*OWNERS.0.get())[percpu::current().index as usize] };
    let slot = &mut row[tag as usize % TAGS];
    let changed = *slot != id;
    *slot = id;
    changed
}

/// Runs the vCPU `ec`, the running SC's target. Kernel lock held.
pub fn to_guest(ec: Ref<Ec>) -> ! {
    let Some(vr) = ec.get().vcpu else {
        sched::schedule()
    };
    let v = vr.get();
    let pending = if !v.started {
        v.started = true;
        Some(Exit::Startup)
    } else if v.recall.swap(false, core::sync::atomic::Ordering::AcqRel) {
        Some(Exit::Recall)
    } else if v.requests & request::NMI_WINDOW != 0 && backend::nmi_window_open(v) {
        v.requests &= !request::NMI_WINDOW;
        Some(Exit::NmiWindow)
    } else {
        None
    };
    if let Some(e) = pending {
        v.qual = [0, 0];
        v.inst_len = 0;
        deliver(ec, e);
        destroy::run();
        sched::finish()
    }
    let c = sched::this();
    tlb::switch_to(0);
    fpu::take_over(c, ec);
    exit::arm_timer();
    let g = &ec.get().pd.get().guest;
    let gen = g.gen.wrapping_add(backend::global_gen());
    let stale = core::mem::take(&mut v.force_flush);
    let flush = claim_tag(v.tag, v.id) || v.flushed_gen != gen || stale;
    v.flushed_gen = gen;
    super::debug_regs::load(v);
    backend::before_entry(v);
    remote::entering(v.root);
    fpu::enter_guest_xcr0(v.xcr0);
    lock::release();
    crate::console_out::flush();
    backend::enter(v, flush)
}

/// Lets host interrupts that are pending in: their handlers see the flag
/// and return without scheduling (the exit path does that).
fn window() {
    let cpu = percpu::current();
    cpu.vm_window = true;
    // SAFETY: the kernel lock is not held and every guest register is saved
    // (the vCPU is consistent in memory); an interrupt taken at the NOP is
    // handled and returns here.
    unsafe { core::arch::asm!("sti", "nop", "cli", options(nomem, nostack)) };
    cpu.vm_window = false;
}

/// Where every VM exit continues (from the vendor entry stubs), on this
/// CPU's fresh kernel stack with interrupts off.
#[no_mangle]
extern "C" fn vm_exit_dispatch() -> ! {
    left_guest();
    window();
    lock::acquire();
    // The vCPU may have been destroyed, or its SC, meanwhile.
    let Some(ec) = sched::running().filter(|e| e.get().vcpu.is_some()) else {
        sched::schedule()
    };
    let Some(vr) = ec.get().vcpu else {
        sched::schedule()
    };
    match backend::decode(vr.get()) {
        Outcome::Resume => {}
        Outcome::Deliver(exit) => {
            if exit == Exit::InvalidState {
                // No entry happened: a flush it was to make never did.
                vr.get().force_flush = true;
            }
            deliver(ec, exit)
        }
    }
    destroy::run();
    sched::finish()
}

/// First steps back in the host, before anything else (also after an
/// entry the CPU refused): no longer inside a guest, the host's XCR0, and
/// (Intel) the note that the descriptor-table limits need repair.
pub fn left_guest() {
    remote::left();
    fpu::leave_guest_xcr0();
    if backend::backend() == Backend::Vmx {
        super::vmx::after_exit();
    }
}

/// Delivers `exit` of the vCPU `ec` to the portal at its event base plus
/// the exit number, or stops the vCPU if there is none it may call.
pub fn deliver(ec: Ref<Ec>, exit: Exit) {
    let Some(v) = ec.get().vcpu else {
        return;
    };
    let v = v.get();
    if exit == Exit::InvalidState {
        if v.invalid_reported {
            stop(ec, "the answer to an invalid-state exit was invalid again");
            return;
        }
        v.invalid_reported = true;
    } else {
        v.invalid_reported = false;
    }
    v.exit = exit.event();
    let Some((pt, handler)) = crate::ipc::exception::event_portal(ec, exit.event()) else {
        stop(ec, "no portal it may call for this exit");
        return;
    };
    let p = pt.get();
    let call = PendingCall {
        entry: p.entry,
        id: p.id,
        mtd: p.mtd,
        words: 0,
        exception: true,
        vector: exit.event(),
        error: 0,
        cr2: 0,
    };
    // The handler was checked to be alive, so this cannot fail.
    let _ = crate::ipc::begin_call(ec, handler, call);
}

/// Stops the vCPU `ec` for good, naming PD, vCPU, exit and guest RIP.
pub fn stop(ec: Ref<Ec>, why: &str) {
    let e = ec.get();
    let (exit, rip) = match e.vcpu {
        Some(v) => (v.get().exit, v.get().last_rip),
        None => (0, 0),
    };
    let name = Exit::from_event(exit).map_or("?", Exit::name);
    crate::println!(
        "vcpu stopped: pd ",
        e.pd.get().id,
        " ec ",
        e.id,
        ": ",
        why,
        ", exit ",
        name,
        ", rip ",
        hv_core::fmt::Hex(rip)
    );
    crate::ipc::stop(ec);
}

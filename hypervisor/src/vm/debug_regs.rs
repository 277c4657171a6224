//! The guest's DR0–DR3 and DR6, which neither VMCS nor VMCB switches (DR7
//! is in both, and DR6 in the VMCB). The host never uses breakpoints (a VM
//! exit leaves DR7 disabled), so a guest's values may stay in the CPU until
//! another vCPU runs there; only then are they saved and the next vCPU's
//! loaded. No guest sees another's debug registers.

use super::vcpu::Vcpu;
use crate::arch::percpu;
use core::sync::atomic::{AtomicU64, Ordering};

#[allow(clippy::declare_interior_mutable_const)] // only initialises OWNER
const NONE: AtomicU64 = AtomicU64::new(0);
/// The vCPU whose values each CPU holds (address; 0 none; DEAD destroyed).
static OWNER: [AtomicU64; percpu::MAX_CPUS] = [NONE; percpu::MAX_CPUS];
const DEAD: u64 = 1;

macro_rules! dr_read {
    ($n:literal) => {{
        let v: u64;
        // SAFETY: reading a debug register has no side effects in ring 0.
        unsafe { core::arch::asm!(concat!("mov {}, dr", $n), out(reg) v, options(nomem, nostack)) };
        v
    }};
}

macro_rules! dr_write {
    ($n:literal, $v:expr) => {{
        let v: u64 = $v;
        // SAFETY: with DR7 disabled in the host, DR0-3 and DR6 only hold
        // values for the guest; DR6's reserved bits are forced below.
        unsafe { core::arch::asm!(concat!("mov dr", $n, ", {}"), in(reg) v, options(nomem, nostack)) };
    }};
}

/// Before entering `v`'s guest on this CPU.
pub fn load(v: &mut Vcpu) {
    let me = percpu::current().index as usize;
    let addr = v as *mut Vcpu as u64;
    let owner = OWNER[me].load(Ordering::SeqCst);
    if owner == addr {
        return;
    }
    if owner > DEAD {
        let saved = [
            dr_read!(0),
            dr_read!(1),
            dr_read!(2),
            dr_read!(3),
            dr_read!(6),
        ];
        // SAFETY: a live vCPU (a destroyed one is marked DEAD by `forget`
        // under the kernel lock, which the caller holds).
        unsafe { (*(owner as *mut Vcpu)).dr = saved };
    }
    dr_write!(0, v.dr[0]);
    dr_write!(1, v.dr[1]);
    dr_write!(2, v.dr[2]);
    dr_write!(3, v.dr[3]);
    dr_write!(6, v.dr[4] | 0xffff_0ff0);
    OWNER[me].store(addr, Ordering::SeqCst);
}

/// `v` is being destroyed: no CPU saves into it any more.
pub fn forget(v: &Vcpu) {
    let addr = v as *const Vcpu as u64;
    for o in OWNER.iter() {
        let _ = o.compare_exchange(addr, DEAD, Ordering::SeqCst, Ordering::SeqCst);
    }
}

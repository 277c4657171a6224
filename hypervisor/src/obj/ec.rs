//! Execution context: a thread of user execution with its registers, FPU
//! state and UTCB, bound to one PD and one CPU.
//!
//! A *global* EC runs on a scheduling context of its own. A *local* EC runs
//! only when one of its portals is called, on the caller's scheduling
//! context (which is how time is donated). An EC blocked in a call records
//! its callee; a handler records its caller; the chain from an SC's EC along
//! `callee` links ends at the EC that SC currently runs.

use super::{
    pd::{self, Pd},
    pt::Pt,
    sc::Sc,
    sm::Sm,
    Header, Obj, Ref,
};
use crate::cap::mem_space;
use crate::{arch, ipc, kmem};
use abi::cap::rights;
use abi::Status;
use core::sync::atomic::{AtomicU64, Ordering};

static NEXT_EC: AtomicU64 = AtomicU64::new(0);
use crate::arch::frame::Frame;
use crate::cap::CapRef;
use hv_core::list::{Links, List, ListArena};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    /// Running or ready to run on its SC.
    Ready,
    /// Waiting for the reply of its callee.
    InCall,
    /// Waiting until its portal's handler is free (queued on the handler).
    Queued,
    /// Waiting on a semaphore.
    WaitSm,
    /// A local EC waiting for the next call.
    Idle,
    /// Killed after an exception it could not report; it never runs again.
    Dead,
}

/// A call that waits for its handler to become free, or is being made.
#[derive(Clone, Copy)]
pub struct PendingCall {
    pub entry: u64,
    pub id: u64,
    pub mtd: u64,
    /// Message words (ordinary calls).
    pub words: u64,
    /// An exception message rather than an ordinary call.
    pub exception: bool,
    /// For exceptions: vector, error code and CR2.
    pub vector: u64,
    pub error: u64,
    pub cr2: u64,
}

/// Where the XSAVE area starts in the EC's page, and its size: the rest of
/// the page (the EC itself must fit below it).
pub const FPU_OFFSET: usize = 1024;
pub const FPU_AREA: usize = 4096 - FPU_OFFSET;

#[repr(C, align(64))]
pub struct FpuArea(pub [u8; FPU_AREA]);

#[repr(C)]
pub struct Ec {
    pub hdr: Header,
    /// A number for console reports.
    pub id: u64,
    pub pd: Ref<Pd>,
    pub cpu: u32,
    pub global: bool,
    pub regs: Frame,
    /// The registers came from a syscall, so SYSRET may return (RCX and R11
    /// are the caller's to lose).
    pub sysret: bool,
    pub utcb_phys: u64,
    pub utcb_node: Option<CapRef>,
    pub stack_top: u64,
    pub evt_base: u64,
    pub state: State,
    /// The SC this EC runs on when ready: its own, or its caller's.
    pub sc: Option<Ref<Sc>>,
    pub own_sc: Option<Ref<Sc>>,
    pub caller: Option<Ref<Ec>>,
    pub callee: Option<Ref<Ec>>,
    /// Callers waiting until this handler is free.
    pub callers: List<Ref<Ec>>,
    /// On a handler's `callers` or a semaphore's waiters.
    pub wait: Links<Ref<Ec>>,
    /// What this EC waits on while `Queued` or `WaitSm`.
    pub queued_on: Option<Ref<Ec>>,
    pub sm: Option<Ref<Sm>>,
    pub pending: Option<PendingCall>,
    /// The call this EC is in (as a caller) carries an exception.
    pub in_exception: bool,
    pub timeout: Links<Ref<Ec>>,
    pub deadline: u64,
    pub portals: List<Ref<Pt>>,
    /// A vCPU's guest state and control page (`vm`); None for other ECs.
    pub vcpu: Option<Ref<crate::vm::vcpu::Vcpu>>,
    /// A handler handed a vCPU's exit on another CPU: the vCPU and the MTD
    /// whose state goes into its UTCB when it runs (on the vCPU's CPU, the
    /// only one that may touch the vCPU's VMCS).
    pub vcpu_state_due: Option<(Ref<Ec>, u64)>,
}

// The FPU area follows the EC in its page (see `fpu`).
const _: () = assert!(core::mem::size_of::<Ec>() <= FPU_OFFSET);

impl Ec {
    /// The FPU/SSE/AVX state kept while another EC owns the CPU's FPU: the
    /// part of the EC's page after the EC.
    pub fn fpu(&mut self) -> &mut FpuArea {
        let area = (self as *mut Ec as usize + FPU_OFFSET) as *mut FpuArea;
        // SAFETY: every EC sits at the start of its own page
        // (`kmem::new_obj`), so the area lies inside that page, 64-byte
        // aligned, and belongs to this EC alone.
        unsafe { &mut *area }
    }
}

/// Queues of waiting ECs (handler callers, semaphore waiters).
pub struct WaitArena;

impl ListArena for WaitArena {
    type Id = Ref<Ec>;
    fn links(&self, id: Ref<Ec>) -> Links<Ref<Ec>> {
        id.get().wait
    }
    fn set_links(&mut self, id: Ref<Ec>, l: Links<Ref<Ec>>) {
        id.get().wait = l;
    }
}

/// Per-CPU deadlines.
pub struct TimeoutArena;

impl ListArena for TimeoutArena {
    type Id = Ref<Ec>;
    fn links(&self, id: Ref<Ec>) -> Links<Ref<Ec>> {
        id.get().timeout
    }
    fn set_links(&mut self, id: Ref<Ec>, l: Links<Ref<Ec>>) {
        id.get().timeout = l;
    }
}

pub fn deadline_of(_: &TimeoutArena, ec: Ref<Ec>) -> u64 {
    ec.get().deadline
}

/// What kind of EC [`build`] makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs when one of its portals is called.
    Local,
    /// Runs on an SC of its own.
    Global,
    /// A vCPU: runs a guest on an SC of its own; it has no UTCB.
    Vcpu,
}

/// Makes an EC of `pd` with its UTCB mapped at `utcb` (not for a vCPU).
pub fn build(
    pd: Ref<Pd>,
    cpu: u32,
    utcb: u64,
    sp: u64,
    evt_base: u64,
    rip: u64,
    kind: Kind,
) -> Result<Ref<Ec>, Status> {
    let global = kind != Kind::Local;
    let utcb_phys = if kind == Kind::Vcpu {
        0
    } else {
        kmem::alloc(pd)?
    };
    let mut regs = ipc::fresh_frame(rip, sp);
    // A global EC learns where its UTCB is; a local one gets the portal id
    // and message size at each call instead.
    regs.rdi = utcb;
    let value = Ec {
        hdr: Header::new(Some(pd)),
        id: NEXT_EC.fetch_add(1, Ordering::Relaxed),
        pd,
        cpu,
        global,
        regs,
        sysret: false,
        utcb_phys,
        utcb_node: None,
        stack_top: sp,
        evt_base,
        state: if global { State::Ready } else { State::Idle },
        sc: None,
        own_sc: None,
        caller: None,
        callee: None,
        callers: List::new(),
        wait: Links::default(),
        queued_on: None,
        sm: None,
        pending: None,
        in_exception: false,
        timeout: Links::default(),
        deadline: 0,
        portals: List::new(),
        vcpu: None,
        vcpu_state_due: None,
    };
    let new = match kmem::new_obj(Some(pd), value) {
        Ok(e) => e,
        Err(e) => {
            if utcb_phys != 0 {
                kmem::free(pd, utcb_phys);
            }
            return Err(e);
        }
    };
    arch::fpu::init_area(new.get().fpu());
    if kind == Kind::Vcpu {
        if let Err(e) = crate::vm::vcpu::attach(new, pd) {
            kmem::free_obj(Some(pd), new);
            return Err(e);
        }
        pd::adopt(pd, Obj::Ec(new));
        return Ok(new);
    }
    match mem_space::map_fixed(pd, utcb >> 12, utcb_phys >> 12, rights::mem::RW) {
        Ok(n) => new.get().utcb_node = Some(n),
        Err(e) => {
            kmem::free_obj(Some(pd), new);
            kmem::free(pd, utcb_phys);
            return Err(e);
        }
    }
    pd::adopt(pd, Obj::Ec(new));
    Ok(new)
}

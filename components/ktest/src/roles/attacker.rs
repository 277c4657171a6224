//! `role=attacker`: a PD without capabilities that tries to reach what is
//! not its own, and reports what happened in a page it shares with the
//! test ([`Report`] at [`REPORT`]).
//!
//! It holds nothing but what the test put in its space: the report page,
//! and portals at [`EVT`] + vector for #DE, #UD, #GP and #PF to a handler
//! ([`fault_entry`]) the test created in the attacker's PD, which records
//! each fault and skips the probe. Once the test sets `armed`, it issues
//! every capability-taking call on each selector below [`SEL_RANGE`], then
//! runs the memory and port probes the test listed, sets `done` and ends
//! itself (an unhandled `int3`).

use crate::probe::{self, MARK};
use abi::cap::rights;
use abi::{Crd, Hypercall, Mtd, SmOp};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::loader::StartInfo;
use user_rt::sys;
use user_rt::Utcb;

/// The report page in the attacker's space.
pub const REPORT: u64 = 0x0000_5000_0000_0000;
/// The fault handler's UTCB and stack top in the attacker's space.
pub const HANDLER_UTCB: u64 = 0x0000_5000_0001_0000;
pub const HANDLER_STACK: u64 = 0x0000_5000_0010_0000;
/// The attacker's event base.
pub const EVT: u64 = 8192;
/// Selectors tried: `0..SEL_RANGE`.
pub const SEL_RANGE: u64 = 1024;
/// Capability-taking calls tried on each selector.
pub const CALLS: usize = 16;
pub const MAX_PROBES: usize = 16;
/// A free selector of the attacker, the destination of its creations.
const DST: u64 = 5000;

/// Probe kinds.
pub mod kind {
    pub const READ: u64 = 0;
    pub const WRITE: u64 = 1;
    pub const IN: u64 = 2;
    pub const OUT: u64 = 3;
    /// `ConsoleWrite` of 8 bytes at the address: `vector` gets the status.
    pub const CONSOLE: u64 = 4;
}

/// One probe and its outcome.
#[repr(C)]
pub struct Probe {
    pub kind: AtomicU64,
    pub addr: AtomicU64,
    /// The vector it faulted with ([`NO_FAULT`] if it did not).
    pub vector: AtomicU64,
    pub cr2: AtomicU64,
    pub error: AtomicU64,
}

pub const NO_FAULT: u64 = u64::MAX;

#[repr(C)]
pub struct Report {
    pub armed: AtomicU64,
    pub done: AtomicU64,
    /// Per call: how many selectors got `BadSelector`, and how many did not.
    pub bad_selector: [AtomicU64; CALLS],
    pub other: [AtomicU64; CALLS],
    /// Per call: `selector << 8 | status` of the first that did not.
    pub first_other: [AtomicU64; CALLS],
    pub probe_count: AtomicU64,
    pub probes: [Probe; MAX_PROBES],
    pub faults: AtomicU64,
    pub last_vector: AtomicU64,
    pub last_cr2: AtomicU64,
    pub last_error: AtomicU64,
}

const _: () = assert!(core::mem::size_of::<Report>() <= 4096);

/// The report page mapped at `at`.
///
/// # Safety
/// A page is mapped read-write at `at` for as long as the reference is
/// used, and only ever accessed through atomics (it is all `AtomicU64`, for
/// which any bit pattern, zero included, is valid).
pub unsafe fn report_at(at: u64) -> &'static Report {
    // SAFETY: the caller's contract; the page is aligned for `u64`.
    unsafe { &*(at as *const Report) }
}

fn attempt(call: usize, sel: u64) -> u64 {
    let h = |c: Hypercall, a: [u64; 8]| sys::raw8(c as u64, a).status;
    let obj = Crd::obj(0, rights::ALL).0;
    match call {
        0 => h(Hypercall::Call, [sel, 0, 0, 0, 0, 0, 0, 0]),
        1 => h(Hypercall::Delegate, [sel, sel, obj, 0, 0, 0, 0, 0]),
        2 => h(Hypercall::Revoke, [sel, obj, 0, 0, 0, 0, 0, 0]),
        3 => h(Hypercall::Lookup, [sel, obj, 0, 0, 0, 0, 0, 0]),
        4 => h(Hypercall::CreatePd, [DST, sel, 1, 0, 0, 0, 0, 0]),
        5 => h(Hypercall::CreateEc, [DST, sel, 0, 0x1000, 0, 0, 0, 0]),
        6 => h(Hypercall::CreateSc, [DST, sel, 1, 1000, 0, 0, 0, 0]),
        7 => h(Hypercall::CreatePt, [DST, sel, 0, 0, 0, 0, 0, 0]),
        8 => h(Hypercall::CreateSm, [DST, sel, 0, 0, 0, 0, 0, 0]),
        9 => h(Hypercall::SmCtrl, [sel, SmOp::Up as u64, 0, 0, 0, 0, 0, 0]),
        10 => h(
            Hypercall::SmCtrl,
            [sel, SmOp::Down as u64, 1, 0, 0, 0, 0, 0],
        ),
        11 => h(Hypercall::PdQuota, [sel, 0, 0, 0, 0, 0, 0, 0]),
        12 => h(Hypercall::PtCtrl, [sel, 1, 0, 0, 0, 0, 0, 0]),
        13 => h(Hypercall::ScCtrl, [sel, 0, 0, 0, 0, 0, 0, 0]),
        14 => h(Hypercall::AssignInt, [sel, 0, 0, 0, 0, 0, 0, 0]),
        _ => h(Hypercall::MachineControl, [sel, 0, 0, 0, 0, 0, 0, 0]),
    }
}

fn run_probe(r: &Report, p: &Probe) {
    let addr = p.addr.load(SeqCst);
    let v = match p.kind.load(SeqCst) {
        kind::READ => probe::read(addr),
        kind::WRITE => probe::write(addr, 0x0bad),
        kind::IN => probe::port_in(addr),
        kind::OUT => probe::port_out(addr, 0),
        _ => {
            let s = sys::raw(Hypercall::ConsoleWrite as u64, addr, 8);
            p.vector.store(s, SeqCst);
            return;
        }
    };
    if v & MARK == MARK {
        p.vector.store(v & 0xff, SeqCst);
        p.cr2.store(r.last_cr2.load(SeqCst), SeqCst);
        p.error.store(r.last_error.load(SeqCst), SeqCst);
    } else {
        p.vector.store(NO_FAULT, SeqCst);
    }
}

pub fn run(_info: &StartInfo) -> ! {
    // SAFETY: the test maps the report page at REPORT before it starts us.
    let r = unsafe { report_at(REPORT) };
    while r.armed.load(SeqCst) == 0 {
        core::hint::spin_loop();
    }
    for sel in 0..SEL_RANGE {
        for call in 0..CALLS {
            let s = attempt(call, sel);
            if s == abi::Status::BadSelector as u64 {
                r.bad_selector[call].fetch_add(1, SeqCst);
            } else if r.other[call].fetch_add(1, SeqCst) == 0 {
                r.first_other[call].store(sel << 8 | s, SeqCst);
            }
        }
    }
    let n = (r.probe_count.load(SeqCst) as usize).min(MAX_PROBES);
    for p in &r.probes[..n] {
        run_probe(r, p);
    }
    r.done.store(1, SeqCst);
    // End here so the test can see its time stop: no portal handles #BP,
    // so the kernel kills this EC. (Destroying an EC that still runs on
    // another CPU is `destroy_running_ec_frees_its_cpu`'s business.)
    // SAFETY: raises #BP on purpose; nothing runs after it.
    unsafe { core::arch::asm!("int3") };
    loop {
        core::hint::spin_loop();
    }
}

/// The attacker's exception handler: records the fault and skips the
/// probe (RIP to the recovery address in `rcx`, `rax` = MARK | vector).
pub extern "C" fn fault_entry(_id: u64, _words: u64) -> ! {
    // SAFETY: the test creates this handler's EC with its UTCB at
    // HANDLER_UTCB; each call starts afresh, so this is the only handle.
    let mut u = unsafe { Utcb::at(HANDLER_UTCB) };
    // SAFETY: as in `run`.
    let r = unsafe { report_at(REPORT) };
    let mut s = u.exc_state();
    r.faults.fetch_add(1, SeqCst);
    r.last_vector.store(s.vector, SeqCst);
    r.last_cr2.store(s.cr2, SeqCst);
    r.last_error.store(s.error, SeqCst);
    s.rip = s.rcx;
    s.rax = MARK | s.vector;
    u.set_exc_state(&s);
    sys::reply_exception(Mtd(Mtd::GPRS | Mtd::RIP));
    loop {
        sys::reply(0);
    }
}

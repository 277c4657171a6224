//! vCPUs that cannot go on: without a startup portal, with an answer the
//! CPU refuses, with a handler whose PD is destroyed while the vCPU waits
//! in an exit. Each is stopped (a recall then says `Aborted`), and ktest
//! goes on. And a reply with MTD bits the ABI does not define is refused,
//! while the exit still waits for a valid answer.

use super::kit::{self, Other, Words};
use super::vm_kit::{self, all_exits, exit_name, long_mode_state, reset_state, Vm, VM_EVT};
use crate::check::{eq, ok, status, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights;
use abi::vcpu::{mtd, Exit, VcpuState};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Ec, Mtd, Sm, Status};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[
    ("vm_vcpu_without_startup_portal_stops", no_portal),
    ("vm_reply_with_undefined_mtd_refused", bad_mtd),
    ("vm_invalid_state_exit_then_stop", invalid_state),
    ("vm_handler_pd_destroyed_stops_vcpu", handler_gone),
];

/// The lowest MTD bit the ABI does not define.
const UNDEFINED_MTD: u64 = mtd::ALL + 1;

/// What the handler saw.
static EXITS: AtomicU64 = AtomicU64::new(0);
/// The last exit's number plus one.
static LAST: AtomicU64 = AtomicU64::new(0);
static QUAL: AtomicU64 = AtomicU64::new(0);
static INVALID: AtomicU64 = AtomicU64::new(0);
/// The refused reply's status plus one.
static REFUSED: AtomicU64 = AtomicU64::new(0);
/// Counted up when the handler stops answering.
static EVENT: AtomicU64 = AtomicU64::new(0);

mod mode {
    pub const BAD_MTD: u64 = 1;
    pub const INVALID: u64 = 2;
}

/// Long mode without CR4.PAE: no CPU enters it.
fn bad_state() -> VcpuState {
    VcpuState {
        cr4: 0,
        ..long_mode_state(0x1_0000, 0x1000)
    }
}

fn on_exit(u: &mut Utcb, id: u64, _words: u64, m: u64) -> Reply {
    let s = u.vcpu_state();
    EXITS.fetch_add(1, SeqCst);
    LAST.store(id + 1, SeqCst);
    QUAL.store(s.qual[0], SeqCst);
    let startup = id == Exit::Startup.event();
    let invalid = id == Exit::InvalidState.event();
    match m {
        mode::BAD_MTD if startup => {
            let refused = sys::reply_vcpu(mtd::ALL | UNDEFINED_MTD);
            REFUSED.store(refused as u64 + 1, SeqCst);
            u.set_vcpu_state(&reset_state());
            Reply::State(mtd::ALL & !mtd::QUAL)
        }
        mode::INVALID if startup || invalid => {
            if invalid {
                INVALID.fetch_add(1, SeqCst);
                let _ = Sm(EVENT.load(SeqCst)).up();
            }
            u.set_vcpu_state(&bad_state());
            Reply::State(mtd::ALL & !mtd::QUAL)
        }
        _ => {
            let _ = Sm(EVENT.load(SeqCst)).up();
            Reply::Park
        }
    }
}

/// A VM whose exits all go to a handler on CPU 0 in mode `m`; its vCPU
/// (on CPU 0, below the main EC's priority) started.
fn vm_with_handler(ctx: &mut Ctx, m: u64) -> Result<Ec, Fail> {
    for a in [&EXITS, &LAST, &QUAL, &INVALID, &REFUSED] {
        a.store(0, SeqCst);
    }
    EVENT.store(ctx.sm(0)?.0, SeqCst);
    let vm = Vm::new(ctx)?;
    let h = ctx.handler(0, on_exit, m)?;
    vm.portals(ctx, h, mtd::ALL, all_exits())?;
    let vcpu = vm.vcpu(ctx, 0)?;
    kit::start(ctx, vcpu, 40, 10_000)?;
    Ok(vcpu)
}

/// Waits up to `ms` for the vCPU to be stopped.
fn stopped(ctx: &Ctx, vcpu: Ec, ms: u64) -> TResult {
    if ctx.wait_until(ms, || vcpu.recall() == Err(Status::Aborted)) {
        return Ok(());
    }
    let why = Line::new()
        .str("not stopped (recall does not say Aborted); exits ")
        .dec(EXITS.load(SeqCst))
        .str(", the last ")
        .bytes(exit_name(LAST.load(SeqCst).wrapping_sub(1)).as_bytes())
        .str(" qual ")
        .hex(QUAL.load(SeqCst));
    Err(Fail::from(why))
}

fn no_portal(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let vm = Vm::new(ctx)?;
    let vcpu = vm.vcpu(ctx, 0)?;
    ok("recall before it ran", vcpu.recall())?;
    kit::start(ctx, vcpu, 40, 10_000)?;
    stopped(ctx, vcpu, 1000)
}

fn bad_mtd(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let _vcpu = vm_with_handler(ctx, mode::BAD_MTD)?;
    ok(
        "an exit after the startup",
        Sm(EVENT.load(SeqCst)).down_until(ctx.deadline(2000)),
    )?;
    let got = Status::from_raw(REFUSED.load(SeqCst).wrapping_sub(1));
    status(
        "reply with an undefined MTD bit",
        got.unwrap_or(Status::Success),
        Status::BadParameter,
    )?;
    // The second answer started the guest at the reset vector, where no
    // memory is.
    eq(
        "the exit after the startup",
        LAST.load(SeqCst),
        Exit::GpaFault.event() + 1,
    )?;
    eq("its guest-physical address", QUAL.load(SeqCst), 0xf_fff0)?;
    eq("exits", EXITS.load(SeqCst), 2)
}

fn invalid_state(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let vcpu = vm_with_handler(ctx, mode::INVALID)?;
    ok(
        "an invalid-state exit",
        Sm(EVENT.load(SeqCst)).down_until(ctx.deadline(2000)),
    )?;
    // A recall now would be taken before the next entry: give the handler
    // time to answer the exit first.
    ctx.sleep(10);
    stopped(ctx, vcpu, 1000)?;
    eq("invalid-state exits", INVALID.load(SeqCst), 1)?;
    eq("exits (startup, invalid state)", EXITS.load(SeqCst), 2)
}

/// The startup handler in the other PD: says it was entered and never
/// answers. The portal id is the address of its EC's data page there.
extern "C" fn block_in_exit(data: u64, _words: u64) -> ! {
    // SAFETY: the test set the portal id to the address of this EC's data
    // page in its PD (`RemoteEc::remote`), mapped read-write for as long
    // as the EC exists; atomics make sharing it sound.
    let w = unsafe { &*(data as *const Words) };
    kit::remote_finish(w)
}

fn handler_gone(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    let mut other = Other::new(ctx)?;
    let entered = ctx.sm(0)?;
    let remote = other.ec(ctx, 0, 0, false, entered)?;
    let entry = block_in_exit as *const () as u64;
    let at = ctx.sel();
    let pt = ok(
        "create_pt",
        sys::create_pt(at, remote.ec, entry, Mtd(mtd::ALL)),
    )?;
    ok("pt_ctrl", pt.set_id(remote.remote))?;
    let vm = Vm::new(ctx)?;
    let crd = Crd::obj(pt.0, rights::pt::CALL);
    let at = VM_EVT + Exit::Startup.event();
    ok("delegate", sys::delegate(ctx.me, vm.pd, crd, at))?;
    let vcpu = vm.vcpu(ctx, 0)?;
    kit::start(ctx, vcpu, 40, 10_000)?;
    ok(
        "the handler was entered",
        entered.down_until(ctx.deadline(2000)),
    )?;
    ok("recall while it waits in the exit", vcpu.recall())?;
    let pd = Crd::obj(other.pd.0, 0);
    ok("destroy the handler's PD", sys::revoke(ctx.me, pd, true))?;
    stopped(ctx, vcpu, 1000)
}

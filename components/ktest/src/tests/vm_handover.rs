//! A vCPU's exit handed over on another CPU: two vCPUs of one VM on the
//! last CPU share one handler there. The handler takes vCPU A's startup
//! exit and never answers it; vCPU B's startup exit queues behind it. The
//! main EC (on CPU 0) then destroys A, which hands B's call to the handler
//! from CPU 0: B's exit state must still reach the handler whole (written
//! on the handler's CPU when it runs), and B must run on after the answer.

use super::kit;
use super::vm_emul::RAX;
use super::vm_guest as g;
use super::vm_kit::{self, exit_name, reset_state, Vm};
use crate::check::{eq, ok, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights::mem;
use abi::vcpu::{io, mtd, Exit, VCPU_STATE_WORDS};
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Crd, Sm};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[(
    "vm_exit_handed_over_by_destroying_cpu_keeps_state",
    handed_over,
)];

/// The portals' MTD: everything but the injection fields, so that a
/// state written with another MTD shows.
const PT_MTD: u64 = mtd::ALL & !mtd::INJ;
/// The guest's code at the reset vector: `mov al, 0x5a; out 0x80, al; hlt`.
const CODE: &[u8] = &[0xb0, 0x5a, 0xe6, 0x80, 0xf4];
const PORT: u16 = 0x80;
const VALUE: u64 = 0x5a;

/// Exits the handler took.
static EXITS: AtomicU64 = AtomicU64::new(0);
/// Startup exits among them.
static STARTUPS: AtomicU64 = AtomicU64::new(0);
/// The second startup as seen: MTD, words, rip, cs selector and base.
static B_MTD: AtomicU64 = AtomicU64::new(0);
static B_WORDS: AtomicU64 = AtomicU64::new(0);
static B_RIP: AtomicU64 = AtomicU64::new(0);
static B_CS: AtomicU64 = AtomicU64::new(0);
static B_CS_BASE: AtomicU64 = AtomicU64::new(0);
/// The exit after it: number plus one, MTD, qualification, rip, al.
static NEXT: AtomicU64 = AtomicU64::new(0);
static NEXT_MTD: AtomicU64 = AtomicU64::new(0);
static NEXT_QUAL: AtomicU64 = AtomicU64::new(0);
static NEXT_RIP: AtomicU64 = AtomicU64::new(0);
static NEXT_AL: AtomicU64 = AtomicU64::new(0);
/// Counted up at A's startup and at B's exit after its startup.
static EVENT: AtomicU64 = AtomicU64::new(0);

fn on_exit(u: &mut Utcb, id: u64, words: u64, _: u64) -> Reply {
    let s = u.vcpu_state();
    EXITS.fetch_add(1, SeqCst);
    if id == Exit::Startup.event() {
        if STARTUPS.fetch_add(1, SeqCst) == 0 {
            // A's: the main EC destroys A while we wait in it.
            let _ = Sm(EVENT.load(SeqCst)).up();
            return Reply::Park;
        }
        B_MTD.store(u.mtd().0, SeqCst);
        B_WORDS.store(words, SeqCst);
        B_RIP.store(s.rip, SeqCst);
        B_CS.store(u64::from(s.cs.sel), SeqCst);
        B_CS_BASE.store(s.cs.base, SeqCst);
        u.set_vcpu_state(&reset_state());
        return Reply::State(mtd::ALL & !mtd::QUAL);
    }
    if NEXT.load(SeqCst) == 0 {
        NEXT.store(id + 1, SeqCst);
        NEXT_MTD.store(u.mtd().0, SeqCst);
        NEXT_QUAL.store(s.qual[0], SeqCst);
        NEXT_RIP.store(s.rip, SeqCst);
        NEXT_AL.store(s.gpr[RAX] & 0xff, SeqCst);
        let _ = Sm(EVENT.load(SeqCst)).up();
    }
    Reply::Park
}

fn handed_over(ctx: &mut Ctx) -> TResult {
    vm_kit::backend(ctx)?;
    if ctx.cpus < 2 {
        let why = "one CPU: no other CPU to destroy the vCPU from";
        return Err(Fail::skip(Line::new().str(why)));
    }
    let cpu = ctx.cpus - 1;
    for a in [
        &EXITS, &STARTUPS, &B_MTD, &B_WORDS, &B_RIP, &B_CS, &B_CS_BASE, &NEXT, &NEXT_MTD,
        &NEXT_QUAL, &NEXT_RIP, &NEXT_AL,
    ] {
        a.store(0, SeqCst);
    }
    let event = ctx.sm(0)?;
    EVENT.store(event.0, SeqCst);
    let ram = vm_kit::guest_ram(ctx)?;
    vm_kit::copy_in(ram, g::RESET, CODE);
    let vm = Vm::new(ctx)?;
    vm.map(ctx, ram, g::RAM_ORDER, mem::RWX, 0)?;
    let h = ctx.handler(cpu, on_exit, 0)?;
    vm.portals(ctx, h, PT_MTD, vm_kit::all_exits())?;
    let a = vm.vcpu(ctx, cpu)?;
    let b = vm.vcpu(ctx, cpu)?;
    kit::start(ctx, a, 40, 10_000)?;
    ok(
        "the handler takes A's startup",
        event.down_until(ctx.deadline(2000)),
    )?;
    kit::start(ctx, b, 40, 10_000)?;
    // B runs on the last CPU and calls the busy handler: it queues.
    ctx.sleep(50);
    eq("exits before A is destroyed", EXITS.load(SeqCst), 1)?;
    ok(
        "destroy vCPU A",
        sys::revoke(ctx.me, Crd::obj(a.0, 0), true),
    )?;
    let woke = event.down_until(ctx.deadline(2000));
    if woke.is_err() {
        let why = Line::new()
            .str("no exit of B after its startup; exits ")
            .dec(EXITS.load(SeqCst))
            .str(", startups ")
            .dec(STARTUPS.load(SeqCst));
        return Err(Fail::from(why));
    }
    eq("startups", STARTUPS.load(SeqCst), 2)?;
    eq("mtd of B's startup", B_MTD.load(SeqCst), PT_MTD)?;
    eq(
        "words of B's startup",
        B_WORDS.load(SeqCst),
        VCPU_STATE_WORDS as u64,
    )?;
    eq("rip at B's startup", B_RIP.load(SeqCst), 0xfff0)?;
    eq("cs at B's startup", B_CS.load(SeqCst), 0xf000)?;
    eq(
        "cs base at B's startup",
        B_CS_BASE.load(SeqCst),
        0xffff_0000,
    )?;
    let next = NEXT.load(SeqCst).wrapping_sub(1);
    if next != Exit::Io.event() {
        let why = Line::new()
            .str("B's exit after its startup: ")
            .bytes(exit_name(next).as_bytes())
            .str(", not port i/o");
        return Err(Fail::from(why));
    }
    eq("mtd of B's i/o exit", NEXT_MTD.load(SeqCst), PT_MTD)?;
    eq(
        "qual of B's OUT",
        NEXT_QUAL.load(SeqCst),
        io::encode(PORT, 1, 0),
    )?;
    eq("rip of B's OUT", NEXT_RIP.load(SeqCst), 0xfff2)?;
    eq("al of B's OUT", NEXT_AL.load(SeqCst), VALUE)?;
    eq("exits", EXITS.load(SeqCst), 3)?;
    // B waits in that exit: not stopped.
    ok("recall of B waiting in an exit", b.recall())
}

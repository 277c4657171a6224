//! A guest on a vCPU from power-on to triple fault: the test VMM.
//!
//! The guest (`guests/vmtest/guest.S`, see [`super::vm_guest`]) starts in
//! real mode at the reset vector, enters long mode and causes one exit
//! after another ([`SEQ`]). ktest is its VMM: a child PD holds the vCPU
//! and the guest RAM (delegated from ktest's own), and a local EC of ktest
//! on the vCPU's CPU handles every exit through a portal per exit (MTD
//! `ALL`) delegated into that PD. The handler checks each exit's reason,
//! qualification, instruction length and state, answers it, and the guest
//! checks what it then sees (reporting a failed check on a port). The main
//! EC recalls the vCPU when the guest spins for it.

use super::kit;
use super::vm_emul::{apply_cr_write, code_at_rip, cr_write, Answer, RAX};
use super::vm_guest::{self as g, code, port};
use super::vm_kit::{self, exit_name, Vm};
use super::vm_seq::SEQ;
use crate::check::{eq, ok, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use crate::thread::Reply;
use abi::cap::rights::mem;
use abi::vcpu::{intercept, io, mtd, Exit, VcpuState, VCPU_STATE_WORDS};
use user_rt::sys::{Pd, Sm, Status};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[("vm_guest_exits_from_reset_to_triple_fault", exits)];

/// The VMM's state across exits.
pub struct Vmm {
    /// The next step of [`SEQ`].
    pub pos: usize,
    /// `vm_guest::BACKEND_*` and `FEAT_*` as the guest is told.
    pub backend: u64,
    pub features: u64,
    /// Guest RAM and the revocable page, as ktest sees them.
    pub ram: u64,
    pub revocable: u64,
    pub me: Pd,
    pub vm: Pd,
    /// What the VMM last loaded; every exit must report it.
    pub intercepts: u64,
    pub tsc_offset: u64,
    /// Where the guest spins for its recall.
    pub spin_rip: u64,
    /// Wake the main EC after this exit.
    pub wake: bool,
    /// The guest asked for its recall.
    pub spinning: bool,
    pub exits: u64,
    pub finished: bool,
    pub failed: Option<Fail>,
    /// QEMU 7.2's TCG as the SVM CPU: it does not emulate the XSETBV
    /// intercept (the guest's XSETBV runs without an exit; the guest still
    /// checks XGETBV), checks INVD against the WBINVD intercept, and
    /// intercepts RDTSCP as RDTSC (of length 2).
    pub qemu_svm: bool,
    /// `quirk=svm-no-shutdown-exit` (root-pd passes it on): an SVM CPU
    /// model that stops the whole emulator on a guest's triple fault
    /// instead of exiting (Bochs 2.7's `ryzen`); the run ends before it.
    pub no_shutdown_exit: bool,
}

static VMM: spin::Mutex<Option<Vmm>> = spin::Mutex::new(None);
/// The semaphore the main EC waits on.
static EVENT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

impl Vmm {
    fn expected(&mut self) -> Option<&'static super::vm_seq::Step> {
        while let Some(st) = SEQ.get(self.pos) {
            if st.needs & !self.features == 0 {
                return Some(st);
            }
            self.pos += 1;
        }
        None
    }

    /// One exit: checks and answers it (in `s`).
    fn exit(&mut self, n: u64, words: u64, mtd_in: u64, s: &mut VcpuState) -> Result<Answer, Fail> {
        self.exits += 1;
        let exit = Exit::from_event(n).ok_or(Fail::new("an exit with an undefined number"))?;
        eq("words of an exit message", words, VCPU_STATE_WORDS as u64)?;
        eq("mtd of an exit message", mtd_in, mtd::ALL)?;
        if exit != Exit::Startup {
            eq("intercepts as loaded", s.intercepts, self.intercepts)?;
            eq("tsc offset as loaded", s.tsc_offset, self.tsc_offset)?;
        }
        if exit == Exit::Io && io::port(s.qual[0]) == port::FAIL {
            let why = Line::new()
                .str("the guest's check of step ")
                .dec(s.gpr[RAX] & 0xff)
                .str(" failed, rip ")
                .hex(s.rip);
            return Err(Fail::from(why));
        }
        let Some(step) = self.expected() else {
            return Err(self.unexpected(n, s, "after the last step"));
        };
        let missing = step
            .qemu_svm_missing
            .filter(|insn| exit != step.exit || code_at_rip(self, s, insn).is_err());
        if self.qemu_svm && missing.is_some() {
            // QEMU let the guest run the instruction (see `qemu_svm`).
            self.pos += 1;
            return self.exit_again(n, s);
        }
        let rdtscp = self.qemu_svm && step.exit == Exit::Rdtscp && exit == Exit::Rdtsc;
        if rdtscp {
            // ... with the length of RDTSC.
            code_at_rip(self, s, code::RDTSCP)?;
            s.inst_len = code::RDTSCP.len() as u64;
        }
        let exit = if rdtscp { Exit::Rdtscp } else { exit };
        if exit == Exit::CrAccess && step.exit != exit {
            // A CR write the CPU could not let the guest make itself.
            let w = cr_write(self, s)?;
            let asked = match w.number {
                0 => intercept::CR0_WRITE,
                3 => intercept::CR3_WRITE,
                4 => intercept::CR4_WRITE,
                _ => 0,
            };
            if asked == 0 || self.intercepts & asked != 0 {
                return Err(self.unexpected(n, s, step.what));
            }
            return apply_cr_write(s, &w);
        }
        if exit != step.exit {
            return Err(self.unexpected(n, s, step.what));
        }
        let answer = (step.answer)(self, s).map_err(|f| {
            Fail::from(
                Line::new()
                    .str(step.what)
                    .str(": ")
                    .bytes(f.line().as_bytes()),
            )
        })?;
        self.pos += 1;
        Ok(answer)
    }

    /// [`Vmm::exit`] of an exit counted already.
    fn exit_again(&mut self, n: u64, s: &mut VcpuState) -> Result<Answer, Fail> {
        self.exits -= 1;
        self.exit(n, VCPU_STATE_WORDS as u64, mtd::ALL, s)
    }

    fn unexpected(&self, n: u64, s: &VcpuState, want: &str) -> Fail {
        Fail::from(
            Line::new()
                .str("exit ")
                .bytes(exit_name(n).as_bytes())
                .str(" where ")
                .str(want)
                .str(" was due; rip ")
                .hex(s.rip)
                .str(" qual ")
                .hex(s.qual[0])
                .str(" ")
                .hex(s.qual[1]),
        )
    }
}

/// Every exit of the vCPU lands here (portal id = exit number).
fn on_exit(u: &mut Utcb, id: u64, words: u64, _: u64) -> Reply {
    let mut s = u.vcpu_state();
    let (answer, wake) = {
        let mut guard = VMM.lock();
        let Some(v) = guard.as_mut() else {
            return Reply::Park;
        };
        let answer = match v.exit(id, words, u.mtd().0, &mut s) {
            Ok(Answer::Resume(m)) => Some(m),
            Ok(Answer::Stop) => {
                v.finished = true;
                None
            }
            Err(f) => {
                v.failed = Some(f);
                None
            }
        };
        v.spinning |= v.wake;
        let wake = answer.is_none() || v.wake;
        v.wake = false;
        (answer, wake)
    };
    // The lock is released first: on one CPU the woken main EC runs at once.
    if wake {
        let _ = Sm(EVENT.load(core::sync::atomic::Ordering::SeqCst)).up();
    }
    match answer {
        Some(m) => {
            u.set_vcpu_state(&s);
            Reply::State(m)
        }
        None => Reply::Park,
    }
}

fn exits(ctx: &mut Ctx) -> TResult {
    let backend = vm_kit::backend(ctx)?;
    let cpu = ctx.cpus - 1;
    let ram = vm_kit::guest_ram(ctx)?;
    let revocable = vm_kit::spare_page(ctx)?;
    vm_kit::copy_in(ram, g::LOAD, g::image());
    vm_kit::copy_in(ram, g::RESET, g::reset_stub());
    // SAFETY: our own page, mapped read-write, aligned.
    unsafe { (revocable as *mut u64).write_volatile(g::REVOCABLE_VALUE) };
    let vm = Vm::new(ctx)?;
    vm.map(ctx, ram, g::RAM_ORDER, mem::RWX, 0)?;
    vm.map(ctx, revocable, 0, mem::RW, g::REVOCABLE)?;
    let handler = ctx.handler(cpu, on_exit, 0)?;
    vm.portals(ctx, handler, mtd::ALL, vm_kit::all_exits())?;
    let event = ctx.sm(0)?;
    EVENT.store(event.0, core::sync::atomic::Ordering::SeqCst);
    *VMM.lock() = Some(Vmm {
        pos: 0,
        backend,
        features: vm_kit::guest_features(),
        ram,
        revocable,
        me: ctx.me,
        vm: vm.pd,
        intercepts: 0,
        tsc_offset: 0,
        spin_rip: 0,
        wake: false,
        spinning: false,
        exits: 0,
        finished: false,
        failed: None,
        qemu_svm: backend == g::BACKEND_SVM && vm_kit::qemu_tcg(),
        no_shutdown_exit: backend == g::BACKEND_SVM
            && ctx.info.arg("quirk") == Some(b"svm-no-shutdown-exit"),
    });
    let vcpu = vm.vcpu(ctx, cpu)?;
    kit::start(ctx, vcpu, 40, 10_000)?;
    let result = run(ctx, event, vcpu);
    let v = VMM.lock().take();
    result?;
    let v = v.ok_or(Fail::new("the VMM state went missing"))?;
    eq("steps done", v.pos as u64, SEQ.len() as u64)?;
    // After the triple fault the vCPU waits in that exit: not stopped.
    ok("recall of a vCPU waiting in an exit", vcpu.recall())
}

/// Waits for the guest's run to end, recalling the vCPU when it spins.
fn run(ctx: &Ctx, event: Sm, vcpu: user_rt::Ec) -> TResult {
    loop {
        let woke = event.down_until(ctx.deadline(10_000));
        let mut guard = VMM.lock();
        let v = guard.as_mut().ok_or(Fail::new("no VMM state"))?;
        if woke == Err(Status::Timeout) {
            let due = SEQ.get(v.pos).map_or("nothing", |s| s.what);
            let why = Line::new()
                .str("no progress in 10 s; due: ")
                .str(due)
                .str(", exits so far ")
                .dec(v.exits);
            return Err(Fail::from(why));
        }
        ok("wait for the VMM", woke)?;
        if let Some(f) = v.failed.take() {
            return Err(f);
        }
        if v.finished {
            return Ok(());
        }
        if core::mem::take(&mut v.spinning) {
            drop(guard);
            // Let it spin a little, then recall it (from CPU 0; the vCPU
            // runs on the last CPU).
            ctx.sleep(2);
            ok("recall", vcpu.recall())?;
        }
    }
}

//! Inter-process communication: calls through portals and replies, with the
//! caller's scheduling context donated to the handler; exceptions delivered
//! as calls to the faulting EC's event portals; killing an EC that cannot
//! be helped.
//!
//! A call never copies more than the caller's UTCB words into the handler's;
//! the handler starts afresh at the portal's entry each time (registers
//! cleared, stack pointer from its creation), so nothing of one call's
//! handler state leaks into the next caller's view.

pub mod exception;
pub mod sm;

use crate::arch::frame::Frame;
use crate::arch::gdt::{USER_CODE, USER_DATA};
use crate::mem;
use crate::obj::ec::{Ec, PendingCall, State, WaitArena};
use crate::obj::Ref;
use crate::sched;
use abi::utcb::UTCB_WORDS;
use abi::{Status, Utcb};

/// RFLAGS of a fresh user context: interrupts on, the reserved bit 1 set.
pub const RFLAGS_START: u64 = 0x202;

/// The UTCB of `ec`.
pub fn utcb(ec: Ref<Ec>) -> &'static mut Utcb {
    // SAFETY: the UTCB page was allocated for this EC from the kernel pool
    // and lives as long as the EC; the kernel lock serialises access, and
    // user code racing on it only changes message words, which are plain
    // data to the kernel.
    unsafe { &mut *(mem::phys_to_virt(ec.get().utcb_phys) as *mut Utcb) }
}

/// Copies the first `n` (at most `UTCB_WORDS`) message words from one EC's
/// UTCB to another's (two different pages).
fn copy_words(from: Ref<Ec>, to: Ref<Ec>, n: usize) {
    let src = &utcb(from).words[..n];
    utcb(to).words[..n].copy_from_slice(src);
}

/// A user-mode frame starting at `rip` with `rsp`, every register cleared.
pub fn fresh_frame(rip: u64, rsp: u64) -> Frame {
    Frame {
        rip,
        rsp,
        cs: u64::from(USER_CODE),
        ss: u64::from(USER_DATA),
        rflags: RFLAGS_START,
        ..Frame::ZERO
    }
}

/// `caller` (ready, running on its SC) calls `handler`: delivered now if
/// the handler is idle, queued otherwise; `Aborted` if the handler is dead.
pub fn begin_call(caller: Ref<Ec>, handler: Ref<Ec>, call: PendingCall) -> Result<(), Status> {
    if handler.get().state == State::Dead {
        return Err(Status::Aborted);
    }
    caller.get().pending = Some(call);
    if handler.get().state == State::Idle {
        deliver(caller, handler);
    } else {
        caller.get().state = State::Queued;
        caller.get().queued_on = Some(handler);
        handler.get().callers.push_back(&mut WaitArena, caller);
    }
    Ok(())
}

/// Hands `caller`'s pending call to the idle `handler`, on the caller's SC.
fn deliver(caller: Ref<Ec>, handler: Ref<Ec>) {
    let Some(call) = caller.get().pending.take() else {
        return;
    };
    let (c, h) = (caller.get(), handler.get());
    c.state = State::InCall;
    c.callee = Some(handler);
    c.in_exception = call.exception;
    h.caller = Some(caller);
    h.sc = c.sc;
    h.state = State::Ready;
    let received = if call.exception {
        exception::write_state(caller, handler, &call)
    } else {
        copy_words(caller, handler, call.words as usize);
        let hu = utcb(handler);
        hu.received = call.words;
        hu.mtd = 0;
        call.words
    };
    h.regs = fresh_frame(call.entry, h.stack_top);
    h.regs.rdi = call.id;
    h.regs.rsi = received;
    h.sysret = true;
}

/// The handler `handler` replies with `arg` (word count, or the MTD after
/// an exception) and waits for its next call.
pub fn reply(handler: Ref<Ec>, arg: u64) -> Result<(), Status> {
    if handler.get().global {
        return Err(Status::BadParameter);
    }
    let caller = handler.get().caller;
    if let Some(c) = caller {
        if c.get().in_exception {
            let all = if c.get().vcpu.is_some() {
                abi::vcpu::mtd::ALL
            } else {
                abi::Mtd::ALL
            };
            if arg & !all != 0 {
                return Err(Status::BadParameter);
            }
            exception::read_back(c, handler, abi::Mtd(arg));
            if c.get().state == State::Dead {
                // The new state was refused and the EC killed; killing it
                // already released this handler (and may have handed it
                // the next caller).
                return Ok(());
            }
        } else {
            if arg > UTCB_WORDS as u64 {
                return Err(Status::BadParameter);
            }
            copy_words(handler, c, arg as usize);
            utcb(c).received = arg;
            c.get().regs.rax = Status::Success as u64;
            c.get().regs.rdi = arg;
        }
        resume_caller(c);
    }
    become_idle(handler);
    Ok(())
}

/// The call of `caller` is over (replied or aborted): it runs again on its SC.
fn resume_caller(caller: Ref<Ec>) {
    let c = caller.get();
    c.callee = None;
    c.in_exception = false;
    if c.state != State::Dead {
        c.state = State::Ready;
    }
}

/// `handler` is done with its call (or its call was aborted): it waits for
/// the next one, and takes it at once if a caller is queued.
pub fn become_idle(handler: Ref<Ec>) {
    let h = handler.get();
    h.caller = None;
    h.sc = None;
    h.vcpu_state_due = None;
    if h.state == State::Dead {
        return;
    }
    h.state = State::Idle;
    if let Some(next) = h.callers.pop_front(&mut WaitArena) {
        next.get().queued_on = None;
        deliver(next, handler);
        if let Some(sc) = handler.get().sc {
            sched::enqueue(sc);
        }
    }
}

/// Takes `ec` off whatever it waits on: a busy handler's queue (dropping
/// the call it wanted to make), a semaphore, a deadline.
fn cancel_wait(ec: Ref<Ec>) {
    let e = ec.get();
    if let Some(h) = e.queued_on.take() {
        h.get().callers.remove(&mut WaitArena, ec);
    }
    e.pending = None;
    sm::forget_waiter(ec);
}

/// Ends `caller`'s call or wait with `Aborted` (its partner went away). An
/// EC that waited for its exception handler cannot go on (its state was
/// never answered), so it is killed instead.
pub fn abort_caller(caller: Ref<Ec>) {
    let c = caller.get();
    let exception = c.in_exception || c.pending.is_some_and(|p| p.exception);
    cancel_wait(caller);
    c.callee = None;
    if exception {
        c.in_exception = false;
        kill(caller, "its exception handler went away");
        return;
    }
    c.regs.rax = Status::Aborted as u64;
    c.sysret = false;
    resume_caller(caller);
    if let Some(sc) = c.sc {
        if c.state == State::Ready {
            sched::enqueue(sc);
        }
    }
}

/// Stops `ec` for good after something it did that cannot be reported
/// (an exception without a handler); says so on the console. Its caller,
/// if it was handling a call, and its queued callers get `Aborted`.
pub fn kill(ec: Ref<Ec>, why: &str) {
    if ec.get().vcpu.is_some() {
        crate::vm::run::stop(ec, why);
        return;
    }
    let pd = ec.get().pd.get().id;
    crate::println!(
        "ec killed: pd ",
        pd,
        " ec ",
        ec.get().id,
        ": ",
        why,
        " (rip ",
        hv_core::fmt::Hex(ec.get().regs.rip),
        ")"
    );
    stop(ec);
}

/// Marks `ec` dead and cuts its IPC ties (the report is the caller's).
pub fn stop(ec: Ref<Ec>) {
    ec.get().state = State::Dead;
    detach(ec);
}

/// Undoes every IPC relationship of `ec` (dead or being destroyed).
pub fn detach(ec: Ref<Ec>) {
    cancel_wait(ec);
    let e = ec.get();
    if let Some(c) = e.caller.take() {
        abort_caller(c);
    }
    while let Some(c) = e.callers.pop_front(&mut WaitArena) {
        c.get().queued_on = None;
        abort_caller(c);
    }
    // A handler working for `ec` loses its caller: its reply will have
    // nowhere to go, so its call is cut short.
    if let Some(h) = e.callee.take() {
        abort_chain(h);
    }
    e.sc = None;
}

/// `handler` works for a caller that went away: it, and any handler it
/// called in turn, drop their calls and wait for the next. Whatever they
/// were doing is void: waits are cancelled, and a CPU running one of them
/// drops its registers, so nothing of the old call reaches the next caller.
fn abort_chain(mut handler: Ref<Ec>) {
    loop {
        let next = handler.get().callee.take();
        if let Some(n) = next {
            n.get().caller = None;
        }
        cancel_wait(handler);
        let h = handler.get();
        h.caller = None;
        h.in_exception = false;
        if h.state != State::Dead {
            h.state = State::Idle;
        }
        sched::forget_current(handler);
        become_idle(handler);
        match next {
            Some(n) => handler = n,
            None => return,
        }
    }
}

//! User-side hypercall stubs: the register convention in one place.
//!
//! `rax` = call number; arguments in `rdi`, `rsi`, `rdx`, `r8`, `r9`, `r10`,
//! `r12`, `r13`; the status comes back in `rax`, results in `rdi` and `rsi`.
//! `syscall` itself clobbers `rcx` (return RIP) and `r11` (return RFLAGS).
//! Every other register is preserved by the hypervisor. Typed wrappers for
//! each call live in the user runtime (`user-rt`).

use crate::{Hypercall, MachineOp, Status};

/// What a hypercall returns: the raw status and the two result registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ret {
    pub status: u64,
    pub out0: u64,
    pub out1: u64,
}

impl Ret {
    /// The decoded status. A status the ABI does not know means the two
    /// sides disagree; it is reported as the most general refusal rather
    /// than as success.
    pub fn status(&self) -> Status {
        Status::from_raw(self.status).unwrap_or(Status::BadCall)
    }
}

/// Issues hypercall number `nr` with up to eight arguments.
pub fn raw8(nr: u64, a: [u64; 8]) -> Ret {
    let (status, out0, out1);
    // SAFETY: `syscall` enters the hypervisor, which validates every argument
    // and touches user memory only after checking the caller may access it;
    // the asm block declares every register the instruction or the
    // hypervisor changes (rax, rdi, rsi as results; rcx, r11 by `syscall`).
    // r12 and r13 are restored by the hypervisor but declared clobbered-free
    // only as inputs, which is what they are.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr => status,
            inlateout("rdi") a[0] => out0,
            inlateout("rsi") a[1] => out1,
            in("rdx") a[2],
            in("r8") a[3],
            in("r9") a[4],
            in("r10") a[5],
            in("r12") a[6],
            in("r13") a[7],
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    Ret { status, out0, out1 }
}

/// Issues `call` with up to eight arguments.
pub fn hypercall(call: Hypercall, a: [u64; 8]) -> Ret {
    raw8(call as u64, a)
}

/// Writes `bytes` to the hypervisor console (at most
/// [`crate::CONSOLE_WRITE_MAX`] bytes per call; longer text is split).
pub fn console_write(bytes: &[u8]) -> Result<(), Status> {
    for chunk in bytes.chunks(crate::CONSOLE_WRITE_MAX as usize) {
        hypercall(
            Hypercall::ConsoleWrite,
            [chunk.as_ptr() as u64, chunk.len() as u64, 0, 0, 0, 0, 0, 0],
        )
        .status()
        .into_result()?;
    }
    Ok(())
}

/// Powers the machine off or resets it, with the PD capability `pd` that
/// carries the `MACHINE` right. Returns only on failure.
pub fn machine_control(pd: crate::Selector, op: MachineOp) -> Status {
    hypercall(Hypercall::MachineControl, [pd, op as u64, 0, 0, 0, 0, 0, 0]).status()
}

/// Issues a raw hypercall with two arguments, for tests that must send
/// malformed requests; returns the raw status.
pub fn raw(call: u64, a0: u64, a1: u64) -> u64 {
    raw8(call, [a0, a1, 0, 0, 0, 0, 0, 0]).status
}

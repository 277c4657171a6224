//! User-side hypercall stubs: the register convention in one place.
//!
//! Convention: `rax` = call number, arguments in `rdi`, `rsi`, `rdx`, `r8`,
//! `r9`, `r10`; the status comes back in `rax`. `syscall` itself clobbers
//! `rcx` (return RIP) and `r11` (return RFLAGS). Every other register is
//! preserved by the hypervisor.

use crate::{Hypercall, MachineOp, Status};

/// Issues a hypercall with two arguments and decodes the status.
fn hypercall2(call: Hypercall, a0: u64, a1: u64) -> Status {
    let status: u64;
    // SAFETY: `syscall` enters the hypervisor, which validates every argument
    // and touches user memory only after checking the caller may access it;
    // the asm block declares every register the instruction changes.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") call as u64 => status,
            in("rdi") a0,
            in("rsi") a1,
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    // A status the ABI does not know means the two sides disagree; report it
    // as the most general refusal rather than inventing success.
    Status::from_raw(status).unwrap_or(Status::BadCall)
}

/// Writes `bytes` to the hypervisor console (at most
/// [`crate::CONSOLE_WRITE_MAX`] bytes per call; longer text is split).
pub fn console_write(bytes: &[u8]) -> Result<(), Status> {
    for chunk in bytes.chunks(crate::CONSOLE_WRITE_MAX as usize) {
        hypercall2(
            Hypercall::ConsoleWrite,
            chunk.as_ptr() as u64,
            chunk.len() as u64,
        )
        .into_result()?;
    }
    Ok(())
}

/// Powers the machine off or resets it. Returns only on failure.
pub fn machine_control(op: MachineOp) -> Status {
    hypercall2(Hypercall::MachineControl, op as u64, 0)
}

/// Issues a raw hypercall, for tests that must send malformed requests.
pub fn raw(call: u64, a0: u64, a1: u64) -> u64 {
    let status: u64;
    // SAFETY: as in `hypercall2`; a malformed call gets a status back.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") call => status,
            in("rdi") a0,
            in("rsi") a1,
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    status
}

//! Calls about the machine: the console and power.

use super::req;
use super::{issue, Pd, Status};
use abi::{MachineOp, CONSOLE_WRITE_MAX};

/// Writes `bytes` to the hypervisor console, in pieces of at most
/// `abi::CONSOLE_WRITE_MAX` bytes. Open to every EC.
pub fn console_write(bytes: &[u8]) -> Result<(), Status> {
    bytes
        .chunks(CONSOLE_WRITE_MAX as usize)
        .try_for_each(|chunk| issue(req::console_write(chunk)).map(drop))
}

/// Powers the machine off or resets it; `pd` needs `MACHINE` (only the root
/// PD's own capability, `sys::root::PD`, has it). Returns only on failure.
pub fn machine_control(pd: Pd, op: MachineOp) -> Status {
    req::machine_control(pd, op).issue().status()
}

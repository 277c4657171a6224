//! Fetching and decoding the instruction at CS:RIP.
//!
//! Bytes are fetched through the guest's page tables as a fetch at the
//! guest's CPL, one page at a time and no further than the decoder needs:
//! an instruction that ends before a page boundary never touches the next
//! page, one that crosses it takes the next page's translation (and its
//! #PF) as the CPU does. At most 15 bytes, the architectural limit. An
//! instruction that runs past the end of guest RAM is `NotRam` at the first
//! missing byte.

use abi::vcpu::VcpuState;
use iced_x86::{Decoder, DecoderError, DecoderOptions, Instruction, Register};

use super::mode::Mode;
use super::paging::walk;
use super::{Access, Fault};
use crate::mem::GuestMemory;

const MAX_LEN: usize = 15;

/// A decoded instruction and its bytes.
pub(super) struct Fetched {
    pub instr: Instruction,
    bytes: [u8; MAX_LEN],
}

impl Fetched {
    /// The instruction's length in bytes.
    pub fn len(&self) -> u64 {
        self.instr.len() as u64
    }

    /// This instruction as unsupported.
    pub fn unsupported(&self) -> Fault {
        let len = self.instr.len().min(MAX_LEN);
        let mut bytes = [0; MAX_LEN];
        bytes[..len].copy_from_slice(&self.bytes[..len]);
        Fault::Unsupported {
            bytes,
            len: len as u8,
        }
    }

    /// `f`, with this instruction's bytes if it is `Unsupported`.
    pub fn describe(&self, f: Fault) -> Fault {
        match f {
            Fault::Unsupported { .. } => self.unsupported(),
            other => other,
        }
    }
}

/// Fetches and decodes the instruction at CS:RIP.
pub(super) fn fetch(
    state: &VcpuState,
    mem: &dyn GuestMemory,
    mode: Mode,
) -> Result<Fetched, Fault> {
    let ip = state.rip & mode.ip_mask();
    let cs = mode.seg_base(state, Register::CS).unwrap_or(0);
    let access = Access {
        write: false,
        user: mode.user(),
        fetch: true,
    };
    let mut bytes = [0u8; MAX_LEN];
    let mut n = 0;
    while n < MAX_LEN {
        let linear = mode.linear(cs, ip.wrapping_add(n as u64) & mode.ip_mask());
        let gpa = walk(state, mem, linear, access)?;
        let in_page = 0x1000 - (linear & 0xfff) as usize;
        let want = (MAX_LEN - n).min(in_page);
        let (got, end) = read_some(mem, gpa, &mut bytes[n..n + want]);
        n += got;
        match decode(mode.bits, &bytes[..n], ip) {
            Ok(instr) => return Ok(Fetched { instr, bytes }),
            Err(DecoderError::NoMoreBytes) => {
                if let Some(gpa) = end {
                    return Err(Fault::NotRam { gpa });
                }
            }
            Err(_) => break,
        }
    }
    Err(Fault::Unsupported {
        bytes,
        len: n as u8,
    })
}

/// Reads as much of `buf` from `gpa` as lies in RAM: the count, and the
/// first address outside RAM if it stopped short.
fn read_some(mem: &dyn GuestMemory, gpa: u64, buf: &mut [u8]) -> (usize, Option<u64>) {
    if mem.read(gpa, buf).is_ok() {
        return (buf.len(), None);
    }
    for (i, b) in buf.iter_mut().enumerate() {
        let at = gpa.wrapping_add(i as u64);
        if mem.read(at, core::slice::from_mut(b)).is_err() {
            return (i, Some(at));
        }
    }
    (buf.len(), None)
}

fn decode(bits: u32, bytes: &[u8], ip: u64) -> Result<Instruction, DecoderError> {
    let Ok(mut d) = Decoder::try_with_ip(bits, bytes, ip, DecoderOptions::NONE) else {
        return Err(DecoderError::InvalidInstruction);
    };
    let instr = d.decode();
    match d.last_error() {
        DecoderError::None if !instr.is_invalid() => Ok(instr),
        DecoderError::None => Err(DecoderError::InvalidInstruction),
        e => Err(e),
    }
}

//! The guest's execution mode, read from its control registers and CS.
//!
//! Real mode (CR0.PE clear) and virtual-8086 mode (RFLAGS.VM) run 16-bit
//! code; protected mode takes the default size from CS.D; 64-bit mode needs
//! EFER.LMA and CS.L (LMA with CS.L clear is compatibility mode, 16 or
//! 32-bit by CS.D). The CPL is SS.DPL, which both vendors keep equal to the
//! CPL; where SS is unusable (a null SS in 64-bit mode) the RPL of CS says
//! it. Segment bases come from the state as they are, so unreal mode and
//! big real mode work; in 64-bit mode only FS and GS have a base. The A20
//! gate is not modelled: real-mode addresses above 1 MiB do not wrap.

use abi::vcpu::{Segment, VcpuState};
use iced_x86::Register;

const CR0_PE: u64 = 1 << 0;
const RFLAGS_VM: u64 = 1 << 17;
const EFER_LMA: u64 = 1 << 10;
/// `Segment::ar` bits.
const AR_L: u16 = 1 << 9;
const AR_DB: u16 = 1 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Mode {
    /// Default operand and address size of code: 16, 32 or 64.
    pub bits: u32,
    pub cpl: u8,
}

impl Mode {
    pub fn of(s: &VcpuState) -> Self {
        if s.cr0 & CR0_PE == 0 {
            return Self { bits: 16, cpl: 0 };
        }
        if s.rflags & RFLAGS_VM != 0 {
            return Self { bits: 16, cpl: 3 };
        }
        let cpl = if s.ss.ar != 0 {
            ((s.ss.ar >> 5) & 3) as u8
        } else {
            (s.cs.sel & 3) as u8
        };
        let bits = if s.efer & EFER_LMA != 0 && s.cs.ar & AR_L != 0 {
            64
        } else if s.cs.ar & AR_DB != 0 {
            32
        } else {
            16
        };
        Self { bits, cpl }
    }

    pub fn long(self) -> bool {
        self.bits == 64
    }

    /// User-mode accesses are those at CPL 3.
    pub fn user(self) -> bool {
        self.cpl == 3
    }

    /// The mask of the instruction pointer (IP, EIP or RIP).
    pub fn ip_mask(self) -> u64 {
        match self.bits {
            16 => 0xffff,
            32 => 0xffff_ffff,
            _ => u64::MAX,
        }
    }

    /// The base of segment register `seg`; `None` for other registers.
    pub fn seg_base(self, s: &VcpuState, seg: Register) -> Option<u64> {
        let flat = |sg: Segment| if self.long() { 0 } else { sg.base };
        Some(match seg {
            Register::ES => flat(s.es),
            Register::CS => flat(s.cs),
            Register::SS => flat(s.ss),
            Register::DS => flat(s.ds),
            Register::FS => s.fs.base,
            Register::GS => s.gs.base,
            _ => return None,
        })
    }

    /// A linear address: outside 64-bit mode linear addresses have 32 bits.
    pub fn linear(self, base: u64, offset: u64) -> u64 {
        self.truncate(base.wrapping_add(offset))
    }

    pub fn truncate(self, linear: u64) -> u64 {
        if self.long() {
            linear
        } else {
            linear & 0xffff_ffff
        }
    }
}

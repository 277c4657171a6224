//! General registers as the decoder names them, and the width rules of
//! writing them: an 8- or 16-bit write keeps the other bits, a 32-bit write
//! clears bits 63:32 (the rule of 64-bit mode; outside it those bits are
//! undefined after the write, so the same rule serves), AH/CH/DH/BH are
//! bits 15:8 of registers 0–3.

use abi::vcpu::VcpuState;
use iced_x86::{MemorySize, Register};

pub(super) const RAX: usize = 0;
pub(super) const RCX: usize = 1;
pub(super) const RDX: usize = 2;
pub(super) const RSI: usize = 6;
pub(super) const RDI: usize = 7;

/// A general register or a part of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Gpr {
    /// The x86 register number: the index into `VcpuState::gpr`.
    pub index: usize,
    /// Width in bytes: 1, 2, 4 or 8.
    pub size: u8,
    /// AH, CH, DH or BH.
    pub high: bool,
}

impl Gpr {
    pub const fn new(index: usize, size: u8) -> Self {
        Self {
            index,
            size,
            high: false,
        }
    }

    pub fn read(self, s: &VcpuState) -> u64 {
        let v = s.gpr.get(self.index).copied().unwrap_or(0);
        if self.high {
            (v >> 8) & 0xff
        } else {
            v & mask(self.size)
        }
    }

    pub fn write(self, s: &mut VcpuState, value: u64) {
        let Some(r) = s.gpr.get_mut(self.index) else {
            return;
        };
        *r = match (self.size, self.high) {
            (1, true) => (*r & !0xff00) | ((value & 0xff) << 8),
            (1, false) => (*r & !0xff) | (value & 0xff),
            (2, _) => (*r & !0xffff) | (value & 0xffff),
            (4, _) => value & 0xffff_ffff,
            _ => value,
        };
    }
}

/// The general register `r` names; `None` for any other register.
pub(super) fn gpr(r: Register) -> Option<Gpr> {
    let n = r as u32;
    let at = |first: Register, size| Gpr::new((n - first as u32) as usize, size);
    let within = |a: Register, b: Register| (a as u32..=b as u32).contains(&n);
    Some(if within(Register::AH, Register::BH) {
        Gpr {
            high: true,
            ..at(Register::AH, 1)
        }
    } else if within(Register::AL, Register::BL) {
        at(Register::AL, 1)
    } else if within(Register::SPL, Register::R15L) {
        Gpr::new((n - Register::SPL as u32) as usize + 4, 1)
    } else if within(Register::AX, Register::R15W) {
        at(Register::AX, 2)
    } else if within(Register::EAX, Register::R15D) {
        at(Register::EAX, 4)
    } else if within(Register::RAX, Register::R15) {
        at(Register::RAX, 8)
    } else {
        return None;
    })
}

/// The low `size` bytes.
pub(super) fn mask(size: u8) -> u64 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    }
}

/// `v`'s low `size` bytes, sign-extended to 64 bits.
pub(super) fn sign_extend(v: u64, size: u8) -> u64 {
    match size {
        1 => v as i8 as u64,
        2 => v as i16 as u64,
        4 => v as i32 as u64,
        _ => v,
    }
}

/// The width in bytes of an integer memory operand; `None` for any other
/// kind (vectors, floating point, far pointers, descriptors).
pub(super) fn mem_size(m: MemorySize) -> Option<u8> {
    use MemorySize as M;
    match m {
        M::UInt8 | M::Int8 => Some(1),
        M::UInt16 | M::Int16 => Some(2),
        M::UInt32 | M::Int32 => Some(4),
        M::UInt64 | M::Int64 => Some(8),
        _ => None,
    }
}

//! How an emulated instruction ends: retired (RIP past it), or, for a REP
//! string instruction, paused with its registers telling where it stands.
//!
//! String instructions address memory through RSI/RDI and count in RCX at
//! the instruction's address size (16, 32 or 64 bits: SI/DI/CX keep their
//! upper bits, ESI/EDI/ECX clear them in 64-bit mode), step by the element
//! size up or down by RFLAGS.DF, and with REP repeat until the count is 0
//! (a count of 0 does nothing). REPNE (F2) acts as REP for the
//! instructions emulated here (none of them compares). Each element's
//! registers are updated as soon as it completes, so a fault on a later
//! element leaves the state the CPU would leave.

use abi::vcpu::{intr_state, VcpuState};
use iced_x86::{Instruction, OpKind, Register};

use super::flags::DF;
use super::mode::Mode;
use super::regs::{Gpr, RCX};
use super::{Fault, MAX_REP};

const RFLAGS_RF: u64 = 1 << 16;

/// Completes an instruction of `len` bytes: RIP moves past it, and what
/// lasts only until the next instruction (the STI or MOV SS interrupt
/// shadow, RFLAGS.RF) ends.
pub(super) fn retire(s: &mut VcpuState, mode: Mode, len: u64) {
    s.rip = s.rip.wrapping_add(len) & mode.ip_mask();
    s.rflags &= !RFLAGS_RF;
    s.intr_state &= !(intr_state::STI | intr_state::MOV_SS);
}

/// One string instruction's stepping.
#[derive(Clone, Copy, Debug)]
pub(super) struct Str {
    /// Element size in bytes.
    pub size: u8,
    /// Address size in bytes.
    asz: u8,
    rep: bool,
    down: bool,
}

impl Str {
    /// `None` if `instr` has no string operand.
    pub fn of(instr: &Instruction, size: u8, s: &VcpuState) -> Option<Self> {
        let asz = (0..instr.op_count()).find_map(|i| match instr.op_kind(i) {
            OpKind::MemorySegSI | OpKind::MemoryESDI => Some(2),
            OpKind::MemorySegESI | OpKind::MemoryESEDI => Some(4),
            OpKind::MemorySegRSI | OpKind::MemoryESRDI => Some(8),
            _ => None,
        })?;
        Some(Self {
            size,
            asz,
            rep: instr.has_rep_prefix() || instr.has_repne_prefix(),
            down: s.rflags & DF != 0,
        })
    }

    fn reg(&self, index: usize) -> Gpr {
        Gpr::new(index, self.asz)
    }

    /// The linear address `seg:[index]` (index RSI or RDI).
    pub fn linear(
        &self,
        s: &VcpuState,
        mode: Mode,
        seg: Register,
        index: usize,
    ) -> Result<u64, Fault> {
        let base = mode.seg_base(s, seg).ok_or(Fault::unsupported())?;
        Ok(mode.linear(base, self.reg(index).read(s)))
    }

    /// Moves RSI or RDI to the next element.
    pub fn advance(&self, s: &mut VcpuState, index: usize) {
        let r = self.reg(index);
        let at = r.read(s);
        let step = u64::from(self.size);
        r.write(
            s,
            if self.down {
                at.wrapping_sub(step)
            } else {
                at.wrapping_add(step)
            },
        );
    }

    /// Carries the instruction out: `element(state, first)` does one
    /// element and returns `false` (having done nothing) to pause. Without
    /// REP, one element; with REP, up to RCX elements, at most
    /// [`MAX_REP`]. The instruction retires when the count reaches 0.
    pub fn run(
        &self,
        s: &mut VcpuState,
        mode: Mode,
        len: u64,
        mut element: impl FnMut(&mut VcpuState, bool) -> Result<bool, Fault>,
    ) -> Result<(), Fault> {
        if !self.rep {
            if element(s, true)? {
                retire(s, mode, len);
            }
            return Ok(());
        }
        let count = self.reg(RCX);
        let mut n = 0;
        while count.read(s) != 0 {
            if n == MAX_REP || !element(s, n == 0)? {
                return Ok(());
            }
            count.write(s, count.read(s).wrapping_sub(1));
            n += 1;
        }
        retire(s, mode, len);
        Ok(())
    }
}

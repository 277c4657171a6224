//! The little instruction knowledge the test VMM needs: checking a port
//! I/O exit, finding the expected instruction at the guest's `rip`, and
//! emulating a control-register write (decoding it where the CPU did not
//! say which register, as on AMD without decode assists).

use super::vm::Vmm;
use super::vm_kit::{bits, guest_bytes};
use crate::check::{eq, that, Fail, TResult};
use abi::vcpu::{cr, io, mtd, VcpuState};
use user_rt::Line;

/// What a step answers: resume the vCPU with the parts `mtd` selects, or
/// leave it waiting in the exit (the run is over).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Resume(u64),
    Stop,
}

pub type Res = Result<Answer, Fail>;

/// `rax`, `rcx`, `rdx`, `rbx` in `VcpuState::gpr`.
pub const RAX: usize = 0;
pub const RCX: usize = 1;
pub const RDX: usize = 2;
pub const RBX: usize = 3;

/// The low 32 bits of general register `i` (what 32-bit operands see).
pub fn low(s: &VcpuState, i: usize) -> u64 {
    s.gpr[i] & 0xffff_ffff
}

/// Sets `rdx:rax` to `v`, as RDMSR and RDTSC do.
pub fn set_edx_eax(s: &mut VcpuState, v: u64) {
    s.gpr[RAX] = v & 0xffff_ffff;
    s.gpr[RDX] = v >> 32;
}

/// Skips the exiting instruction by its reported length.
pub fn skip(s: &mut VcpuState, more: u64) -> Res {
    s.rip += s.inst_len;
    Ok(Answer::Resume(mtd::RIP | more))
}

/// The exit's instruction length is `len`.
pub fn len(s: &VcpuState, len: u64) -> TResult {
    eq("inst_len", s.inst_len, len)
}

/// An I/O exit for `port` of `size` bytes, IN or OUT, by a 2-byte
/// immediate-port instruction.
pub fn port_io(s: &VcpuState, port: u16, size: u64, is_in: bool) -> TResult {
    let q = s.qual[0];
    eq("port", u64::from(io::port(q)), u64::from(port))?;
    eq("access size", io::size(q), size)?;
    eq("IN", q & io::IN, if is_in { io::IN } else { 0 })?;
    eq("string or rep", q & (io::STRING | io::REP), 0)?;
    len(s, 2)
}

/// The guest-physical address of `rip` (the guest's paging is the
/// identity, and real-mode code runs with its CS base).
fn rip_gpa(s: &VcpuState) -> u64 {
    s.cs.base.wrapping_add(s.rip)
}

/// The bytes at the guest's `rip` are `code`.
pub fn code_at_rip(v: &Vmm, s: &VcpuState, code: &[u8]) -> TResult {
    let found = guest_bytes(v.ram, rip_gpa(s), code.len() as u64);
    if found == Some(code) {
        return Ok(());
    }
    let mut why = Line::new()
        .str("not the expected instruction at rip ")
        .hex(s.rip);
    for b in found.unwrap_or(&[]) {
        why = why.str(" ").hex(u64::from(*b));
    }
    Err(Fail::from(why))
}

/// A decoded `mov %reg, %crN`: control register, value, length.
pub struct CrWrite {
    pub number: u64,
    pub value: u64,
    pub len: u64,
}

/// Decodes the CR write of a `CrAccess` exit: from the exit's register
/// number, or (`cr::GPR_UNKNOWN`, `inst_len` 0) from the instruction bytes.
pub fn cr_write(v: &Vmm, s: &VcpuState) -> Result<CrWrite, Fail> {
    let q = s.qual[0];
    eq("CR access kind (write)", cr::access(q), cr::WRITE)?;
    let (reg, len) = if cr::gpr(q) == cr::GPR_UNKNOWN {
        len(s, 0)?;
        decode_mov_to_cr(v, s, cr::number(q))?
    } else {
        that("inst_len of a decoded CR write", s.inst_len >= 3)?;
        (cr::gpr(q) as usize, s.inst_len)
    };
    let reg = s
        .gpr
        .get(reg)
        .copied()
        .ok_or(Fail::new("CR write: bad register"))?;
    let long = s.efer & bits::EFER_LMA != 0;
    Ok(CrWrite {
        number: cr::number(q),
        value: if long { reg } else { reg & 0xffff_ffff },
        len,
    })
}

/// `[REX] 0f 22 /r` with a register operand: the source register and the
/// length; the CR field must be `number`.
fn decode_mov_to_cr(v: &Vmm, s: &VcpuState, number: u64) -> Result<(usize, u64), Fail> {
    let b = guest_bytes(v.ram, rip_gpa(s), 4).ok_or(Fail::new("CR write: rip outside RAM"))?;
    let (rex, op) = if b[0] & 0xf0 == 0x40 {
        (b[0], &b[1..])
    } else {
        (0, b)
    };
    that("CR write is 0f 22", op[0] == 0x0f && op[1] == 0x22)?;
    let modrm = op[2];
    that("CR write from a register", modrm >> 6 == 3)?;
    let cr = u64::from((modrm >> 3) & 7) | (u64::from(rex & 4) << 1);
    eq("CR field of the instruction", cr, number)?;
    let reg = usize::from(modrm & 7) | (usize::from(rex & 1) << 3);
    Ok((reg, 3 + u64::from(rex != 0)))
}

/// Emulates `w`: the CR takes the value (CR0 also moves EFER.LMA as the
/// CPU would), and `rip` moves past the instruction.
pub fn apply_cr_write(s: &mut VcpuState, w: &CrWrite) -> Res {
    match w.number {
        0 => {
            s.cr0 = w.value;
            if w.value & bits::CR0_PG == 0 {
                s.efer &= !bits::EFER_LMA;
            } else if s.efer & bits::EFER_LME != 0 {
                s.efer |= bits::EFER_LMA;
            }
        }
        3 => s.cr3 = w.value,
        4 => s.cr4 = w.value,
        _ => return Err(Fail::new("a write to a CR other than 0, 3, 4")),
    }
    s.rip += w.len;
    Ok(Answer::Resume(mtd::CR | mtd::RIP))
}

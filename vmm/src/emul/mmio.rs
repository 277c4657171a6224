//! The instructions that touch a device register through memory.
//!
//! Each one makes the accesses the CPU would make, in its order: a read for
//! loads and compares, a write for stores, a read and a write for
//! read-modify-write instructions (translated for a write, as the CPU
//! checks a read-modify-write). Registers, flags and RIP change only once
//! every access has been made. The memory operand must lie in the faulting
//! page; anything else means the guest's code is not what faulted.

use abi::vcpu::VcpuState;
use iced_x86::{Instruction, Mnemonic, OpKind};

use super::access::{Env, Place};
use super::fetch::fetch;
use super::flags::{alu, step, Op, CF};
use super::mode::Mode;
use super::regs::{gpr, mask, mem_size, sign_extend, Gpr};
use super::rep::retire;
use super::strings;
use super::{Fault, MmioBus};
use crate::mem::GuestMemory;

/// Carries out the instruction at CS:RIP, which faulted on guest-physical
/// `fault_gpa` (a page no RAM backs, or one the guest may not write).
pub fn emulate_mmio(
    state: &mut VcpuState,
    mem: &dyn GuestMemory,
    bus: &mut dyn MmioBus,
    fault_gpa: u64,
) -> Result<(), Fault> {
    let mode = Mode::of(state);
    let f = fetch(state, mem, mode)?;
    let env = Env {
        mem,
        mode,
        page: fault_gpa & !0xfff,
    };
    let done = if strings::is_string(f.instr.code()) {
        strings::emulate(state, &env, bus, &f)
    } else {
        single(state, &env, bus, &f.instr).map(|()| retire(state, mode, f.len()))
    };
    done.map_err(|e| f.describe(e))
}

/// A read-modify-write, a read, or a write of the memory operand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    Read,
    Write,
    Modify,
}

/// One instruction with one memory operand.
fn single(
    s: &mut VcpuState,
    env: &Env,
    bus: &mut dyn MmioBus,
    i: &Instruction,
) -> Result<(), Fault> {
    use Mnemonic as M;
    let m = i.mnemonic();
    let known = matches!(
        m,
        M::Mov
            | M::Movzx
            | M::Movsx
            | M::Movsxd
            | M::Add
            | M::Adc
            | M::Sub
            | M::Sbb
            | M::Cmp
            | M::And
            | M::Or
            | M::Xor
            | M::Test
            | M::Xchg
            | M::Inc
            | M::Dec
            | M::Neg
            | M::Not
            | M::Bt
            | M::Bts
            | M::Btr
            | M::Btc
    );
    if !known {
        return Err(Fault::unsupported());
    }
    let at = (0..i.op_count())
        .find(|&n| i.op_kind(n) == OpKind::Memory)
        .ok_or(Fault::Mismatch)?;
    let size = mem_size(i.memory_size()).ok_or(Fault::unsupported())?;
    // The other operand, where there is one.
    let other = if at == 0 { 1 } else { 0 };
    let m_op = Operand { env, i, at, size };
    match m {
        M::Mov if at == 0 => {
            let v = value(s, i, other, size)?;
            m_op.write(s, bus, v)
        }
        M::Mov | M::Movzx | M::Movsx | M::Movsxd => {
            let dst = reg(i, 0)?;
            let v = m_op.read(s, bus)?;
            let signed = matches!(m, M::Movsx | M::Movsxd);
            dst.write(s, if signed { sign_extend(v, size) } else { v });
            Ok(())
        }
        M::Xchg => {
            let r = reg(i, other)?;
            let (p, old) = m_op.get(s, bus, Use::Modify)?;
            env.store(bus, &p, r.read(s))?;
            r.write(s, old);
            Ok(())
        }
        M::Inc | M::Dec | M::Neg | M::Not => {
            let (p, a) = m_op.get(s, bus, Use::Modify)?;
            let (r, fl) = match m {
                M::Inc => step(true, a, size, s.rflags),
                M::Dec => step(false, a, size, s.rflags),
                M::Neg => alu(Op::Sub, 0, a, size, s.rflags),
                _ => (!a, s.rflags),
            };
            env.store(bus, &p, r)?;
            s.rflags = fl;
            Ok(())
        }
        M::Bt | M::Bts | M::Btr | M::Btc => bit(s, env, bus, i, m, size),
        _ => arith(s, env, bus, i, m, &m_op, other),
    }
}

/// ADD, ADC, SUB, SBB, CMP, AND, OR, XOR and TEST, with the memory operand
/// as destination or as source.
fn arith(
    s: &mut VcpuState,
    env: &Env,
    bus: &mut dyn MmioBus,
    i: &Instruction,
    m: Mnemonic,
    m_op: &Operand,
    other: u32,
) -> Result<(), Fault> {
    use Mnemonic as M;
    let op = match m {
        M::Add => Op::Add,
        M::Adc => Op::Adc,
        M::Sub | M::Cmp => Op::Sub,
        M::Sbb => Op::Sbb,
        M::And | M::Test => Op::And,
        M::Or => Op::Or,
        M::Xor => Op::Xor,
        _ => return Err(Fault::unsupported()),
    };
    let keep = !matches!(m, M::Cmp | M::Test);
    let size = m_op.size;
    if m_op.at == 0 {
        let b = value(s, i, other, size)?;
        let how = if keep { Use::Modify } else { Use::Read };
        let (p, a) = m_op.get(s, bus, how)?;
        let (r, fl) = alu(op, a, b, size, s.rflags);
        if keep {
            env.store(bus, &p, r)?;
        }
        s.rflags = fl;
    } else {
        let dst = reg(i, 0)?;
        let b = m_op.read(s, bus)?;
        let (r, fl) = alu(op, dst.read(s), b, size, s.rflags);
        if keep {
            dst.write(s, r);
        }
        s.rflags = fl;
    }
    Ok(())
}

/// BT, BTS, BTR, BTC. A register bit offset is signed and may select a
/// unit of the operand's size before or after the addressed one.
fn bit(
    s: &mut VcpuState,
    env: &Env,
    bus: &mut dyn MmioBus,
    i: &Instruction,
    m: Mnemonic,
    size: u8,
) -> Result<(), Fault> {
    let bits = u64::from(size) * 8;
    let (shift, n) = match i.op_kind(1) {
        OpKind::Register => {
            let off = sign_extend(reg(i, 1)?.read(s), size) as i64;
            let units = off >> bits.trailing_zeros();
            (
                units.wrapping_mul(i64::from(size)) as u64,
                off as u64 & (bits - 1),
            )
        }
        _ => (0, i.immediate(1) & (bits - 1)),
    };
    let linear = env.mode.truncate(env.operand(s, i, 0)?.wrapping_add(shift));
    let write = m != Mnemonic::Bt;
    let p = env.place(s, linear, size, write)?;
    if !p.touches(env.page) {
        return Err(Fault::Mismatch);
    }
    let v = env.load(bus, &p)?;
    let mask_bit = 1u64 << n;
    let r = match m {
        Mnemonic::Bts => v | mask_bit,
        Mnemonic::Btr => v & !mask_bit,
        Mnemonic::Btc => v ^ mask_bit,
        _ => v,
    };
    if write {
        env.store(bus, &p, r)?;
    }
    s.rflags = (s.rflags & !CF) | u64::from(v & mask_bit != 0);
    Ok(())
}

/// The memory operand of one instruction.
struct Operand<'a> {
    env: &'a Env<'a>,
    i: &'a Instruction,
    at: u32,
    size: u8,
}

impl Operand<'_> {
    /// Translates the operand for `how` and reads it unless it is a
    /// plain write.
    fn get(&self, s: &VcpuState, bus: &mut dyn MmioBus, how: Use) -> Result<(Place, u64), Fault> {
        let linear = self.env.operand(s, self.i, self.at)?;
        let p = self.env.place(s, linear, self.size, how != Use::Read)?;
        if !p.touches(self.env.page) {
            return Err(Fault::Mismatch);
        }
        let v = if how == Use::Write {
            0
        } else {
            self.env.load(bus, &p)?
        };
        Ok((p, v))
    }

    fn read(&self, s: &VcpuState, bus: &mut dyn MmioBus) -> Result<u64, Fault> {
        self.get(s, bus, Use::Read).map(|(_, v)| v)
    }

    fn write(&self, s: &VcpuState, bus: &mut dyn MmioBus, v: u64) -> Result<(), Fault> {
        let (p, _) = self.get(s, bus, Use::Write)?;
        self.env.store(bus, &p, v)
    }
}

/// The general register operand `n`.
fn reg(i: &Instruction, n: u32) -> Result<Gpr, Fault> {
    match i.op_kind(n) {
        OpKind::Register => gpr(i.op_register(n)).ok_or(Fault::unsupported()),
        _ => Err(Fault::unsupported()),
    }
}

/// The value of register or immediate operand `n`, cut to `size` bytes.
fn value(s: &VcpuState, i: &Instruction, n: u32, size: u8) -> Result<u64, Fault> {
    let v = match i.op_kind(n) {
        OpKind::Register => reg(i, n)?.read(s),
        OpKind::Immediate8
        | OpKind::Immediate16
        | OpKind::Immediate32
        | OpKind::Immediate64
        | OpKind::Immediate8to16
        | OpKind::Immediate8to32
        | OpKind::Immediate8to64
        | OpKind::Immediate32to64 => i.immediate(n),
        _ => return Err(Fault::unsupported()),
    };
    Ok(v & mask(size))
}

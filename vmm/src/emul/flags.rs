//! Integer arithmetic and the status flags it leaves (Intel SDM vol. 1,
//! 3.4.3.1 and appendix A; each instruction's page in vol. 2).
//!
//! One helper for every operation so the flags are computed one way: CF is
//! the carry (ADD/ADC) or borrow (SUB/SBB) out of the operand width, OF the
//! signed overflow, AF the carry out of bit 3, SF the top bit of the result,
//! ZF a zero result, PF even parity of the low byte. Logical operations
//! clear CF and OF; their AF is undefined and left cleared.

use super::regs::mask;

pub(super) const CF: u64 = 1 << 0;
pub(super) const PF: u64 = 1 << 2;
pub(super) const AF: u64 = 1 << 4;
pub(super) const ZF: u64 = 1 << 6;
pub(super) const SF: u64 = 1 << 7;
pub(super) const DF: u64 = 1 << 10;
pub(super) const OF: u64 = 1 << 11;
/// The flags arithmetic writes.
pub(super) const STATUS: u64 = CF | PF | AF | ZF | SF | OF;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Add,
    Adc,
    Sub,
    Sbb,
    And,
    Or,
    Xor,
}

/// `a op b` on `size`-byte operands: the result and RFLAGS with the status
/// flags replaced (the carry in of ADC/SBB is RFLAGS.CF).
pub(super) fn alu(op: Op, a: u64, b: u64, size: u8, rflags: u64) -> (u64, u64) {
    let m = mask(size);
    let (a, b) = (a & m, b & m);
    let bits = u32::from(size) * 8;
    let sign = 1u64 << (bits - 1);
    let carry_in = u64::from(rflags & CF != 0);
    let (r, cf, of, af) = match op {
        Op::Add | Op::Adc => {
            let c = if op == Op::Adc { carry_in } else { 0 };
            let wide = u128::from(a) + u128::from(b) + u128::from(c);
            let r = wide as u64 & m;
            let of = (a ^ r) & (b ^ r) & sign != 0;
            (r, wide >> bits != 0, of, (a ^ b ^ r) & 0x10 != 0)
        }
        Op::Sub | Op::Sbb => {
            let c = if op == Op::Sbb { carry_in } else { 0 };
            let r = a.wrapping_sub(b).wrapping_sub(c) & m;
            let cf = u128::from(a) < u128::from(b) + u128::from(c);
            let of = (a ^ b) & (a ^ r) & sign != 0;
            (r, cf, of, (a ^ b ^ r) & 0x10 != 0)
        }
        Op::And => (a & b, false, false, false),
        Op::Or => (a | b, false, false, false),
        Op::Xor => (a ^ b, false, false, false),
    };
    let flag = |on: bool, f: u64| if on { f } else { 0 };
    let status = flag(cf, CF)
        | flag((r as u8).count_ones() & 1 == 0, PF)
        | flag(af, AF)
        | flag(r == 0, ZF)
        | flag(r & sign != 0, SF)
        | flag(of, OF);
    (r, (rflags & !STATUS) | status)
}

/// INC and DEC: ADD and SUB of 1 that leave CF alone.
pub(super) fn step(up: bool, a: u64, size: u8, rflags: u64) -> (u64, u64) {
    let op = if up { Op::Add } else { Op::Sub };
    let (r, f) = alu(op, a, 1, size, rflags);
    (r, (f & !CF) | (rflags & CF))
}

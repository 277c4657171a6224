//! The arithmetic flags helper against values worked out from the SDM.

use crate::emul::flags::{alu, step, Op, AF, CF, OF, PF, SF, STATUS, ZF};

#[test]
fn arithmetic_flags() {
    #[rustfmt::skip]
    let cases: [(Op, u64, u64, u8, bool, u64, u64); 16] = [
        (Op::Add, 0x7f, 0x01, 1, false, 0x80, SF | OF | AF),
        (Op::Add, 0xff, 0x01, 1, false, 0x00, CF | ZF | PF | AF),
        (Op::Add, 0xffff, 0xffff, 2, false, 0xfffe, CF | SF | AF),
        (Op::Add, 0x8000_0000, 0x8000_0000, 4, false, 0, CF | OF | ZF | PF),
        (Op::Add, u64::MAX, 1, 8, false, 0, CF | ZF | PF | AF),
        (Op::Adc, 0xfe, 0x00, 1, true, 0xff, SF | PF),
        (Op::Adc, 0xff, 0xff, 1, true, 0xff, CF | SF | PF | AF),
        (Op::Sub, 0x00, 0x01, 1, false, 0xff, CF | SF | PF | AF),
        (Op::Sub, 0x80, 0x01, 1, false, 0x7f, OF | AF),
        (Op::Sub, 0x1234, 0x1234, 2, false, 0, ZF | PF),
        (Op::Sbb, 0x00, 0x00, 4, true, 0xffff_ffff, CF | SF | PF | AF),
        (Op::Sbb, 0x05, 0x04, 8, true, 0, ZF | PF),
        (Op::And, 0xf0f0, 0x0ff0, 2, false, 0x00f0, PF),
        (Op::Or, 0x80, 0x01, 1, false, 0x81, SF | PF),
        (Op::Xor, 0x5555, 0x5555, 2, false, 0, ZF | PF),
        (Op::Xor, 1 << 63, 0, 8, false, 1 << 63, SF | PF),
    ];
    for (op, a, b, size, cf, result, flags) in cases {
        // Flags outside the status flags (IF, DF, bit 1) survive.
        let other = 0x202 | (1 << 10);
        let rflags = other | STATUS & !CF | if cf { CF } else { 0 };
        let (r, f) = alu(op, a, b, size, rflags);
        assert_eq!(
            (r, f),
            (result, other | flags),
            "{op:?} {a:#x} {b:#x} /{size}"
        );
    }
}

#[test]
fn operands_are_cut_to_the_size() {
    // Bits above the size do not take part.
    assert_eq!(alu(Op::Add, 0xff01, 0xff01, 1, 0).0, 0x02);
    assert_eq!(
        alu(Op::Sub, 0x1_0000_0000, 1, 4, 0),
        (0xffff_ffff, CF | SF | PF | AF)
    );
}

#[test]
fn inc_and_dec_keep_cf() {
    assert_eq!(step(true, 0xff, 1, CF), (0, CF | ZF | PF | AF));
    assert_eq!(step(true, 0xff, 1, 0), (0, ZF | PF | AF));
    assert_eq!(step(false, 0x80, 1, CF), (0x7f, CF | OF | AF));
    assert_eq!(step(false, 1, 4, 0), (0, ZF | PF));
}

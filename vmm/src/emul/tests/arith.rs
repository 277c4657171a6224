//! Arithmetic, logic, exchange and bit instructions on device registers:
//! the flags they leave and the accesses they make.

use super::*;
use crate::emul::flags::{AF, CF, OF, PF, SF, ZF};

#[test]
fn cmp_with_the_device_value_sets_the_flags() {
    // cmpl $0x80,(%rbx)
    let bytes = [0x81, 0x3b, 0x80, 0, 0, 0];
    let cases = [
        (0x80, ZF | PF),
        (0x7f, CF | SF | PF), // 0xffffffff, no borrow out of bit 3
        (0x8000_0000, OF),    // negative - positive = positive: overflow
        (0x81, 0),            // 1: odd parity
        (0xffff_ffff, SF),    // 0xffffff7f
    ];
    for (value, want) in cases {
        let mut vm = at(0);
        vm.s.rflags = 2 | CF | ZF | SF | OF | AF | PF;
        let mut bus = Bus::reading(value);
        mmio_ok(&mut vm, &bytes, &mut bus);
        assert_eq!(vm.s.rflags, 2 | want, "cmp {value:#x}");
        assert_eq!(bus.log, [Io::R(MMIO, 4)], "compare does not write");
    }
    // cmp (%rbx),%al: register minus memory.
    let mut vm = at(0);
    vm.s.gpr[RAX] = 0x10;
    mmio_ok(&mut vm, &[0x3a, 0x03], &mut Bus::reading(0x20));
    assert_eq!(vm.s.rflags & (CF | SF | ZF), CF | SF);
    assert_eq!(vm.s.gpr[RAX], 0x10);
    // cmpb $0x80,(%rbx) with 0x7f: signed overflow in 8 bits.
    let mut vm = at(0);
    mmio_ok(&mut vm, &[0x80, 0x3b, 0x80], &mut Bus::reading(0x7f));
    assert_eq!(vm.s.rflags & (CF | SF | ZF | OF), CF | SF | OF);
}

#[test]
fn and_or_xor_read_modify_write() {
    // andl $-2,(%rbx)
    let mut vm = at(4);
    vm.s.rflags = 2 | CF | OF;
    let mut bus = Bus::reading(0x8000_0003);
    mmio_ok(&mut vm, &[0x83, 0x23, 0xfe], &mut bus);
    assert_eq!(
        bus.log,
        [Io::R(MMIO + 4, 4), Io::W(MMIO + 4, 4, 0x8000_0002)]
    );
    assert_eq!(
        vm.s.rflags,
        2 | SF,
        "logic clears CF and OF; parity of 0x02 is odd"
    );
    // or %eax,(%rbx)
    let mut vm = at(0);
    vm.s.gpr[RAX] = 0x10;
    let mut bus = Bus::reading(0x01);
    mmio_ok(&mut vm, &[0x09, 0x03], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 4, 0x11));
    assert_eq!(vm.s.rflags & (ZF | PF), PF);
    // lock orl $1,(%rbx): the lock is ignored, one read and one write.
    let mut vm = at(0);
    let mut bus = Bus::reading(0x100);
    mmio_ok(&mut vm, &[0xf0, 0x83, 0x0b, 0x01], &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO, 4), Io::W(MMIO, 4, 0x101)]);
}

#[test]
fn test_only_reads() {
    // testb $1,(%rbx)
    for (value, zf) in [(0xfe, ZF), (0x01, 0)] {
        let mut vm = at(0);
        let mut bus = Bus::reading(value);
        mmio_ok(&mut vm, &[0xf6, 0x03, 0x01], &mut bus);
        assert_eq!(vm.s.rflags & ZF, zf);
        assert_eq!(bus.log, [Io::R(MMIO, 1)]);
    }
    // test %eax,(%rbx)
    let mut vm = at(0);
    vm.s.gpr[RAX] = 0x8000_0000;
    mmio_ok(&mut vm, &[0x85, 0x03], &mut Bus::reading(0xffff_ffff));
    assert_eq!(vm.s.rflags & (ZF | SF | CF | OF), SF);
}

#[test]
fn add_sub_adc_sbb() {
    // addb %al,(%rbx): 0x0f + 0x01 carries out of bit 3.
    let mut vm = at(0);
    vm.s.gpr[RAX] = 1;
    let mut bus = Bus::reading(0x0f);
    mmio_ok(&mut vm, &[0x00, 0x03], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 1, 0x10));
    assert_eq!(vm.s.rflags & (AF | CF | PF), AF);
    // sub (%rbx),%ecx: the register takes the result, zero-extended.
    let mut vm = at(0);
    vm.s.gpr[RCX] = 0xffff_ffff_0000_0005;
    mmio_ok(&mut vm, &[0x2b, 0x0b], &mut Bus::reading(6));
    assert_eq!(vm.s.gpr[RCX], 0xffff_ffff);
    assert_eq!(vm.s.rflags & (CF | SF), CF | SF);
    // adc (%rbx),%rdx with CF in: u64::MAX + 0 + 1.
    let mut vm = at(0);
    vm.s.gpr[RDX] = u64::MAX;
    vm.s.rflags |= CF;
    mmio_ok(&mut vm, &[0x48, 0x13, 0x13], &mut Bus::reading(0));
    assert_eq!(vm.s.gpr[RDX], 0);
    assert_eq!(vm.s.rflags & (CF | ZF), CF | ZF);
    // sbbw $1,(%rbx) with CF in: 2 - 1 - 1.
    let mut vm = at(0);
    vm.s.rflags |= CF;
    let mut bus = Bus::reading(2);
    mmio_ok(&mut vm, &[0x66, 0x83, 0x1b, 0x01], &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO, 2), Io::W(MMIO, 2, 0)]);
    assert_eq!(vm.s.rflags & (CF | ZF), ZF);
}

#[test]
fn unary_operations() {
    // incl (%rbx) keeps CF; 0x7fffffff + 1 overflows.
    let mut vm = at(0);
    vm.s.rflags |= CF;
    let mut bus = Bus::reading(0x7fff_ffff);
    mmio_ok(&mut vm, &[0xff, 0x03], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 4, 0x8000_0000));
    assert_eq!(vm.s.rflags & (CF | OF | SF), CF | OF | SF);
    // decb (%rbx): 0 - 1 leaves CF alone (clear here).
    let mut vm = at(0);
    let mut bus = Bus::reading(0);
    mmio_ok(&mut vm, &[0xfe, 0x0b], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 1, 0xff));
    assert_eq!(vm.s.rflags & (CF | SF), SF);
    // negl (%rbx): CF set for a non-zero operand.
    let mut vm = at(0);
    let mut bus = Bus::reading(1);
    mmio_ok(&mut vm, &[0xf7, 0x1b], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 4, 0xffff_ffff));
    assert_eq!(vm.s.rflags & CF, CF);
    // notq (%rbx): no flags.
    let mut vm = at(0);
    let before = vm.s.rflags;
    let mut bus = Bus::reading(0x00ff);
    mmio_ok(&mut vm, &[0x48, 0xf7, 0x13], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 8, !0xff));
    assert_eq!(vm.s.rflags, before);
}

#[test]
fn xchg_swaps_register_and_device() {
    let mut vm = at(0);
    vm.s.gpr[RAX] = 0xffff_ffff_0000_0001;
    let mut bus = Bus::reading(0x2222_2222);
    mmio_ok(&mut vm, &[0x87, 0x03], &mut bus); // xchg %eax,(%rbx)
    assert_eq!(bus.log, [Io::R(MMIO, 4), Io::W(MMIO, 4, 1)]);
    assert_eq!(vm.s.gpr[RAX], 0x2222_2222);
}

#[test]
fn bit_tests() {
    // btl $3,(%rbx)
    let mut vm = at(0);
    let mut bus = Bus::reading(0x8);
    mmio_ok(&mut vm, &[0x0f, 0xba, 0x23, 0x03], &mut bus);
    assert_eq!(vm.s.rflags & CF, CF);
    assert_eq!(bus.log, [Io::R(MMIO, 4)]);
    // btrq $63,(%rbx)
    let mut vm = at(0);
    let mut bus = Bus::reading(u64::MAX);
    mmio_ok(&mut vm, &[0x48, 0x0f, 0xba, 0x33, 0x3f], &mut bus);
    assert_eq!(bus.log[1], Io::W(MMIO, 8, u64::MAX >> 1));
    // bts %eax,(%rbx) with eax = -1: bit 31 of the dword before.
    let mut vm = at(0x10);
    vm.s.gpr[RAX] = 0xffff_ffff;
    let mut bus = Bus::reading(0);
    mmio_ok(&mut vm, &[0x0f, 0xab, 0x03], &mut bus);
    assert_eq!(
        bus.log,
        [Io::R(MMIO + 0xc, 4), Io::W(MMIO + 0xc, 4, 0x8000_0000)]
    );
    assert_eq!(vm.s.rflags & CF, 0);
}

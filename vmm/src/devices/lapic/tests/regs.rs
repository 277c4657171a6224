//! Register reset values, writable bits, ESR and the MMIO access rules.

use super::*;

#[test]
fn power_on_values() {
    let mut b = Bench::new(5, false);
    let expect = [
        (0x020, 0x0500_0000),
        (0x030, 0x0005_0014),
        (0x080, 0),
        (0x090, 0),
        (0x0a0, 0),
        (0x0b0, 0),
        (0x0c0, 0),
        (0x0d0, 0),
        (0x0e0, 0xffff_ffff),
        (0x0f0, 0xff),
        (0x280, 0),
        (0x300, 0),
        (0x310, 0),
        (0x320, 0x1_0000),
        (0x330, 0x1_0000),
        (0x340, 0x1_0000),
        (0x350, 0x1_0000),
        (0x360, 0x1_0000),
        (0x370, 0x1_0000),
        (0x380, 0),
        (0x390, 0),
        (0x3e0, 0),
    ];
    for (off, v) in expect {
        assert_eq!(b.rd(off), v, "offset {off:#x}");
    }
    for off in (0x100..0x280).step_by(0x10) {
        assert_eq!(b.rd(off), 0, "ISR/TMR/IRR {off:#x}");
    }
    assert_eq!(b.esr(), 0, "no illegal access among these");
}

#[test]
fn bsp_comes_up_in_virtual_wire_mode() {
    let mut b = Bench::new(0, true);
    assert_eq!(b.rd(0x350), 0x700, "LINT0: ExtINT, unmasked");
    assert_eq!(b.rd(0x360), 0x400, "LINT1: NMI, unmasked");
    assert!(b.apic.lint0_extint());
    assert!(!Bench::new(1, false).apic.lint0_extint());
}

#[test]
fn writable_bits() {
    let mut b = Bench::enabled();
    let expect = [
        (0x080, 0xff),
        (0x0d0, 0xff00_0000),
        (0x0e0, 0xffff_ffff),
        (0x0f0, 0x13ff),
        (0x310, 0xff00_0000),
        (0x320, 0x7_00ff),
        (0x330, 0x1_07ff),
        (0x340, 0x1_07ff),
        (0x350, 0x1_a7ff),
        (0x360, 0x1_a7ff),
        (0x370, 0x1_00ff),
        (0x380, 0xffff_ffff),
        (0x3e0, 0xb),
        // Reserved delivery mode: nothing is sent, the fields are kept.
        (0x300, 0xc_cfff),
    ];
    for (off, v) in expect {
        b.wr(off, 0xffff_ffff);
        assert_eq!(b.rd(off), v, "offset {off:#x}");
    }
    b.wr(0x0e0, 0);
    assert_eq!(b.rd(0x0e0), 0x0fff_ffff, "DFR: model nibble only");
    for off in [
        0x020, 0x030, 0x090, 0x0a0, 0x0c0, 0x100, 0x180, 0x200, 0x390,
    ] {
        let before = b.rd(off);
        b.wr(off, 0xffff_ffff);
        assert_eq!(b.rd(off), before, "read-only {off:#x}");
    }
    assert!(b.take().is_empty());
}

#[test]
fn esr_latches_errors_on_write() {
    let mut b = Bench::enabled();
    b.wr(0x300, 0x4005); // fixed IPI with an illegal vector
    assert_eq!(b.rd(0x280), 0, "not latched yet");
    b.wr(0x280, 0);
    assert_eq!(b.rd(0x280), ESR_SEND_ILLEGAL_VECTOR);
    b.wr(0x280, 0);
    assert_eq!(b.rd(0x280), 0);
}

#[test]
fn illegal_register_addresses_set_the_esr() {
    let mut b = Bench::enabled();
    assert_eq!(b.rd(0x3f0), 0, "SELF IPI does not exist in xAPIC mode");
    assert_eq!(b.esr(), ESR_ILLEGAL_REGISTER);
    b.wr(0x2f0, 0x40);
    assert_eq!(b.esr(), ESR_ILLEGAL_REGISTER, "no CMCI entry");
    b.wr(0x400, 0);
    assert_eq!(b.esr(), ESR_ILLEGAL_REGISTER);
}

#[test]
fn error_lvt_signals_errors() {
    let mut b = Bench::enabled();
    b.wr(0x370, 0xfe);
    b.wr(0x300, 0x4005);
    assert_eq!(b.apic.pending(), Some(0xfe));
    b.wr(0x370, 0x1_00fe);
    b.apic.ack();
    b.wr(0xb0, 0);
    b.wr(0x300, 0x4005);
    assert_eq!(b.apic.pending(), None, "masked error entry");
}

#[test]
fn software_disable_masks_the_lvt() {
    let mut b = Bench::enabled();
    b.wr(0x320, 0x30);
    b.wr(0x350, 0x700);
    b.wr(0xf0, 0xff);
    assert_eq!(b.rd(0x320), 0x1_0030);
    assert_eq!(b.rd(0x350), 0x1_0700);
    b.wr(0x320, 0x31);
    assert_eq!(b.rd(0x320), 0x1_0031, "mask stays set while disabled");
    b.wr(0xf0, 0x1ff);
    assert_eq!(b.rd(0x320), 0x1_0031, "enabling does not unmask");
    b.wr(0x320, 0x31);
    assert_eq!(b.rd(0x320), 0x31);
}

#[test]
fn narrow_wide_and_misaligned_mmio() {
    let mut b = Bench::new(0x12, false);
    b.write(0x80, 8, 0xffff_ffff_0000_0042);
    assert_eq!(
        b.rd(0x80),
        0x42,
        "8-byte write at a slot writes the register"
    );
    b.write(0x80, 2, 0x11);
    b.write(0x81, 4, 0x11);
    b.write(0x84, 4, 0x11);
    assert_eq!(b.rd(0x80), 0x42, "other writes dropped");
    assert_eq!(b.read(0x23, 1), 0x12, "byte reads see their lane");
    assert_eq!(b.read(0x22, 2), 0x1200);
    assert_eq!(b.read(0x80, 8), 0x42, "bytes 4-7 of a slot read 0");
    assert_eq!(b.read(0x7c, 8), 0x42 << 32, "reads may span slots");
    assert_eq!(b.read(0xffe, 8), 0, "past the page reads 0");
    assert_eq!(b.read(0x84, 4), 0);
}

#[test]
fn page_offset_is_all_that_matters() {
    let mut b = Bench::new(3, false);
    let mut ctx = Ctx::new(b.now, 3, &mut b.out);
    assert_eq!(b.apic.read(&mut ctx, 0xfee0_0020, 4), 0x0300_0000);
    assert_eq!(b.apic.name(), "lapic");
}

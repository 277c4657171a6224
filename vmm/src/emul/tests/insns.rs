//! Single MMIO instructions: what the device sees, registers, flags, RIP.

use super::*;
use crate::emul::Fault;

#[test]
fn mov_store_writes_the_register_width() {
    let mut vm = at(0x10);
    vm.s.gpr[RAX] = 0xaaaa_bbbb_1234_5678;
    let mut bus = Bus::default();
    mmio_ok(&mut vm, &[0x89, 0x03], &mut bus); // mov %eax,(%rbx)
    assert_eq!(bus.log, [Io::W(MMIO + 0x10, 4, 0x1234_5678)]);
    assert_eq!(vm.s.gpr[RAX], 0xaaaa_bbbb_1234_5678);
}

#[test]
fn mov_load_32_zero_extends_16_and_8_preserve() {
    let junk = 0xdead_beef_cafe_f00d;
    let mut vm = at(0);
    vm.s.gpr[RAX] = u64::MAX;
    mmio_ok(&mut vm, &[0x8b, 0x03], &mut Bus::reading(junk)); // mov (%rbx),%eax
    assert_eq!(vm.s.gpr[RAX], 0xcafe_f00d);

    let mut vm = at(0);
    vm.s.gpr[RAX] = u64::MAX;
    let mut bus = Bus::reading(junk);
    mmio_ok(&mut vm, &[0x66, 0x8b, 0x03], &mut bus); // mov (%rbx),%ax
    assert_eq!(vm.s.gpr[RAX], 0xffff_ffff_ffff_f00d);
    assert_eq!(bus.log, [Io::R(MMIO, 2)]);

    let mut vm = at(0);
    vm.s.gpr[RSI] = 0x1111_1111_1111_1111;
    mmio_ok(&mut vm, &[0x40, 0x8a, 0x33], &mut Bus::reading(junk)); // mov (%rbx),%sil
    assert_eq!(vm.s.gpr[RSI], 0x1111_1111_1111_110d);

    let mut vm = at(8);
    let mut bus = Bus::reading(junk);
    mmio_ok(&mut vm, &[0x4c, 0x8b, 0x0b], &mut bus); // mov (%rbx),%r9
    assert_eq!(vm.s.gpr[R9], junk);
    assert_eq!(bus.log, [Io::R(MMIO + 8, 8)]);
}

#[test]
fn high_byte_registers_are_bits_15_to_8() {
    let mut vm = at(0);
    vm.s.gpr[RAX] = 0x1111_1111_1111_1111;
    mmio_ok(&mut vm, &[0x8a, 0x23], &mut Bus::reading(0xabcd)); // mov (%rbx),%ah
    assert_eq!(vm.s.gpr[RAX], 0x1111_1111_1111_cd11);
    // xor %r8b,(%rbx): REX selects R8B, not a high byte.
    let mut vm = at(0);
    vm.s.gpr[8] = 0x0f;
    let mut bus = Bus::reading(0xf0);
    mmio_ok(&mut vm, &[0x44, 0x30, 0x03], &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO, 1), Io::W(MMIO, 1, 0xff)]);
}

#[test]
fn moffs_forms_use_the_64_bit_offset() {
    let mut vm = Vm::long();
    let mut bus = Bus::reading(0x4433_2211);
    // movabs 0x70000010,%eax
    mmio_ok(&mut vm, &[0xa1, 0x10, 0, 0, 0x70, 0, 0, 0, 0], &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO + 0x10, 4)]);
    assert_eq!(vm.s.gpr[RAX], 0x4433_2211);

    let mut vm = Vm::long();
    vm.s.gpr[RAX] = 0x99;
    let mut bus = Bus::default();
    // movabs %al,0x70000010
    mmio_ok(&mut vm, &[0xa2, 0x10, 0, 0, 0x70, 0, 0, 0, 0], &mut bus);
    assert_eq!(bus.log, [Io::W(MMIO + 0x10, 1, 0x99)]);
}

#[test]
fn mov_immediate_sizes_and_sign_extension() {
    let cases: [(&[u8], Io); 3] = [
        (&[0xc6, 0x03, 0x5a], Io::W(MMIO, 1, 0x5a)), // movb $0x5a,(%rbx)
        // movl $0x12345678,0x10(%rbx)
        (
            &[0xc7, 0x43, 0x10, 0x78, 0x56, 0x34, 0x12],
            Io::W(MMIO + 0x10, 4, 0x1234_5678),
        ),
        // movq $-1,(%rbx): imm32 sign-extended to 64 bits
        (
            &[0x48, 0xc7, 0x03, 0xff, 0xff, 0xff, 0xff],
            Io::W(MMIO, 8, u64::MAX),
        ),
    ];
    for (bytes, want) in cases {
        let mut vm = at(0);
        let mut bus = Bus::default();
        mmio_ok(&mut vm, bytes, &mut bus);
        assert_eq!(bus.log, [want], "{bytes:x?}");
    }
}

#[test]
fn movzx_movsx_movsxd() {
    let cases: [(&[u8], u64, u64, u8); 4] = [
        (&[0x0f, 0xb6, 0x03], 0xff80, 0x80, 1), // movzbl (%rbx),%eax
        (&[0x48, 0x0f, 0xbf, 0x03], 0x8001, 0xffff_ffff_ffff_8001, 2), // movswq (%rbx),%rax
        (&[0x48, 0x63, 0x03], 0x8000_0000, 0xffff_ffff_8000_0000, 4), // movslq (%rbx),%rax
        (&[0x66, 0x0f, 0xbe, 0x03], 0x80, 0x5555_5555_5555_ff80, 1), // movsbw (%rbx),%ax
    ];
    for (bytes, read, want, size) in cases {
        let mut vm = at(0);
        vm.s.gpr[RAX] = 0x5555_5555_5555_5555;
        let mut bus = Bus::reading(read);
        mmio_ok(&mut vm, bytes, &mut bus);
        assert_eq!(vm.s.gpr[RAX], want, "{bytes:x?}");
        assert_eq!(bus.log, [Io::R(MMIO, size)]);
    }
}

#[test]
fn segment_override_and_rip_relative() {
    // mov %fs:0x10,%eax with FS.base at the device page.
    let mut vm = Vm::long();
    vm.s.fs.base = MMIO_LIN;
    vm.s.ds.base = 0x1234_0000; // ignored in 64-bit mode
    let mut bus = Bus::reading(7);
    mmio_ok(&mut vm, &[0x64, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0], &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO + 0x10, 4)]);
    assert_eq!(vm.s.gpr[RAX], 7);
    // mov disp(%rip),%eax: relative to the next instruction.
    let mut vm = Vm::long();
    let disp = (MMIO_LIN + 0x20 - (CODE + 6)) as u32;
    let mut bytes = vec![0x8b, 0x05];
    bytes.extend_from_slice(&disp.to_le_bytes());
    let mut bus = Bus::reading(1);
    mmio_ok(&mut vm, &bytes, &mut bus);
    assert_eq!(bus.log, [Io::R(MMIO + 0x20, 4)]);
    // mov %r10w,(%rbx,%rcx,8)
    let mut vm = at(0);
    vm.s.gpr[RCX] = 3;
    vm.s.gpr[R10] = 0xbeef;
    let mut bus = Bus::default();
    mmio_ok(&mut vm, &[0x66, 0x44, 0x89, 0x14, 0xcb], &mut bus);
    assert_eq!(bus.log, [Io::W(MMIO + 0x18, 2, 0xbeef)]);
    // movl $..,(%ebx) in 64-bit mode: the 32-bit address drops RBX's top.
    let mut vm = at(0x40);
    vm.s.gpr[RBX] |= 0xffff_0000_0000_0000;
    let mut bus = Bus::default();
    mmio_ok(
        &mut vm,
        &[0x67, 0xc7, 0x03, 0x44, 0x33, 0x22, 0x11],
        &mut bus,
    );
    assert_eq!(bus.log, [Io::W(MMIO + 0x40, 4, 0x1122_3344)]);
}

#[test]
fn unsupported_instructions_are_reported_with_their_bytes() {
    let mut fifteen = [0u8; 15];
    let cases: [&[u8]; 4] = [
        &[0x0f, 0xb1, 0x0b],       // cmpxchg %ecx,(%rbx)
        &[0x66, 0x0f, 0x6f, 0x03], // movdqa (%rbx),%xmm0
        &[0x8c, 0x1b],             // mov %ds,(%rbx)
        &[0x90],                   // nop
    ];
    for bytes in cases {
        let mut vm = at(0);
        let mut bus = Bus::default();
        // Bytes after the instruction must not show in the report.
        let mut code = bytes.to_vec();
        code.extend_from_slice(&[0xcc; 8]);
        let r = vm.mmio(&code, MMIO, &mut bus);
        fifteen.fill(0);
        fifteen[..bytes.len()].copy_from_slice(bytes);
        assert_eq!(
            r,
            Err(Fault::Unsupported {
                bytes: fifteen,
                len: bytes.len() as u8
            })
        );
        assert!(bus.log.is_empty());
        assert_eq!(vm.s.rip, CODE, "rip stays");
    }
    // An invalid encoding (push %es in 64-bit mode): all bytes fetched.
    let mut vm = at(0);
    let r = vm.mmio(&[0x06, 0x90], MMIO, &mut Bus::default());
    match r {
        Err(Fault::Unsupported { bytes, len: 15 }) => assert_eq!(bytes[..2], [0x06, 0x90]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_operand_outside_the_faulting_page_is_a_mismatch() {
    let mut vm = at(0);
    let mut bus = Bus::default();
    // RBX points at the device page, the fault was elsewhere.
    assert_eq!(
        vm.mmio(&[0x89, 0x03], MMIO2, &mut bus),
        Err(Fault::Mismatch)
    );
    // mov %eax,%ebx has no memory operand.
    assert_eq!(vm.mmio(&[0x89, 0xc3], MMIO, &mut bus), Err(Fault::Mismatch));
    assert!(bus.log.is_empty());
    assert_eq!(vm.s.rip, CODE);
}

#[test]
fn page_straddling_accesses() {
    // A dword at the last two bytes of the device page: the next linear
    // page is another device page, not contiguous: no single access.
    let mut vm = at(0xffe);
    let r = vm.mmio(&[0x89, 0x03], MMIO, &mut Bus::default());
    assert!(matches!(r, Err(Fault::Unsupported { len: 2, .. })));
    // Contiguous pages: one access at the first byte.
    let mut vm = at(0xffe);
    vm.map(MMIO_LIN + 0x1000, MMIO + 0x1000, P | RW, 12);
    vm.s.gpr[RAX] = 0x1234_5678;
    let mut bus = Bus::default();
    mmio_ok(&mut vm, &[0x89, 0x03], &mut bus);
    assert_eq!(bus.log, [Io::W(MMIO + 0xffe, 4, 0x1234_5678)]);
    // The fault on the second page still matches.
    let mut vm = at(0xffe);
    vm.map(MMIO_LIN + 0x1000, MMIO + 0x1000, P | RW, 12);
    let mut bus = Bus::default();
    vm.mmio(&[0x89, 0x03], MMIO + 0x1000, &mut bus).unwrap();
    assert_eq!(bus.log.len(), 1);
}

//! STOS, LODS and MOVS against device pages.

use super::*;
use crate::emul::{pf, Fault};

fn long_at(rdi: u64, rcx: u64) -> Vm {
    let mut vm = Vm::long();
    vm.s.gpr[RDI] = rdi;
    vm.s.gpr[RCX] = rcx;
    vm
}

#[test]
fn rep_stos_to_a_device() {
    let mut vm = long_at(MMIO_LIN + 0x100, 3);
    vm.s.gpr[RAX] = 0x5555_5555_0000_abcd;
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], MMIO + 0x100, &mut bus).unwrap(); // rep stos %eax,%es:(%rdi)
    let w = |o| Io::W(MMIO + o, 4, 0xabcd);
    assert_eq!(bus.log, [w(0x100), w(0x104), w(0x108)]);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (MMIO_LIN + 0x10c, 0));
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn rep_stos_downwards() {
    let mut vm = long_at(MMIO_LIN + 0x10, 3);
    vm.s.rflags |= DF;
    vm.s.gpr[RAX] = 0x1234;
    let mut bus = Bus::default();
    vm.mmio(&[0x66, 0xf3, 0xab], MMIO, &mut bus).unwrap(); // rep stos %ax,%es:(%rdi)
    let w = |o| Io::W(MMIO + o, 2, 0x1234);
    assert_eq!(bus.log, [w(0x10), w(0xe), w(0xc)]);
    assert_eq!(vm.s.gpr[RDI], MMIO_LIN + 0xa);
    assert_eq!(vm.s.rip, CODE + 3);
}

#[test]
fn rep_stos_pauses_at_the_end_of_the_device_page() {
    let mut vm = long_at(MMIO_LIN + 0xff8, 4);
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], MMIO, &mut bus).unwrap();
    assert_eq!(bus.log.len(), 2);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (MMIO_LIN + 0x1000, 2));
    assert_eq!(vm.s.rip, CODE, "the guest re-executes the rest");
    // The guest's next fault is on the next device page.
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], MMIO2, &mut bus).unwrap();
    assert_eq!(bus.log, [Io::W(MMIO2, 4, 0), Io::W(MMIO2 + 4, 4, 0)]);
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn rep_stos_into_an_unmapped_page_faults_after_the_done_elements() {
    let mut vm = long_at(MMIO_LIN + 0xff8, 4);
    vm.edit(MMIO_LIN + 0x1000, 12, |_| 0);
    let mut bus = Bus::default();
    let r = vm.mmio(&[0xf3, 0xab], MMIO, &mut bus);
    assert_eq!(
        r,
        Err(Fault::PageFault {
            addr: MMIO_LIN + 0x1000,
            code: pf::WRITE
        })
    );
    assert_eq!(bus.log.len(), 2);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (MMIO_LIN + 0x1000, 2));
    assert_eq!(vm.s.rip, CODE);
}

#[test]
fn stos_without_rep_ignores_rcx() {
    let mut vm = long_at(MMIO_LIN, 0);
    let mut bus = Bus::default();
    vm.mmio(&[0xab], MMIO, &mut bus).unwrap(); // stos %eax,%es:(%rdi)
    assert_eq!(bus.log.len(), 1);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (MMIO_LIN + 4, 0));
    assert_eq!(vm.s.rip, CODE + 1);
}

#[test]
fn rep_with_zero_count_does_nothing() {
    let mut vm = long_at(MMIO_LIN, 0);
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], MMIO, &mut bus).unwrap();
    assert!(bus.log.is_empty());
    assert_eq!(vm.s.gpr[RDI], MMIO_LIN);
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn address_size_32_in_64_bit_mode() {
    // rep stos %eax,%es:(%edi): ECX counts, EDI addresses, both clear
    // their upper halves.
    let mut vm = long_at(0xffff_0000_0000_0000 | MMIO_LIN, 0xffff_ffff_0000_0002);
    let mut bus = Bus::default();
    vm.mmio(&[0x67, 0xf3, 0xab], MMIO, &mut bus).unwrap();
    assert_eq!(bus.log.len(), 2);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (MMIO_LIN + 8, 0));
}

#[test]
fn real_mode_rep_stosw_wraps_di_and_keeps_upper_cx() {
    // ES = B800 (VGA text), DI = FFFE: the next DI wraps to 0, which is
    // outside the faulting page: pause there.
    let mut vm = Vm::real();
    vm.s.es = seg(0xb800, 0x93, 0xb8000);
    vm.s.gpr[RDI] = 0x7777_0000_0000_fffe;
    vm.s.gpr[RCX] = 0xdead_0000_0000_0002;
    vm.s.gpr[RAX] = 0x0741;
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], 0xc7ffe, &mut bus).unwrap(); // rep stosw
    assert_eq!(bus.log, [Io::W(0xc7ffe, 2, 0x0741)]);
    assert_eq!(vm.s.gpr[RDI], 0x7777_0000_0000_0000);
    assert_eq!(vm.s.gpr[RCX], 0xdead_0000_0000_0001);
    assert_eq!(vm.s.rip, CODE);
    vm.mmio(&[0xf3, 0xab], 0xb8000, &mut bus).unwrap();
    assert_eq!(bus.log[1], Io::W(0xb8000, 2, 0x0741));
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn rep_movs_from_a_device_to_ram() {
    let mut vm = long_at(DATA, 4);
    vm.s.gpr[RSI] = MMIO_LIN;
    let mut bus = Bus::default();
    bus.queue
        .extend([0x1111_1111, 0x2222_2222, 0x3333_3333, 0xffff_4444_4444]);
    vm.mmio(&[0xf3, 0xa5], MMIO, &mut bus).unwrap(); // rep movsl
    let r = |o| Io::R(MMIO + o, 4);
    assert_eq!(bus.log, [r(0), r(4), r(8), r(12)]);
    let mut got = [0u8; 16];
    vm.ram.read(DATA, &mut got).unwrap();
    let words: Vec<u32> = got
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, [0x1111_1111, 0x2222_2222, 0x3333_3333, 0x4444_4444]);
    assert_eq!((vm.s.gpr[RSI], vm.s.gpr[RDI]), (MMIO_LIN + 16, DATA + 16));
}

#[test]
fn rep_movs_from_ram_to_a_device_with_a_segment_override() {
    let mut vm = long_at(MMIO_LIN + 0x20, 5);
    vm.ram.write(DATA + 0x10, b"hello").unwrap();
    vm.s.fs.base = DATA;
    vm.s.gpr[RSI] = 0x10;
    let mut bus = Bus::default();
    // rep movsb %fs:(%rsi),%es:(%rdi)
    vm.mmio(&[0x64, 0xf3, 0xa4], MMIO + 0x20, &mut bus).unwrap();
    let want: Vec<Io> = b"hello"
        .iter()
        .enumerate()
        .map(|(i, &c)| Io::W(MMIO + 0x20 + i as u64, 1, u64::from(c)))
        .collect();
    assert_eq!(bus.log, want);
    assert_eq!(vm.s.rip, CODE + 3);
}

#[test]
fn rep_movs_between_two_device_pages() {
    // The source faulted; the destination is not RAM either: the bus.
    let mut vm = long_at(MMIO_LIN + 0x1000, 2);
    vm.s.gpr[RSI] = MMIO_LIN;
    let mut bus = Bus::reading(0x77);
    vm.mmio(&[0xf3, 0xa5], MMIO, &mut bus).unwrap();
    assert_eq!(
        bus.log,
        [
            Io::R(MMIO, 4),
            Io::W(MMIO2, 4, 0x77),
            Io::R(MMIO + 4, 4),
            Io::W(MMIO2 + 4, 4, 0x77)
        ]
    );
}

#[test]
fn movs_with_neither_side_in_the_faulting_page_is_a_mismatch() {
    let mut vm = long_at(DATA, 2);
    vm.s.gpr[RSI] = DATA + 0x100;
    let mut bus = Bus::default();
    assert_eq!(vm.mmio(&[0xf3, 0xa5], MMIO, &mut bus), Err(Fault::Mismatch));
    assert!(bus.log.is_empty());
    assert_eq!(vm.s.gpr[RCX], 2);
}

#[test]
fn lods_from_a_device() {
    let mut vm = Vm::long();
    vm.s.gpr[RSI] = MMIO_LIN + 6;
    vm.s.gpr[RAX] = 0xffff_ffff_ffff_ffff;
    let mut bus = Bus::reading(0xabcd_1234);
    vm.mmio(&[0x66, 0xad], MMIO, &mut bus).unwrap(); // lods (%rsi),%ax
    assert_eq!(bus.log, [Io::R(MMIO + 6, 2)]);
    assert_eq!(vm.s.gpr[RAX], 0xffff_ffff_ffff_1234);
    assert_eq!(vm.s.gpr[RSI], MMIO_LIN + 8);
}

#[test]
fn protected_mode_32_bit_rep_stos() {
    let mut vm = Vm::prot32(Paging::Pae);
    vm.s.gpr[RDI] = MMIO_LIN;
    vm.s.gpr[RCX] = 2;
    let mut bus = Bus::default();
    vm.mmio(&[0xf3, 0xab], MMIO, &mut bus).unwrap(); // rep stosl
    assert_eq!(bus.log.len(), 2);
    assert_eq!(vm.s.rip, CODE + 2);
}

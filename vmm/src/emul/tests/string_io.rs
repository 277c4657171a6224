//! INS and OUTS.

use abi::vcpu::io;

use super::*;
use crate::emul::{emulate_string_io, pf, Fault, MAX_REP};

fn exit(vm: &mut Vm, port: u16, size: u64, flags: u64) {
    vm.s.gpr[RDX] = 0xffff_0000 | u64::from(port);
    vm.s.qual[0] = io::encode(port, size, flags | io::STRING);
}

fn run(vm: &mut Vm, bytes: &[u8], bus: &mut Bus) -> Result<(), Fault> {
    vm.code(bytes);
    emulate_string_io(&mut vm.s, &vm.ram, bus)
}

#[test]
fn rep_insb_downwards() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 1, io::IN | io::REP);
    vm.s.rflags |= DF;
    vm.s.gpr[RDI] = DATA + 3;
    vm.s.gpr[RCX] = 4;
    let mut bus = Bus::default();
    bus.queue.extend([0x1a, 0x2b, 0x3c, 0xff4d]);
    run(&mut vm, &[0xf3, 0x6c], &mut bus).unwrap(); // rep insb
    let mut got = [0u8; 4];
    vm.ram.read(DATA, &mut got).unwrap();
    assert_eq!(got, [0x4d, 0x3c, 0x2b, 0x1a]);
    assert_eq!(bus.log, [Io::R(0x60, 1); 4]);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (DATA - 1, 0));
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn rep_outsw_downwards() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x1f0, 2, io::REP);
    vm.ram.write(DATA, &[0x11, 0x22, 0x33, 0x44]).unwrap();
    vm.s.rflags |= DF;
    vm.s.gpr[RSI] = DATA + 2;
    vm.s.gpr[RCX] = 2;
    let mut bus = Bus::default();
    run(&mut vm, &[0x66, 0xf3, 0x6f], &mut bus).unwrap(); // rep outsw
    assert_eq!(bus.log, [Io::W(0x1f0, 2, 0x4433), Io::W(0x1f0, 2, 0x2211)]);
    assert_eq!(vm.s.gpr[RSI], DATA - 2);
    assert_eq!(vm.s.rip, CODE + 3);
}

#[test]
fn outs_honours_a_segment_override() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x3f8, 1, io::REP);
    vm.ram.write(DATA + 0x40, b"ok").unwrap();
    vm.s.fs.base = DATA;
    vm.s.gpr[RSI] = 0x40;
    vm.s.gpr[RCX] = 2;
    let mut bus = Bus::default();
    run(&mut vm, &[0x64, 0xf3, 0x6e], &mut bus).unwrap(); // rep outsb %fs:(%rsi),(%dx)
    assert_eq!(bus.log, [Io::W(0x3f8, 1, 0x6f), Io::W(0x3f8, 1, 0x6b)]);
}

#[test]
fn real_mode_rep_outsw_counts_in_cx() {
    let mut vm = Vm::real();
    exit(&mut vm, 0x1f0, 2, io::REP);
    vm.s.ds = seg(0x0500, 0x93, 0x5000);
    vm.ram.write(0x5010, &[1, 2, 3, 4]).unwrap();
    vm.s.gpr[RSI] = 0xaaaa_0000_0000_0010;
    vm.s.gpr[RCX] = 0xbbbb_0000_0000_0002;
    let mut bus = Bus::default();
    run(&mut vm, &[0xf3, 0x6f], &mut bus).unwrap(); // rep outsw (16-bit)
    assert_eq!(bus.log, [Io::W(0x1f0, 2, 0x0201), Io::W(0x1f0, 2, 0x0403)]);
    assert_eq!(vm.s.gpr[RSI], 0xaaaa_0000_0000_0014);
    assert_eq!(vm.s.gpr[RCX], 0xbbbb_0000_0000_0000);
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn a_long_rep_returns_after_max_rep_elements() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 1, io::IN | io::REP);
    vm.s.gpr[RDI] = DATA;
    vm.s.gpr[RCX] = MAX_REP + 10;
    let mut bus = Bus::reading(0xee);
    run(&mut vm, &[0xf3, 0x6c], &mut bus).unwrap();
    assert_eq!(bus.log.len() as u64, MAX_REP);
    assert_eq!(vm.s.gpr[RCX], 10);
    assert_eq!(vm.s.rip, CODE, "the guest re-executes for the rest");
    run(&mut vm, &[0xf3, 0x6c], &mut bus).unwrap();
    assert_eq!(vm.s.gpr[RCX], 0);
    assert_eq!(vm.s.gpr[RDI], DATA + MAX_REP + 10);
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn address_size_override_and_no_rep() {
    // rep insb with a 32-bit address: EDI and ECX.
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 1, io::IN | io::REP);
    vm.s.gpr[RDI] = 0x1234_0000_0000_0000 | DATA;
    vm.s.gpr[RCX] = 0x1234_0000_0000_0001;
    run(&mut vm, &[0x67, 0xf3, 0x6c], &mut Bus::reading(9)).unwrap();
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (DATA + 1, 0));
    assert_eq!(vm.ram.read_le::<1>(DATA), Ok(9));
    // insl (%dx),%es:(%rdi): one element, RCX untouched.
    let mut vm = Vm::long();
    exit(&mut vm, 0xcfc, 4, io::IN);
    vm.s.gpr[RDI] = DATA;
    vm.s.gpr[RCX] = 7;
    run(&mut vm, &[0x6d], &mut Bus::reading(0x1122_3344)).unwrap();
    assert_eq!(vm.ram.read_le::<4>(DATA), Ok(0x1122_3344));
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (DATA + 4, 7));
    assert_eq!(vm.s.rip, CODE + 1);
}

#[test]
fn zero_count_only_moves_rip() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 1, io::IN | io::REP);
    let mut bus = Bus::default();
    run(&mut vm, &[0xf3, 0x6c], &mut bus).unwrap();
    assert!(bus.log.is_empty());
    assert_eq!(vm.s.rip, CODE + 2);
}

#[test]
fn instruction_must_match_the_exit() {
    let mut vm = Vm::long();
    let mut bus = Bus::default();
    exit(&mut vm, 0x60, 1, 0); // OUT, but the code is INS
    assert_eq!(run(&mut vm, &[0x6c], &mut bus), Err(Fault::Mismatch));
    exit(&mut vm, 0x60, 2, io::IN); // word, but INSB
    assert_eq!(run(&mut vm, &[0x6c], &mut bus), Err(Fault::Mismatch));
    exit(&mut vm, 0x60, 1, io::IN);
    vm.s.gpr[RDX] = 0x61; // DX is not the port that exited
    assert_eq!(run(&mut vm, &[0x6c], &mut bus), Err(Fault::Mismatch));
    exit(&mut vm, 0x60, 1, io::IN);
    let r = run(&mut vm, &[0xec], &mut bus); // in (%dx),%al
    let mut bytes = [0; 15];
    bytes[0] = 0xec;
    assert_eq!(r, Err(Fault::Unsupported { bytes, len: 1 }));
    assert!(bus.log.is_empty());
    assert_eq!(vm.s.rip, CODE);
}

#[test]
fn ins_outside_ram_reads_no_port() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 1, io::IN | io::REP);
    vm.s.gpr[RDI] = MMIO_LIN;
    vm.s.gpr[RCX] = 1;
    let mut bus = Bus::default();
    assert_eq!(
        run(&mut vm, &[0xf3, 0x6c], &mut bus),
        Err(Fault::NotRam { gpa: MMIO })
    );
    assert!(bus.log.is_empty(), "the port read would be lost");
}

#[test]
fn ins_page_fault_keeps_the_done_elements() {
    let mut vm = Vm::long();
    exit(&mut vm, 0x60, 2, io::IN | io::REP);
    vm.s.gpr[RDI] = RAM - 4; // the last page of RAM; the next is unmapped
    vm.s.gpr[RCX] = 3;
    let mut bus = Bus::reading(0xabcd);
    let r = run(&mut vm, &[0x66, 0xf3, 0x6d], &mut bus); // rep insw
    assert_eq!(
        r,
        Err(Fault::PageFault {
            addr: RAM,
            code: pf::WRITE
        })
    );
    assert_eq!(bus.log.len(), 2);
    assert_eq!((vm.s.gpr[RDI], vm.s.gpr[RCX]), (RAM, 1));
    assert_eq!(vm.ram.read_le::<4>(RAM - 4), Ok(0xabcd_abcd));
    assert_eq!(vm.s.rip, CODE);
}

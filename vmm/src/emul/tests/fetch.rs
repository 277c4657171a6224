//! Fetching across pages and past RAM's end, fetch rights, and the CPU
//! modes' decoding and addressing.

use super::*;
use crate::emul::{emulate_mmio, pf, Fault};

/// movl $0x12345678,0x10(%rbx): seven bytes.
const MOVL: [u8; 7] = [0xc7, 0x43, 0x10, 0x78, 0x56, 0x34, 0x12];
/// Two linear pages on non-adjacent physical pages.
const SPLIT: u64 = 0x4000_0000;

fn split_code(vm: &mut Vm, lin: u64, bytes: &[u8]) {
    vm.map(SPLIT, 0x3000, P, 12);
    vm.map(SPLIT + 0x1000, 0x8000, P, 12);
    for (i, b) in bytes.iter().enumerate() {
        let l = lin + i as u64;
        let phys = if l < SPLIT + 0x1000 {
            0x3000 + (l - SPLIT)
        } else {
            0x8000 + (l - SPLIT - 0x1000)
        };
        vm.ram.write(phys, &[*b]).unwrap();
    }
    vm.s.rip = lin;
}

#[test]
fn fetch_crosses_to_a_non_adjacent_page() {
    let mut vm = Vm::long();
    split_code(&mut vm, SPLIT + 0xffd, &MOVL);
    vm.s.gpr[RBX] = MMIO_LIN;
    let mut bus = Bus::default();
    emulate_mmio(&mut vm.s, &vm.ram, &mut bus, MMIO).unwrap();
    assert_eq!(bus.log, [Io::W(MMIO + 0x10, 4, 0x1234_5678)]);
    assert_eq!(vm.s.rip, SPLIT + 0x1004);
}

#[test]
fn fetch_into_an_unmapped_page_faults_but_only_if_needed() {
    let mut vm = Vm::long();
    split_code(&mut vm, SPLIT + 0xffd, &MOVL);
    vm.edit(SPLIT + 0x1000, 12, |_| 0);
    vm.s.gpr[RBX] = MMIO_LIN;
    let r = emulate_mmio(&mut vm.s, &vm.ram, &mut Bus::default(), MMIO);
    assert_eq!(
        r,
        Err(Fault::PageFault {
            addr: SPLIT + 0x1000,
            code: pf::FETCH
        })
    );
    // mov %eax,(%rbx) ends at the page's end: the next page is not read.
    split_code(&mut vm, SPLIT + 0xffe, &[0x89, 0x03]);
    vm.edit(SPLIT + 0x1000, 12, |_| 0);
    emulate_mmio(&mut vm.s, &vm.ram, &mut Bus::default(), MMIO).unwrap();
    assert_eq!(vm.s.rip, SPLIT + 0x1000);
}

#[test]
fn instruction_truncated_at_the_end_of_ram() {
    let mut vm = Vm::flat();
    vm.ram.write(RAM - 2, &MOVL[..2]).unwrap();
    vm.s.rip = RAM - 2;
    let r = emulate_mmio(&mut vm.s, &vm.ram, &mut Bus::default(), MMIO);
    assert_eq!(r, Err(Fault::NotRam { gpa: RAM }));
}

#[test]
fn fetch_rights() {
    // CPL 3 fetching from a supervisor page.
    let mut vm = Vm::long();
    vm.user();
    let r = vm.mmio(&[0x89, 0x03], MMIO, &mut Bus::default());
    let code = pf::PRESENT | pf::USER | pf::FETCH;
    assert_eq!(r, Err(Fault::PageFault { addr: CODE, code }));
    // With a user code page, the data access to the supervisor device
    // page faults instead.
    vm.map(CODE, CODE, P | US, 12);
    vm.s.gpr[RBX] = MMIO_LIN;
    let r = vm.mmio(&[0x89, 0x03], MMIO, &mut Bus::default());
    let code = pf::PRESENT | pf::USER | pf::WRITE;
    assert_eq!(
        r,
        Err(Fault::PageFault {
            addr: MMIO_LIN,
            code
        })
    );
    // A null SS at CPL 0 (64-bit kernels after an interrupt): CS.RPL says.
    let mut vm = Vm::long();
    vm.s.ss = seg(0, 0, 0);
    vm.s.gpr[RBX] = MMIO_LIN;
    vm.mmio(&[0x89, 0x03], MMIO, &mut Bus::default()).unwrap();
    // No-execute code.
    let mut vm = Vm::long();
    vm.map(CODE, CODE, P | XD, 12);
    let r = vm.mmio(&[0x89, 0x03], MMIO, &mut Bus::default());
    let code = pf::PRESENT | pf::FETCH;
    assert_eq!(r, Err(Fault::PageFault { addr: CODE, code }));
}

#[test]
fn real_mode_segment_and_offset() {
    let mut vm = Vm::real();
    vm.s.cs = seg(0x1000, 0x9b, 0x10000);
    vm.s.rip = 0x0100;
    vm.s.ds = seg(0xb800, 0x93, 0xb8000);
    vm.s.gpr[RBX] = 0x10;
    vm.s.gpr[RAX] = 0x42;
    vm.ram.write(0x10100, &[0x88, 0x07]).unwrap(); // mov %al,(%bx)
    let mut bus = Bus::default();
    emulate_mmio(&mut vm.s, &vm.ram, &mut bus, 0xb8000).unwrap();
    assert_eq!(bus.log, [Io::W(0xb8010, 1, 0x42)]);
    assert_eq!(vm.s.rip, 0x0102);
    // mov 2(%bx,%si),%ax: the 16-bit sum wraps to offset 0.
    vm.s.rip = 0x0100;
    vm.s.gpr[RBX] = 0xfff0;
    vm.s.gpr[RSI] = 0x000e;
    vm.s.gpr[RAX] = 0x5555_5555_5555_5555;
    vm.ram.write(0x10100, &[0x8b, 0x40, 0x02]).unwrap();
    let mut bus = Bus::reading(0xbeef_cafe);
    emulate_mmio(&mut vm.s, &vm.ram, &mut bus, 0xb8000).unwrap();
    assert_eq!(bus.log, [Io::R(0xb8000, 2)]);
    assert_eq!(vm.s.gpr[RAX], 0x5555_5555_5555_cafe);
    // movl %eax,(%ebx): operand- and address-size prefixes in 16-bit code.
    vm.s.rip = 0x0100;
    vm.s.gpr[RBX] = 0x2_0000;
    vm.s.ds.base = 0xa0000;
    vm.ram.write(0x10100, &[0x67, 0x66, 0x89, 0x03]).unwrap();
    let mut bus = Bus::default();
    emulate_mmio(&mut vm.s, &vm.ram, &mut bus, 0xc0000).unwrap();
    assert_eq!(bus.log, [Io::W(0xc0000, 4, 0x5555_cafe)]);
}

#[test]
fn protected_mode_32_bit_with_4m_pages() {
    let mut vm = Vm::prot32(Paging::Bits32);
    vm.map(0xc000_0000, 0xfec0_0000, P | RW, 22);
    vm.s.gpr[RBX] = 0xc000_0010;
    vm.s.gpr[RAX] = 0xffff_ffff_0000_0001;
    let mut bus = Bus::default();
    vm.mmio(&[0x89, 0x03], 0xfec0_0000, &mut bus).unwrap(); // mov %eax,(%ebx)
    assert_eq!(bus.log, [Io::W(0xfec0_0010, 4, 1)]);
    // orw $0x100,(%ebx)
    vm.s.rip = CODE;
    let mut bus = Bus::reading(0x0001);
    vm.mmio(&[0x66, 0x81, 0x0b, 0x00, 0x01], 0xfec0_0000, &mut bus)
        .unwrap();
    assert_eq!(bus.log[1], Io::W(0xfec0_0010, 2, 0x0101));
}

#[test]
fn compatibility_mode_decodes_32_bit_code() {
    let mut vm = Vm::long();
    vm.s.cs.ar = 0xc9b; // L clear, D set
    vm.s.gpr[RBX] = 0xffff_ffff_0000_0000 | MMIO_LIN;
    let mut bus = Bus::default();
    // mov %eax,(%ebx): the address has 32 bits.
    vm.mmio(&[0x89, 0x03], MMIO, &mut bus).unwrap();
    assert_eq!(bus.log, [Io::W(MMIO, 4, 0)]);
}

//! The page walk in every paging mode, and the #PF error codes.

use super::*;
use crate::emul::{pf, translate, Access, Fault};

const READ: Access = Access {
    write: false,
    user: false,
    fetch: false,
};
const WRITE: Access = Access {
    write: true,
    ..READ
};
const FETCH: Access = Access {
    fetch: true,
    ..READ
};

fn user(a: Access) -> Access {
    Access { user: true, ..a }
}

fn tr(vm: &Vm, lin: u64, a: Access) -> Result<u64, Fault> {
    translate(&vm.s, &vm.ram, lin, a)
}

fn pf(addr: u64, code: u32) -> Result<u64, Fault> {
    Err(Fault::PageFault { addr, code })
}

/// An unmapped linear page in every scenario.
const HOLE: u64 = 0x6000_0000;
/// A linear page the tests map with chosen rights.
const PAGE: u64 = 0x6020_0000;

#[test]
fn without_paging_linear_is_physical() {
    let vm = Vm::flat();
    assert_eq!(tr(&vm, 0x1_2345_6789, WRITE), Ok(0x2345_6789));
    assert_eq!(tr(&Vm::real(), 0xb8010, READ), Ok(0xb8010));
}

#[test]
fn long_mode_page_sizes() {
    let mut vm = Vm::long();
    vm.map(0x8000_0000, 0x1_0020_0000, P | RW, 21);
    vm.map(0x80_0000_0000, 0x40_0000_0000, P | RW, 30);
    vm.map(0xffff_8000_0000_0000, 0x3000, P | RW, 12);
    assert_eq!(tr(&vm, 0x8012_3456, READ), Ok(0x1_0032_3456));
    assert_eq!(tr(&vm, 0x80_1234_5678, WRITE), Ok(0x40_1234_5678));
    assert_eq!(tr(&vm, 0xffff_8000_0000_0abc, READ), Ok(0x3abc));
    assert_eq!(tr(&vm, MMIO_LIN + 0x123, READ), Ok(MMIO + 0x123));
    assert_eq!(tr(&vm, 0x0000_8000_0000_0000, READ), Err(Fault::General));
    assert_eq!(tr(&vm, 0xffff_7fff_ffff_f000, READ), Err(Fault::General));
}

#[test]
fn not_present_error_codes() {
    let mut vm = Vm::long();
    assert_eq!(tr(&vm, HOLE + 8, READ), pf(HOLE + 8, 0));
    assert_eq!(tr(&vm, HOLE, WRITE), pf(HOLE, pf::WRITE));
    assert_eq!(tr(&vm, HOLE, user(WRITE)), pf(HOLE, pf::WRITE | pf::USER));
    // PAE-format paging with NXE reports fetches.
    assert_eq!(tr(&vm, HOLE, FETCH), pf(HOLE, pf::FETCH));
    // 32-bit paging reports no I/D bit without SMEP.
    let vm32 = Vm::prot32(Paging::Bits32);
    assert_eq!(tr(&vm32, HOLE, FETCH), pf(HOLE, 0));
    vm.s.efer &= !EFER_NXE;
    assert_eq!(tr(&vm, HOLE, FETCH), pf(HOLE, 0));
}

#[test]
fn protection_error_codes() {
    let mut vm = Vm::long();
    vm.map(PAGE, 0x3000, P, 12); // read-only, supervisor
    let present = pf::PRESENT;
    assert_eq!(tr(&vm, PAGE, READ), Ok(0x3000));
    assert_eq!(tr(&vm, PAGE, WRITE), pf(PAGE, present | pf::WRITE));
    assert_eq!(tr(&vm, PAGE, user(READ)), pf(PAGE, present | pf::USER));
    // CR0.WP clear: the supervisor writes read-only pages, users do not.
    vm.s.cr0 &= !CR0_WP;
    assert_eq!(tr(&vm, PAGE, WRITE), Ok(0x3000));
    vm.map(PAGE, 0x3000, P | US, 12);
    assert_eq!(
        tr(&vm, PAGE, user(WRITE)),
        pf(PAGE, present | pf::WRITE | pf::USER)
    );
    assert_eq!(tr(&vm, PAGE, user(READ)), Ok(0x3000));
    // U/S must be set at every level: clear it in the PDE.
    vm.edit(PAGE, 21, |e| e & !US);
    assert_eq!(tr(&vm, PAGE, user(READ)), pf(PAGE, present | pf::USER));
}

#[test]
fn execute_disable() {
    let mut vm = Vm::long();
    vm.map(PAGE, 0x3000, P | RW | US | XD, 12);
    assert_eq!(tr(&vm, PAGE, READ), Ok(0x3000));
    assert_eq!(tr(&vm, PAGE, FETCH), pf(PAGE, pf::PRESENT | pf::FETCH));
    assert_eq!(
        tr(&vm, PAGE, user(FETCH)),
        pf(PAGE, pf::PRESENT | pf::FETCH | pf::USER)
    );
    // XD in an upper level counts too.
    vm.map(PAGE, 0x3000, P | RW, 12);
    vm.edit(PAGE, 30, |e| e | XD);
    assert_eq!(tr(&vm, PAGE, FETCH), pf(PAGE, pf::PRESENT | pf::FETCH));
    // Without EFER.NXE, XD is a reserved bit.
    vm.s.efer &= !EFER_NXE;
    assert_eq!(tr(&vm, PAGE, READ), pf(PAGE, pf::PRESENT | pf::RSVD));
}

#[test]
fn smep_and_smap() {
    let mut vm = Vm::long();
    vm.map(PAGE, 0x3000, P | RW | US, 12);
    vm.s.cr4 |= 1 << 20;
    assert_eq!(tr(&vm, PAGE, FETCH), pf(PAGE, pf::PRESENT | pf::FETCH));
    assert_eq!(tr(&vm, PAGE, user(FETCH)), Ok(0x3000));
    vm.s.cr4 |= 1 << 21;
    assert_eq!(tr(&vm, PAGE, WRITE), pf(PAGE, pf::PRESENT | pf::WRITE));
    vm.s.rflags |= 1 << 18; // AC: explicit supervisor accesses allowed
    assert_eq!(tr(&vm, PAGE, WRITE), Ok(0x3000));
}

#[test]
fn reserved_bits() {
    let mut vm = Vm::long();
    vm.map(0x8000_0000, 0x20_0000, P | RW, 21);
    vm.edit(0x8000_0000, 21, |e| e | 1 << 13);
    assert_eq!(
        tr(&vm, 0x8000_0000, READ),
        pf(0x8000_0000, pf::PRESENT | pf::RSVD)
    );
    vm.edit(MMIO_LIN, 39, |e| e | PS);
    assert_eq!(
        tr(&vm, MMIO_LIN, WRITE),
        pf(MMIO_LIN, pf::PRESENT | pf::RSVD | pf::WRITE)
    );
}

#[test]
fn accessed_and_dirty_bits() {
    let mut vm = Vm::long();
    vm.map(PAGE, 0x3000, P | RW, 12);
    tr(&vm, PAGE, READ).unwrap();
    assert_eq!(
        vm.peek_entry(PAGE, 12) & 0x60,
        0x20,
        "read: accessed, not dirty"
    );
    assert_eq!(vm.peek_entry(PAGE, 39) & 0x60, 0x20);
    tr(&vm, PAGE, WRITE).unwrap();
    assert_eq!(vm.peek_entry(PAGE, 12) & 0x60, 0x60, "write: dirty");
    assert_eq!(vm.peek_entry(PAGE, 21) & 0x40, 0, "only the leaf is dirty");
    // A refused access marks nothing.
    vm.map(PAGE, 0x3000, P, 12);
    tr(&vm, PAGE, WRITE).unwrap_err();
    assert_eq!(vm.peek_entry(PAGE, 12) & 0x60, 0);
}

#[test]
fn table_outside_ram() {
    let mut vm = Vm::long();
    vm.edit(MMIO_LIN, 21, |e| (e & 0xfff) | 0x8000_0000);
    let idx = (MMIO_LIN >> 12) & 0x1ff;
    assert_eq!(
        tr(&vm, MMIO_LIN, READ),
        Err(Fault::NotRam {
            gpa: 0x8000_0000 + idx * 8
        })
    );
}

#[test]
fn five_level_paging() {
    let mut vm = Vm::paged(Paging::Long5);
    assert_eq!(tr(&vm, MMIO_LIN + 4, READ), Ok(MMIO + 4));
    // Bit 48 is an address bit with LA57, not a sign bit.
    let high = 0x0001_0000_0000_0000;
    assert_eq!(tr(&vm, high, READ), pf(high, 0));
    vm.map(high, 0x4000, P, 12);
    assert_eq!(tr(&vm, high + 1, READ), Ok(0x4001));
    assert_eq!(tr(&vm, 0x0100_0000_0000_0000, READ), Err(Fault::General));
    assert_eq!(tr(&Vm::long(), high, READ), Err(Fault::General));
}

#[test]
fn legacy_32_bit_paging() {
    let mut vm = Vm::prot32(Paging::Bits32);
    assert_eq!(tr(&vm, MMIO_LIN + 0x10, WRITE), Ok(MMIO + 0x10));
    vm.map(0xc000_0000, 0xfec0_0000, P | RW, 22);
    assert_eq!(tr(&vm, 0xc012_3456, READ), Ok(0xfed2_3456));
    // PSE-36: PDE bits 20:13 are physical bits 39:32.
    let pde = vm.entry(0xc040_0000, 22);
    vm.ram
        .write_le::<4>(pde, (0x2 << 13) | 0x0040_0000 | P | PS)
        .unwrap();
    assert_eq!(tr(&vm, 0xc040_0001, READ), Ok(0x2_0040_0001));
    // No 4 MiB pages without CR4.PSE: the PDE points to a page table
    // (here outside RAM).
    vm.s.cr4 &= !CR4_PSE;
    assert_eq!(
        tr(&vm, 0xc000_0000, READ),
        Err(Fault::NotRam { gpa: 0xfec0_0000 })
    );
    // Linear addresses have 32 bits.
    vm.s.cr4 |= CR4_PSE;
    assert_eq!(tr(&vm, 0x1_0000_0000 | MMIO_LIN, READ), Ok(MMIO));
}

#[test]
fn pae_paging() {
    let mut vm = Vm::prot32(Paging::Pae);
    assert_eq!(tr(&vm, MMIO_LIN + 0x10, WRITE), Ok(MMIO + 0x10));
    vm.map(0xc000_0000, 0x1_fec0_0000, P | RW, 21);
    assert_eq!(tr(&vm, 0xc012_3456, READ), Ok(0x1_fed2_3456));
    vm.map(0xc020_0000, 0x3000, P | RW | XD, 12);
    assert_eq!(
        tr(&vm, 0xc020_0000, FETCH),
        pf(0xc020_0000, pf::PRESENT | pf::FETCH)
    );
    // The PDPTE for 0x80000000.. is not present.
    assert_eq!(tr(&vm, 0x8000_0000, WRITE), pf(0x8000_0000, pf::WRITE));
}

#[test]
fn a_data_page_fault_leaves_the_guest_unchanged() {
    let mut vm = Vm::long();
    vm.s.gpr[3] = HOLE + 4;
    let before = vm.s;
    let mut bus = Bus::default();
    // mov %eax,(%rbx)
    let r = vm.mmio(&[0x89, 0x03], MMIO, &mut bus);
    assert_eq!(
        r,
        Err(Fault::PageFault {
            addr: HOLE + 4,
            code: pf::WRITE
        })
    );
    assert_eq!(vm.s, before);
    assert!(bus.log.is_empty());
    assert_eq!(r.unwrap_err().exception(), Some((14, Some(pf::WRITE))));
    assert_eq!(Fault::General.exception(), Some((13, Some(0))));
    assert_eq!(Fault::Mismatch.exception(), None);
}

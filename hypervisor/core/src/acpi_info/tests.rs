//! End-to-end: fixture tables in host memory, parsed through the `acpi`
//! crate and [`OffsetHandler`].

use super::*;

const RSDP: usize = 0x10;
const XSDT: usize = 0x40;
const RSDT: usize = 0x80;
const FADT: usize = 0x100;
const DSDT: usize = 0x400;
const MADT: usize = 0x600;
const OTHER: usize = 0x800;
const ARENA: usize = 0x1000;

const AML: &[u8] = b"\x10\x0b\\_SB_\x5b\x82junk\x08\\_S5_\x12\x08\x04\x0a\x05\x0a\x07\x00\x00";

/// A fixed block of host memory holding the tables. `phys` is the address
/// the tables use for byte 0: the host address itself (handler offset 0),
/// or 0 with the handler offset set to the host address, which lets an
/// RSDT hold 32-bit pointers.
struct Arena {
    mem: Vec<u8>,
    phys: u64,
    offset: u64,
}

impl Arena {
    fn new(identity: bool) -> Self {
        let mem = vec![0u8; ARENA];
        let host = mem.as_ptr() as u64;
        let (phys, offset) = if identity { (host, 0) } else { (0, host) };
        Self { mem, phys, offset }
    }

    /// Made after the tables are written, so that no later write
    /// invalidates the pointers the handler hands out.
    fn handler(&self) -> OffsetHandler {
        // SAFETY: every table address the fixtures use lies in `mem`, which
        // is borrowed (and so neither freed nor written) while this
        // handler is used.
        unsafe { OffsetHandler::new(self.offset) }
    }

    fn addr(&self, off: usize) -> u64 {
        self.phys + off as u64
    }

    fn put(&mut self, off: usize, bytes: &[u8]) {
        self.mem[off..off + bytes.len()].copy_from_slice(bytes);
    }

    fn fix_checksum(&mut self, off: usize, len: usize, at: usize) {
        self.mem[at] = 0;
        let sum = self.mem[off..off + len]
            .iter()
            .fold(0u8, |s, b| s.wrapping_add(*b));
        self.mem[at] = 0u8.wrapping_sub(sum);
    }

    fn sdt(&mut self, off: usize, sig: &[u8; 4], revision: u8, body: &[u8]) {
        let len = 36 + body.len();
        self.put(off, sig);
        self.put(off + 4, &(len as u32).to_le_bytes());
        self.mem[off + 8] = revision;
        self.put(off + 10, b"HVTESTFIXTURE ");
        self.put(off + 36, body);
        self.fix_checksum(off, len, off + 9);
    }

    fn rsdp(&mut self, revision: u8, rsdt: u32, xsdt: u64) {
        self.put(RSDP, b"RSD PTR ");
        self.put(RSDP + 9, b"HVTEST");
        self.mem[RSDP + 15] = revision;
        self.put(RSDP + 16, &rsdt.to_le_bytes());
        self.put(RSDP + 20, &36u32.to_le_bytes());
        self.put(RSDP + 24, &xsdt.to_le_bytes());
        self.fix_checksum(RSDP, 20, RSDP + 8);
        self.fix_checksum(RSDP, 36, RSDP + 32);
    }

    fn xsdt(&mut self, tables: &[usize]) {
        let body: Vec<u8> = tables
            .iter()
            .flat_map(|&t| self.addr(t).to_le_bytes())
            .collect();
        self.sdt(XSDT, b"XSDT", 1, &body);
    }
}

fn madt_body() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&[0, 8, 0, 0, 1, 0, 0, 0]); // LAPIC uid 0 id 0 enabled
    b.extend_from_slice(&[0, 8, 1, 1, 0, 0, 0, 0]); // LAPIC uid 1 id 1 disabled
    b.extend_from_slice(&[0, 8, 2, 3, 2, 0, 0, 0]); // LAPIC uid 2 id 3 online-capable
    b.extend_from_slice(&[1, 12, 2, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0]); // IOAPIC 2
    b.extend_from_slice(&[2, 10, 0, 0, 2, 0, 0, 0, 0, 0]); // source override
    b.extend_from_slice(&[9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]); // x2APIC 0x100 uid 4
    b.extend_from_slice(&[9, 16, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]); // x2APIC 0x101 disabled
    b
}

/// An ACPI 2.0+ FADT body (after the header), 244 bytes in all.
fn fadt_body(dsdt32: u32, x_dsdt: u64) -> Vec<u8> {
    let mut t = vec![0u8; 244];
    t[40..44].copy_from_slice(&dsdt32.to_le_bytes());
    t[64..68].copy_from_slice(&0x604u32.to_le_bytes());
    t[76..80].copy_from_slice(&0x608u32.to_le_bytes());
    t[89] = 2;
    t[91] = 4;
    t[112..116].copy_from_slice(&(1u32 << 8 | 1 << 10).to_le_bytes());
    t[116..128].copy_from_slice(&[1, 8, 0, 1, 0xf9, 0x0c, 0, 0, 0, 0, 0, 0]);
    t[128] = 6;
    t[140..148].copy_from_slice(&x_dsdt.to_le_bytes());
    t[172..184].copy_from_slice(&[1, 16, 0, 2, 0x04, 0xb0, 0, 0, 0, 0, 0, 0]);
    t[36..].to_vec()
}

/// RSDP 2 -> XSDT -> {FADT -> DSDT, an unrelated table, MADT}.
fn standard(identity: bool) -> Arena {
    let mut a = Arena::new(identity);
    a.sdt(DSDT, b"DSDT", 2, AML);
    let body = fadt_body(0, a.addr(DSDT));
    a.sdt(FADT, b"FACP", 4, &body);
    a.sdt(MADT, b"APIC", 3, &madt_body());
    a.sdt(OTHER, b"WAET", 1, &[0; 4]);
    a.xsdt(&[FADT, OTHER, MADT]);
    a.rsdp(2, 0, a.addr(XSDT));
    a
}

fn run(a: &Arena) -> Result<Platform, AcpiInfoError> {
    // SAFETY: the arena holds every table the RSDP leads to.
    unsafe { parse(a.handler(), a.addr(RSDP)) }
}

#[test]
fn full_tables_with_host_pointers() {
    let a = standard(true);
    let p = run(&a).unwrap();
    assert_eq!(p.lapic_address, 0xfee0_0000);
    assert!(p.legacy_pic);
    assert_eq!(
        p.cpus(),
        [
            Cpu { apic_id: 0, uid: 0 },
            Cpu { apic_id: 3, uid: 2 },
            Cpu {
                apic_id: 0x100,
                uid: 4
            },
        ]
    );
    assert_eq!(p.skipped_cpus, 0);
    assert_eq!(
        p.ioapics(),
        [IoApic {
            id: 2,
            address: 0xfec0_0000,
            gsi_base: 0
        }]
    );
    assert_eq!(p.skipped_ioapics, 0);
    let io = |address, bit_width| Gas {
        space: AddressSpace::SystemIo,
        address,
        bit_width,
    };
    assert_eq!(p.pm1a_control, Some(io(0xb004, 16)));
    assert_eq!(p.pm1b_control, None);
    assert_eq!(p.pm_timer, Some(io(0x608, 32)));
    assert!(p.pm_timer_32bit);
    assert_eq!(p.reset, Some((io(0xcf9, 8), 6)));
    assert_eq!(p.s5, Some((5, 7)));
}

#[test]
fn acpi1_rsdt_through_an_offset() {
    let mut a = Arena::new(false);
    a.sdt(DSDT, b"DSDT", 1, AML);
    let body = fadt_body(DSDT as u32, 0);
    a.sdt(FADT, b"FACP", 1, &body[..116 - 36]);
    a.sdt(MADT, b"APIC", 1, &madt_body());
    let body: Vec<u8> = [MADT, FADT]
        .iter()
        .flat_map(|&t| (t as u32).to_le_bytes())
        .collect();
    a.sdt(RSDT, b"RSDT", 1, &body);
    a.rsdp(0, RSDT as u32, 0);
    let p = run(&a).unwrap();
    assert_eq!(p.cpus().len(), 3);
    // The 1.0 PM1a field, and no reset register in a 116-byte FADT.
    assert_eq!(p.pm1a_control.map(|g| g.address), Some(0x604));
    assert_eq!(p.reset, None);
    assert_eq!(p.s5, Some((5, 7)));
}

#[test]
fn missing_fadt_leaves_its_facts_absent() {
    let mut a = standard(true);
    a.xsdt(&[MADT]);
    let p = run(&a).unwrap();
    assert_eq!(p.cpus().len(), 3);
    assert_eq!(
        (p.pm1a_control, p.pm_timer, p.reset, p.s5),
        (None, None, None, None)
    );
}

#[test]
fn unreadable_dsdt_gives_no_s5() {
    let mut a = standard(true);
    a.put(DSDT, b"XXXX");
    assert_eq!(run(&a).unwrap().s5, None);
    let mut a = standard(true);
    a.put(DSDT + 4, &20u32.to_le_bytes());
    assert_eq!(run(&a).unwrap().s5, None);
}

#[test]
fn bad_rsdp() {
    let mut a = standard(true);
    a.mem[RSDP] = b'X';
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoRsdp));
    let mut a = standard(true);
    a.mem[RSDP + 8] ^= 1;
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoRsdp));
    let mut a = standard(true);
    a.mem[RSDP + 32] ^= 1;
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoRsdp));
    let mut a = standard(true);
    a.put(RSDP + 20, &4096u32.to_le_bytes());
    a.fix_checksum(RSDP, 20, RSDP + 8);
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoRsdp));
    let mut a = standard(true);
    a.put(RSDP + 9, &[0xff; 6]);
    a.fix_checksum(RSDP, 20, RSDP + 8);
    a.fix_checksum(RSDP, 36, RSDP + 32);
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoRsdp));
}

#[test]
fn bad_root_table() {
    let mut a = standard(true);
    a.mem[XSDT + 40] ^= 1;
    assert_eq!(run(&a).err(), Some(AcpiInfoError::BadTables));
    let mut a = standard(true);
    a.put(XSDT + 4, &20u32.to_le_bytes());
    assert_eq!(run(&a).err(), Some(AcpiInfoError::BadTables));
    let mut a = standard(true);
    a.put(XSDT, b"RSDT");
    a.fix_checksum(XSDT, 36 + 24, XSDT + 9);
    assert_eq!(run(&a).err(), Some(AcpiInfoError::BadTables));
}

#[test]
fn missing_or_corrupt_madt() {
    let mut a = standard(true);
    a.xsdt(&[FADT, OTHER]);
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoMadt));
    let mut a = standard(true);
    a.mem[MADT + 50] ^= 1;
    assert_eq!(run(&a).err(), Some(AcpiInfoError::NoMadt));
    // Checksummed, but with a zero-length entry.
    let mut a = standard(true);
    let mut body = madt_body();
    body[9] = 0;
    a.sdt(MADT, b"APIC", 3, &body);
    assert_eq!(run(&a).err(), Some(AcpiInfoError::BadTables));
}

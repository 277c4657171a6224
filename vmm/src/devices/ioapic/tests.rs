use super::*;
use crate::ctx::Event;
use crate::time::Time;
use std::vec::Vec;

fn ctx(out: &mut Vec<Event>) -> Ctx<'_> {
    Ctx::new(Time::default(), 0, out)
}

fn wr(io: &mut IoApic, out: &mut Vec<Event>, reg: u8, value: u32) {
    io.write(&mut ctx(out), BASE, 1, u64::from(reg));
    io.write(&mut ctx(out), BASE + 0x10, 4, u64::from(value));
}

fn rd(io: &mut IoApic, reg: u8) -> u32 {
    let mut out = Vec::new();
    io.write(&mut ctx(&mut out), BASE, 4, u64::from(reg));
    io.read(&mut ctx(&mut out), BASE + 0x10, 4) as u32
}

/// Programs pin `pin`'s entry.
fn route(io: &mut IoApic, pin: u8, low: u32, dest: u8) {
    let mut out = Vec::new();
    wr(io, &mut out, 0x11 + 2 * pin, u32::from(dest) << 24);
    wr(io, &mut out, 0x10 + 2 * pin, low);
    assert!(out.is_empty() || low & (1 << 16) == 0);
}

fn msg(vector: u8, dest: Dest, level: bool) -> Event {
    Event::Apic(ApicMsg {
        vector,
        delivery: Delivery::Fixed,
        dest,
        level,
        source: 0,
    })
}

const LEVEL: u32 = 1 << 15;
const MASK: u32 = 1 << 16;

#[test]
fn identification_registers() {
    let mut io = IoApic::new(2);
    assert_eq!(rd(&mut io, 0), 2 << 24);
    assert_eq!(rd(&mut io, 1), 0x0017_0020);
    assert_eq!(rd(&mut io, 2), 2 << 24);
    let mut out = Vec::new();
    wr(&mut io, &mut out, 0, 0xffff_ffff);
    assert_eq!(rd(&mut io, 0), 0x0f00_0000, "only bits 24-27 are the ID");
    assert_eq!(rd(&mut io, 2), 0x0f00_0000, "arbitration ID follows the ID");
    wr(&mut io, &mut out, 1, 0);
    wr(&mut io, &mut out, 2, 0);
    assert_eq!(rd(&mut io, 1), VERSION, "version is read-only");
    assert_eq!(rd(&mut io, 2), 0x0f00_0000, "arbitration is read-only");
    assert_eq!(rd(&mut io, 3), 0);
    assert_eq!(rd(&mut io, 0x40), 0, "past entry 23");
    assert_eq!(rd(&mut io, 0xff), 0);
    assert!(out.is_empty());
}

#[test]
fn ioregsel_reads_back_and_entries_reset_masked() {
    let mut io = IoApic::new(0);
    let mut out = Vec::new();
    io.write(&mut ctx(&mut out), BASE, 1, 0x1234);
    assert_eq!(io.read(&mut ctx(&mut out), BASE, 4), 0x34);
    assert_eq!(io.read(&mut ctx(&mut out), BASE, 1), 0x34);
    for pin in 0..24u8 {
        assert_eq!(rd(&mut io, 0x10 + 2 * pin), MASK, "pin {pin}");
        assert_eq!(rd(&mut io, 0x11 + 2 * pin), 0);
    }
}

#[test]
fn entry_fields_and_read_only_bits() {
    let mut io = IoApic::new(0);
    let mut out = Vec::new();
    wr(&mut io, &mut out, 0x12, 0xffff_ffff);
    assert_eq!(
        rd(&mut io, 0x12),
        0x1_afff,
        "status, remote IRR, reserved read 0"
    );
    wr(&mut io, &mut out, 0x13, 0xffff_ffff);
    assert_eq!(rd(&mut io, 0x13), 0xff00_0000);
    // Polarity is stored as written.
    wr(&mut io, &mut out, 0x14, MASK | (1 << 13) | 0x30);
    assert_eq!(rd(&mut io, 0x14), MASK | (1 << 13) | 0x30);
    assert!(out.is_empty());
}

#[test]
fn edge_entries_send_on_rising_edges_only() {
    let mut io = IoApic::new(0);
    route(&mut io, 4, 0x34, 1);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 4, true);
    io.set_irq(&mut ctx(&mut out), 4, true);
    io.set_irq(&mut ctx(&mut out), 4, false);
    assert_eq!(out, [msg(0x34, Dest::Physical(1), false)]);
    out.clear();
    io.pulse(&mut ctx(&mut out), 4);
    io.pulse(&mut ctx(&mut out), 4);
    assert_eq!(out.len(), 2);
    assert_eq!(rd(&mut io, 0x18) & (1 << 14), 0, "no remote IRR for edges");
}

#[test]
fn masked_edges_are_lost() {
    let mut io = IoApic::new(0);
    route(&mut io, 0, MASK | 0x30, 0);
    let mut out = Vec::new();
    io.pulse(&mut ctx(&mut out), 0);
    io.set_irq(&mut ctx(&mut out), 0, true);
    route(&mut io, 0, 0x30, 0);
    assert!(out.is_empty());
}

#[test]
fn level_entries_hold_remote_irr_until_eoi() {
    let mut io = IoApic::new(0);
    route(&mut io, 9, LEVEL | 0x49, 0);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 9, true);
    assert_eq!(out, [msg(0x49, Dest::Physical(0), true)]);
    assert_ne!(rd(&mut io, 0x22) & (1 << 14), 0, "remote IRR set");
    out.clear();
    io.set_irq(&mut ctx(&mut out), 9, true);
    assert!(out.is_empty(), "remote IRR holds off a second message");
    // EOI for another vector does nothing.
    io.eoi(&mut ctx(&mut out), 0x48);
    assert!(out.is_empty());
    // The line is still high: EOI sends again.
    io.eoi(&mut ctx(&mut out), 0x49);
    assert_eq!(out, [msg(0x49, Dest::Physical(0), true)]);
    out.clear();
    io.set_irq(&mut ctx(&mut out), 9, false);
    io.eoi(&mut ctx(&mut out), 0x49);
    assert!(out.is_empty());
    assert_eq!(rd(&mut io, 0x22) & (1 << 14), 0, "remote IRR clear");
}

#[test]
fn eoi_register_ends_level_interrupts() {
    let mut io = IoApic::new(0);
    route(&mut io, 10, LEVEL | 0x5a, 3);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 10, true);
    out.clear();
    io.write(&mut ctx(&mut out), BASE + 0x40, 4, 0x5a);
    assert_eq!(out, [msg(0x5a, Dest::Physical(3), true)]);
    out.clear();
    io.set_irq(&mut ctx(&mut out), 10, false);
    io.write(&mut ctx(&mut out), BASE + 0x40, 4, 0x5a);
    assert!(out.is_empty());
    assert_eq!(rd(&mut io, 0x24) & (1 << 14), 0);
    assert_eq!(io.read(&mut ctx(&mut out), BASE + 0x40, 4), 0);
}

#[test]
fn unmasking_an_asserted_level_line_sends() {
    let mut io = IoApic::new(0);
    route(&mut io, 11, MASK | LEVEL | 0x61, 0);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 11, true);
    assert!(out.is_empty());
    wr(&mut io, &mut out, 0x10 + 22, LEVEL | 0x61);
    assert_eq!(out, [msg(0x61, Dest::Physical(0), true)]);
}

#[test]
fn switching_to_edge_clears_remote_irr() {
    let mut io = IoApic::new(0);
    route(&mut io, 5, LEVEL | 0x35, 0);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 5, true);
    wr(&mut io, &mut out, 0x1a, 0x35);
    assert_eq!(rd(&mut io, 0x1a) & (1 << 14), 0);
}

#[test]
fn polarity_is_not_applied() {
    let mut io = IoApic::new(0);
    route(&mut io, 9, LEVEL | (1 << 13) | 0x49, 0);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 9, false);
    assert!(out.is_empty(), "an idle active-low line is not asserted");
    io.set_irq(&mut ctx(&mut out), 9, true);
    assert_eq!(out.len(), 1);
}

#[test]
fn logical_destinations_and_delivery_modes() {
    let mut io = IoApic::new(0);
    route(&mut io, 1, (1 << 11) | (1 << 8) | 0x31, 0x0f);
    route(&mut io, 2, LEVEL | (4 << 8) | 0x02, 0xff);
    route(&mut io, 3, 2 << 8, 0);
    route(&mut io, 6, 3 << 8, 0);
    route(&mut io, 7, LEVEL | (7 << 8), 0);
    let mut out = Vec::new();
    for pin in [1, 2, 3, 6, 7] {
        io.set_irq(&mut ctx(&mut out), pin, true);
    }
    let lowest = ApicMsg {
        vector: 0x31,
        delivery: Delivery::LowestPriority,
        dest: Dest::Logical(0x0f),
        level: false,
        source: 0,
    };
    let nmi = ApicMsg {
        vector: 2,
        delivery: Delivery::Nmi,
        dest: Dest::Physical(0xff),
        level: false,
        source: 0,
    };
    let extint = ApicMsg {
        vector: 0,
        delivery: Delivery::ExtInt,
        dest: Dest::Physical(0),
        level: false,
        source: 0,
    };
    assert_eq!(
        out,
        [Event::Apic(lowest), Event::Apic(nmi), Event::Apic(extint)],
        "SMI and reserved mode send nothing"
    );
    assert_eq!(
        rd(&mut io, 0x14) & (1 << 14),
        0,
        "NMI entries hold no remote IRR"
    );
}

#[test]
fn pins_past_23_are_ignored() {
    let mut io = IoApic::new(0);
    let mut out = Vec::new();
    io.set_irq(&mut ctx(&mut out), 24, true);
    io.pulse(&mut ctx(&mut out), 255);
    assert!(out.is_empty());
}

#[test]
fn narrow_and_misaligned_accesses() {
    let mut io = IoApic::new(0);
    let mut out = Vec::new();
    wr(&mut io, &mut out, 0x10, 0x1_2345);
    io.write(&mut ctx(&mut out), BASE, 1, 0x10);
    assert_eq!(io.read(&mut ctx(&mut out), BASE + 0x11, 1), 0x23);
    assert_eq!(io.read(&mut ctx(&mut out), BASE + 0x12, 2), 0x1);
    assert_eq!(io.read(&mut ctx(&mut out), BASE + 0x10, 8), 0x1_2345);
    // A 2-byte write to IOWIN is dropped.
    io.write(&mut ctx(&mut out), BASE + 0x10, 2, 0);
    assert_eq!(rd(&mut io, 0x10), 0x1_2345);
    // An 8-byte write at IOREGSEL covers IOREGSEL only.
    io.write(&mut ctx(&mut out), BASE, 8, 0xffff_ffff_0000_0001);
    assert_eq!(io.read(&mut ctx(&mut out), BASE + 0x10, 4), VERSION.into());
}

#[test]
fn hammer_every_offset_and_size() {
    let mut io = IoApic::new(0);
    let mut out = Vec::new();
    for value in [0, u64::MAX, 0x5555_5555_5555_5555, 0x1_0030] {
        for off in 0..SIZE + 8 {
            for size in [1, 2, 4, 8] {
                let mut c = ctx(&mut out);
                io.read(&mut c, BASE + off, size);
                io.write(&mut c, BASE + off, size, value);
                io.read(&mut c, BASE + off, size);
            }
        }
        for sel in 0..=255u64 {
            let mut c = ctx(&mut out);
            io.write(&mut c, BASE, 1, sel);
            io.write(&mut c, BASE + 0x10, 4, value);
            io.read(&mut c, BASE + 0x10, 4);
        }
        for pin in 0..=255u8 {
            io.pulse(&mut ctx(&mut out), pin);
            io.set_irq(&mut ctx(&mut out), pin, true);
            io.eoi(&mut ctx(&mut out), pin);
        }
    }
    io.read(&mut ctx(&mut out), u64::MAX, 8);
    io.write(&mut ctx(&mut out), 0, 8, 0);
}

//! Host tests of the PIC pair: the register protocol here, inputs and
//! priority in their own files.

use alloc::vec::Vec;

use super::*;
use crate::time::Time;

mod lines;
mod priority;

fn rd(p: &mut PicPair, port: u64) -> u8 {
    let mut out = Vec::new();
    let v = p.read(&mut Ctx::new(Time::default(), 0, &mut out), port, 1);
    assert!(out.is_empty());
    v as u8
}

fn wr(p: &mut PicPair, port: u64, v: u8) {
    let mut out = Vec::new();
    p.write(
        &mut Ctx::new(Time::default(), 0, &mut out),
        port,
        1,
        v.into(),
    );
    assert!(out.is_empty());
}

/// What Linux's init_8259A does: vectors 0x20/0x28, slave on IR2, 8086
/// mode, normal EOI; then everything unmasked.
fn linux_init(icw4: u8) -> PicPair {
    let mut p = PicPair::new();
    for (port, v) in [
        (0x20, 0x11),
        (0x21, 0x20),
        (0x21, 0x04),
        (0x21, icw4),
        (0xa0, 0x11),
        (0xa1, 0x28),
        (0xa1, 0x02),
        (0xa1, icw4),
        (0x21, 0x00),
        (0xa1, 0x00),
    ] {
        wr(&mut p, port, v);
    }
    p
}

fn isr(p: &mut PicPair, cmd: u64) -> u8 {
    wr(p, cmd, 0x0b);
    let v = rd(p, cmd);
    wr(p, cmd, 0x0a);
    v
}

#[test]
fn reset_state_is_masked_and_quiet() {
    let mut p = PicPair::new();
    assert_eq!(rd(&mut p, 0x21), 0xff);
    assert_eq!(rd(&mut p, 0xa1), 0xff);
    assert_eq!(rd(&mut p, 0x4d0), 0);
    assert_eq!(rd(&mut p, 0x4d1), 0);
    p.pulse(1);
    p.pulse(12);
    assert!(!p.output());
    // The requests latched regardless of the mask.
    assert_eq!(rd(&mut p, 0x20), 0x02);
    assert_eq!(rd(&mut p, 0xa0), 0x10);
    // Unmasking without ICWs delivers at vector base 0.
    wr(&mut p, 0x21, 0xfd);
    assert!(p.output());
    assert_eq!(p.ack(), 1);
}

#[test]
fn init_sequence_sets_vector_base_and_clears_mask() {
    let mut p = PicPair::new();
    wr(&mut p, 0x20, 0x11);
    assert_eq!(rd(&mut p, 0x21), 0, "ICW1 clears the mask");
    wr(&mut p, 0x21, 0x37); // low three bits are ignored
    wr(&mut p, 0x21, 0x04);
    wr(&mut p, 0x21, 0x01);
    wr(&mut p, 0x21, 0xfe); // OCW1 now
    assert_eq!(rd(&mut p, 0x21), 0xfe);
    p.pulse(0);
    assert_eq!(p.ack(), 0x30);
}

#[test]
fn icw4_and_icw3_are_skipped_when_not_announced() {
    // No ICW4: ICW2, ICW3, then the mask.
    let mut p = PicPair::new();
    wr(&mut p, 0x20, 0x10);
    wr(&mut p, 0x21, 0x40);
    wr(&mut p, 0x21, 0x04);
    wr(&mut p, 0x21, 0xaa);
    assert_eq!(rd(&mut p, 0x21), 0xaa);
    // Single mode with ICW4: ICW2, ICW4, then the mask.
    wr(&mut p, 0x20, 0x13);
    wr(&mut p, 0x21, 0x48);
    wr(&mut p, 0x21, 0x01);
    wr(&mut p, 0x21, 0x55);
    assert_eq!(rd(&mut p, 0x21), 0x55);
    // Single mode without ICW4: ICW2, then the mask.
    wr(&mut p, 0x20, 0x12);
    wr(&mut p, 0x21, 0x50);
    wr(&mut p, 0x21, 0xfe);
    assert_eq!(rd(&mut p, 0x21), 0xfe);
    p.pulse(0);
    assert_eq!(p.ack(), 0x50);
}

#[test]
fn icw1_drops_pending_edges_and_in_service_bits() {
    let mut p = linux_init(0x01);
    p.pulse(3);
    p.set_irq(4, true);
    assert_eq!(p.ack(), 0x23);
    wr(&mut p, 0x20, 0x11);
    assert_eq!(rd(&mut p, 0x20), 0, "IRR");
    assert_eq!(isr(&mut p, 0x20), 0);
    wr(&mut p, 0x21, 0x20);
    wr(&mut p, 0x21, 0x04);
    wr(&mut p, 0x21, 0x01);
    // IRQ 4 is still high but needs a new edge.
    assert!(!p.output());
    p.set_irq(4, false);
    p.set_irq(4, true);
    assert_eq!(p.ack(), 0x24);
}

#[test]
fn ocw3_selects_irr_or_isr_and_polls() {
    let mut p = linux_init(0x01);
    p.pulse(4);
    p.pulse(6);
    assert_eq!(rd(&mut p, 0x20), 0x50);
    wr(&mut p, 0x20, 0x0b);
    assert_eq!(rd(&mut p, 0x20), 0);
    wr(&mut p, 0x20, 0x08); // no RR: selection unchanged
    assert_eq!(rd(&mut p, 0x20), 0);
    wr(&mut p, 0x20, 0x0c); // poll
    assert_eq!(rd(&mut p, 0x21), 0x84, "poll reads on either port");
    assert_eq!(rd(&mut p, 0x20), 0x10, "back to the ISR after the poll");
    assert_eq!(rd(&mut p, 0x21), 0x00, "and the data port to the mask");
    wr(&mut p, 0x20, 0x0c);
    assert_eq!(rd(&mut p, 0x20), 0x00, "IRQ 6 waits behind 4");
    wr(&mut p, 0x20, 0x20);
    wr(&mut p, 0x20, 0x0c);
    assert_eq!(rd(&mut p, 0x20), 0x86);
    // Polling the slave clears the master's view of its INT.
    wr(&mut p, 0x20, 0x20);
    p.pulse(13);
    wr(&mut p, 0x20, 0x0c);
    assert_eq!(rd(&mut p, 0x20), 0x82);
    wr(&mut p, 0xa0, 0x0c);
    assert_eq!(rd(&mut p, 0xa0), 0x85);
    wr(&mut p, 0xa0, 0x20);
    wr(&mut p, 0x20, 0x20);
    assert!(!p.output(), "no second IR2 request from one slave IRQ");
}

#[test]
fn wide_accesses_are_byte_cycles() {
    let mut p = linux_init(0x01);
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    p.write(&mut ctx, 0x4d0, 2, 0x0c20);
    assert_eq!(p.read(&mut ctx, 0x4d0, 2), 0x0c20);
    assert_eq!(p.read(&mut ctx, 0x4d1, 2), 0xff0c, "0x4d2 is not ours");
    assert_eq!(p.read(&mut ctx, 0x4d0, 4), 0xffff_0c20);
    p.write(&mut ctx, 0x21, 4, 0x1234_5678);
    assert_eq!(p.read(&mut ctx, 0x21, 1), 0x78);
}

#[test]
fn every_port_size_and_value_is_survived() {
    let mut p = PicPair::new();
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    for &(base, len) in RANGES.iter() {
        for port in base..base + len {
            for size in [0, 1, 2, 3, 4, 8, 255] {
                for v in [
                    0u64,
                    0x01,
                    0x0c,
                    0x11,
                    0x13,
                    0x1f,
                    0x20,
                    0x6b,
                    0xe7,
                    u64::MAX,
                ] {
                    p.write(&mut ctx, port, size, v);
                    p.read(&mut ctx, port, size);
                    for irq in [0, 2, 7, 9, 15, 200] {
                        p.pulse(irq);
                    }
                    if p.output() {
                        p.ack();
                    }
                    p.ack();
                }
            }
        }
    }
    p.read(&mut ctx, u64::MAX, 8);
    assert!(out.is_empty());
}

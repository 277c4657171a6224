//! Inputs: edge and level triggering, the cascade, spurious vectors.

use super::*;

#[test]
fn edge_latches_and_eoi_ends_service() {
    let mut p = linux_init(0x01);
    p.pulse(5);
    assert!(p.output());
    assert_eq!(rd(&mut p, 0x20), 0x20, "IRR holds the edge");
    assert_eq!(p.ack(), 0x25);
    assert!(!p.output());
    assert_eq!(rd(&mut p, 0x20), 0);
    assert_eq!(isr(&mut p, 0x20), 0x20);
    wr(&mut p, 0x20, 0x20);
    assert_eq!(isr(&mut p, 0x20), 0);
    // A line held high gives one interrupt, not one per EOI.
    p.set_irq(5, true);
    assert_eq!(p.ack(), 0x25);
    wr(&mut p, 0x20, 0x20);
    p.set_irq(5, true);
    assert!(!p.output());
}

#[test]
fn mask_holds_requests_until_unmasked() {
    let mut p = linux_init(0x01);
    wr(&mut p, 0x21, 0x40);
    p.pulse(6);
    assert!(!p.output());
    wr(&mut p, 0x21, 0x00);
    assert_eq!(p.ack(), 0x26);
}

#[test]
fn level_lines_follow_the_elcr() {
    let mut p = linux_init(0x01);
    wr(&mut p, 0x4d0, 0xff);
    wr(&mut p, 0x4d1, 0xff);
    assert_eq!(rd(&mut p, 0x4d0), 0xf8, "IRQ 0, 1, 2 stay edge");
    assert_eq!(rd(&mut p, 0x4d1), 0xde, "IRQ 8, 13 stay edge");
    p.set_irq(5, true);
    assert_eq!(p.ack(), 0x25);
    assert_eq!(rd(&mut p, 0x20), 0x20, "IRR still follows the line");
    wr(&mut p, 0x20, 0x20);
    assert_eq!(p.ack(), 0x25, "still high after EOI: again");
    wr(&mut p, 0x20, 0x20);
    p.set_irq(5, false);
    assert!(!p.output());
    // A pulse on a level line leaves nothing behind.
    p.pulse(5);
    assert!(!p.output());
    // Switching an edge line that is high to level raises its request.
    wr(&mut p, 0x4d0, 0x00);
    p.set_irq(6, true);
    assert_eq!(p.ack(), 0x26);
    wr(&mut p, 0x20, 0x20);
    assert!(!p.output());
    wr(&mut p, 0x4d0, 0x40);
    assert_eq!(p.ack(), 0x26);
}

#[test]
fn ltim_makes_a_whole_chip_level_triggered() {
    let mut p = PicPair::new();
    wr(&mut p, 0x20, 0x19);
    wr(&mut p, 0x21, 0x08);
    wr(&mut p, 0x21, 0x04);
    wr(&mut p, 0x21, 0x01);
    p.set_irq(0, true);
    p.set_irq(0, false);
    assert!(!p.output());
}

#[test]
fn cascade_delivers_slave_vectors() {
    let mut p = linux_init(0x01);
    p.pulse(10);
    assert!(p.output());
    assert_eq!(rd(&mut p, 0x20), 0x04, "master IR2 requests");
    assert_eq!(p.ack(), 0x2a);
    assert_eq!(isr(&mut p, 0x20), 0x04);
    assert_eq!(isr(&mut p, 0xa0), 0x04);
    p.pulse(14);
    assert!(!p.output(), "slave IRQ 14 waits behind IRQ 10");
    wr(&mut p, 0xa0, 0x20);
    assert!(!p.output(), "the master still has IR2 in service");
    wr(&mut p, 0x20, 0x20);
    assert_eq!(p.ack(), 0x2e);
    // A master request above IR2 nests over a slave interrupt.
    p.pulse(1);
    assert_eq!(p.ack(), 0x21);
    // Ignored lines.
    p.set_irq(2, true);
    p.set_irq(16, true);
    p.pulse(255);
    assert_eq!(rd(&mut p, 0x20) & 0x04, 0);
}

#[test]
fn auto_eoi_slave_keeps_its_second_request() {
    let mut p = linux_init(0x03);
    p.pulse(9);
    p.pulse(11);
    assert_eq!(p.ack(), 0x29);
    assert!(p.output(), "the master saw INT rise again");
    assert_eq!(p.ack(), 0x2b);
    assert!(!p.output());
}

#[test]
fn spurious_irq7_when_the_request_vanished() {
    let mut p = linux_init(0x01);
    wr(&mut p, 0x4d0, 0x20);
    p.set_irq(5, true);
    assert!(p.output());
    p.set_irq(5, false);
    assert_eq!(p.ack(), 0x27);
    assert_eq!(isr(&mut p, 0x20), 0, "no ISR bit for a spurious IRQ 7");
    // The same with a mask that came too late for an edge.
    p.pulse(3);
    wr(&mut p, 0x21, 0x08);
    assert_eq!(p.ack(), 0x27);
}

#[test]
fn spurious_irq15_leaves_the_master_in_service() {
    let mut p = linux_init(0x01);
    wr(&mut p, 0x4d1, 0x04);
    p.set_irq(10, true);
    p.set_irq(10, false);
    assert!(p.output(), "the master latched the edge of INT");
    assert_eq!(p.ack(), 0x2f);
    assert_eq!(isr(&mut p, 0xa0), 0);
    assert_eq!(isr(&mut p, 0x20), 0x04, "Linux EOIs the master for it");
}

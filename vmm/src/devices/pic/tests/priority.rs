//! Priority resolution, EOI commands, rotation and the special modes.

use super::*;

#[test]
fn fully_nested_priority() {
    let mut p = linux_init(0x01);
    p.pulse(3);
    p.pulse(1);
    assert_eq!(p.ack(), 0x21);
    assert!(!p.output(), "IRQ 3 waits behind IRQ 1 in service");
    p.pulse(0);
    assert!(p.output(), "IRQ 0 outranks IRQ 1");
    assert_eq!(p.ack(), 0x20);
    wr(&mut p, 0x20, 0x20); // ends IRQ 0, the most urgent
    assert_eq!(isr(&mut p, 0x20), 0x02);
    assert!(!p.output());
    wr(&mut p, 0x20, 0x20);
    assert_eq!(p.ack(), 0x23);
}

#[test]
fn specific_eoi_and_rotation() {
    let mut p = linux_init(0x01);
    p.pulse(1);
    p.pulse(6);
    assert_eq!(p.ack(), 0x21);
    wr(&mut p, 0x20, 0x20);
    assert_eq!(p.ack(), 0x26);
    p.pulse(7);
    assert!(!p.output());
    wr(&mut p, 0x20, 0x66); // specific EOI for 6
    assert_eq!(isr(&mut p, 0x20), 0);
    // Rotate on non-specific EOI: IRQ 4 becomes the lowest, 5 the highest.
    p.pulse(4);
    assert_eq!(p.ack(), 0x24);
    wr(&mut p, 0x20, 0xa0);
    assert_eq!(isr(&mut p, 0x20), 0);
    p.pulse(3);
    p.pulse(5);
    assert_eq!(p.ack(), 0x25);
    wr(&mut p, 0x20, 0x20);
    assert_eq!(p.ack(), 0x27, "then 6, 7, 0, ...");
    wr(&mut p, 0x20, 0x20);
    // Set priority: 7 lowest, so 0 outranks the waiting 3.
    p.pulse(0);
    wr(&mut p, 0x20, 0xc7);
    assert_eq!(p.ack(), 0x20);
    // Rotate on specific EOI for 0: 0 lowest, 1 highest.
    wr(&mut p, 0x20, 0xe0);
    assert_eq!(isr(&mut p, 0x20), 0);
    p.pulse(0);
    assert_eq!(p.ack(), 0x23);
    // No-operation leaves everything alone.
    wr(&mut p, 0x20, 0x40);
    assert_eq!(isr(&mut p, 0x20), 0x08);
    assert_eq!(rd(&mut p, 0x20), 0x01);
}

#[test]
fn auto_eoi_and_its_rotation() {
    let mut p = linux_init(0x03);
    p.pulse(3);
    assert_eq!(p.ack(), 0x23);
    assert_eq!(isr(&mut p, 0x20), 0, "auto-EOI leaves no ISR bit");
    wr(&mut p, 0x20, 0x80); // rotate in auto-EOI mode
    p.pulse(0);
    assert_eq!(p.ack(), 0x20);
    p.pulse(0);
    p.pulse(1);
    assert_eq!(p.ack(), 0x21, "IRQ 0 became the lowest");
    wr(&mut p, 0x20, 0x00); // rotation off again
    assert_eq!(p.ack(), 0x20);
    p.pulse(1);
    p.pulse(3);
    assert_eq!(p.ack(), 0x23, "IRQ 1 stayed the lowest");
}

#[test]
fn special_mask_mode_admits_lower_levels() {
    let mut p = linux_init(0x01);
    p.pulse(3);
    assert_eq!(p.ack(), 0x23);
    p.pulse(5);
    wr(&mut p, 0x21, 0x08);
    assert!(!p.output(), "masking alone does not end service");
    wr(&mut p, 0x20, 0x68); // set special mask
    assert!(p.output());
    assert_eq!(p.ack(), 0x25);
    wr(&mut p, 0x20, 0x48); // reset special mask
    wr(&mut p, 0x20, 0x65); // specific EOI 5
    p.pulse(6);
    assert!(!p.output(), "IRQ 3 blocks again");
}

#[test]
fn special_fully_nested_mode_lets_higher_slave_requests_through() {
    let mut p = linux_init(0x01);
    wr(&mut p, 0x20, 0x11);
    wr(&mut p, 0x21, 0x20);
    wr(&mut p, 0x21, 0x04);
    wr(&mut p, 0x21, 0x11); // SFNM
    p.pulse(12);
    assert_eq!(p.ack(), 0x2c);
    p.pulse(9);
    assert!(p.output());
    assert_eq!(p.ack(), 0x29);
    // Lower master inputs are still held off by IR2 in service.
    p.pulse(5);
    assert!(!p.output());
}

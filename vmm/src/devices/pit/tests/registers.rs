//! The register protocol: latches, byte order, read-back, BCD.

use super::*;

#[test]
fn mode2_counts_down_through_the_latch_and_reloads() {
    let mut p = Pit::new();
    let t0 = 5_000;
    program(&mut p, t0, 0, 0x34, 1000);
    assert_eq!(latched(&mut p, t0, 0), 1000);
    assert_eq!(latched(&mut p, after(t0, 1), 0), 999);
    assert_eq!(latched(&mut p, after(t0, 1) - 1, 0), 1000, "rounded down");
    assert_eq!(latched(&mut p, after(t0, 999), 0), 1);
    assert_eq!(latched(&mut p, after(t0, 1000), 0), 1000);
    assert_eq!(latched(&mut p, after(t0, 2500), 0), 500);
    // The latch holds the value until read, and a second latch is ignored.
    wr(&mut p, after(t0, 10), 0x43, 0x00);
    wr(&mut p, after(t0, 20), 0x43, 0x00);
    assert_eq!(rd(&mut p, after(t0, 30), 0x40), (990u16 & 0xff) as u8);
    assert_eq!(rd(&mut p, after(t0, 40), 0x40), (990 >> 8) as u8);
    assert_eq!(latched(&mut p, after(t0, 50), 0), 950);
}

#[test]
fn mode3_counts_by_two_each_half_period() {
    let mut p = Pit::new();
    program(&mut p, 0, 2, 0xb6, 1000);
    wr(&mut p, 0, 0x61, 0x01);
    assert_eq!(latched(&mut p, after(0, 100), 2), 800);
    assert_ne!(rd(&mut p, after(0, 100), 0x61) & 0x20, 0, "first half high");
    assert_eq!(latched(&mut p, after(0, 600), 2), 800);
    assert_eq!(rd(&mut p, after(0, 600), 0x61) & 0x20, 0, "second half low");
    assert_ne!(rd(&mut p, after(0, 1000), 0x61) & 0x20, 0);
    // Odd counts: high one clock longer than low.
    program(&mut p, 0, 2, 0xb6, 5);
    assert_ne!(rd(&mut p, after(0, 2), 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, after(0, 3), 0x61) & 0x20, 0);
    assert_eq!(rd(&mut p, after(0, 4), 0x61) & 0x20, 0);
    assert_ne!(rd(&mut p, after(0, 5), 0x61) & 0x20, 0);
}

#[test]
fn lsb_msb_flip_flops_are_separate_for_reads_and_writes() {
    let mut p = Pit::new();
    wr(&mut p, 0, 0x43, 0x70); // counter 1, LSB/MSB, mode 0
    wr(&mut p, 0, 0x41, 0x34);
    // Reading between the two writes: counting stopped at the old value.
    assert_eq!(rd(&mut p, 0, 0x41), 0x00);
    wr(&mut p, 0, 0x41, 0x12);
    assert_eq!(rd(&mut p, 0, 0x41), 0x12, "the MSB, read flip-flop kept");
    assert_eq!(rd(&mut p, 0, 0x41), 0x34);
    assert_eq!(rd(&mut p, 0, 0x41), 0x12);
    // A control word resets both.
    wr(&mut p, 0, 0x43, 0x74);
    wr(&mut p, 0, 0x41, 0x78);
    wr(&mut p, 0, 0x41, 0x56);
    assert_eq!(latched(&mut p, 0, 1), 0x5678);
}

#[test]
fn lsb_only_and_msb_only_access() {
    let mut p = Pit::new();
    wr(&mut p, 0, 0x43, 0x54); // counter 1, LSB only, mode 2
    wr(&mut p, 0, 0x41, 0x80);
    assert_eq!(rd(&mut p, 0, 0x41), 0x80);
    assert_eq!(rd(&mut p, after(0, 0x10), 0x41), 0x70);
    wr(&mut p, 0, 0x43, 0x64); // MSB only
    wr(&mut p, 0, 0x41, 0x02);
    assert_eq!(rd(&mut p, 0, 0x41), 0x02);
    assert_eq!(rd(&mut p, after(0, 1), 0x41), 0x01, "0x1ff");
    wr(&mut p, after(0, 1), 0x43, 0x40);
    assert_eq!(rd(&mut p, after(0, 0x101), 0x41), 0x01, "latched MSB");
    assert_eq!(rd(&mut p, after(0, 0x101), 0x41), 0x00, "live again");
}

#[test]
fn read_back_latches_status_then_count() {
    let mut p = Pit::new();
    wr(&mut p, 0, 0x43, 0xb2); // counter 2, LSB/MSB, mode 1
    wr(&mut p, 0, 0x43, 0xe8); // status of counter 2
    assert_eq!(rd(&mut p, 0, 0x42), 0xf2, "OUT high, null count, mode 1");
    program(&mut p, 0, 2, 0xb2, 300);
    wr(&mut p, 0, 0x43, 0xe8);
    assert_eq!(
        rd(&mut p, 0, 0x42) & 0x40,
        0x40,
        "mode 1 waits for the gate"
    );
    wr(&mut p, 10, 0x61, 0x01); // trigger
    wr(&mut p, 10, 0x43, 0xc8); // count and status of counter 2
    wr(&mut p, after(10, 7), 0x43, 0xc8); // ignored: both still latched
    assert_eq!(rd(&mut p, after(10, 50), 0x42), 0x32, "OUT low, mode 1");
    assert_eq!(rd(&mut p, after(10, 50), 0x42), 44);
    assert_eq!(rd(&mut p, after(10, 50), 0x42), 1);
    assert_eq!(rd(&mut p, after(10, 60), 0x42), (300u16 - 60) as u8, "live");
    // Mode 6 reads back as written, counts as mode 2; BCD bit shown.
    wr(&mut p, 0, 0x43, 0x1d); // counter 0, LSB, mode 6, BCD
    wr(&mut p, 0, 0x43, 0xe2); // status only, counter 0
    assert_eq!(rd(&mut p, 0, 0x40), 0xdd);
    wr(&mut p, 0, 0x40, 0x10);
    wr(&mut p, 0, 0x43, 0xe2);
    assert_eq!(rd(&mut p, 0, 0x40), 0x9d, "count loaded: null count clear");
    // Several counters at once, count only.
    program(&mut p, 0, 1, 0x74, 4000);
    wr(&mut p, 0, 0x43, 0xd6);
    assert_eq!(rd(&mut p, after(0, 3), 0x40), 0x10);
    assert_eq!(rd(&mut p, after(0, 3), 0x41), (4000u16 & 0xff) as u8);
    assert_eq!(rd(&mut p, after(0, 3), 0x41), (4000u16 >> 8) as u8);
    assert_eq!(rd(&mut p, after(0, 3), 0x40), 0x07, "BCD 10 - 3");
}

#[test]
fn bcd_counts_in_decimal() {
    let mut p = Pit::new();
    program(&mut p, 0, 1, 0x75, 0x1000); // mode 2, BCD, 1000
    assert_eq!(latched(&mut p, 0, 1), 0x1000);
    assert_eq!(latched(&mut p, after(0, 1), 1), 0x0999);
    assert_eq!(latched(&mut p, after(0, 1001), 1), 0x0999);
    program(&mut p, 0, 1, 0x71, 0x0000); // mode 0, BCD, 10000
    assert_eq!(latched(&mut p, after(0, 1), 1), 0x9999);
    assert_eq!(
        latched(&mut p, after(0, 10_001), 1),
        0x9999,
        "wraps at 10000"
    );
    program(&mut p, 0, 0, 0x31, 0x0010);
    assert_eq!(p.deadline(), Some(after(0, 10)));
}

//! CMOS memory, the index port, and the hammer.

use super::*;

#[test]
fn cmos_memory_holds_the_memory_size_entries() {
    let mut b = Bench::new(0);
    b.rtc = Rtc::new(0, 3072 * MIB, 2048 * MIB);
    let bytes = [
        0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5b, 0x5c, 0x5d,
    ];
    let got = bytes.map(|i| b.read(0, i));
    assert_eq!(
        got,
        [0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0xbf, 0x00, 0x80, 0x00]
    );
    b.rtc = Rtc::new(0, 8 * MIB, 0);
    let got = bytes.map(|i| b.read(0, i));
    assert_eq!(got, [0x80, 0x02, 0x00, 0x1c, 0x00, 0x1c, 0, 0, 0, 0, 0]);
}

#[test]
fn cmos_memory_is_read_write_and_the_index_has_7_bits() {
    let mut b = Bench::new(WED);
    b.write(0, 0xc0, 0x5a); // index 0x40 with NMI disabled
    assert!(b.rtc.nmi_disabled());
    assert_eq!(b.read(0, 0x40), 0x5a);
    assert!(!b.rtc.nmi_disabled());
    b.write(0, 0x7f, 0xa5);
    assert_eq!(b.read(0, 0xff), 0xa5);
    let mut ctx = Ctx::new(Time::default(), 0, &mut b.events);
    assert_eq!(b.rtc.read(&mut ctx, 0x70, 1), 0xff, "index is write-only");
    // One 16-bit write sets index and data.
    b.rtc.write(&mut ctx, 0x70, 2, 0x33_0e);
    assert_eq!(b.read(0, 0x0e), 0x33);
}

#[test]
fn any_access_is_answered_without_panic() {
    let mut b = Bench::new(u64::MAX);
    let values = [0, 0xff, 0x5a, 0x80, 0xc0, 0xa5a5_a5a5, u64::MAX];
    let mut ns = 0u64;
    for index in 0..=0xffu64 {
        for port in 0x70..=0x71 {
            for size in [1, 2, 4, 8] {
                for v in values {
                    ns += 12_345_677;
                    let mut ctx = Ctx::new(Time { ns, tsc: 0 }, 0, &mut b.events);
                    b.rtc.write(&mut ctx, 0x70, 1, index);
                    b.rtc.write(&mut ctx, port, size, v);
                    b.rtc.read(&mut ctx, port, size);
                    b.rtc.tick(&mut ctx);
                    if let Some(d) = b.rtc.deadline() {
                        assert!(d > ns);
                    }
                }
            }
        }
        b.events.clear();
    }
    let mut ctx = Ctx::new(
        Time {
            ns: u64::MAX,
            tsc: 0,
        },
        0,
        &mut b.events,
    );
    b.rtc.tick(&mut ctx);
    b.rtc.read(&mut ctx, 0x71, 1);
}

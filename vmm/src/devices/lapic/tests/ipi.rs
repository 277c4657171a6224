//! ICR and SELF IPI encodings in both modes.

use super::*;

/// The message an xAPIC ICR write (high, then low) sends, if any.
fn xapic_ipi(high: u32, low: u32) -> Option<ApicMsg> {
    let mut b = Bench::enabled();
    b.wr(0x310, high);
    b.wr(0x300, low);
    assert_eq!(b.rd(0x300) & (1 << 12), 0, "delivery status idle");
    one(b.take())
}

fn x2apic_ipi(icr: u64) -> Option<ApicMsg> {
    let mut b = Bench::enabled();
    b.x2();
    assert!(b.wrmsr(0x830, icr));
    one(b.take())
}

fn one(events: Vec<Event>) -> Option<ApicMsg> {
    match events.as_slice() {
        [] => None,
        [Event::Apic(m)] => Some(*m),
        other => panic!("unexpected events {other:?}"),
    }
}

/// A message from the bench APIC (ID 1).
fn from1(vector: u8, delivery: Delivery, dest: Dest, level: bool) -> Option<ApicMsg> {
    Some(ApicMsg {
        source: 1,
        ..msg(vector, delivery, dest, level)
    })
}

#[test]
fn xapic_fixed_physical_and_logical() {
    use Delivery::*;
    let d3 = 0x0300_0000;
    assert_eq!(
        xapic_ipi(d3, 0x4031),
        from1(0x31, Fixed, Dest::Physical(3), false)
    );
    assert_eq!(
        xapic_ipi(d3, 0x4831),
        from1(0x31, Fixed, Dest::Logical(3), false)
    );
    assert_eq!(
        xapic_ipi(d3, 0xc031),
        from1(0x31, Fixed, Dest::Physical(3), true)
    );
    assert_eq!(
        xapic_ipi(0xff00_0000, 0x4031),
        from1(0x31, Fixed, Dest::Physical(0xff), false),
        "broadcast"
    );
    assert_eq!(
        xapic_ipi(d3, 0x4131),
        from1(0x31, LowestPriority, Dest::Physical(3), false)
    );
}

#[test]
fn xapic_init_sipi_nmi() {
    use Delivery::*;
    let d2 = 0x0200_0000;
    assert_eq!(
        xapic_ipi(d2, 0xc500),
        from1(0, Init, Dest::Physical(2), false)
    );
    assert_eq!(xapic_ipi(d2, 0x8500), None, "INIT level de-assert");
    assert_eq!(
        xapic_ipi(d2, 0x4699),
        from1(0x99, StartUp, Dest::Physical(2), false)
    );
    assert_eq!(
        xapic_ipi(d2, 0x4400),
        from1(0, Nmi, Dest::Physical(2), false)
    );
    assert_eq!(
        xapic_ipi(d2, 0xc400),
        from1(0, Nmi, Dest::Physical(2), false),
        "edge"
    );
}

#[test]
fn xapic_shorthands_override_the_destination() {
    use Delivery::*;
    let d2 = 0x0200_0000;
    assert_eq!(
        xapic_ipi(d2, 0x4_4031),
        from1(0x31, Fixed, Dest::SelfOnly, false)
    );
    assert_eq!(
        xapic_ipi(d2, 0x8_4031),
        from1(0x31, Fixed, Dest::All, false)
    );
    assert_eq!(
        xapic_ipi(d2, 0xc_4031),
        from1(0x31, Fixed, Dest::AllButSelf, false)
    );
    assert_eq!(
        xapic_ipi(0, 0xc_4500),
        from1(0, Init, Dest::AllButSelf, false)
    );
    assert_eq!(
        xapic_ipi(0, 0xc_4608),
        from1(8, StartUp, Dest::AllButSelf, false)
    );
    assert_eq!(xapic_ipi(0, 0x8_4400), from1(0, Nmi, Dest::All, false));
    assert_eq!(xapic_ipi(0, 0x4_4131), None, "lowest priority to self");
    assert_eq!(xapic_ipi(0, 0x8_4131), None, "lowest priority to all");
    assert_eq!(
        xapic_ipi(0, 0xc_4131),
        from1(0x31, LowestPriority, Dest::AllButSelf, false)
    );
}

#[test]
fn xapic_invalid_ipis_send_nothing() {
    assert_eq!(xapic_ipi(0, 0x4331), None, "reserved mode 3");
    assert_eq!(xapic_ipi(0, 0x4731), None, "reserved mode 7");
    assert_eq!(xapic_ipi(0, 0x4231), None, "SMI");
    let mut b = Bench::enabled();
    b.wr(0x300, 0x400f);
    assert!(b.take().is_empty());
    assert_eq!(b.esr(), ESR_SEND_ILLEGAL_VECTOR);
    b.wr(0x300, 0x4402);
    assert_eq!(b.take().len(), 1, "vector 2 is fine for NMI");
    assert_eq!(b.esr(), 0);
}

#[test]
fn writing_icr_high_sends_nothing() {
    let mut b = Bench::enabled();
    b.wr(0x300, 0x0);
    b.take();
    b.wr(0x310, 0x0100_0000);
    assert!(b.take().is_empty());
}

#[test]
fn x2apic_ipis() {
    use Delivery::*;
    let dest = |d: u64| d << 32;
    assert_eq!(
        x2apic_ipi(dest(0x1234) | 0x4031),
        from1(0x31, Fixed, Dest::Physical(0x1234), false)
    );
    assert_eq!(
        x2apic_ipi(dest(0x1_0002) | 0x4831),
        from1(0x31, Fixed, Dest::Logical(0x1_0002), false)
    );
    assert_eq!(
        x2apic_ipi(dest(0xffff_ffff) | 0x4031),
        from1(0x31, Fixed, Dest::Physical(0xffff_ffff), false)
    );
    assert_eq!(
        x2apic_ipi(dest(3) | 0xc500),
        from1(0, Init, Dest::Physical(3), false)
    );
    assert_eq!(x2apic_ipi(dest(3) | 0x8500), None, "INIT de-assert");
    assert_eq!(
        x2apic_ipi(dest(3) | 0x4610),
        from1(0x10, StartUp, Dest::Physical(3), false)
    );
    assert_eq!(
        x2apic_ipi(dest(3) | 0x400),
        from1(0, Nmi, Dest::Physical(3), false)
    );
    assert_eq!(
        x2apic_ipi(0xc_0031),
        from1(0x31, Fixed, Dest::AllButSelf, false)
    );
    assert_eq!(x2apic_ipi(0x8_8031), from1(0x31, Fixed, Dest::All, true));
}

#[test]
fn x2apic_self_ipi() {
    let mut b = Bench::enabled();
    b.x2();
    assert!(b.wrmsr(0x83f, 0x55));
    assert_eq!(
        one(b.take()),
        from1(0x55, Delivery::Fixed, Dest::SelfOnly, false)
    );
    assert!(b.wrmsr(0x83f, 0x05));
    assert!(b.take().is_empty());
    assert!(b.wrmsr(0x828, 0));
    assert_eq!(b.rdmsr(0x828), Some(u64::from(ESR_SEND_ILLEGAL_VECTOR)));
}

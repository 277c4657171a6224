//! Destination matching.

use super::*;

#[test]
fn physical_and_broadcast() {
    let b = Bench::new(3, false);
    assert!(b.apic.accepts(Dest::Physical(3), 0));
    assert!(!b.apic.accepts(Dest::Physical(4), 0));
    assert!(!b.apic.accepts(Dest::Physical(0x103), 0));
    assert!(b.apic.accepts(Dest::Physical(0xff), 0));
    assert!(b.apic.accepts(Dest::Physical(0xffff_ffff), 0));
}

#[test]
fn xapic_flat_logical() {
    let mut b = Bench::enabled();
    b.wr(0xd0, 0x0400_0000);
    assert!(b.apic.accepts(Dest::Logical(0x04), 0));
    assert!(b.apic.accepts(Dest::Logical(0x0c), 0));
    assert!(!b.apic.accepts(Dest::Logical(0x03), 0));
    assert!(!b.apic.accepts(Dest::Logical(0x00), 0));
    assert!(b.apic.accepts(Dest::Logical(0xff), 0));
    b.wr(0xd0, 0);
    assert!(!b.apic.accepts(Dest::Logical(0x0f), 0), "no logical ID yet");
    assert!(b.apic.accepts(Dest::Logical(0xff), 0), "broadcast");
}

#[test]
fn xapic_cluster_logical() {
    let mut b = Bench::enabled();
    b.wr(0xe0, 0x0fff_ffff);
    b.wr(0xd0, 0x2100_0000);
    assert!(b.apic.accepts(Dest::Logical(0x21), 0));
    assert!(b.apic.accepts(Dest::Logical(0x23), 0));
    assert!(!b.apic.accepts(Dest::Logical(0x11), 0), "other cluster");
    assert!(!b.apic.accepts(Dest::Logical(0x22), 0), "other member");
    assert!(b.apic.accepts(Dest::Logical(0xff), 0));
}

#[test]
fn x2apic_cluster_logical() {
    let mut b = Bench::new(0x13, false);
    b.x2();
    assert_eq!(b.rdmsr(0x80d), Some(0x1_0008));
    assert!(b.apic.accepts(Dest::Logical(0x1_0008), 0));
    assert!(b.apic.accepts(Dest::Logical(0x1_000f), 0));
    assert!(!b.apic.accepts(Dest::Logical(0x0_0008), 0), "other cluster");
    assert!(!b.apic.accepts(Dest::Logical(0x1_0001), 0), "other member");
    assert!(b.apic.accepts(Dest::Logical(0xffff_ffff), 0));
    assert!(b.apic.accepts(Dest::Physical(0x13), 0));
    assert!(!b.apic.accepts(Dest::Physical(0x14), 0));
    assert!(b.apic.accepts(Dest::Physical(0xff), 0), "IOAPIC broadcast");
}

#[test]
fn shorthands_compare_the_sending_vcpu() {
    let b = Bench::new(2, false);
    assert!(b.apic.accepts(Dest::SelfOnly, 2));
    assert!(!b.apic.accepts(Dest::SelfOnly, 1));
    assert!(b.apic.accepts(Dest::All, 2));
    assert!(b.apic.accepts(Dest::All, 0));
    assert!(!b.apic.accepts(Dest::AllButSelf, 2));
    assert!(b.apic.accepts(Dest::AllButSelf, 0));
}

#[test]
fn a_disabled_apic_accepts_nothing() {
    let mut b = Bench::new(2, false);
    assert!(b.wrmsr(MSR_APIC_BASE, DEFAULT_BASE));
    for d in [
        Dest::Physical(2),
        Dest::Physical(0xff),
        Dest::Logical(0xff),
        Dest::SelfOnly,
        Dest::All,
        Dest::AllButSelf,
    ] {
        assert!(!b.apic.accepts(d, 2), "{d:?}");
    }
}

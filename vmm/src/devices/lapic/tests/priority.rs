//! Acceptance, TPR/PPR, acknowledge and EOI, and the latched events.

use super::*;

#[test]
fn ppr_is_tpr_or_the_in_service_class() {
    let mut b = Bench::enabled();
    b.fixed(0x35, false);
    assert_eq!(b.apic.ack(), Some(0x35));
    for (tpr, ppr) in [(0x52, 0x52), (0x32, 0x32), (0x20, 0x30), (0x00, 0x30)] {
        b.wr(0x80, tpr);
        assert_eq!(b.rd(0xa0), ppr, "tpr {tpr:#x}");
        assert_eq!(b.apic.ppr(), ppr as u8);
    }
}

#[test]
fn pending_needs_a_higher_priority_class() {
    let mut b = Bench::enabled();
    assert_eq!(b.apic.pending(), None);
    b.fixed(0x35, false);
    assert_eq!(b.apic.pending(), Some(0x35));
    b.wr(0x80, 0x30);
    assert_eq!(b.apic.pending(), None, "same class as TPR");
    assert_eq!(b.apic.ack(), None);
    b.wr(0x80, 0x2f);
    assert_eq!(b.apic.ack(), Some(0x35));
    assert_eq!(b.rd(0x110), 1 << 0x15, "ISR holds 0x35");
    assert!(!b.irr_has(0x35));
    b.wr(0x80, 0);
    b.fixed(0x3a, false);
    assert_eq!(b.apic.pending(), None, "same class as the ISR");
    b.fixed(0x41, false);
    assert_eq!(b.apic.ack(), Some(0x41));
    assert_eq!(b.rd(0xa0), 0x40);
    b.wr(0xb0, 0);
    assert_eq!(b.rd(0xa0), 0x30, "EOI retired 0x41 first");
    assert_eq!(b.apic.pending(), None);
    b.wr(0xb0, 0);
    assert_eq!(b.apic.pending(), Some(0x3a));
    assert!(b.take().is_empty(), "edge EOIs are not broadcast");
}

#[test]
fn highest_vector_first() {
    let mut b = Bench::enabled();
    for v in [0x20, 0xef, 0x81, 0x7f] {
        b.fixed(v, false);
    }
    let order: Vec<_> = core::iter::from_fn(|| b.apic.ack()).collect();
    assert_eq!(order, [0xef], "0xef in service blocks lower classes");
    b.wr(0xb0, 0);
    assert_eq!(b.apic.ack(), Some(0x81));
}

#[test]
fn level_eoi_is_broadcast() {
    let mut b = Bench::enabled();
    b.fixed(0x50, true);
    assert_eq!(b.rd(0x180 + 0x20), 1 << 0x10, "TMR bit of 0x50");
    assert_eq!(b.apic.ack(), Some(0x50));
    b.wr(0xb0, 0);
    assert_eq!(b.take(), [Event::Eoi { vector: 0x50 }]);
    b.fixed(0x50, false);
    assert_eq!(b.rd(0x180 + 0x20), 0, "an edge clears the TMR bit");
    b.apic.ack();
    b.wr(0xb0, 0);
    assert!(b.take().is_empty());
    b.wr(0xb0, 0);
    assert!(b.take().is_empty(), "EOI with nothing in service");
}

#[test]
fn eoi_broadcast_suppression_is_honoured() {
    let mut b = Bench::enabled();
    b.wr(0xf0, 0x11ff);
    b.fixed(0x50, true);
    b.apic.ack();
    b.wr(0xb0, 0);
    assert!(b.take().is_empty());
    assert_eq!(b.rd(0x110 + 0x20), 0, "still retired");
}

#[test]
fn x2apic_eoi_and_tpr() {
    let mut b = Bench::enabled();
    b.x2();
    b.fixed(0x61, true);
    assert!(b.wrmsr(0x808, 0x50));
    assert_eq!(b.apic.pending(), Some(0x61));
    assert_eq!(b.apic.ack(), Some(0x61));
    assert_eq!(b.rdmsr(0x80a), Some(0x60));
    assert_eq!(b.rdmsr(0x813), Some(2), "ISR word 3 holds 0x61");
    assert!(b.wrmsr(0x80b, 0));
    assert_eq!(b.take(), [Event::Eoi { vector: 0x61 }]);
}

#[test]
fn software_disabled_drops_fixed_but_keeps_the_irr() {
    let mut b = Bench::enabled();
    b.fixed(0x40, false);
    b.wr(0xf0, 0xff);
    b.fixed(0x50, false);
    assert!(!b.irr_has(0x50));
    assert_eq!(b.apic.pending(), Some(0x40), "held interrupts are offered");
    b.apic.deliver(&msg(2, Delivery::Nmi, Dest::All, false));
    assert!(b.apic.take_nmi());
    assert!(!b.apic.take_nmi());
}

#[test]
fn illegal_vectors_are_refused() {
    let mut b = Bench::enabled();
    b.wr(0x370, 0xfe);
    b.fixed(3, false);
    assert!(!b.irr_has(3));
    assert!(b.irr_has(0xfe), "error interrupt");
    assert_eq!(b.esr(), ESR_RECV_ILLEGAL_VECTOR);
    // An illegal error vector is recorded without looping.
    b.wr(0x370, 0x05);
    b.fixed(4, false);
    assert_eq!(b.esr(), ESR_RECV_ILLEGAL_VECTOR);
}

#[test]
fn lowest_priority_is_accepted_like_fixed() {
    let mut b = Bench::enabled();
    b.apic
        .deliver(&msg(0x77, Delivery::LowestPriority, Dest::All, false));
    assert_eq!(b.apic.pending(), Some(0x77));
    b.apic.deliver(&msg(0x78, Delivery::Smi, Dest::All, false));
    assert_eq!(b.apic.pending(), Some(0x77), "SMI ignored");
}

#[test]
fn init_and_sipi() {
    let mut b = Bench::new(1, false);
    assert!(b.apic.wait_for_sipi(), "APs start waiting for SIPI");
    b.apic
        .deliver(&msg(0x9a, Delivery::StartUp, Dest::All, false));
    b.apic
        .deliver(&msg(0x9b, Delivery::StartUp, Dest::All, false));
    assert_eq!(b.apic.take_sipi(), Some(0x9a), "the first SIPI counts");
    assert!(!b.apic.wait_for_sipi());
    b.apic
        .deliver(&msg(0x9c, Delivery::StartUp, Dest::All, false));
    assert_eq!(b.apic.take_sipi(), None, "ignored once running");
    // INIT, then SIPI before the platform looked: both count.
    b.apic.deliver(&msg(0, Delivery::Init, Dest::All, false));
    assert!(b.apic.wait_for_sipi());
    b.apic
        .deliver(&msg(0x10, Delivery::StartUp, Dest::All, false));
    assert!(b.apic.take_init());
    assert_eq!(b.apic.take_sipi(), Some(0x10));
}

#[test]
fn init_restarts_the_bsp_without_waiting() {
    let mut b = Bench::new(0, true);
    assert!(!b.apic.wait_for_sipi());
    b.apic.deliver(&msg(0, Delivery::Init, Dest::All, false));
    b.apic
        .deliver(&msg(0x10, Delivery::StartUp, Dest::All, false));
    assert!(b.apic.take_init());
    assert!(!b.apic.wait_for_sipi());
    assert_eq!(b.apic.take_sipi(), None);
    assert_eq!(b.rd(0x350), 0x700, "INIT restores virtual wire");
}

#[test]
fn extint_and_lint_pins() {
    let mut b = Bench::enabled();
    b.apic.deliver(&msg(0, Delivery::ExtInt, Dest::All, false));
    assert!(b.apic.take_extint());
    assert!(!b.apic.take_extint());
    assert!(!b.apic.lint0_extint());
    b.wr(0x350, 0x700);
    assert!(b.apic.lint0_extint());
    b.apic.pulse_lint(0);
    assert!(b.apic.take_extint());
    b.wr(0x350, 0x1_0700);
    assert!(!b.apic.lint0_extint(), "masked");
    b.apic.pulse_lint(0);
    assert!(!b.apic.take_extint());
    b.wr(0x360, 0x44);
    b.apic.pulse_lint(1);
    assert_eq!(b.apic.pending(), Some(0x44), "fixed LINT1");
    b.wr(0x360, 0x400);
    b.apic.pulse_lint(1);
    assert!(b.apic.take_nmi());
    b.apic.pulse_lint(2);
    // Globally disabled: LINT0 is INTR and LINT1 is NMI.
    assert!(b.wrmsr(MSR_APIC_BASE, DEFAULT_BASE));
    assert!(b.apic.lint0_extint());
    b.apic.pulse_lint(1);
    assert!(b.apic.take_nmi());
    b.apic.pulse_lint(0);
    assert!(b.apic.take_extint());
}

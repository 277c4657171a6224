//! IA32_APIC_BASE, mode transitions, and which interface each mode offers.

use super::*;

const XAPIC: u64 = DEFAULT_BASE | BASE_EN;
const X2APIC: u64 = DEFAULT_BASE | BASE_EN | BASE_EXTD;
const DISABLED: u64 = DEFAULT_BASE;

#[test]
fn power_on_base_has_bsp_and_enable() {
    let mut bsp = Bench::new(0, true);
    assert_eq!(bsp.rdmsr(MSR_APIC_BASE), Some(0xfee0_0900));
    let mut ap = Bench::new(1, false);
    assert_eq!(ap.rdmsr(MSR_APIC_BASE), Some(0xfee0_0800));
    assert!(ap.apic.hw_enabled() && !ap.apic.x2apic() && !ap.apic.sw_enabled());
}

#[test]
fn legal_transitions_follow_the_sdm() {
    let mut b = Bench::new(0x23, false);
    assert!(
        !b.wrmsr(MSR_APIC_BASE, DISABLED | BASE_EXTD),
        "invalid state"
    );
    assert!(b.wrmsr(MSR_APIC_BASE, XAPIC), "same state");
    assert!(b.wrmsr(MSR_APIC_BASE, X2APIC), "xAPIC to x2APIC");
    assert_eq!(b.rdmsr(0x802), Some(0x23), "ID kept, 32 bits wide");
    assert_eq!(b.rdmsr(0x80d), Some(0x2_0008), "LDR: cluster 2, bit 3");
    assert!(!b.wrmsr(MSR_APIC_BASE, XAPIC), "x2APIC to xAPIC");
    assert!(
        !b.wrmsr(MSR_APIC_BASE, DISABLED | BASE_EXTD),
        "invalid state"
    );
    assert!(b.wrmsr(MSR_APIC_BASE, DISABLED), "x2APIC to disabled");
    assert!(!b.apic.hw_enabled());
    assert!(!b.wrmsr(MSR_APIC_BASE, X2APIC), "disabled to x2APIC");
    assert!(b.wrmsr(MSR_APIC_BASE, XAPIC), "disabled to xAPIC");
    assert_eq!(b.rd(0x20), 0x2300_0000);
    assert!(b.wrmsr(MSR_APIC_BASE, DISABLED), "xAPIC to disabled");
    assert_eq!(b.rdmsr(MSR_APIC_BASE), Some(DISABLED));
}

#[test]
fn reserved_bits_and_relocation_are_refused() {
    let mut b = Bench::new(1, false);
    assert!(!b.wrmsr(MSR_APIC_BASE, XAPIC | 1));
    assert!(!b.wrmsr(MSR_APIC_BASE, XAPIC | (1 << 9)));
    assert!(!b.wrmsr(MSR_APIC_BASE, 0xfed0_0000 | BASE_EN));
    assert!(!b.wrmsr(MSR_APIC_BASE, XAPIC | (1 << 40)));
    // The BSP flag belongs to the vCPU.
    assert!(b.wrmsr(MSR_APIC_BASE, XAPIC | BASE_BSP));
    assert_eq!(b.rdmsr(MSR_APIC_BASE), Some(XAPIC));
    let mut bsp = Bench::new(0, true);
    assert!(bsp.wrmsr(MSR_APIC_BASE, XAPIC));
    assert_eq!(bsp.rdmsr(MSR_APIC_BASE), Some(XAPIC | BASE_BSP));
}

#[test]
fn disabling_resets_the_registers() {
    let mut b = Bench::enabled();
    b.wr(0x80, 0x20);
    b.fixed(0x40, false);
    assert!(b.wrmsr(MSR_APIC_BASE, DISABLED));
    assert_eq!(b.apic.pending(), None);
    assert!(b.wrmsr(MSR_APIC_BASE, XAPIC));
    assert_eq!(b.rd(0x80), 0);
    assert_eq!(b.rd(0xf0), 0xff);
    assert!(!b.irr_has(0x40));
}

#[test]
fn disabled_apic_hides_its_page_and_takes_nothing() {
    let mut b = Bench::enabled();
    assert!(b.wrmsr(MSR_APIC_BASE, DISABLED));
    assert_eq!(b.read(0x20, 4), 0xffff_ffff);
    assert_eq!(b.read(0x80, 1), 0xff);
    assert_eq!(b.read(0x80, 8), u64::MAX);
    b.wr(0xf0, 0x1ff);
    b.fixed(0x40, false);
    b.apic.deliver(&msg(0, Delivery::Nmi, Dest::All, false));
    assert!(!b.apic.take_nmi());
    assert!(b.wrmsr(MSR_APIC_BASE, XAPIC));
    assert_eq!(b.rd(0xf0), 0xff, "the write while disabled was dropped");
    assert!(!b.irr_has(0x40));
}

#[test]
fn x2apic_hides_the_page_and_xapic_refuses_the_msrs() {
    let mut b = Bench::enabled();
    for msr in 0x800..=0x8ff {
        assert_eq!(b.rdmsr(msr), None, "msr {msr:#x}");
        assert!(!b.wrmsr(msr, 0), "msr {msr:#x}");
    }
    b.x2();
    assert_eq!(b.rd(0x20), 0xffff_ffff);
    b.wr(0x80, 0x50);
    assert_eq!(b.rdmsr(0x808), Some(0), "MMIO write ignored");
    assert_eq!(
        b.rdmsr(0x80f),
        Some(0x1ff),
        "registers kept across the switch"
    );
}

#[test]
fn x2apic_refuses_missing_registers() {
    let mut b = Bench::enabled();
    b.x2();
    let missing = [
        0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e, 0x82f, 0x831, 0x83a, 0x83d, 0x840, 0x8ff,
    ];
    for msr in missing {
        assert_eq!(b.rdmsr(msr), None, "rd {msr:#x}");
        assert!(!b.wrmsr(msr, 0), "wr {msr:#x}");
    }
    assert_eq!(b.rdmsr(0x80b), None, "EOI is write-only");
    assert_eq!(b.rdmsr(0x83f), None, "SELF IPI is write-only");
    assert_eq!(b.rdmsr(0x7ff), None);
    assert_eq!(b.rdmsr(0x10), None, "not an APIC MSR");
    assert!(!b.wrmsr(0x900, 0));
}

#[test]
fn x2apic_refuses_writes_of_read_only_registers() {
    let mut b = Bench::enabled();
    b.x2();
    for msr in [
        0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818, 0x820, 0x827, 0x839,
    ] {
        assert!(!b.wrmsr(msr, 0), "{msr:#x}");
    }
}

#[test]
fn x2apic_refuses_reserved_bits() {
    let mut b = Bench::enabled();
    b.x2();
    let refused = [
        (0x808, 0x100),
        (0x808, 1 << 32),
        (0x80b, 1),
        (0x828, 1),
        (0x80f, 1 << 13),
        (0x80f, 1 << 10),
        (0x83e, 4),
        (0x838, 1 << 32),
        (0x832, 1 << 20),
        (0x833, 1 << 13),
        (0x837, 0x700),
        (0x835, 1 << 17),
        (0x830, 1 << 13),
        (0x830, 1 << 16),
        (0x830, 1 << 20),
        (0x83f, 0x100),
    ];
    for (msr, v) in refused {
        assert!(!b.wrmsr(msr, v), "{msr:#x} <- {v:#x}");
    }
    assert_eq!(b.rdmsr(0x808), Some(0));
    let accepted = [
        (0x808, 0xff),
        (0x80b, 0),
        (0x828, 0),
        (0x80f, 0x13ff),
        (0x83e, 0xb),
        (0x838, 0xffff_ffff),
        (0x832, 0x7_00ff),
        (0x835, 0x1_f7ff),
    ];
    for (msr, v) in accepted {
        assert!(b.wrmsr(msr, v), "{msr:#x} <- {v:#x}");
    }
    assert_eq!(b.rdmsr(0x808), Some(0xff));
    assert_eq!(b.rdmsr(0x835), Some(0x1_a7ff), "read-only bits ignored");
}

#[test]
fn x2apic_icr_is_one_64_bit_register() {
    let mut b = Bench::enabled();
    b.x2();
    let icr = (0x1234_5678 << 32) | 0x4031;
    assert!(b.wrmsr(0x830, icr));
    assert_eq!(b.rdmsr(0x830), Some(icr));
    assert!(b.wrmsr(0x830, 0x5031), "delivery status is ignored");
    assert_eq!(b.rdmsr(0x830), Some(0x4031));
}

#[test]
fn init_resets_all_but_id_and_mode() {
    let mut b = Bench::new(0x11, false);
    b.x2();
    assert!(b.wrmsr(0x80f, 0x1ff));
    assert!(b.wrmsr(0x808, 0x30));
    assert!(b.wrmsr(0x832, 0x2_0040));
    assert!(b.wrmsr(0x838, 1000));
    b.fixed(0x80, true);
    b.apic.deliver(&msg(0, Delivery::Nmi, Dest::All, false));
    b.apic.deliver(&msg(0, Delivery::Init, Dest::All, false));
    assert!(b.apic.wait_for_sipi());
    assert!(b.apic.take_init());
    assert!(!b.apic.take_init());
    assert!(b.apic.x2apic());
    assert_eq!(b.rdmsr(0x802), Some(0x11));
    assert_eq!(b.rdmsr(0x80d), Some(0x1_0002));
    assert_eq!(b.rdmsr(0x80f), Some(0xff));
    assert_eq!(b.rdmsr(0x808), Some(0));
    assert_eq!(b.rdmsr(0x832), Some(0x1_0000));
    assert_eq!(b.rdmsr(0x838), Some(0));
    assert_eq!(b.rdmsr(0x820 + 4), Some(0), "IRR cleared");
    assert_eq!(b.rdmsr(0x818 + 4), Some(0), "TMR cleared");
    assert!(!b.apic.take_nmi(), "pending NMI dropped");
    assert_eq!(b.apic.deadline(), None);
}

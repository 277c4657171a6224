//! Every offset, size, MSR and message, in every mode: nothing panics.

use super::*;

const VALUES: [u64; 5] = [
    0,
    u64::MAX,
    0x5555_5555_5555_5555,
    0xaaaa_aaaa_aaaa_aaaa,
    0x000c_4031, // a broadcast IPI wherever it lands on the ICR
];

/// Benches in xAPIC, x2APIC and disabled mode.
fn benches() -> [Bench; 3] {
    let xapic = Bench::enabled();
    let mut x2apic = Bench::enabled();
    x2apic.x2();
    let mut disabled = Bench::enabled();
    assert!(disabled.wrmsr(MSR_APIC_BASE, DEFAULT_BASE));
    [xapic, x2apic, disabled]
}

#[test]
fn hammer_every_mmio_offset_and_size() {
    for mut b in benches() {
        for (i, value) in VALUES.into_iter().enumerate() {
            b.at(i as u64 * 1_000_000);
            for off in 0..0x1008 {
                for size in [1, 2, 4, 8] {
                    b.read(off, size);
                    b.write(off, size, value);
                    b.read(off, size);
                }
            }
            b.tick();
            while b.apic.ack().is_some() {}
            b.out.clear();
        }
        let mut ctx = Ctx::new(b.now, 1, &mut b.out);
        b.apic.read(&mut ctx, u64::MAX, 8);
        b.apic.write(&mut ctx, u64::MAX - 3, 8, u64::MAX);
    }
}

#[test]
fn hammer_every_msr() {
    for mut b in benches() {
        let x2 = b.apic.x2apic();
        for value in VALUES {
            for msr in (0x800..=0x8ff).chain([0x1b, 0x6e0, 0x7ff, 0x900, 0, u32::MAX]) {
                let r = b.rdmsr(msr);
                if !x2 && (0x800..=0x8ff).contains(&msr) {
                    assert_eq!(r, None, "{msr:#x}");
                }
                if msr != MSR_APIC_BASE {
                    b.wrmsr(msr, value);
                }
                b.rdmsr(msr);
            }
            b.tick();
            b.out.clear();
        }
        for value in VALUES {
            b.wrmsr(MSR_APIC_BASE, value);
        }
    }
}

#[test]
fn hammer_every_message() {
    use Delivery::*;
    for mut b in benches() {
        for v in 0..=255u8 {
            for delivery in [Fixed, LowestPriority, Smi, Nmi, Init, StartUp, ExtInt] {
                for level in [false, true] {
                    let m = msg(v, delivery, Dest::Physical(u32::from(v)), level);
                    b.apic.accepts(m.dest, u32::from(v));
                    b.apic.accepts(Dest::Logical(u32::from(v) * 0x0101_0101), 0);
                    b.apic.deliver(&m);
                }
            }
            b.apic.pulse_lint(v);
            b.apic.take_init();
            b.apic.take_sipi();
            b.apic.take_nmi();
            b.apic.take_extint();
            b.apic.ack();
            b.write(0xb0, 4, 0);
            b.wrmsr(0x80b, 0);
        }
    }
}

#[test]
fn hammer_the_timer_at_extreme_times() {
    let mut b = Bench::enabled();
    for lvt in [0x40, 0x2_0040, 0x4_0040, 0x6_0040] {
        for dcr in [0x0, 0xa, 0xb] {
            b.wr(0x320, lvt);
            b.wr(0x3e0, dcr);
            for count in [1, u32::MAX] {
                for ns in [0, 1, u64::MAX / 2, u64::MAX - 1, u64::MAX] {
                    b.now = Time { ns, tsc: ns };
                    b.wr(0x380, count);
                    b.wrmsr(MSR_TSC_DEADLINE, u64::MAX);
                    b.wrmsr(MSR_TSC_DEADLINE, 1);
                    b.rd(0x390);
                    b.apic.deadline();
                    b.tick();
                }
                b.now = Time::default();
                b.tick();
            }
        }
    }
}

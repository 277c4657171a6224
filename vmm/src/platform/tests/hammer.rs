//! A guest that does anything at all: random accesses of every size to
//! every port, the APIC and IOAPIC pages and the x2APIC MSRs, with time
//! moving on and interrupts taken as a VMM takes them. Nothing may panic,
//! the platform's deadlines must stay ahead of a time that has been ticked
//! to, and the APIC vector a vCPU has pending must be the one it gets.

use super::*;

/// xorshift64*: the same sequence on every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SIZES: [u8; 4] = [1, 2, 4, 8];

/// What a guest does to get interrupts going, with random parameters:
/// otherwise chance would seldom enable an APIC or start a timer.
fn setup(p: &mut Platform, r: &mut Rng, now: Time, vcpu: u32) {
    let apic = 0xfee0_0000;
    let v = r.next();
    match r.below(4) {
        0 => {
            p.mmio_write(now, vcpu, apic + 0xf0, 4, 0x100 | (v & 0xff));
            p.mmio_write(now, vcpu, apic + 0x3e0, 4, v >> 8 & 0xb);
            p.mmio_write(now, vcpu, apic + 0x320, 4, v >> 16 & 0x6_00ff);
            p.mmio_write(now, vcpu, apic + 0x380, 4, v >> 32 & 0xfff);
        }
        1 => {
            pic_init(p);
            p.io_write(now, vcpu, 0x43, 1, (v & 0x3e) as u32 | 0x30);
            p.io_write(now, vcpu, 0x40, 1, (v >> 8) as u8 as u32);
            p.io_write(now, vcpu, 0x40, 1, (v >> 16) as u8 as u32 & 0x3);
        }
        2 => {
            let pin = (v & 0xff) as u32 % 24;
            p.mmio_write(now, vcpu, 0xfec0_0000, 4, u64::from(0x10 + 2 * pin));
            p.mmio_write(now, vcpu, 0xfec0_0010, 4, (v >> 8) & 0x1_a0ff);
        }
        _ => {
            // RTC periodic interrupts at a random rate.
            p.io_write(now, vcpu, 0x70, 1, 0x0a);
            p.io_write(now, vcpu, 0x71, 1, 0x20 | (v & 0xf) as u32);
            p.io_write(now, vcpu, 0x70, 1, 0x0b);
            p.io_write(now, vcpu, 0x71, 1, 0x42);
        }
    }
}

fn one_access(p: &mut Platform, r: &mut Rng, now: Time, cpus: u32) {
    let vcpu = r.below(u64::from(cpus)) as u32;
    let value = r.next();
    let size = SIZES[r.below(3) as usize];
    match r.below(9) {
        0 | 1 => {
            let port = r.below(0x1_0000) as u16;
            if r.below(2) == 0 {
                p.io_read(now, vcpu, port, size);
            } else {
                p.io_write(now, vcpu, port, size, value as u32);
            }
        }
        2 => {
            // The ports that have devices, more often than chance would.
            let port = [
                0x20, 0x21, 0x40, 0x43, 0x61, 0x70, 0x71, 0x3f9, 0x510, 0x600,
            ][r.below(10) as usize]
                + r.below(4) as u16;
            p.io_write(now, vcpu, port, 1, value as u32);
        }
        6 => setup(p, r, now, vcpu),
        3 | 4 => {
            let page = [0xfee0_0000u64, 0xfec0_0000][r.below(2) as usize];
            let size = SIZES[r.below(4) as usize];
            let gpa = page + r.below(0x1000);
            if r.below(2) == 0 {
                p.mmio_read(now, vcpu, gpa, size);
            } else {
                p.mmio_write(now, vcpu, gpa, size, value);
            }
        }
        5 => {
            let msr = 0x800 + r.below(0x100) as u32;
            let msr = [msr, 0x1b, 0x6e0][r.below(3) as usize];
            if r.below(2) == 0 {
                p.rdmsr(now, vcpu, msr);
            } else {
                p.wrmsr(now, vcpu, msr, value);
            }
        }
        _ => {
            // The APIC vector pending is the one the INTA delivers.
            match p.pending(vcpu) {
                Some(Intr::Apic(v)) => assert_eq!(p.ack(vcpu, Intr::Apic(v)), Some(v)),
                Some(what) => {
                    p.ack(vcpu, what);
                }
                None => {}
            }
            p.take_init(vcpu);
            p.take_sipi(vcpu);
        }
    }
}

#[test]
fn random_accesses_everywhere_never_panic_and_keep_time_consistent() {
    for seed in 1..=4u64 {
        let cpus = 1 + (seed as u32 % 3);
        let (mut p, _) = platform(cpus);
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut ns = 0u64;
        for step in 0..50_000 {
            ns += r.below(5_000);
            let now = at(ns);
            one_access(&mut p, &mut r, now, cpus);
            if step % 16 == 0 {
                p.tick(now);
                p.take_kicks();
                if let Some(d) = p.deadline() {
                    assert!(
                        d > ns,
                        "seed {seed} step {step}: deadline {d} not after {ns}"
                    );
                }
            }
            if p.stopped.is_some() {
                // A stopped guest is a finished one: start another.
                (p, _) = platform(cpus);
            }
        }
    }
}

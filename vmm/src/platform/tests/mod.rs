//! The wiring, end to end: guest port and MMIO accesses in, interrupts for
//! vCPUs out.

use super::*;
use crate::ctx::Stop;
use crate::time::TscRate;
use alloc::vec::Vec;
use std::sync::{Arc, Mutex};

struct Lines(Arc<Mutex<Vec<Vec<u8>>>>);

impl Console for Lines {
    fn line(&mut self, text: &[u8]) {
        self.0.lock().unwrap().push(text.to_vec());
    }
}

fn platform(cpus: u32) -> (Platform, Arc<Mutex<Vec<Vec<u8>>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let cfg = Config {
        cpus,
        ram: 64 << 20,
        tsc: TscRate::new(1_000_000),
        epoch_secs: 1_764_082_276,
    };
    (Platform::new(&cfg, Box::new(Lines(lines.clone()))), lines)
}

fn at(ns: u64) -> Time {
    Time { ns, tsc: ns }
}

/// Programs the PICs as PC operating systems do, IRQ 0 unmasked.
fn pic_init(p: &mut Platform) {
    for (port, v) in [
        (0x20, 0x11),
        (0x21, 0x20),
        (0x21, 4),
        (0x21, 1),
        (0xa0, 0x11),
        (0xa1, 0x28),
        (0xa1, 2),
        (0xa1, 1),
        (0x21, 0xfe),
        (0xa1, 0xff),
    ] {
        p.io_write(at(0), 0, port, 1, v);
    }
}

#[test]
fn the_pit_reaches_vcpu_0_through_the_pic_and_the_virtual_wire() {
    let (mut p, _) = platform(2);
    pic_init(&mut p);
    p.io_write(at(0), 0, 0x43, 1, 0x34);
    p.io_write(at(0), 0, 0x40, 1, 0xa9);
    p.io_write(at(0), 0, 0x40, 1, 0x04); // 1193: 1 ms
    let d = p.deadline().expect("the PIT wants a tick");
    assert!((999_000..=1_000_000).contains(&d), "{d}");
    assert_eq!(p.pending(0), None);
    p.tick(at(d));
    assert_eq!(p.take_kicks() & 1, 1, "vCPU 0 is kicked");
    assert_eq!(p.pending(0), Some(Intr::Pic));
    assert_eq!(p.pending(1), None, "the PIC reaches only the BSP");
    assert_eq!(p.ack(0, Intr::Pic), Some(0x20));
    assert_eq!(p.pending(0), None);
}

#[test]
fn an_ioapic_route_and_an_ipi_reach_their_vcpus() {
    let (mut p, _) = platform(2);
    // LAPICs software-enabled (SVR) on both vCPUs.
    for v in 0..2 {
        p.mmio_write(at(0), v, LAPIC_BASE + 0xf0, 4, 0x1ff);
    }
    // RTC periodic interrupt (IRQ 8) to vCPU 1, vector 0x51, level.
    p.mmio_write(at(0), 0, 0xfec0_0000, 4, 0x10 + 2 * 8 + 1);
    p.mmio_write(at(0), 0, 0xfec0_0010, 4, 1 << 24);
    p.mmio_write(at(0), 0, 0xfec0_0000, 4, 0x10 + 2 * 8);
    p.mmio_write(at(0), 0, 0xfec0_0010, 4, 0x8051);
    p.io_write(at(0), 0, 0x70, 1, 0x0b);
    p.io_write(at(0), 0, 0x71, 1, 0x42);
    let d = p.deadline().expect("the RTC wants a tick");
    p.tick(at(d));
    assert_eq!(p.take_kicks() & 2, 2);
    assert_eq!(p.pending(1), Some(Intr::Apic(0x51)));
    assert_eq!(p.pending(0), None);
    assert_eq!(p.ack(1, Intr::Apic(0x51)), Some(0x51));
    // vCPU 0 sends vector 0x61 to APIC 1 (physical, fixed).
    p.mmio_write(at(d), 0, LAPIC_BASE + 0x310, 4, 1 << 24);
    p.mmio_write(at(d), 0, LAPIC_BASE + 0x300, 4, 0x61);
    assert_eq!(p.take_kicks(), 2);
    // 0x61 is above the in-service 0x51's class: deliverable.
    assert_eq!(p.pending(1), Some(Intr::Apic(0x61)));
}

#[test]
fn a_debug_exit_write_stops_the_guest_and_the_uart_prints_lines() {
    let (mut p, lines) = platform(1);
    for b in b"hi\n" {
        p.io_write(at(0), 0, 0x3f8, 1, u32::from(*b));
    }
    assert_eq!(lines.lock().unwrap().as_slice(), [b"hi".to_vec()]);
    assert_eq!(p.stopped, None);
    p.io_write(at(0), 0, 0xf4, 4, 0x10);
    assert_eq!(p.stopped, Some(Stop::DebugExit(0x10)));
}

#[test]
fn unclaimed_ports_and_addresses_read_all_ones_and_ignore_writes() {
    let (mut p, _) = platform(1);
    assert_eq!(p.io_read(at(0), 0, 0x1234, 2), 0xffff);
    p.io_write(at(0), 0, 0x1234, 4, 5);
    assert_eq!(p.mmio_read(at(0), 0, 0xc000_0000, 8), u64::MAX);
    p.mmio_write(at(0), 0, 0xc000_0000, 4, 5);
    assert_eq!(p.rdmsr(at(0), 3, 0x1b), None, "no such vCPU");
    assert_eq!(
        p.rdmsr(at(0), 0, 0x1b).map(|b| b & !0xfff),
        Some(LAPIC_BASE)
    );
}

#[test]
fn fw_cfg_and_the_pm_timer_answer_at_their_ports() {
    let (mut p, _) = platform(2);
    p.io_write(at(0), 0, 0x510, 2, 5);
    assert_eq!(p.io_read(at(0), 0, 0x511, 1), 2);
    let t0 = p.io_read(at(0), 0, 0x608, 4);
    let t1 = p.io_read(at(1_000_000_000), 0, 0x608, 4);
    assert_eq!(t1.wrapping_sub(t0) & 0xff_ffff, 3_579_545 & 0xff_ffff);
}

mod hammer;

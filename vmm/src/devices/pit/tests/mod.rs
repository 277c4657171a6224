//! Host tests of the PIT: reset state and port B here, the register
//! protocol and the timing in their own files.

use alloc::vec::Vec;

use super::counter::ns_for;
use super::*;
use crate::ctx::Event;
use crate::time::Time;

mod registers;
mod timing;

fn at(ns: u64) -> Time {
    Time { ns, tsc: 0 }
}

/// Writes one byte at time `ns`; returns the IRQ 0 pulses it caused.
fn wr(p: &mut Pit, ns: u64, port: u64, v: u8) -> usize {
    let mut out = Vec::new();
    p.write(&mut Ctx::new(at(ns), 0, &mut out), port, 1, v.into());
    pulses(&out)
}

fn rd(p: &mut Pit, ns: u64, port: u64) -> u8 {
    let mut out = Vec::new();
    let v = p.read(&mut Ctx::new(at(ns), 0, &mut out), port, 1) as u8;
    assert!(out.is_empty());
    v
}

/// Ticks at `ns`; returns the pulses.
fn tick(p: &mut Pit, ns: u64) -> usize {
    let mut out = Vec::new();
    p.tick(&mut Ctx::new(at(ns), 0, &mut out));
    pulses(&out)
}

fn pulses(out: &[Event]) -> usize {
    for e in out {
        assert_eq!(*e, Event::Pulse { irq: 0 });
    }
    out.len()
}

/// Programs counter `ch` with `cw` and a two-byte count at time `ns`.
fn program(p: &mut Pit, ns: u64, ch: u64, cw: u8, count: u16) {
    wr(p, ns, 0x43, cw);
    wr(p, ns, 0x40 + ch, count as u8);
    wr(p, ns, 0x40 + ch, (count >> 8) as u8);
}

/// Latches counter `ch` and reads it LSB then MSB.
fn latched(p: &mut Pit, ns: u64, ch: u64) -> u16 {
    wr(p, ns, 0x43, (ch as u8) << 6);
    let lo = rd(p, ns, 0x40 + ch);
    let hi = rd(p, ns, 0x40 + ch);
    u16::from(hi) << 8 | u16::from(lo)
}

/// The instant `clocks` input clocks after `start`.
fn after(start: u64, clocks: u64) -> u64 {
    start + ns_for(clocks)
}

#[test]
fn reset_state_counts_nothing() {
    let mut p = Pit::new();
    assert_eq!(p.deadline(), None);
    assert_eq!(tick(&mut p, 1_000_000_000), 0);
    wr(&mut p, 0, 0x43, 0xe2); // read-back status of counter 0
    assert_eq!(
        rd(&mut p, 0, 0x40),
        0xf6,
        "OUT high, null count, LSB/MSB, mode 3"
    );
    assert_eq!(rd(&mut p, 0, 0x43), 0xff, "the control port is write-only");
}

#[test]
fn port_b_keeps_its_bits_and_toggles_refresh() {
    let mut p = Pit::new();
    wr(&mut p, 0, 0x61, 0xff);
    let a = rd(&mut p, 0, 0x61);
    let b = rd(&mut p, 0, 0x61);
    assert_eq!(a & 0xcf, 0x0f, "bits 0-3 as written, 6-7 clear");
    assert_eq!((a ^ b) & 0x10, 0x10, "refresh toggles on every read");
    assert_eq!(a & 0x20, 0x20, "idle counter 2 in mode 3: OUT high");
}

#[test]
fn wide_accesses_are_byte_cycles() {
    let mut p = Pit::new();
    let mut out = Vec::new();
    let mut ctx = Ctx::new(at(0), 0, &mut out);
    p.write(&mut ctx, 0x43, 1, 0x70);
    p.write(&mut ctx, 0x41, 1, 0x34);
    p.write(&mut ctx, 0x41, 1, 0x12);
    p.write(&mut ctx, 0x43, 1, 0x40);
    // 0x41 then 0x42 (counter 2's live LSB: 0), 0x43 floats, 0x44 not ours.
    assert_eq!(p.read(&mut ctx, 0x41, 4), 0xffff_0034);
    assert_eq!(p.read(&mut ctx, 0x61, 2) & 0xff00, 0xff00);
}

#[test]
fn every_port_size_and_value_is_survived() {
    let mut p = Pit::new();
    let mut out = Vec::new();
    let mut now = 0u64;
    for &(base, len) in RANGES.iter() {
        for port in base..base + len {
            for size in [0, 1, 2, 3, 4, 8, 255] {
                for v in [0u64, 1, 0x30, 0x34, 0x36, 0x7f, 0xb1, 0xc2, 0xfe, u64::MAX] {
                    for t in [now, now.wrapping_mul(7) | 1, u64::MAX, 3] {
                        let mut ctx = Ctx::new(at(t), 0, &mut out);
                        p.write(&mut ctx, port, size, v);
                        p.read(&mut ctx, port, size);
                        p.tick(&mut ctx);
                        p.deadline();
                        for c in 0x40..0x43 {
                            p.read(&mut ctx, c, 1);
                        }
                    }
                    now = now.wrapping_add(0x1234_5678_9abc);
                }
            }
        }
    }
    assert!(out.iter().all(|e| *e == Event::Pulse { irq: 0 }));
}

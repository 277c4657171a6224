//! Host tests of the local APIC, one file per concern; this file holds the
//! test bench.

mod dest;
mod hammer;
mod ipi;
mod mode;
mod priority;
mod regs;
mod timer;

use super::regs::*;
use super::Lapic;
use crate::apic::{ApicMsg, Delivery, Dest};
use crate::bus::Device;
use crate::ctx::{Ctx, Event};
use crate::time::{Time, TscRate};
use std::vec::Vec;

/// 2 GHz: two TSC ticks per nanosecond.
const RATE: TscRate = TscRate::new(2_000_000);

/// A local APIC with an outbox and a clock.
struct Bench {
    apic: Lapic,
    out: Vec<Event>,
    now: Time,
}

impl Bench {
    fn new(id: u32, bsp: bool) -> Self {
        Self::with_rate(id, bsp, RATE)
    }

    fn with_rate(id: u32, bsp: bool, rate: TscRate) -> Self {
        Self {
            apic: Lapic::new(id, bsp, rate),
            out: Vec::new(),
            now: Time::default(),
        }
    }

    /// An AP with id 1, software-enabled.
    fn enabled() -> Self {
        let mut b = Self::new(1, false);
        b.wr(0xf0, 0x1ff);
        b
    }

    fn read(&mut self, off: u64, size: u8) -> u64 {
        let mut ctx = Ctx::new(self.now, self.apic.id, &mut self.out);
        self.apic.read(&mut ctx, DEFAULT_BASE + off, size)
    }

    fn write(&mut self, off: u64, size: u8, value: u64) {
        let mut ctx = Ctx::new(self.now, self.apic.id, &mut self.out);
        self.apic.write(&mut ctx, DEFAULT_BASE + off, size, value);
    }

    fn rd(&mut self, off: u64) -> u32 {
        self.read(off, 4) as u32
    }

    fn wr(&mut self, off: u64, value: u32) {
        self.write(off, 4, u64::from(value));
    }

    fn rdmsr(&mut self, msr: u32) -> Option<u64> {
        let mut ctx = Ctx::new(self.now, self.apic.id, &mut self.out);
        self.apic.rdmsr(&mut ctx, msr)
    }

    fn wrmsr(&mut self, msr: u32, value: u64) -> bool {
        let mut ctx = Ctx::new(self.now, self.apic.id, &mut self.out);
        self.apic.wrmsr(&mut ctx, msr, value)
    }

    /// Switches to x2APIC mode.
    fn x2(&mut self) {
        let base = self.rdmsr(MSR_APIC_BASE).unwrap();
        assert!(self.wrmsr(MSR_APIC_BASE, base | BASE_EXTD));
        assert!(self.apic.x2apic());
    }

    /// Sets the clock to `ns` (TSC at the bench rate).
    fn at(&mut self, ns: u64) {
        self.now = Time {
            ns,
            tsc: RATE.ns_to_ticks(ns),
        };
    }

    fn tick(&mut self) {
        let mut ctx = Ctx::new(self.now, self.apic.id, &mut self.out);
        self.apic.tick(&mut ctx);
    }

    fn take(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.out)
    }

    /// Delivers a fixed interrupt.
    fn fixed(&mut self, vector: u8, level: bool) {
        self.apic
            .deliver(&msg(vector, Delivery::Fixed, Dest::All, level));
    }

    /// The ESR after latching it.
    fn esr(&mut self) -> u32 {
        self.wr(0x280, 0);
        self.rd(0x280)
    }

    /// IRR bit of `v`, from the register file.
    fn irr_has(&mut self, v: u8) -> bool {
        let word = self.rd(0x200 + 0x10 * u64::from(v >> 5));
        word & (1 << (v & 31)) != 0
    }
}

fn msg(vector: u8, delivery: Delivery, dest: Dest, level: bool) -> ApicMsg {
    ApicMsg {
        vector,
        delivery,
        dest,
        level,
        source: 0,
    }
}

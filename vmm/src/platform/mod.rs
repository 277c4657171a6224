//! The PC platform of one guest: every device model, the buses that reach
//! them, and the interrupt wiring between them.
//!
//! The interrupt controllers are fields of their own (the PIC pair, the
//! IOAPIC, one local APIC per vCPU) because the platform drives them
//! directly; every other device sits in `devices` behind the
//! [`Device`](crate::bus::Device) trait and is reached through the port or
//! MMIO [`Bus`]. Each access runs with a [`Ctx`]; the events it leaves are
//! routed right after it ([`Platform::route`]):
//!
//! - ISA line `n` goes to PIC input `n` and IOAPIC pin `n` (IRQ 0 to pin 2,
//!   the override every PC firmware declares);
//! - APIC messages go to the local APICs their destination matches;
//! - EOIs of level-triggered vectors go to the IOAPIC;
//! - a stop is kept in [`Platform::stopped`] for the VMM to act on.
//!
//! Whoever must act on a vCPU afterwards (it has an interrupt to take, an
//! INIT or a SIPI) is marked in a kick mask the VMM collects with
//! [`Platform::take_kicks`] and turns into a wake-up or a recall.
//!
//! The platform is one value behind one lock in the VMM: device models are
//! fast and never block, so vCPUs seldom wait for each other here.

mod build;
mod irq;
#[cfg(test)]
mod tests;

pub use build::{Config, Console};
pub use irq::Intr;

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::apic::Delivery;
use crate::bus::{all_ones, Bus, Device};
use crate::ctx::{Ctx, Event, Stop};
use crate::devices::ioapic::IoApic;
use crate::devices::lapic::Lapic;
use crate::devices::pic::PicPair;
use crate::time::{earliest, Time};

/// The guest-physical page of every local APIC (xAPIC mode).
pub const LAPIC_BASE: u64 = 0xfee0_0000;

/// Where a bus range leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Pic,
    IoApic,
    Dev(usize),
}

pub struct Platform {
    pub pic: PicPair,
    pub ioapic: IoApic,
    pub lapics: Vec<Lapic>,
    devices: Vec<Box<dyn Device>>,
    io: Bus<Slot>,
    mmio: Bus<Slot>,
    events: Vec<Event>,
    /// Why the guest must end, once a device said so.
    pub stopped: Option<Stop>,
    /// vCPUs (bit per index) that must look at their interrupts.
    kicks: u64,
    /// The PIC's output at the last look (a change kicks vCPU 0).
    pic_out: bool,
}

impl Platform {
    fn slot_read(&mut self, slot: Slot, now: Time, vcpu: u32, addr: u64, size: u8) -> u64 {
        let mut ctx = Ctx::new(now, vcpu, &mut self.events);
        let v = match slot {
            Slot::Pic => self.pic.read(&mut ctx, addr, size),
            Slot::IoApic => self.ioapic.read(&mut ctx, addr, size),
            Slot::Dev(i) => self.devices[i].read(&mut ctx, addr, size),
        };
        self.route(now);
        v
    }

    fn slot_write(&mut self, slot: Slot, now: Time, vcpu: u32, addr: u64, size: u8, v: u64) {
        let mut ctx = Ctx::new(now, vcpu, &mut self.events);
        match slot {
            Slot::Pic => self.pic.write(&mut ctx, addr, size, v),
            Slot::IoApic => self.ioapic.write(&mut ctx, addr, size, v),
            Slot::Dev(i) => self.devices[i].write(&mut ctx, addr, size, v),
        }
        self.route(now);
    }

    /// A port read of `size` bytes by `vcpu`.
    pub fn io_read(&mut self, now: Time, vcpu: u32, port: u16, size: u8) -> u32 {
        match self.io.find(u64::from(port)) {
            Some(s) => self.slot_read(s, now, vcpu, u64::from(port), size) as u32,
            None => all_ones(size) as u32,
        }
    }

    /// A port write of `size` bytes by `vcpu`.
    pub fn io_write(&mut self, now: Time, vcpu: u32, port: u16, size: u8, value: u32) {
        if let Some(s) = self.io.find(u64::from(port)) {
            self.slot_write(s, now, vcpu, u64::from(port), size, u64::from(value));
        }
    }

    fn lapic_page(&self, vcpu: u32, gpa: u64) -> Option<usize> {
        let i = vcpu as usize;
        (gpa & !0xfff == LAPIC_BASE && i < self.lapics.len()).then_some(i)
    }

    /// An MMIO read of `size` bytes by `vcpu` at `gpa` (not RAM).
    pub fn mmio_read(&mut self, now: Time, vcpu: u32, gpa: u64, size: u8) -> u64 {
        if let Some(i) = self.lapic_page(vcpu, gpa) {
            let mut ctx = Ctx::new(now, vcpu, &mut self.events);
            let v = self.lapics[i].read(&mut ctx, gpa, size);
            self.route(now);
            return v;
        }
        match self.mmio.find(gpa) {
            Some(s) => self.slot_read(s, now, vcpu, gpa, size),
            None => all_ones(size),
        }
    }

    /// An MMIO write of `size` bytes by `vcpu` at `gpa` (not RAM).
    pub fn mmio_write(&mut self, now: Time, vcpu: u32, gpa: u64, size: u8, value: u64) {
        if let Some(i) = self.lapic_page(vcpu, gpa) {
            let mut ctx = Ctx::new(now, vcpu, &mut self.events);
            self.lapics[i].write(&mut ctx, gpa, size, value);
            self.route(now);
            return;
        }
        if let Some(s) = self.mmio.find(gpa) {
            self.slot_write(s, now, vcpu, gpa, size, value);
        }
    }

    /// RDMSR of an MSR the platform owns (the APIC's); `None`: not one of
    /// them, or the access faults (the caller injects #GP either way).
    pub fn rdmsr(&mut self, now: Time, vcpu: u32, msr: u32) -> Option<u64> {
        let lapic = self.lapics.get_mut(vcpu as usize)?;
        let mut ctx = Ctx::new(now, vcpu, &mut self.events);
        let v = lapic.rdmsr(&mut ctx, msr);
        self.route(now);
        v
    }

    /// WRMSR likewise; `false`: #GP.
    pub fn wrmsr(&mut self, now: Time, vcpu: u32, msr: u32, value: u64) -> bool {
        let Some(lapic) = self.lapics.get_mut(vcpu as usize) else {
            return false;
        };
        let mut ctx = Ctx::new(now, vcpu, &mut self.events);
        let ok = lapic.wrmsr(&mut ctx, msr, value);
        self.route(now);
        ok
    }

    /// The next instant any device needs [`Platform::tick`].
    pub fn deadline(&self) -> Option<u64> {
        let devs = self.devices.iter().map(|d| d.deadline());
        let lapics = self.lapics.iter().map(|l| l.deadline());
        devs.chain(lapics).fold(None, earliest)
    }

    /// Lets every device catch up with `now`.
    pub fn tick(&mut self, now: Time) {
        for d in self.devices.iter_mut() {
            if d.deadline().is_some_and(|t| t <= now.ns) {
                d.tick(&mut Ctx::new(now, 0, &mut self.events));
            }
        }
        for (i, l) in self.lapics.iter_mut().enumerate() {
            if l.deadline().is_some_and(|t| t <= now.ns) {
                l.tick(&mut Ctx::new(now, i as u32, &mut self.events));
                self.kicks |= 1 << i;
            }
        }
        self.route(now);
    }

    /// The vCPUs that must look at their interrupts since the last call.
    pub fn take_kicks(&mut self) -> u64 {
        core::mem::take(&mut self.kicks)
    }

    /// Acts on every event the last access or tick left.
    fn route(&mut self, now: Time) {
        let mut at = 0;
        while at < self.events.len() {
            let e = self.events[at];
            at += 1;
            let mut ctx = Ctx::new(now, 0, &mut self.events);
            match e {
                Event::Line { irq, level } => {
                    self.pic.set_irq(irq, level);
                    self.ioapic.set_irq(&mut ctx, gsi(irq), level);
                }
                Event::Pulse { irq } => {
                    self.pic.pulse(irq);
                    self.ioapic.pulse(&mut ctx, gsi(irq));
                }
                Event::Eoi { vector } => self.ioapic.eoi(&mut ctx, vector),
                Event::Apic(msg) => {
                    for (i, l) in self.lapics.iter_mut().enumerate() {
                        if l.accepts(msg.dest, msg.source) {
                            l.deliver(&msg);
                            self.kicks |= 1 << i;
                            // Lowest priority: one receiver is enough, and
                            // all vCPUs rank the same.
                            if msg.delivery == Delivery::LowestPriority {
                                break;
                            }
                        }
                    }
                }
                Event::Stop(why) => {
                    self.stopped.get_or_insert(why);
                }
            }
        }
        self.events.clear();
        let out = self.pic.output();
        if out != self.pic_out {
            self.pic_out = out;
            self.kicks |= 1;
        }
    }
}

/// The IOAPIC pin of ISA line `irq`.
pub fn gsi(irq: u8) -> u8 {
    if irq == 0 {
        2
    } else {
        irq
    }
}

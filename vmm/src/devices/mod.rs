//! The PC platform's device models. Each file holds one device; every
//! device implements [`Device`](crate::bus::Device) except the interrupt
//! controllers, which the platform also drives directly.

pub mod ioapic;
pub mod lapic;

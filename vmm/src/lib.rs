//! The per-guest VMM's host-testable library.
//!
//! One VMM program runs per guest (the `vmm-bin` crate binds this library to
//! the hypervisor). Everything that needs no hypercall lives here and is
//! tested on the host:
//!
//! - [`apic`]: interrupt messages between the IOAPIC and local APICs;
//! - [`bus`]: the [`Device`](bus::Device) trait and the port-I/O and MMIO
//!   dispatch tables;
//! - [`ctx`]: what a device sees of the rest of the machine during an access
//!   (the time, the vCPU, and an outbox for interrupts and machine events);
//! - [`mem`]: guest-physical memory behind a trait;
//! - [`platform`]: the devices put together and wired;
//! - [`config`]: guest description lines;
//! - [`time`]: the guest's clock (nanoseconds and TSC);
//! - [`devices`]: the PC platform's device models;
//! - [`emul`]: the instruction emulator for MMIO and string port I/O;
//! - [`loader`]: guest kernel loaders;
//! - [`vcpu`]: what the VMM does with each VM exit.
//!
//! Device models never make hypercalls and never block: they compute, raise
//! lines, and say when they next need the clock ([`Device::deadline`](bus::Device::deadline)).
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod apic;
pub mod bus;
pub mod config;
pub mod ctx;
pub mod devices;
pub mod emul;
pub mod loader;
pub mod mem;
pub mod platform;
pub mod time;
pub mod vcpu;

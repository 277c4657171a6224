//! The per-guest user-level VMM (not built yet).
//!
//! This crate will hold the host-testable parts of the VMM: device models
//! behind a bus abstraction, the instruction emulator (iced-x86) and the guest
//! loaders, plus a thin binary that binds them to the hypervisor. Nothing is
//! implemented here yet; the hypervisor offers no virtualization so far.
#![cfg_attr(not(test), no_std)]

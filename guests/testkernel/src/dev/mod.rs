//! Drivers for the platform devices the tests use: just enough to program
//! each one the way an operating system would.

pub mod fwcfg;
pub mod ioapic;
pub mod lapic;
pub mod pic;
pub mod pit;
pub mod pm;
pub mod rtc;

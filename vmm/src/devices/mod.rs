//! The PC platform's device models. Each file holds one device; every
//! device implements [`Device`](crate::bus::Device) except the interrupt
//! controllers, which the platform also drives directly.

pub mod debug_exit;
pub mod fw_cfg;
pub mod i8042;
pub mod pm;
pub mod rtc;
pub mod uart;

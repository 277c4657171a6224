//! The PC platform's device models. Each file (or folder) holds one device;
//! every device implements [`Device`](crate::bus::Device), and the
//! interrupt controllers also have the calls the platform drives them with.

pub mod debug_exit;
pub mod fw_cfg;
pub mod i8042;
pub mod ioapic;
pub mod lapic;
pub mod pic;
pub mod pit;
pub mod pm;
pub mod rtc;
pub mod uart;

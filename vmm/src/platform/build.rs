//! Putting a platform together: which device sits where.
//!
//! | device | ports / addresses | ISA line |
//! |---|---|---|
//! | 8259A pair + ELCR | 0x20-0x21, 0xa0-0xa1, 0x4d0-0x4d1 | |
//! | 8254 PIT + port B | 0x40-0x43, 0x61 | 0 (IOAPIC pin 2) |
//! | CMOS RTC | 0x70-0x71 | 8 |
//! | i8042 | 0x60, 0x64 | 1 |
//! | 16550 UART (COM1) | 0x3f8-0x3ff | 4 |
//! | debug exit | 0xf4 | |
//! | fw_cfg | 0x510-0x511 | |
//! | ACPI PM (PM1a, PM timer) | 0x600-0x60b | |
//! | IOAPIC | 0xfec00000 (4 KiB) | |
//! | local APICs | 0xfee00000 (4 KiB, per vCPU) | |

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{Platform, Slot};
use crate::bus::{Bus, Device};
use crate::devices::{debug_exit, fw_cfg, i8042, ioapic, lapic, pic, pit, pm, rtc, uart};
use crate::time::TscRate;

pub use crate::devices::uart::Console;

/// The port ranges a device claims.
type Ranges<'a> = &'a [(u64, u64)];

/// COM1.
const COM1: u16 = 0x3f8;
const COM1_IRQ: u8 = 4;
const DEBUG_EXIT: u16 = 0xf4;
/// Where QEMU's PIIX4 has its ACPI PM registers, so guests and tables
/// written for QEMU find them.
pub const PM_BASE: u16 = 0x600;

/// What the platform is built for.
pub struct Config {
    pub cpus: u32,
    /// RAM from guest-physical 0.
    pub ram: u64,
    pub tsc: TscRate,
    /// Unix time at guest time 0, for the RTC.
    pub epoch_secs: u64,
}

impl Platform {
    /// The PC platform for `cfg`, with COM1 writing lines to `console`.
    pub fn new(cfg: &Config, console: Box<dyn Console>) -> Self {
        let below_4g = cfg.ram.min(0xc000_0000);
        let mut p = Self {
            pic: pic::PicPair::new(),
            ioapic: ioapic::IoApic::new(0),
            lapics: (0..cfg.cpus)
                .map(|i| lapic::Lapic::new(i, i == 0, cfg.tsc))
                .collect(),
            devices: Vec::new(),
            io: Bus::new(),
            mmio: Bus::new(),
            events: Vec::new(),
            stopped: None,
            kicks: 0,
            pic_out: false,
        };
        for (base, len) in pic::RANGES {
            claim(&mut p.io, base, len, Slot::Pic);
        }
        claim(&mut p.mmio, ioapic::BASE, 0x1000, Slot::IoApic);
        let fw = fw_cfg::FwCfg::new(cfg.cpus as u16, cfg.ram);
        let (debug_exit, pm) = (
            debug_exit::DebugExit::new(DEBUG_EXIT),
            pm::AcpiPm::new(PM_BASE),
        );
        let (debug_ranges, pm_ranges) = (debug_exit.ranges(), pm.ranges());
        let devices: [(Box<dyn Device>, Ranges); 7] = [
            (Box::new(pit::Pit::new()), &pit::RANGES),
            (
                Box::new(rtc::Rtc::new(cfg.epoch_secs, below_4g, cfg.ram - below_4g)),
                rtc::Rtc::RANGES,
            ),
            (Box::new(i8042::I8042::new()), i8042::I8042::RANGES),
            (
                Box::new(uart::Uart::new(COM1, COM1_IRQ, console)),
                &[(u64::from(COM1), 8)],
            ),
            (Box::new(debug_exit), &debug_ranges),
            (Box::new(fw), fw_cfg::FwCfg::RANGES),
            (Box::new(pm), &pm_ranges),
        ];
        for (dev, ranges) in devices {
            p.add(dev, ranges);
        }
        p
    }

    /// Adds a device reached through the port bus at `ranges`.
    pub fn add(&mut self, dev: Box<dyn Device>, ranges: &[(u64, u64)]) {
        let slot = Slot::Dev(self.devices.len());
        self.devices.push(dev);
        for &(base, len) in ranges {
            claim(&mut self.io, base, len, slot);
        }
    }
}

/// Claims a range the platform's own table names: the table is fixed, so
/// an overlap is a bug in it, caught by the platform's tests.
fn claim(bus: &mut Bus<Slot>, base: u64, len: u64, slot: Slot) {
    let ok = bus.claim(base, len, slot).is_ok();
    debug_assert!(ok, "overlapping device ranges in the platform table");
}

//! Device buses that record what the emulator did to them.

use std::collections::VecDeque;
use std::vec::Vec;

use crate::emul::{MmioBus, PortBus};

/// One bus access as a device saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    R(u64, u8),
    W(u64, u8, u64),
}

/// A device bus that records accesses; reads return the queued values,
/// then `value`. Values carry junk above the access size on purpose: the
/// emulator must cut them.
#[derive(Debug, Default)]
pub struct Bus {
    pub log: Vec<Io>,
    pub queue: VecDeque<u64>,
    pub value: u64,
}

impl Bus {
    pub fn reading(value: u64) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }
}

impl MmioBus for Bus {
    fn read(&mut self, gpa: u64, size: u8) -> u64 {
        self.log.push(Io::R(gpa, size));
        self.queue.pop_front().unwrap_or(self.value)
    }
    fn write(&mut self, gpa: u64, size: u8, value: u64) {
        self.log.push(Io::W(gpa, size, value));
    }
}

impl PortBus for Bus {
    fn read(&mut self, port: u16, size: u8) -> u32 {
        self.log.push(Io::R(u64::from(port), size));
        self.queue.pop_front().unwrap_or(self.value) as u32
    }
    fn write(&mut self, port: u16, size: u8, value: u32) {
        self.log
            .push(Io::W(u64::from(port), size, u64::from(value)));
    }
}

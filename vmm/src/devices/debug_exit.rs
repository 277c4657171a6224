//! QEMU's isa-debug-exit: a write port that ends the guest with a status.
//!
//! Test guests write their result to port 0xf4 and the VMM ends with it.
//! QEMU's device claims `iosize` bytes (1 by default) and exits with
//! `(value << 1) | 1`, so no result can be mistaken for QEMU's own exit
//! code 0. This model claims the same single byte but reports the raw value
//! written (the low `size` bytes of the access), as
//! [`Stop::DebugExit`]: the VMM decides what exit code to make of it.
//! Reads return all ones, as from a port nobody claims.

use crate::bus::{all_ones, Device};
use crate::ctx::{Ctx, Stop};

pub struct DebugExit {
    port: u16,
}

impl DebugExit {
    /// The default port, as QEMU's `-device isa-debug-exit` uses it.
    pub const RANGES: &'static [(u64, u64)] = &[(0xf4, 1)];

    pub fn new(port: u16) -> Self {
        Self { port }
    }

    /// The port this device claims.
    pub fn ranges(&self) -> [(u64, u64); 1] {
        [(u64::from(self.port), 1)]
    }
}

impl Device for DebugExit {
    fn name(&self) -> &'static str {
        "debug-exit"
    }

    fn read(&mut self, _ctx: &mut Ctx, _addr: u64, size: u8) -> u64 {
        all_ones(size)
    }

    fn write(&mut self, ctx: &mut Ctx, _addr: u64, size: u8, value: u64) {
        ctx.stop(Stop::DebugExit((value & all_ones(size)) as u32));
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::ctx::Event;
    use crate::time::Time;

    #[test]
    fn a_write_of_any_size_stops_with_the_raw_value() {
        let mut dev = DebugExit::new(0xf4);
        assert_eq!(dev.ranges(), [(0xf4, 1)]);
        assert_eq!(DebugExit::RANGES, &dev.ranges());
        let mut out = Vec::new();
        let mut ctx = Ctx::new(Time::default(), 0, &mut out);
        dev.write(&mut ctx, 0xf4, 1, 0x1_23);
        dev.write(&mut ctx, 0xf4, 2, 0xabcd_0010);
        dev.write(&mut ctx, 0xf4, 4, 0xffff_ffff_8000_0001);
        dev.write(&mut ctx, 0xf4, 8, 0x1_0000_0000);
        assert_eq!(
            out,
            [
                Event::Stop(Stop::DebugExit(0x23)),
                Event::Stop(Stop::DebugExit(0x10)),
                Event::Stop(Stop::DebugExit(0x8000_0001)),
                Event::Stop(Stop::DebugExit(0)),
            ]
        );
    }

    #[test]
    fn reads_are_all_ones_and_change_nothing() {
        let mut dev = DebugExit::new(0x501);
        assert_eq!(dev.ranges(), [(0x501, 1)]);
        let mut out = Vec::new();
        let mut ctx = Ctx::new(Time::default(), 0, &mut out);
        for size in [1, 2, 4, 8] {
            assert_eq!(dev.read(&mut ctx, 0x501, size), all_ones(size));
        }
        assert!(out.is_empty());
    }
}

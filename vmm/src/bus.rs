//! Port-I/O and MMIO dispatch.
//!
//! A [`Bus`] maps address ranges to the devices that claim them; the
//! platform owns one for port I/O and one for MMIO. Devices see absolute
//! addresses (a port number, a guest-physical address), so a device that
//! claims several ranges (the PIC pair and its ELCR, the PIT and port 0x61)
//! needs no translation back.
//!
//! What a PC does with an access nobody claims, the platform does too: reads
//! return all ones, writes are dropped.

use alloc::vec::Vec;

use crate::ctx::Ctx;

/// A device model reachable through a bus.
///
/// `size` is the access width in bytes (1, 2 or 4 for ports; 1, 2, 4 or 8
/// for MMIO). A read returns the value in the low `size` bytes; bits above
/// are ignored by the caller. Devices must accept every address and size
/// inside the ranges they claimed, including widths their hardware would not
/// expect, and answer them without panicking.
pub trait Device: Send {
    /// A short name for messages ("pit", "uart0").
    fn name(&self) -> &'static str;
    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64;
    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64);
    /// The guest time (ns) at which the device next needs [`Device::tick`],
    /// if any: a timer running out, a period ending.
    fn deadline(&self) -> Option<u64> {
        None
    }
    /// Catches up with `ctx.now`: fires whatever fell due.
    fn tick(&mut self, _ctx: &mut Ctx) {}
}

/// The value a read of `size` bytes returns when nobody answers.
pub fn all_ones(size: u8) -> u64 {
    match size {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => u64::MAX,
    }
}

/// A wide port access as the ISA bus carries it out: byte cycles at
/// ascending ports, `byte(port)` answering each, assembled little-endian.
/// Devices that keep byte-wide registers implement `read` with this.
pub fn read_bytes(addr: u64, size: u8, mut byte: impl FnMut(u64) -> u8) -> u64 {
    (0..u64::from(size.min(8))).fold(0, |v, i| {
        v | u64::from(byte(addr.wrapping_add(i))) << (8 * i)
    })
}

/// The write side of [`read_bytes`]: `byte(port, value)` per byte.
pub fn write_bytes(addr: u64, size: u8, value: u64, mut byte: impl FnMut(u64, u8)) {
    for i in 0..u64::from(size.min(8)) {
        byte(addr.wrapping_add(i), (value >> (8 * i)) as u8);
    }
}

/// A claim on the range `[base, base + len)` overlaps an earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlap {
    pub base: u64,
    pub len: u64,
}

#[derive(Clone, Copy, Debug)]
struct Range<T> {
    base: u64,
    /// Last address, inclusive, so a range may end at `u64::MAX`.
    last: u64,
    target: T,
}

/// A map from disjoint address ranges to targets (device indices).
#[derive(Debug)]
pub struct Bus<T> {
    /// Sorted by `base`; disjoint.
    ranges: Vec<Range<T>>,
}

impl<T: Copy> Default for Bus<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> Bus<T> {
    pub const fn new() -> Self {
        Self { ranges: Vec::new() }
    }

    /// Claims `[base, base + len)` for `target`. Empty ranges and ranges that
    /// wrap around are refused like overlaps.
    pub fn claim(&mut self, base: u64, len: u64, target: T) -> Result<(), Overlap> {
        let err = Overlap { base, len };
        let last = len
            .checked_sub(1)
            .and_then(|l| base.checked_add(l))
            .ok_or(err)?;
        let at = self.ranges.partition_point(|r| r.base < base);
        let clash_before = at > 0 && self.ranges[at - 1].last >= base;
        let clash_after = self.ranges.get(at).is_some_and(|r| r.base <= last);
        if clash_before || clash_after {
            return Err(err);
        }
        self.ranges.insert(at, Range { base, last, target });
        Ok(())
    }

    /// The target whose range holds `addr`.
    pub fn find(&self, addr: u64) -> Option<T> {
        let at = self.ranges.partition_point(|r| r.base <= addr);
        let r = self.ranges.get(at.checked_sub(1)?)?;
        (addr <= r.last).then_some(r.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_claiming_range() {
        let mut bus = Bus::new();
        bus.claim(0x40, 4, 'p').unwrap();
        bus.claim(0x20, 2, 'm').unwrap();
        bus.claim(0x3f8, 8, 'u').unwrap();
        assert_eq!(bus.find(0x20), Some('m'));
        assert_eq!(bus.find(0x21), Some('m'));
        assert_eq!(bus.find(0x22), None);
        assert_eq!(bus.find(0x43), Some('p'));
        assert_eq!(bus.find(0x44), None);
        assert_eq!(bus.find(0x3ff), Some('u'));
        assert_eq!(bus.find(0), None);
        assert_eq!(bus.find(u64::MAX), None);
    }

    #[test]
    fn refuses_overlaps_empty_and_wrapping_claims() {
        let mut bus = Bus::new();
        bus.claim(0x100, 0x10, 1).unwrap();
        assert!(bus.claim(0xf8, 0x9, 2).is_err());
        assert!(bus.claim(0x10f, 1, 2).is_err());
        assert!(bus.claim(0x104, 1, 2).is_err());
        assert!(bus.claim(0x0, 0x1000, 2).is_err());
        assert!(bus.claim(0x200, 0, 2).is_err());
        assert!(bus.claim(u64::MAX, 2, 2).is_err());
        bus.claim(0x110, 1, 3).unwrap();
        bus.claim(0xff, 1, 4).unwrap();
        bus.claim(u64::MAX - 1, 2, 5).unwrap();
        assert_eq!(bus.find(0x110), Some(3));
        assert_eq!(bus.find(0xff), Some(4));
        assert_eq!(bus.find(u64::MAX), Some(5));
    }

    #[test]
    fn wide_accesses_are_byte_cycles_at_ascending_ports() {
        assert_eq!(read_bytes(0x40, 4, |p| p as u8), 0x4342_4140);
        assert_eq!(read_bytes(0x40, 1, |p| p as u8), 0x40);
        let mut seen = Vec::new();
        write_bytes(u64::MAX, 2, 0xbeef, |p, b| seen.push((p, b)));
        assert_eq!(seen, [(u64::MAX, 0xef), (0, 0xbe)]);
    }

    #[test]
    fn unclaimed_reads_are_all_ones_of_their_width() {
        assert_eq!(all_ones(1), 0xff);
        assert_eq!(all_ones(2), 0xffff);
        assert_eq!(all_ones(4), 0xffff_ffff);
        assert_eq!(all_ones(8), u64::MAX);
    }
}

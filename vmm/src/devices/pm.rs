//! The ACPI fixed-hardware power-management registers of a PIIX4-like
//! chipset, at an I/O base the FADT names (the VMM puts them at 0x600,
//! where QEMU's PIIX4 has them):
//!
//! - base+0: PM1a_EVT_BLK. PM1_STS (2 bytes, write 1 to clear): TMR_STS is
//!   set each time bit 23 of the PM timer changes; WAK_STS and the other
//!   status bits are never set, as nothing here wakes or signals. PM1_EN
//!   (2 bytes): the defined enable bits, kept.
//! - base+4: PM1a_CNT_BLK (2 bytes). SCI_EN always reads as set: the
//!   machine is in ACPI mode from the start, so the FADT needs no SMI_CMD
//!   port to switch modes. Setting SLP_EN with SLP_TYP = [`S5_SLP_TYP`]
//!   (the value the platform's DSDT gives `_S5`) powers off; the platform
//!   declares no other sleep state, and other values are ignored.
//! - base+8: PM_TMR (4 bytes, read-only): a 24-bit counter at 3.579545 MHz
//!   from the guest clock, wrapping at 2^24 (the FADT says TMR_VAL_EXT = 0).
//!
//! Not modelled: the SCI. Nothing raises it: no timer-overflow interrupt
//! (TMR_EN is kept but has no effect), no power or sleep button, no GPEs.
//! Accesses may have any width at any offset; each byte is the byte of the
//! register it falls in, and bytes between the blocks read as all ones.

use crate::bus::{read_bytes, Device};
use crate::ctx::{Ctx, Stop};
use crate::time::scale;

/// SLP_TYP of the soft-off state S5.
pub const S5_SLP_TYP: u16 = 0;
/// The ACPI PM timer's frequency.
pub const PM_TIMER_HZ: u64 = 3_579_545;

const TMR_STS: u16 = 0x0001;
/// PM1_EN's defined bits: TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS.
const EN_BITS: u16 = 0x4721;
const SCI_EN: u16 = 0x0001;
/// BM_RLD and SLP_TYP: the control bits that read back.
const CNT_KEPT: u16 = 0x1c02;
const SLP_EN: u16 = 0x2000;

pub struct AcpiPm {
    base: u16,
    /// PM1_STS bits other than TMR_STS.
    sts: u16,
    en: u16,
    cnt: u16,
    /// Timer ticks >> 23 when TMR_STS was last cleared.
    tmr_cleared: u64,
}

fn timer_ticks(ns: u64) -> u64 {
    scale(ns, 1_000_000_000, PM_TIMER_HZ)
}

impl AcpiPm {
    /// The event and control blocks, then the timer, at the VMM's base.
    pub const RANGES: &'static [(u64, u64)] = &[(0x600, 6), (0x608, 4)];

    pub fn new(base: u16) -> Self {
        Self {
            base,
            sts: 0,
            en: 0,
            cnt: 0,
            tmr_cleared: 0,
        }
    }

    /// The ports this device claims.
    pub fn ranges(&self) -> [(u64, u64); 2] {
        let b = u64::from(self.base);
        [(b, 6), (b + 8, 4)]
    }

    fn status(&self, ns: u64) -> u16 {
        let toggled = timer_ticks(ns) >> 23 > self.tmr_cleared;
        self.sts | if toggled { TMR_STS } else { 0 }
    }

    fn read_byte(&self, ns: u64, off: u64) -> u8 {
        let reg = match off {
            0 | 1 => self.status(ns),
            2 | 3 => self.en,
            4 | 5 => self.cnt | SCI_EN,
            8..=11 => {
                let t = (timer_ticks(ns) & 0xff_ffff) as u32;
                return (t >> (8 * (off - 8))) as u8;
            }
            _ => return 0xff,
        };
        (reg >> (8 * (off % 2))) as u8
    }
}

impl Device for AcpiPm {
    fn name(&self) -> &'static str {
        "acpi-pm"
    }

    fn read(&mut self, ctx: &mut Ctx, addr: u64, size: u8) -> u64 {
        let off = addr.wrapping_sub(u64::from(self.base));
        read_bytes(off, size, |o| self.read_byte(ctx.now.ns, o))
    }

    fn write(&mut self, ctx: &mut Ctx, addr: u64, size: u8, value: u64) {
        let off = addr.wrapping_sub(u64::from(self.base));
        // (value, byte mask) written to PM1_STS, PM1_EN, PM1_CNT.
        let mut regs = [(0u16, 0u16); 3];
        for i in 0..u64::from(size.min(8)) {
            let o = off.wrapping_add(i);
            if let Some(r) = regs.get_mut(o as usize / 2).filter(|_| o < 6) {
                let shift = 8 * (o % 2);
                r.0 |= u16::from((value >> (8 * i)) as u8) << shift;
                r.1 |= 0xff << shift;
            }
        }
        let [(sts, _), (en, en_mask), (cnt, cnt_mask)] = regs;
        if sts & TMR_STS != 0 {
            self.tmr_cleared = timer_ticks(ctx.now.ns) >> 23;
        }
        self.sts &= !sts;
        self.en = (self.en & !en_mask | en & en_mask) & EN_BITS;
        let cnt = self.cnt & !cnt_mask | cnt & cnt_mask;
        self.cnt = cnt & CNT_KEPT;
        if cnt & cnt_mask & SLP_EN != 0 && (cnt >> 10) & 7 == S5_SLP_TYP {
            ctx.stop(Stop::PowerOff);
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::ctx::Event;
    use crate::time::Time;

    const SEC: u64 = 1_000_000_000;

    fn rd(pm: &mut AcpiPm, ns: u64, addr: u64, size: u8) -> u64 {
        let mut out = Vec::new();
        pm.read(&mut Ctx::new(Time { ns, tsc: 0 }, 0, &mut out), addr, size)
    }

    fn wr(pm: &mut AcpiPm, ns: u64, addr: u64, size: u8, v: u64) -> Vec<Event> {
        let mut out = Vec::new();
        pm.write(
            &mut Ctx::new(Time { ns, tsc: 0 }, 0, &mut out),
            addr,
            size,
            v,
        );
        out
    }

    #[test]
    fn timer_counts_at_3_579545_mhz() {
        let mut pm = AcpiPm::new(0x600);
        assert_eq!(rd(&mut pm, 0, 0x608, 4), 0);
        let a = rd(&mut pm, SEC / 2, 0x608, 4);
        let b = rd(&mut pm, SEC / 2 + SEC, 0x608, 4);
        assert_eq!(b - a, PM_TIMER_HZ);
        assert_eq!(rd(&mut pm, SEC, 0x608, 4), PM_TIMER_HZ);
        assert_eq!(rd(&mut pm, SEC, 0x609, 1), PM_TIMER_HZ >> 8 & 0xff);
        assert_eq!(rd(&mut pm, SEC, 0x60a, 2), PM_TIMER_HZ >> 16);
    }

    #[test]
    fn timer_wraps_at_24_bits() {
        let mut pm = AcpiPm::new(0x600);
        // 2^24 ticks take 4.687 s.
        let wrap_ns = (1u64 << 24) * SEC / PM_TIMER_HZ + 1;
        assert_eq!(rd(&mut pm, wrap_ns - 300, 0x608, 4), 0xff_fffe);
        assert_eq!(rd(&mut pm, wrap_ns, 0x608, 4), 0);
        assert_eq!(rd(&mut pm, 1000 * SEC, 0x608, 4) >> 24, 0);
    }

    #[test]
    fn tmr_sts_sets_on_bit_23_and_clears_by_writing_one() {
        let mut pm = AcpiPm::new(0x600);
        let half = (1u64 << 23) * SEC / PM_TIMER_HZ + 1;
        assert_eq!(rd(&mut pm, half - 300, 0x600, 2), 0);
        assert_eq!(rd(&mut pm, half, 0x600, 2), 1);
        wr(&mut pm, half, 0x600, 2, 0xfffe);
        assert_eq!(rd(&mut pm, half, 0x600, 2), 1, "writing 0 leaves it");
        wr(&mut pm, half, 0x600, 4, 0x0000_0001);
        assert_eq!(rd(&mut pm, half, 0x600, 2), 0);
        assert_eq!(rd(&mut pm, 2 * half, 0x600, 2), 1, "set again at the wrap");
    }

    #[test]
    fn enable_bits_are_kept_and_sci_en_reads_set() {
        let mut pm = AcpiPm::new(0x600);
        wr(&mut pm, 0, 0x600, 4, 0xffff_0000);
        assert_eq!(rd(&mut pm, 0, 0x602, 2), 0x4721);
        wr(&mut pm, 0, 0x603, 1, 0x00);
        assert_eq!(rd(&mut pm, 0, 0x602, 2), 0x0021);
        assert_eq!(rd(&mut pm, 0, 0x604, 2), 0x0001);
        wr(&mut pm, 0, 0x604, 2, 0x0c06);
        assert_eq!(
            rd(&mut pm, 0, 0x604, 2),
            0x0c03,
            "BM_RLD, SLP_TYP 3; GBL_RLS reads 0"
        );
    }

    #[test]
    fn slp_en_with_s5_powers_off() {
        let mut pm = AcpiPm::new(0x600);
        assert!(wr(&mut pm, 0, 0x604, 2, 0x1c00).is_empty(), "SLP_TYP alone");
        assert!(
            wr(&mut pm, 0, 0x604, 2, 0x2000 | 5 << 10).is_empty(),
            "S3-like: ignored"
        );
        let s5 = 0x2000 | S5_SLP_TYP << 10;
        assert_eq!(
            wr(&mut pm, 0, 0x604, 2, u64::from(s5)),
            [Event::Stop(Stop::PowerOff)]
        );
        // SLP_EN by a byte write to the high half, SLP_TYP from before.
        wr(&mut pm, 0, 0x604, 2, 0);
        assert_eq!(
            wr(&mut pm, 0, 0x605, 1, 0x20),
            [Event::Stop(Stop::PowerOff)]
        );
        assert_eq!(
            wr(&mut pm, 0, 0x602, 4, 0x2000_0000),
            [Event::Stop(Stop::PowerOff)]
        );
    }

    #[test]
    fn any_access_is_answered_without_panic() {
        let mut pm = AcpiPm::new(0x600);
        assert_eq!(pm.ranges(), [(0x600, 6), (0x608, 4)]);
        assert_eq!(AcpiPm::RANGES, &pm.ranges());
        for (base, len) in pm.ranges() {
            for port in base..base + len {
                for size in [1, 2, 4, 8] {
                    for v in [0, 0xff, 0x5a5a_5a5a, u64::MAX] {
                        wr(&mut pm, u64::MAX, port, size, v);
                        rd(&mut pm, u64::MAX, port, size);
                    }
                }
            }
        }
        assert_eq!(
            rd(&mut pm, 0, 0x605, 2) >> 8,
            0xff,
            "0x606 lies between the blocks"
        );
    }
}

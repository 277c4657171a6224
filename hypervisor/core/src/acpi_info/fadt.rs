//! The FADT body: PM1 control blocks, PM timer, reset register, DSDT.
//!
//! ACPI 2.0 added 64-bit "X_" copies of the 1.0 fields. A field is taken
//! from the X_ copy when the table is new and long enough to hold it and
//! the copy is filled in, else from the 1.0 field; anything the table is too
//! short to hold counts as absent.

#![forbid(unsafe_code)]

use super::{AddressSpace, Gas};
use crate::le::{u32_at, u64_at, u8_at};

const REVISION: usize = 8;
const DSDT: usize = 40;
const PM1A_CNT_BLK: usize = 64;
const PM1B_CNT_BLK: usize = 68;
const PM_TMR_BLK: usize = 76;
const PM1_CNT_LEN: usize = 89;
const PM_TMR_LEN: usize = 91;
const FLAGS: usize = 112;
const RESET_REG: usize = 116;
const RESET_VALUE: usize = 128;
const X_DSDT: usize = 140;
const X_PM1A_CNT_BLK: usize = 172;
const X_PM1B_CNT_BLK: usize = 184;
const X_PM_TMR_BLK: usize = 208;

const TMR_VAL_EXT: u32 = 1 << 8;
const RESET_REG_SUP: u32 = 1 << 10;

#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Fadt {
    pub pm1a_control: Option<Gas>,
    pub pm1b_control: Option<Gas>,
    pub pm_timer: Option<Gas>,
    pub pm_timer_32bit: bool,
    pub reset: Option<(Gas, u8)>,
    pub dsdt: Option<u64>,
}

/// Reads the facts from the whole table (header included).
pub(super) fn parse(fadt: &[u8]) -> Fadt {
    let extended = u8_at(fadt, REVISION).is_some_and(|r| r >= 2);
    let x_gas = |off| gas(fadt, off).filter(|_| extended);
    let io = |off, width| {
        let address = u32_at(fadt, off).filter(|&a| a != 0)?;
        Some(Gas {
            space: AddressSpace::SystemIo,
            address: u64::from(address),
            bit_width: width,
        })
    };
    let pm1_width = u8_at(fadt, PM1_CNT_LEN).unwrap_or(0).saturating_mul(8);
    let flags = u32_at(fadt, FLAGS).unwrap_or(0);
    // A timer length other than 4 means there is no PM timer.
    let has_timer = u8_at(fadt, PM_TMR_LEN) == Some(4);
    let reset_value = u8_at(fadt, RESET_VALUE).filter(|_| flags & RESET_REG_SUP != 0);
    Fadt {
        pm1a_control: x_gas(X_PM1A_CNT_BLK).or_else(|| io(PM1A_CNT_BLK, pm1_width)),
        pm1b_control: x_gas(X_PM1B_CNT_BLK).or_else(|| io(PM1B_CNT_BLK, pm1_width)),
        pm_timer: x_gas(X_PM_TMR_BLK)
            .or_else(|| io(PM_TMR_BLK, 32))
            .filter(|_| has_timer),
        pm_timer_32bit: flags & TMR_VAL_EXT != 0,
        reset: reset_value.and_then(|v| Some((gas(fadt, RESET_REG)?, v))),
        dsdt: u64_at(fadt, X_DSDT)
            .filter(|&a| extended && a != 0)
            .or_else(|| u32_at(fadt, DSDT).map(u64::from))
            .filter(|&a| a != 0),
    }
}

/// A Generic Address Structure at `off`, if present, filled in and in an
/// address space the kernel can use directly.
fn gas(fadt: &[u8], off: usize) -> Option<Gas> {
    let space = match u8_at(fadt, off)? {
        0 => AddressSpace::SystemMemory,
        1 => AddressSpace::SystemIo,
        _ => return None,
    };
    let address = u64_at(fadt, off + 4).filter(|&a| a != 0)?;
    Some(Gas {
        space,
        address,
        bit_width: u8_at(fadt, off + 1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(address: u64, bit_width: u8) -> Gas {
        Gas {
            space: AddressSpace::SystemIo,
            address,
            bit_width,
        }
    }

    fn put_gas(t: &mut [u8], off: usize, space: u8, width: u8, address: u64) {
        t[off] = space;
        t[off + 1] = width;
        t[off + 3] = 1;
        t[off + 4..off + 12].copy_from_slice(&address.to_le_bytes());
    }

    /// An ACPI 1.0 FADT (116 bytes): no reset register, no X_ fields.
    fn v1() -> Vec<u8> {
        let mut t = vec![0u8; 116];
        t[REVISION] = 1;
        t[DSDT..DSDT + 4].copy_from_slice(&0x7fe_1000u32.to_le_bytes());
        t[PM1A_CNT_BLK..PM1A_CNT_BLK + 4].copy_from_slice(&0x604u32.to_le_bytes());
        t[PM_TMR_BLK..PM_TMR_BLK + 4].copy_from_slice(&0x608u32.to_le_bytes());
        t[PM1_CNT_LEN] = 2;
        t[PM_TMR_LEN] = 4;
        t[FLAGS..FLAGS + 4].copy_from_slice(&(RESET_REG_SUP).to_le_bytes());
        t
    }

    fn v3() -> Vec<u8> {
        let mut t = v1();
        t.resize(244, 0);
        t[REVISION] = 3;
        t[FLAGS..FLAGS + 4].copy_from_slice(&(RESET_REG_SUP | TMR_VAL_EXT).to_le_bytes());
        put_gas(&mut t, RESET_REG, 1, 8, 0xcf9);
        t[RESET_VALUE] = 6;
        t[X_DSDT..X_DSDT + 8].copy_from_slice(&0x1_0000_2000u64.to_le_bytes());
        put_gas(&mut t, X_PM1A_CNT_BLK, 1, 16, 0xb004);
        put_gas(&mut t, X_PM1B_CNT_BLK, 0, 16, 0xfed0_0000);
        put_gas(&mut t, X_PM_TMR_BLK, 1, 32, 0xb008);
        t
    }

    #[test]
    fn acpi1_table_uses_legacy_fields() {
        let f = parse(&v1());
        assert_eq!(
            f,
            Fadt {
                pm1a_control: Some(io(0x604, 16)),
                pm1b_control: None,
                pm_timer: Some(io(0x608, 32)),
                pm_timer_32bit: false,
                reset: None,
                dsdt: Some(0x7fe_1000),
            }
        );
    }

    #[test]
    fn acpi2_table_prefers_x_fields() {
        let f = parse(&v3());
        assert_eq!(f.pm1a_control, Some(io(0xb004, 16)));
        let b = Gas {
            space: AddressSpace::SystemMemory,
            address: 0xfed0_0000,
            bit_width: 16,
        };
        assert_eq!(f.pm1b_control, Some(b));
        assert_eq!(f.pm_timer, Some(io(0xb008, 32)));
        assert!(f.pm_timer_32bit);
        assert_eq!(f.reset, Some((io(0xcf9, 8), 6)));
        assert_eq!(f.dsdt, Some(0x1_0000_2000));
    }

    #[test]
    fn unusable_or_empty_x_fields_fall_back() {
        let mut t = v3();
        put_gas(&mut t, X_PM1A_CNT_BLK, 2, 16, 0xb004); // PCI config space
        t[X_PM_TMR_BLK + 4..X_PM_TMR_BLK + 12].fill(0);
        t[X_DSDT..X_DSDT + 8].fill(0);
        let f = parse(&t);
        assert_eq!(f.pm1a_control, Some(io(0x604, 16)));
        assert_eq!(f.pm_timer, Some(io(0x608, 32)));
        assert_eq!(f.dsdt, Some(0x7fe_1000));
        // An old revision never looks at X_ fields, whatever they hold.
        let mut t = v3();
        t[REVISION] = 1;
        assert_eq!(parse(&t).dsdt, Some(0x7fe_1000));
        assert_eq!(parse(&t).pm1a_control, Some(io(0x604, 16)));
    }

    #[test]
    fn optional_features() {
        let mut t = v3();
        t[PM_TMR_LEN] = 3;
        t[FLAGS..FLAGS + 4].fill(0);
        let f = parse(&t);
        assert_eq!(f.pm_timer, None);
        assert_eq!(f.reset, None);
        let mut t = v3();
        put_gas(&mut t, RESET_REG, 0x7f, 8, 0xcf9);
        assert_eq!(parse(&t).reset, None);
    }

    #[test]
    fn truncated_tables_yield_absent_facts() {
        assert_eq!(parse(&[]), Fadt::default());
        assert_eq!(parse(&v3()[..60]).dsdt, Some(0x7fe_1000));
        assert_eq!(parse(&v3()[..60]).pm1a_control, None);
        // Too short for the X_DSDT field: the 1.0 field is used.
        assert_eq!(parse(&v3()[..144]).dsdt, Some(0x7fe_1000));
    }
}

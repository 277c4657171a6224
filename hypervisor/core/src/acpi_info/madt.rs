//! The MADT body: local APIC address, processors, I/O APICs, 8259 presence.

#![forbid(unsafe_code)]

use super::{AcpiInfoError, Cpu, IoApic, Platform};
use crate::le::{u32_at, u64_at, u8_at};

const ENTRIES: usize = 44;
const LOCAL_APIC: u8 = 0;
const IO_APIC: u8 = 1;
const LAPIC_ADDRESS_OVERRIDE: u8 = 5;
const LOCAL_X2APIC: u8 = 9;
const ENABLED: u32 = 1 << 0;
const ONLINE_CAPABLE: u32 = 1 << 1;
const PCAT_COMPAT: u32 = 1 << 0;

/// Fills the MADT facts of `p` from the whole table (header included).
pub(super) fn parse(madt: &[u8], p: &mut Platform) -> Result<(), AcpiInfoError> {
    p.lapic_address = u64::from(u32_at(madt, 36).ok_or(AcpiInfoError::BadTables)?);
    p.legacy_pic = u32_at(madt, 40).ok_or(AcpiInfoError::BadTables)? & PCAT_COMPAT != 0;
    let mut off = ENTRIES;
    while off < madt.len() {
        let kind = u8_at(madt, off).ok_or(AcpiInfoError::BadTables)?;
        let len = usize::from(u8_at(madt, off + 1).ok_or(AcpiInfoError::BadTables)?);
        let e = madt
            .get(off..off + len)
            .filter(|_| len >= 2)
            .ok_or(AcpiInfoError::BadTables)?;
        let field = |at| u32_at(e, at).ok_or(AcpiInfoError::BadTables);
        match kind {
            LOCAL_APIC => {
                let (uid, id) = (u8_at(e, 2), u8_at(e, 3));
                let (uid, id) = uid.zip(id).ok_or(AcpiInfoError::BadTables)?;
                // 0xFF is the broadcast ID: firmware uses it for absent CPUs.
                if id != 0xff {
                    add_cpu(p, u32::from(id), u32::from(uid), field(4)?);
                }
            }
            LOCAL_X2APIC => {
                let (id, flags, uid) = (field(4)?, field(8)?, field(12)?);
                // Firmware may list a CPU in both forms; keep the first.
                if id != u32::MAX && !p.cpus().iter().any(|c| c.apic_id == id) {
                    add_cpu(p, id, uid, flags);
                }
            }
            IO_APIC => {
                let id = u8_at(e, 2).ok_or(AcpiInfoError::BadTables)?;
                let ioapic = IoApic {
                    id,
                    address: field(4)?,
                    gsi_base: field(8)?,
                };
                match p.ioapics.get_mut(p.n_ioapics) {
                    Some(slot) => {
                        *slot = ioapic;
                        p.n_ioapics += 1;
                    }
                    None => p.skipped_ioapics = p.skipped_ioapics.saturating_add(1),
                }
            }
            LAPIC_ADDRESS_OVERRIDE => {
                p.lapic_address = u64_at(e, 4).ok_or(AcpiInfoError::BadTables)?;
            }
            _ => {}
        }
        off += len;
    }
    Ok(())
}

fn add_cpu(p: &mut Platform, apic_id: u32, uid: u32, flags: u32) {
    if flags & (ENABLED | ONLINE_CAPABLE) == 0 {
        return;
    }
    match p.cpus.get_mut(p.n_cpus) {
        Some(slot) => {
            *slot = Cpu { apic_id, uid };
            p.n_cpus += 1;
        }
        None => p.skipped_cpus = p.skipped_cpus.saturating_add(1),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAX_CPUS, MAX_IOAPICS};
    use super::*;

    /// A MADT image: header space, LAPIC address, flags, then `entries`.
    fn madt(flags: u32, entries: &[&[u8]]) -> Vec<u8> {
        let mut t = vec![0u8; 36];
        t.extend_from_slice(&0xfee0_0000u32.to_le_bytes());
        t.extend_from_slice(&flags.to_le_bytes());
        for e in entries {
            t.extend_from_slice(e);
        }
        t
    }

    fn lapic(uid: u8, id: u8, flags: u32) -> Vec<u8> {
        let mut e = vec![LOCAL_APIC, 8, uid, id];
        e.extend_from_slice(&flags.to_le_bytes());
        e
    }

    fn x2apic(id: u32, flags: u32, uid: u32) -> Vec<u8> {
        let mut e = vec![LOCAL_X2APIC, 16, 0, 0];
        for v in [id, flags, uid] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        e
    }

    fn ioapic(id: u8, address: u32, gsi: u32) -> Vec<u8> {
        let mut e = vec![IO_APIC, 12, id, 0];
        e.extend_from_slice(&address.to_le_bytes());
        e.extend_from_slice(&gsi.to_le_bytes());
        e
    }

    fn run(t: &[u8]) -> Result<Platform, AcpiInfoError> {
        let mut p = Platform::empty();
        parse(t, &mut p).map(|()| p)
    }

    #[test]
    fn header_only() {
        let p = run(&madt(0, &[])).unwrap();
        assert_eq!(p.lapic_address, 0xfee0_0000);
        assert!(!p.legacy_pic);
        assert!(p.cpus().is_empty() && p.ioapics().is_empty());
        assert_eq!(
            run(&madt(0, &[])[..43]).err(),
            Some(AcpiInfoError::BadTables)
        );
    }

    #[test]
    fn address_override_and_unknown_entries() {
        let mut over = vec![LAPIC_ADDRESS_OVERRIDE, 12, 0, 0];
        over.extend_from_slice(&0x1_2345_6000u64.to_le_bytes());
        let iso = [2u8, 10, 0, 0, 2, 0, 0, 0, 0, 0];
        let p = run(&madt(1, &[&iso, &over, &[0x80, 3, 0]])).unwrap();
        assert_eq!(p.lapic_address, 0x1_2345_6000);
        assert!(p.legacy_pic);
    }

    #[test]
    fn inconsistent_entries_are_rejected() {
        let bad = |e: &[u8]| run(&madt(0, &[&lapic(0, 0, 1), e])).err();
        assert_eq!(bad(&[LOCAL_APIC, 0]), Some(AcpiInfoError::BadTables));
        assert_eq!(bad(&[LOCAL_APIC, 1]), Some(AcpiInfoError::BadTables));
        assert_eq!(bad(&[LOCAL_APIC]), Some(AcpiInfoError::BadTables));
        assert_eq!(bad(&[LOCAL_APIC, 8, 0, 0]), Some(AcpiInfoError::BadTables));
        assert_eq!(bad(&[LOCAL_APIC, 4, 0, 0]), Some(AcpiInfoError::BadTables));
        assert_eq!(
            bad(&[LOCAL_X2APIC, 12, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
            Some(AcpiInfoError::BadTables)
        );
        assert_eq!(
            bad(&[IO_APIC, 8, 0, 0, 0, 0, 0xc0, 0xfe]),
            Some(AcpiInfoError::BadTables)
        );
        assert_eq!(
            bad(&[LAPIC_ADDRESS_OVERRIDE, 4, 0, 0]),
            Some(AcpiInfoError::BadTables)
        );
    }

    #[test]
    fn cpu_selection() {
        let t = madt(
            0,
            &[
                &lapic(0, 0, ENABLED),
                &lapic(1, 1, 0),
                &lapic(2, 2, ONLINE_CAPABLE),
                &lapic(3, 0xff, ENABLED),
                &x2apic(0x100, ENABLED, 0x100),
                &x2apic(2, ENABLED, 9),
                &x2apic(0x101, 0, 0x101),
                &x2apic(u32::MAX, ENABLED, 7),
            ],
        );
        let p = run(&t).unwrap();
        assert_eq!(
            p.cpus(),
            [
                Cpu { apic_id: 0, uid: 0 },
                Cpu { apic_id: 2, uid: 2 },
                Cpu {
                    apic_id: 0x100,
                    uid: 0x100
                },
            ]
        );
        assert_eq!(p.skipped_cpus, 0);
    }

    #[test]
    fn cpus_and_ioapics_beyond_capacity_are_counted() {
        let cpus: Vec<Vec<u8>> = (0..MAX_CPUS as u32 + 6)
            .map(|i| x2apic(i, ENABLED, i))
            .collect();
        let ioapics: Vec<Vec<u8>> = (0..MAX_IOAPICS as u8 + 1)
            .map(|i| ioapic(i, 0xfec0_0000 + u32::from(i) * 0x1000, u32::from(i) * 24))
            .collect();
        let entries: Vec<&[u8]> = cpus.iter().chain(&ioapics).map(|e| &e[..]).collect();
        let p = run(&madt(0, &entries)).unwrap();
        assert_eq!(p.cpus().len(), MAX_CPUS);
        assert_eq!(
            p.cpus()[MAX_CPUS - 1],
            Cpu {
                apic_id: 63,
                uid: 63
            }
        );
        assert_eq!(p.skipped_cpus, 6);
        assert_eq!(p.ioapics().len(), MAX_IOAPICS);
        assert_eq!(
            p.ioapics()[7],
            IoApic {
                id: 7,
                address: 0xfec0_7000,
                gsi_base: 168
            }
        );
        assert_eq!(p.skipped_ioapics, 1);
    }
}

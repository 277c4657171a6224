//! Host tests of fw_cfg: the items and the directory read through the ports.

use alloc::vec::Vec;

use super::*;
use crate::time::Time;

fn select(fw: &mut FwCfg, key: u16) {
    let mut out = Vec::new();
    fw.write(
        &mut Ctx::new(Time::default(), 0, &mut out),
        SELECTOR_PORT,
        2,
        u64::from(key),
    );
}

fn read_n(fw: &mut FwCfg, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    (0..n)
        .map(|_| fw.read(&mut ctx, DATA_PORT, 1) as u8)
        .collect()
}

fn item(fw: &mut FwCfg, key: u16, n: usize) -> Vec<u8> {
    select(fw, key);
    read_n(fw, n)
}

#[test]
fn signature_reads_through_the_ports() {
    let mut fw = FwCfg::new(4, 1 << 30);
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    fw.write(&mut ctx, SELECTOR_PORT, 2, 0x0000);
    let sig: Vec<u8> = (0..4)
        .map(|_| fw.read(&mut ctx, DATA_PORT, 1) as u8)
        .collect();
    assert_eq!(sig, b"QEMU");
    assert_eq!(fw.read(&mut ctx, DATA_PORT, 1), 0, "past the end");
    assert_eq!(
        fw.read(&mut ctx, SELECTOR_PORT, 2),
        0xffff,
        "selector is write-only"
    );
    assert!(out.is_empty());
}

#[test]
fn standard_keys_are_encoded_little_endian() {
    let mut fw = FwCfg::new(3, 0x1_2345_6789);
    assert_eq!(item(&mut fw, keys::ID, 5), [1, 0, 0, 0, 0]);
    assert_eq!(
        item(&mut fw, keys::RAM_SIZE, 8),
        [0x89, 0x67, 0x45, 0x23, 1, 0, 0, 0]
    );
    assert_eq!(item(&mut fw, keys::NB_CPUS, 3), [3, 0, 0]);
    assert_eq!(item(&mut fw, keys::MAX_CPUS, 2), [3, 0]);
    assert_eq!(
        item(&mut fw, keys::FILE_DIR, 5),
        [0, 0, 0, 0, 0],
        "no files"
    );
    fw.add_item(keys::KERNEL_CMDLINE, b"console=ttyS0\0".to_vec());
    assert_eq!(item(&mut fw, keys::KERNEL_CMDLINE, 14), b"console=ttyS0\0");
    fw.add_item(0x8003 | keys::WRITE_CHANNEL, [7].to_vec());
    assert_eq!(
        item(&mut fw, 0x8003, 2),
        [7, 0],
        "arch keys; write channel ignored"
    );
}

#[test]
fn directory_lists_files_sorted_by_name_byte_exact() {
    let mut fw = FwCfg::new(1, 0);
    let k1 = fw.add_file("etc/table-loader", [0xaa; 3].to_vec()).unwrap();
    let k2 = fw
        .add_file("etc/acpi/tables", [0xbb; 0x1234].to_vec())
        .unwrap();
    assert_eq!((k1, k2), (0x20, 0x21));
    let mut want = Vec::from([0, 0, 0, 2]);
    for (size, key, name) in [
        (0x1234u32, 0x21u16, "etc/acpi/tables"),
        (3, 0x20, "etc/table-loader"),
    ] {
        want.extend_from_slice(&size.to_be_bytes());
        want.extend_from_slice(&key.to_be_bytes());
        want.extend_from_slice(&[0, 0]);
        let mut n = [0u8; 56];
        n[..name.len()].copy_from_slice(name.as_bytes());
        want.extend_from_slice(&n);
    }
    assert_eq!(want.len(), 4 + 2 * 64);
    assert_eq!(
        item(&mut fw, keys::FILE_DIR, want.len() + 1)[..want.len()],
        want[..]
    );
    assert_eq!(item(&mut fw, k1, 4), [0xaa, 0xaa, 0xaa, 0]);
}

#[test]
fn add_file_refuses_bad_names_and_duplicates() {
    let mut fw = FwCfg::new(1, 0);
    let long = "x".repeat(56);
    assert_eq!(fw.add_file(&long, Vec::new()), Err(FwCfgError::NameTooLong));
    assert_eq!(fw.add_file(&long[..55], Vec::new()), Ok(0x20));
    assert_eq!(
        fw.add_file(&long[..55], Vec::new()),
        Err(FwCfgError::Duplicate)
    );
    assert_eq!(fw.add_file("", Vec::new()), Err(FwCfgError::BadName));
    assert_eq!(fw.add_file("a\0b", Vec::new()), Err(FwCfgError::BadName));
    // add_item leaves file keys and the directory alone; add_file skips
    // keys add_item took.
    fw.add_item(0x20, [1].to_vec());
    fw.add_item(keys::FILE_DIR, [1].to_vec());
    fw.add_item(0x21, [9].to_vec());
    assert_eq!(fw.add_file("b", [2].to_vec()), Ok(0x22));
    assert_eq!(item(&mut fw, 0x20, 1), [0]);
    assert_eq!(item(&mut fw, keys::FILE_DIR, 4), [0, 0, 0, 2]);
}

#[test]
fn add_file_reports_full_when_keys_run_out() {
    let mut fw = FwCfg::new(1, 0);
    for k in keys::FILE_FIRST..keys::WRITE_CHANNEL {
        fw.add_item(k, Vec::new());
    }
    assert_eq!(fw.add_file("x", Vec::new()), Err(FwCfgError::Full));
}

#[test]
fn selecting_rewinds_and_wide_reads_return_bytes_in_order() {
    let mut fw = FwCfg::new(1, 0);
    select(&mut fw, keys::SIGNATURE);
    assert_eq!(read_n(&mut fw, 2), b"QE");
    select(&mut fw, keys::SIGNATURE);
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    assert_eq!(
        fw.read(&mut ctx, DATA_PORT, 4),
        u64::from(u32::from_le_bytes(*b"QEMU"))
    );
    // An 8-bit selector write selects a key below 0x100.
    fw.write(&mut ctx, SELECTOR_PORT, 1, 0x1_05);
    assert_eq!(fw.read(&mut ctx, DATA_PORT, 2), 1);
    // Data writes are ignored.
    fw.write(&mut ctx, DATA_PORT, 1, 0x55);
    fw.write(&mut ctx, SELECTOR_PORT, 4, 0xffff_0000);
    assert_eq!(
        fw.read(&mut ctx, DATA_PORT, 4),
        u64::from(u32::from_le_bytes(*b"QEMU"))
    );
}

#[test]
fn unknown_keys_read_as_zeros() {
    let mut fw = FwCfg::new(1, 0);
    assert_eq!(item(&mut fw, 0x1234, 4), [0; 4]);
    assert_eq!(item(&mut fw, 0xffff, 4), [0; 4]);
}

#[test]
fn any_access_is_answered_without_panic() {
    let mut fw = FwCfg::new(u16::MAX, u64::MAX);
    fw.add_file("f", [1; 10].to_vec()).unwrap();
    let mut out = Vec::new();
    let mut ctx = Ctx::new(Time::default(), 0, &mut out);
    for port in [SELECTOR_PORT, DATA_PORT] {
        for size in [1, 2, 4, 8] {
            for v in [0, 0x19, 0x20, 0x4020, 0xffff, u64::MAX] {
                fw.write(&mut ctx, port, size, v);
                fw.read(&mut ctx, port, size);
                fw.read(&mut ctx, DATA_PORT, size);
            }
        }
    }
    assert!(out.is_empty());
}

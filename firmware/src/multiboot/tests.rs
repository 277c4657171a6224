//! Byte-exact checks of the information area against the offsets of the
//! Multiboot 0.6.96 spec, section 3.3 (literal numbers, not the builder's
//! constants, so a wrong constant cannot hide itself).

use super::*;
use crate::e820::pc_map;

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

/// The NUL-terminated string at guest-physical `gpa` of an area built at `at`.
fn cstr(b: &[u8], at: u64, gpa: u32) -> &[u8] {
    let s = &b[(u64::from(gpa) - at) as usize..];
    &s[..s.iter().position(|c| *c == 0).unwrap()]
}

#[test]
fn layout_with_two_modules() {
    let map = pc_map(64 << 20).unwrap();
    let mods = [
        Module {
            start: 0x20_0000,
            end: 0x20_0123,
            string: b"m0",
        },
        Module {
            start: 0x20_1000,
            end: 0x20_1000,
            string: b"mod one",
        },
    ];
    let at = 0x9000;
    let b = build(
        at,
        &BootInfo {
            map: &map,
            cmdline: b"root=x",
            modules: &mods,
            loader_name: b"vmm",
        },
    )
    .unwrap();

    // 116 fixed + 4 pad + 2 * 16 modules + 6 * 24 map + "root=x\0m0\0mod one\0vmm\0".
    assert_eq!(b.len(), 120 + 32 + 144 + 7 + 3 + 8 + 4);
    // flags: bits 0, 2, 3, 6, 9.
    assert_eq!(u32_at(&b, 0), 0x24d);
    assert_eq!(u32_at(&b, 4), 639, "mem_lower: 0x9fc00 bytes in KiB");
    assert_eq!(u32_at(&b, 8), (63 << 20) / 1024, "mem_upper: 1 MiB..64 MiB");
    assert_eq!(u32_at(&b, 12), 0, "no boot device");
    assert_eq!(u32_at(&b, 16), 0x9000 + 296, "cmdline after the map");
    assert_eq!(u32_at(&b, 20), 2, "mods_count");
    assert_eq!(u32_at(&b, 24), 0x9000 + 120, "mods_addr");
    assert!(b[28..44].iter().all(|x| *x == 0), "no symbols");
    assert_eq!(u32_at(&b, 44), 6 * 24, "mmap_length");
    assert_eq!(u32_at(&b, 48), 0x9000 + 152, "mmap_addr");
    assert!(
        b[52..64].iter().all(|x| *x == 0),
        "no drives, no config table"
    );
    assert_eq!(u32_at(&b, 64), 0x9000 + 314, "boot_loader_name");
    assert!(
        b[68..120].iter().all(|x| *x == 0),
        "no APM, VBE, framebuffer"
    );

    assert_eq!(cstr(&b, at, u32_at(&b, 16)), b"root=x");
    assert_eq!(cstr(&b, at, u32_at(&b, 64)), b"vmm");

    // Module entries: mod_start, mod_end, string, reserved.
    assert_eq!(u32_at(&b, 120), 0x20_0000);
    assert_eq!(u32_at(&b, 124), 0x20_0123);
    assert_eq!(cstr(&b, at, u32_at(&b, 128)), b"m0");
    assert_eq!(u32_at(&b, 132), 0);
    assert_eq!(u32_at(&b, 136), 0x20_1000);
    assert_eq!(u32_at(&b, 140), 0x20_1000);
    assert_eq!(cstr(&b, at, u32_at(&b, 144)), b"mod one");
    assert_eq!(u32_at(&b, 148), 0);

    // Map entries: size 20, base_addr, length, type; one per region.
    let expect: [(u64, u64, u32); 6] = [
        (0, 0x9_fc00, 1),
        (0x9_fc00, 0x400, 2),
        (0xf_0000, 0x1_0000, 2),
        (0x10_0000, 63 << 20, 1),
        (0xfec0_0000, 0x1000, 2),
        (0xfee0_0000, 0x1000, 2),
    ];
    for (i, (base, len, kind)) in expect.into_iter().enumerate() {
        let e = 152 + 24 * i;
        assert_eq!(u32_at(&b, e), 20, "entry {i} size");
        assert_eq!(u64_at(&b, e + 4), base, "entry {i} base");
        assert_eq!(u64_at(&b, e + 12), len, "entry {i} length");
        assert_eq!(u32_at(&b, e + 20), kind, "entry {i} type");
    }
}

#[test]
fn empty_cmdline_and_no_modules_still_flagged() {
    let map = pc_map(2 << 20).unwrap();
    let b = build(
        0x1_0000,
        &BootInfo {
            map: &map,
            cmdline: b"",
            modules: &[],
            loader_name: b"",
        },
    )
    .unwrap();
    assert_eq!(u32_at(&b, 0), 0x24d);
    assert_eq!(u32_at(&b, 20), 0);
    assert_eq!(u32_at(&b, 24), 0x1_0000 + 120);
    assert_eq!(u32_at(&b, 48), 0x1_0000 + 120, "the map follows at once");
    let cmdline = u32_at(&b, 16);
    assert_eq!(cmdline, 0x1_0000 + 120 + 6 * 24);
    assert_eq!(b[(cmdline - 0x1_0000) as usize], 0);
    assert_eq!(u32_at(&b, 64), cmdline + 1);
    assert_eq!(b.len(), 120 + 144 + 2);
}

#[test]
fn length_does_not_depend_on_the_address() {
    let map = pc_map(8 << 20).unwrap();
    let info = BootInfo {
        map: &map,
        cmdline: b"a b c",
        modules: &[Module {
            start: 0x30_0000,
            end: 0x30_0010,
            string: b"x",
        }],
        loader_name: b"vmm",
    };
    let a = build(0x1000, &info).unwrap();
    let b = build(0x7000_0000, &info).unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(u32_at(&b, 16) - 0x7000_0000, u32_at(&a, 16) - 0x1000);
}

#[test]
fn memory_sizes_follow_the_map() {
    // No region from 0 or from 1 MiB: both sizes 0. A huge low region is
    // capped at 640 KiB.
    let map = [
        Region {
            base: 0x1000,
            len: 0x1000,
            kind: Kind::Ram,
        },
        Region {
            base: 0x10_0000,
            len: 0x10_0000,
            kind: Kind::Reserved,
        },
    ];
    assert_eq!(mem_sizes(&map), (0, 0));
    let big = [Region {
        base: 0,
        len: 1 << 20,
        kind: Kind::Ram,
    }];
    assert_eq!(mem_sizes(&big), (640, 0));
}

#[test]
fn pointers_must_fit_32_bits() {
    let map = pc_map(2 << 20).unwrap();
    let info = |modules| BootInfo {
        map: &map,
        cmdline: b"",
        modules,
        loader_name: b"",
    };
    let len = build(0, &info(&[])).unwrap().len() as u64;
    assert!(build((1 << 32) - len, &info(&[])).is_ok());
    assert_eq!(
        build((1 << 32) - len + 1, &info(&[])),
        Err(BuildError::AreaAbove4GiB)
    );
    assert_eq!(build(u64::MAX, &info(&[])), Err(BuildError::AreaAbove4GiB));
    let high = [Module {
        start: 0xffff_f000,
        end: 1 << 32,
        string: b"",
    }];
    assert_eq!(build(0x1000, &info(&high)), Err(BuildError::BadModule));
    let backwards = [Module {
        start: 0x20_0000,
        end: 0x1f_ffff,
        string: b"",
    }];
    assert_eq!(build(0x1000, &info(&backwards)), Err(BuildError::BadModule));
}

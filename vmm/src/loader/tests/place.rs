//! Modules, the information structure as the kernel reads it from guest
//! memory, RAM limits, the entry state, and garbage input.

use super::*;
use abi::vcpu::{mtd, Segment, Table};

/// A small a.out kernel ending at 0x100084 (no bss).
fn small_kernel(load_addr: u32) -> Vec<u8> {
    aout_kernel(load_addr, &[0x90; 100], 0)
}

#[test]
fn modules_follow_the_kernel_page_aligned_then_the_info() {
    let k = aout_kernel(0x10_0000, &[0x90; 100], 0x1000);
    let m0 = vec![0x11u8; 0x1001];
    let m1 = [0x22u8; 3];
    let mods = [
        Module {
            data: &m0,
            cmdline: b"first arg",
        },
        Module {
            data: &m1,
            cmdline: b"",
        },
    ];
    let g = Guest {
        kernel: &k,
        cmdline: b"console=ttyS0 loglevel=7",
        modules: &mods,
        ram: RAM,
    };
    let m = dirty();
    let e = load(&m, &g).unwrap();
    // Kernel ends at 0x101084: m0 at 0x102000 (0x1001 bytes), m1 at
    // 0x104000, the info area at 0x105000.
    assert_eq!(bytes(&m, 0x10_2000, 0x1001), m0);
    assert_eq!(bytes(&m, 0x10_4000, 3), m1);
    assert_eq!(e.ebx, 0x10_5000);

    let info = u64::from(e.ebx);
    assert_eq!(
        rd32(&m, info),
        0x24d,
        "mem, cmdline, mods, mmap, loader name"
    );
    assert_eq!(rd32(&m, info + 4), 639);
    assert_eq!(rd32(&m, info + 8), 1024, "KiB from 1 MiB to 2 MiB");
    assert_eq!(cstr(&m, rd32(&m, info + 16)), b"console=ttyS0 loglevel=7");
    assert_eq!(rd32(&m, info + 20), 2);
    let mods_addr = u64::from(rd32(&m, info + 24));
    assert_eq!(rd32(&m, mods_addr), 0x10_2000);
    assert_eq!(rd32(&m, mods_addr + 4), 0x10_3001, "mod_end: one past");
    assert_eq!(cstr(&m, rd32(&m, mods_addr + 8)), b"first arg");
    assert_eq!(rd32(&m, mods_addr + 16), 0x10_4000);
    assert_eq!(rd32(&m, mods_addr + 20), 0x10_4003);
    assert_eq!(cstr(&m, rd32(&m, mods_addr + 24)), b"");
    assert_eq!(cstr(&m, rd32(&m, info + 64)), b"vmm");

    // The memory map: six entries of size 20 with the PC layout.
    assert_eq!(rd32(&m, info + 44), 6 * 24);
    let mmap = u64::from(rd32(&m, info + 48));
    let expect = [
        (0, 0x9_fc00, 1),
        (0x9_fc00, 0x400, 2),
        (0xf_0000, 0x1_0000, 2),
        (0x10_0000, 0x10_0000, 1),
        (0xfec0_0000, 0x1000, 2),
        (0xfee0_0000, 0x1000, 2),
    ];
    for (i, (base, len, kind)) in expect.into_iter().enumerate() {
        let e = mmap + 24 * i as u64;
        assert_eq!(rd32(&m, e), 20);
        assert_eq!(rd64(&m, e + 4), base);
        assert_eq!(rd64(&m, e + 12), len);
        assert_eq!(rd32(&m, e + 20), kind);
    }
}

#[test]
fn modules_stay_above_1_mib_when_the_kernel_is_low() {
    let k = small_kernel(0x8000);
    let data = [7u8; 10];
    let mods = [Module {
        data: &data,
        cmdline: b"m",
    }];
    let g = Guest {
        modules: &mods,
        ..guest(&k)
    };
    let m = dirty();
    let e = load(&m, &g).unwrap();
    assert_eq!(e.eip, 0x8020);
    assert_eq!(bytes(&m, 0x10_0000, 10), data);
    assert_eq!(e.ebx, 0x10_1000);
    assert_eq!(rd32(&m, u64::from(rd32(&m, 0x10_1000 + 24))), 0x10_0000);
}

#[test]
fn modules_and_info_must_fit_in_ram() {
    let k = small_kernel(0x10_0000);
    // 1 MiB of RAM above 1 MiB; the kernel takes the first page.
    let big = vec![1u8; (RAM - 0x10_1000) as usize + 1];
    let mods = [Module {
        data: &big,
        cmdline: b"",
    }];
    let m = dirty();
    let g = Guest {
        modules: &mods,
        ..guest(&k)
    };
    assert_eq!(
        load(&m, &g),
        Err(LoadError::OutOfRam {
            addr: 0x10_1000,
            len: big.len() as u64
        })
    );
    assert!(untouched(&m));
    // A module that fits exactly leaves no page for the info area.
    let exact = &big[..big.len() - 1];
    let mods = [Module {
        data: exact,
        cmdline: b"",
    }];
    let g = Guest {
        modules: &mods,
        ..guest(&k)
    };
    assert!(matches!(
        load(&m, &g),
        Err(LoadError::OutOfRam { addr: RAM, .. })
    ));
    assert!(untouched(&m));
    // So does a command line longer than what is left.
    let cmdline = vec![b'x'; (RAM - 0x10_1000) as usize];
    let g = Guest {
        cmdline: &cmdline,
        ..guest(&k)
    };
    assert!(matches!(
        load(&m, &g),
        Err(LoadError::OutOfRam {
            addr: 0x10_1000,
            ..
        })
    ));
    assert!(untouched(&m));
}

#[test]
fn ram_size_must_have_a_map() {
    let k = small_kernel(0x10_0000);
    for ram in [0, 0x8_0000, 0xf_ffff, 0xc000_0001, 1 << 32] {
        let g = Guest { ram, ..guest(&k) };
        assert_eq!(load(&dirty(), &g), Err(LoadError::RamSize), "{ram:#x}");
    }
}

#[test]
fn memory_smaller_than_the_ram_size_is_reported() {
    let k = small_kernel(0x1f_0000);
    let m = ram(0x18_0000);
    assert_eq!(
        load(&m, &guest(&k)),
        Err(LoadError::NotRam { gpa: 0x1f_0000 })
    );
}

#[test]
fn every_error_has_a_description() {
    let all = [
        LoadError::NoHeader,
        LoadError::Truncated,
        LoadError::BadChecksum,
        LoadError::UnsupportedFlags(4),
        LoadError::BadAout("a"),
        LoadError::NotElf,
        LoadError::Elf64,
        LoadError::BadElf("b"),
        LoadError::EntryOutside(0),
        LoadError::OutOfRam { addr: 0, len: 0 },
        LoadError::Overlap { addr: 0 },
        LoadError::RamSize,
        LoadError::NotRam { gpa: 0 },
    ];
    for e in all {
        assert!(!e.describe().is_empty());
    }
    assert_eq!(LoadError::BadElf("why").describe(), "why");
}

#[test]
fn entry_state_is_what_the_spec_requires() {
    let s = entry_state(&Entry {
        eip: 0x10_000c,
        ebx: 0x10_5000,
    });
    assert_eq!(s.gpr[0], 0x2bad_b002, "EAX");
    assert_eq!(s.gpr[3], 0x10_5000, "EBX");
    assert!(s
        .gpr
        .iter()
        .enumerate()
        .all(|(i, r)| i == 0 || i == 3 || *r == 0));
    assert_eq!(s.rip, 0x10_000c);
    assert_eq!(s.rflags, 0x2, "IF and VM clear");
    assert_eq!(s.cr0, 0x11, "PE and ET, no paging");
    assert_eq!((s.cr3, s.cr4, s.efer), (0, 0, 0));
    let flat = |sel, ar| Segment {
        sel,
        ar,
        limit: 0xffff_ffff,
        base: 0,
    };
    // Type 0xb (execute/read, accessed) or 0x3 (read/write, accessed),
    // S, P, D/B, G.
    assert_eq!(s.cs, flat(0x08, 0xc9b));
    for d in [s.ds, s.es, s.fs, s.gs, s.ss] {
        assert_eq!(d, flat(0x10, 0xc93));
    }
    assert_eq!(
        s.tr,
        Segment {
            sel: 0x18,
            ar: 0x8b,
            limit: 0x67,
            base: 0
        }
    );
    assert_eq!(s.ldtr.ar, 0, "LDTR unusable");
    assert_eq!((s.gdtr, s.idtr), (Table::default(), Table::default()));
    for bit in [
        mtd::GPRS,
        mtd::RSP,
        mtd::RIP,
        mtd::RFLAGS,
        mtd::CR,
        mtd::CS_SS,
        mtd::DS_ES,
        mtd::FS_GS,
        mtd::TR_LDTR,
        mtd::GDTR_IDTR,
    ] {
        assert_ne!(ENTRY_MTD & bit, 0);
    }
    assert_eq!(ENTRY_MTD & mtd::XCR0, 0, "XCR0 0 would be refused");
}

/// Every single-byte change and every truncation of valid kernels ends in
/// `Ok` or an error, never a panic (tests run with overflow checks).
#[test]
fn garbage_never_panics() {
    let elf = Elf::new(0x10_0008)
        .load(0x10_0000, &[0x90; 64], 64)
        .load(0x10_2000, &[1; 16], 0x1800)
        .build();
    let aout = aout_kernel(0x10_0000, &[0x90; 40], 0x100);
    let m = ram(RAM as usize);
    let data = [3u8; 5];
    let mods = [Module {
        data: &data,
        cmdline: b"x",
    }];
    for k in [elf, aout] {
        for len in 0..k.len() {
            let _ = load(&m, &guest(&k[..len]));
        }
        for i in 0..k.len() {
            for v in [0u8, 1, 0x7f, 0x80, 0xff, k[i] ^ 0x10] {
                let mut f = k.clone();
                f[i] = v;
                let g = Guest {
                    modules: &mods,
                    ..guest(&f)
                };
                if let Ok(e) = load(&m, &g) {
                    assert!(u64::from(e.ebx) < RAM);
                }
            }
        }
    }
}

//! Shared fixture (a simulated physical memory that counts live tables)
//! plus page-size choice, `map`, `map_range` and `translate`.

mod unmap;

use super::flags::*;
use super::*;

const K4: u64 = 1 << 12;
const M2: u64 = 1 << 21;
const G1: u64 = 1 << 30;
const RWU: u64 = WRITABLE | USER;

pub(super) use crate::testmem::Sim;

#[test]
fn page_sizes() {
    assert_eq!(PageSize::Size4K.bytes(), K4);
    assert_eq!(PageSize::Size2M.bytes(), M2);
    assert_eq!(PageSize::Size1G.bytes(), G1);
    let fit = |va, pa, len| PageSize::largest_fitting(va, pa, len, PageSize::Size1G);
    assert_eq!(fit(0, 0, G1), PageSize::Size1G);
    assert_eq!(fit(G1, 3 * G1, 5 * G1), PageSize::Size1G);
    assert_eq!(fit(0, 0, G1 - K4), PageSize::Size2M);
    assert_eq!(fit(M2, 0, G1), PageSize::Size2M);
    assert_eq!(fit(0, M2, G1), PageSize::Size2M);
    assert_eq!(fit(0, K4, G1), PageSize::Size4K);
    assert_eq!(fit(0, 0, M2 - K4), PageSize::Size4K);
    assert_eq!(fit(0, 0, 0), PageSize::Size4K);
}

#[test]
fn largest_fitting_respects_the_bound() {
    let fit = PageSize::largest_fitting;
    assert_eq!(fit(0, 0, G1, PageSize::Size2M), PageSize::Size2M);
    assert_eq!(fit(0, 0, G1, PageSize::Size4K), PageSize::Size4K);
    assert_eq!(fit(M2, M2, G1, PageSize::Size1G), PageSize::Size2M);
    assert_eq!(fit(0, K4, G1, PageSize::Size2M), PageSize::Size4K);
}

#[test]
fn map_and_translate_every_size() {
    let (mut m, root) = Sim::new();
    let cases = [
        (0x40_0000_3000, 0x1234_5000, PageSize::Size4K, 3),
        (0x80_0020_0000, 0x4020_0000, PageSize::Size2M, 2),
        (0x100_0000_0000, 0x8000_0000, PageSize::Size1G, 1),
    ];
    let mut live = 1;
    for (va, pa, size, tables) in cases {
        map(&mut m, root, va, pa, size, RWU | NO_EXECUTE).unwrap();
        live += tables;
        assert_eq!(m.live(), live, "{size:?} needs {tables} tables");
        let want = PRESENT | RWU | NO_EXECUTE;
        assert_eq!(translate(&m, root, va), Some((pa, want, size)));
        let last = size.bytes() - 8;
        assert_eq!(
            translate(&m, root, va + last),
            Some((pa + last, want, size))
        );
        assert_eq!(translate(&m, root, va + size.bytes()), None);
        assert_eq!(translate(&m, root, va - K4), None);
    }
}

#[test]
fn pat_uses_the_4k_layout_at_every_size() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, 0, PageSize::Size4K, PAT_4K).unwrap();
    map(&mut m, root, M2, M2, PageSize::Size2M, PAT_4K).unwrap();
    map(&mut m, root, G1, G1, PageSize::Size1G, 0).unwrap();
    for va in [0, M2] {
        let (_, f, _) = translate(&m, root, va).unwrap();
        assert_eq!(f, PRESENT | PAT_4K, "{va:#x}");
    }
    assert_eq!(translate(&m, root, G1).unwrap().1, PRESENT);
    let pdpt = m.read(root, 0) & ADDRESS_MASK;
    let pd = m.read(pdpt, 0) & ADDRESS_MASK;
    assert_eq!(m.read(pd, 1), M2 | PRESENT | HUGE | PAT_LARGE);
    assert_eq!(m.read(pdpt, 1), G1 | PRESENT | HUGE);
    assert_eq!(m.read(root, 0), pdpt | PRESENT | WRITABLE | USER);
}

#[test]
fn effective_rights_combine_all_levels() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, 0x5000, PageSize::Size4K, RWU).unwrap();
    map(&mut m, root, G1, 0x6000, PageSize::Size4K, RWU).unwrap();
    let pdpt = m.read(root, 0) & ADDRESS_MASK;
    let pd = m.read(pdpt, 0);
    m.write(pdpt, 0, pd & !USER);
    let pd1 = m.read(pdpt, 1);
    m.write(pdpt, 1, (pd1 & !WRITABLE) | NO_EXECUTE);
    assert_eq!(translate(&m, root, 0).unwrap().1, PRESENT | WRITABLE);
    let f = translate(&m, root, G1).unwrap().1;
    assert_eq!(f, PRESENT | USER | NO_EXECUTE);
}

#[test]
fn translate_rejects_non_canonical_and_reads_the_kernel_half() {
    let (mut m, root) = Sim::new();
    assert_eq!(translate(&m, root, USER_END), None);
    assert_eq!(translate(&m, root, 0xffff_7fff_ffff_f000), None);
    // A kernel-half 1 GiB page set up by hand, as the kernel shares them.
    let pdpt = m.alloc_table().unwrap();
    m.write(root, 511, pdpt | PRESENT | WRITABLE);
    m.write(pdpt, 510, G1 | PRESENT | WRITABLE | HUGE | GLOBAL);
    let got = translate(&m, root, 0xffff_ffff_8000_1234);
    let f = PRESENT | WRITABLE | GLOBAL;
    assert_eq!(got, Some((G1 + 0x1234, f, PageSize::Size1G)));
    // Bit 7 is reserved in a PML4 entry: the walk faults.
    m.write(root, 1, PRESENT | HUGE);
    assert_eq!(translate(&m, root, 1 << 39), None);
}

#[test]
fn map_rejects_bad_addresses() {
    let (mut m, root) = Sim::new();
    let s4 = PageSize::Size4K;
    assert_eq!(
        map(&mut m, root, USER_END, 0, s4, 0),
        Err(MapError::NotUser)
    );
    let kernel = 0xffff_8000_0000_0000;
    assert_eq!(map(&mut m, root, kernel, 0, s4, 0), Err(MapError::NotUser));
    assert_eq!(map(&mut m, root, 0x10, 0, s4, 0), Err(MapError::Misaligned));
    assert_eq!(map(&mut m, root, 0, 0x10, s4, 0), Err(MapError::Misaligned));
    let r = map(&mut m, root, K4, 0, PageSize::Size2M, 0);
    assert_eq!(r, Err(MapError::Misaligned));
    let r = map(&mut m, root, 0, M2, PageSize::Size1G, 0);
    assert_eq!(r, Err(MapError::Misaligned));
    assert_eq!(m.live(), 1);
    // The very last user page is fine.
    map(&mut m, root, USER_END - G1, 0, PageSize::Size1G, 0).unwrap();
}

#[test]
fn overlaps_are_refused_without_side_effects() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, M2 + K4, 0, PageSize::Size4K, RWU).unwrap();
    map(&mut m, root, 4 * M2, 0, PageSize::Size2M, RWU).unwrap();
    map(&mut m, root, 2 * G1, 0, PageSize::Size1G, RWU).unwrap();
    let before = m.clone();
    let clashes = [
        (M2 + K4, PageSize::Size4K),
        (M2, PageSize::Size2M),
        (0, PageSize::Size1G),
        (4 * M2 + 5 * K4, PageSize::Size4K),
        (4 * M2, PageSize::Size2M),
        (2 * G1 + 7 * M2, PageSize::Size2M),
        (2 * G1 + 9 * K4, PageSize::Size4K),
    ];
    for (va, size) in clashes {
        let r = map(&mut m, root, va, 0, size, 0);
        assert_eq!(r, Err(MapError::AlreadyMapped), "{va:#x} {size:?}");
        assert_eq!(m, before);
    }
}

#[test]
fn out_of_memory_takes_back_fresh_tables() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, 0, PageSize::Size4K, 0).unwrap();
    let before = m.tables().clone();
    // A page under a new PML4 entry needs three tables, one in another
    // 1 GiB region needs two, one in another 2 MiB region needs one.
    for (va, need) in [(1 << 39, 3), (G1, 2), (M2, 1)] {
        for budget in 0..need {
            m.budget = Some(budget);
            let r = map(&mut m, root, va, 0, PageSize::Size4K, 0);
            assert_eq!(r, Err(MapError::OutOfMemory), "{va:#x} with {budget}");
            assert_eq!(m.tables(), &before);
        }
        m.budget = Some(need);
        map(&mut m, root, va, 0, PageSize::Size4K, 0).unwrap();
        assert_eq!(m.budget, Some(0));
        assert_eq!(unmap_range(&mut m, root, va, K4), 1);
        assert_eq!(m.tables(), &before);
    }
}

#[test]
fn map_range_picks_the_largest_pages() {
    let (mut m, root) = Sim::new();
    // [1G - 2M - 4K, 2G + 2M + 4K) with va == pa: every size on the way
    // up to the 1G page and back down.
    let va = G1 - M2 - K4;
    let len = K4 + M2 + G1 + M2 + K4;
    map_range(&mut m, root, va, va, len, RWU).unwrap();
    let expect = [
        (va, PageSize::Size4K),
        (G1 - M2, PageSize::Size2M),
        (G1, PageSize::Size1G),
        (2 * G1, PageSize::Size2M),
        (2 * G1 + M2, PageSize::Size4K),
    ];
    for (a, size) in expect {
        assert_eq!(translate(&m, root, a), Some((a, PRESENT | RWU, size)));
    }
    assert_eq!(translate(&m, root, va - K4), None);
    assert_eq!(translate(&m, root, va + len), None);
    assert_eq!(unmap_range(&mut m, root, va, len), 5);
    assert_eq!(m.live(), 1);
}

#[test]
fn map_range_follows_the_worse_alignment() {
    let (mut m, root) = Sim::new();
    map_range(&mut m, root, 0, K4, 2 * M2, 0).unwrap();
    assert_eq!(translate(&m, root, M2).unwrap().2, PageSize::Size4K);
    assert_eq!(unmap_range(&mut m, root, 0, 2 * M2), 1024);
    map_range(&mut m, root, M2, 5 * M2, 4 * M2, 0).unwrap();
    assert_eq!(
        translate(&m, root, 2 * M2).unwrap(),
        (6 * M2, PRESENT, PageSize::Size2M)
    );
    assert_eq!(unmap_range(&mut m, root, 0, G1), 4);
    assert_eq!(m.live(), 1);
}

#[test]
fn map_range_rejects_bad_ranges() {
    let (mut m, root) = Sim::new();
    let r = map_range(&mut m, root, USER_END - K4, 0, 2 * K4, 0);
    assert_eq!(r, Err(MapError::NotUser));
    let r = map_range(&mut m, root, K4, 0, u64::MAX - 100, 0);
    assert_eq!(r, Err(MapError::NotUser));
    for (va, pa, len) in [(1, 0, K4), (0, 1, K4), (0, 0, 100)] {
        let r = map_range(&mut m, root, va, pa, len, 0);
        assert_eq!(r, Err(MapError::Misaligned));
    }
    assert_eq!(map_range(&mut m, root, 0, 0, 0, 0), Ok(()));
    assert_eq!(m.live(), 1);
    map_range(&mut m, root, USER_END - K4, 0, K4, 0).unwrap();
}

#[test]
fn map_range_failure_undoes_everything() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, G1 + 3 * M2, 0, PageSize::Size2M, 0).unwrap();
    let before = m.tables().clone();
    // Maps almost 1G, then runs into the table holding the existing page.
    let r = map_range(&mut m, root, K4, K4, 2 * G1, RWU);
    assert_eq!(r, Err(MapError::AlreadyMapped));
    assert_eq!(m.tables(), &before);
    // Runs out of tables part-way through.
    m.budget = Some(4);
    let r = map_range(&mut m, root, 2 * G1 - K4, 0, 3 * G1, RWU);
    assert_eq!(r, Err(MapError::OutOfMemory));
    assert_eq!(m.tables(), &before);
}

/// Maps the 1 GiB range at `G1` with pages of at most `max` and checks
/// every page of it has that size, then that unmapping finds that many.
fn map_gigabyte_capped_at(max: PageSize) {
    let (mut m, root) = Sim::new();
    map_range_max(&mut m, root, G1, 3 * G1, G1, RWU, max).unwrap();
    let step = max.bytes();
    for off in (0..G1).step_by(step as usize) {
        let want = Some((3 * G1 + off, PRESENT | RWU, max));
        assert_eq!(translate(&m, root, G1 + off), want, "{off:#x}");
    }
    assert_eq!(unmap_range(&mut m, root, G1, G1), (G1 / step) as usize);
    assert_eq!(m.live(), 1);
}

#[test]
fn map_range_max_caps_the_page_size() {
    map_gigabyte_capped_at(PageSize::Size2M);
    map_gigabyte_capped_at(PageSize::Size4K);
    map_gigabyte_capped_at(PageSize::Size1G);
}

#[test]
fn map_range_max_failure_undoes_everything() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, G1 + 3 * M2 + K4, 0, PageSize::Size4K, 0).unwrap();
    let before = m.tables().clone();
    let r = map_range_max(&mut m, root, G1, 0, G1, RWU, PageSize::Size2M);
    assert_eq!(r, Err(MapError::AlreadyMapped));
    assert_eq!(m.tables(), &before);
}

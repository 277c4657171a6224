//! Unmapping, splitting large pages (and its out-of-memory fallback),
//! freeing emptied tables, `protect_range` and `free_user_half`.

use super::*;

const FLAGS: u64 = RWU | NO_EXECUTE | PAT_4K | GLOBAL;

/// Every 4 KiB page of `[va, va + len)` except `hole` translates to
/// `pa + offset` with `flags` and pages of `size`.
fn assert_intact(m: &Sim, root: u64, va: u64, pa: u64, len: u64, hole: u64, size: PageSize) {
    for off in (0..len).step_by(K4 as usize) {
        let got = translate(m, root, va + off);
        if va + off == hole {
            assert_eq!(got, None, "hole {hole:#x}");
        } else {
            assert_eq!(got, Some((pa + off, PRESENT | FLAGS, size)), "{off:#x}");
        }
    }
}

#[test]
fn unmapping_the_only_page_frees_every_table() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0x7000, 0, PageSize::Size4K, RWU).unwrap();
    assert_eq!(unmap_range(&mut m, root, 0x7000, K4), 1);
    assert_eq!(m.live(), 1);
    assert_eq!(m.read(root, 0), 0);
    assert_eq!(translate(&m, root, 0x7000), None);
}

#[test]
fn unmapping_nothing() {
    let (mut m, root) = Sim::new();
    assert_eq!(unmap_range(&mut m, root, 0, 1 << 46), 0);
    map(&mut m, root, M2, 0, PageSize::Size4K, 0).unwrap();
    let before = m.clone();
    assert_eq!(unmap_range(&mut m, root, M2, 0), 0);
    assert_eq!(unmap_range(&mut m, root, 0, M2), 0);
    assert_eq!(unmap_range(&mut m, root, M2 + K4, G1), 0);
    assert_eq!(unmap_range(&mut m, root, USER_END, G1), 0);
    assert_eq!(m, before);
}

#[test]
fn tables_still_in_use_are_kept() {
    let (mut m, root) = Sim::new();
    map_range(&mut m, root, 0, 0, 8 * K4, 0).unwrap();
    map(&mut m, root, 3 * M2, 0, PageSize::Size2M, 0).unwrap();
    assert_eq!(m.live(), 4);
    assert_eq!(unmap_range(&mut m, root, 2 * K4, 3 * K4), 3);
    assert_eq!(m.live(), 4);
    assert_eq!(unmap_range(&mut m, root, 0, 8 * K4), 5);
    assert_eq!(m.live(), 3, "only the page table went");
    assert!(translate(&m, root, 3 * M2).is_some());
}

#[test]
fn partial_2m_page_is_split_keeping_the_rest() {
    let (mut m, root) = Sim::new();
    let (va, pa) = (0x40_0060_0000, 0x1_4000_0000);
    map(&mut m, root, va, pa, PageSize::Size2M, FLAGS).unwrap();
    assert_eq!(m.live(), 3);
    let hole = va + 5 * K4;
    assert_eq!(unmap_range(&mut m, root, hole, K4), 1);
    assert_eq!(m.live(), 4, "one page table for the split");
    assert_intact(&m, root, va, pa, M2, hole, PageSize::Size4K);
    assert_eq!(unmap_range(&mut m, root, va, M2), 511);
    assert_eq!(m.live(), 1);
}

#[test]
fn partial_1g_page_is_split_twice() {
    let (mut m, root) = Sim::new();
    let (va, pa) = (3 * G1, 7 * G1);
    map(&mut m, root, va, pa, PageSize::Size1G, FLAGS).unwrap();
    let hole = va + 9 * M2 + 3 * K4;
    assert_eq!(unmap_range(&mut m, root, hole, K4), 1);
    assert_eq!(m.live(), 4, "a page directory and one page table");
    assert_intact(
        &m,
        root,
        va + 9 * M2,
        pa + 9 * M2,
        M2,
        hole,
        PageSize::Size4K,
    );
    for i in [0, 8, 10, 511] {
        let a = va + i * M2 + 0x1234;
        let want = (pa + i * M2 + 0x1234, PRESENT | FLAGS, PageSize::Size2M);
        assert_eq!(translate(&m, root, a), Some(want));
    }
    assert_eq!(unmap_range(&mut m, root, va, G1), 511 + 511);
    assert_eq!(m.live(), 1);
}

#[test]
fn range_across_large_pages_splits_only_the_ends() {
    let (mut m, root) = Sim::new();
    map_range(&mut m, root, 0, 0, 4 * M2, FLAGS).unwrap();
    let (va, len) = (M2 - K4, 2 * M2 + 2 * K4);
    assert_eq!(unmap_range(&mut m, root, va, len), 1 + 2 + 1);
    assert_eq!(
        translate(&m, root, M2 - 2 * K4).unwrap().2,
        PageSize::Size4K
    );
    assert_eq!(
        translate(&m, root, 3 * M2 + K4).unwrap().2,
        PageSize::Size4K
    );
    assert_eq!(
        translate(&m, root, 3 * M2 + 2 * K4).unwrap().0,
        3 * M2 + 2 * K4
    );
    for a in [M2 - K4, M2, 2 * M2, 3 * M2] {
        assert_eq!(translate(&m, root, a), None, "{a:#x}");
    }
}

#[test]
fn split_without_memory_removes_the_whole_page() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, 0, PageSize::Size2M, FLAGS).unwrap();
    map(&mut m, root, G1, 0, PageSize::Size1G, FLAGS).unwrap();
    m.budget = Some(0);
    assert_eq!(unmap_range(&mut m, root, K4, K4), 1);
    assert_eq!(translate(&m, root, 0), None);
    assert_eq!(translate(&m, root, 2 * K4), None);
    assert_eq!(m.live(), 2, "the emptied page directory was freed");
    // The 1G page splits into 2M pages, then the 2M one cannot split.
    m.budget = Some(1);
    assert_eq!(unmap_range(&mut m, root, G1 + M2, K4), 1);
    assert_eq!(translate(&m, root, G1 + M2 + K4), None);
    assert_eq!(translate(&m, root, G1).unwrap().2, PageSize::Size2M);
    assert_eq!(
        translate(&m, root, G1 + 2 * M2).unwrap().2,
        PageSize::Size2M
    );
}

#[test]
fn kernel_half_is_never_touched() {
    let (mut m, root) = Sim::new();
    let pdpt = m.alloc_table().unwrap();
    m.write(root, 256, pdpt | PRESENT | WRITABLE);
    m.write(pdpt, 0, PRESENT | HUGE);
    map(&mut m, root, USER_END - K4, 0, PageSize::Size4K, 0).unwrap();
    assert_eq!(unmap_range(&mut m, root, USER_END - K4, 1 << 62), 1);
    assert_eq!(unmap_range(&mut m, root, 0, u64::MAX - K4 + 1), 0);
    assert_eq!(m.read(root, 256), pdpt | PRESENT | WRITABLE);
    assert_eq!(m.live(), 2);
    free_user_half(&mut m, root);
    assert_eq!(m.read(pdpt, 0), PRESENT | HUGE);
}

#[test]
fn protect_restricts_and_splits() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, G1, PageSize::Size2M, RWU | PAT_4K).unwrap();
    map(&mut m, root, M2, 0, PageSize::Size4K, RWU).unwrap();
    let n = protect_range(&mut m, root, 0, 2 * K4, WRITABLE | NO_EXECUTE);
    assert_eq!(n, 2);
    let restricted = PRESENT | USER | PAT_4K | NO_EXECUTE;
    assert_eq!(
        translate(&m, root, K4),
        Some((G1 + K4, restricted, PageSize::Size4K))
    );
    let kept = (G1 + 2 * K4, PRESENT | RWU | PAT_4K, PageSize::Size4K);
    assert_eq!(translate(&m, root, 2 * K4), Some(kept));
    assert_eq!(protect_range(&mut m, root, M2, G1, USER), 1);
    assert_eq!(translate(&m, root, M2).unwrap().1, PRESENT | WRITABLE);
    assert_eq!(m.live(), 5);
}

#[test]
fn protect_without_memory_unmaps_the_large_page() {
    let (mut m, root) = Sim::new();
    map(&mut m, root, 0, 0, PageSize::Size2M, RWU).unwrap();
    m.budget = Some(0);
    assert_eq!(protect_range(&mut m, root, 0, K4, WRITABLE), 1);
    assert_eq!(translate(&m, root, M2 - K4), None);
    assert_eq!(m.live(), 1);
    // A fully covered large page needs no table.
    map(&mut m, root, 0, 0, PageSize::Size2M, RWU).unwrap_err();
    m.budget = None;
    map(&mut m, root, 0, 0, PageSize::Size2M, RWU).unwrap();
    m.budget = Some(0);
    assert_eq!(protect_range(&mut m, root, 0, M2, WRITABLE), 1);
    assert_eq!(translate(&m, root, 0).unwrap().1, PRESENT | USER);
}

#[test]
fn free_user_half_frees_every_user_table() {
    let (mut m, root) = Sim::new();
    map_range(&mut m, root, K4, K4, 3 * G1, RWU).unwrap();
    map_range(&mut m, root, 5 << 39, 0, G1 + M2 + K4, RWU).unwrap();
    // Misaligned against its physical address, so all 4K: 64 page tables.
    map_range(&mut m, root, 8 * G1 + K4, 0, 64 * M2, RWU).unwrap();
    map(&mut m, root, USER_END - G1, 0, PageSize::Size1G, 0).unwrap();
    let kernel = m.alloc_table().unwrap();
    m.write(root, 300, kernel | PRESENT);
    assert!(m.live() > 70);
    free_user_half(&mut m, root);
    assert_eq!(m.live(), 2, "root and the kernel-half table");
    assert!((0..256).all(|i| m.read(root, i) == 0));
    assert_eq!(m.read(root, 300), kernel | PRESENT);
    free_user_half(&mut m, root);
    assert_eq!(m.live(), 2);
}

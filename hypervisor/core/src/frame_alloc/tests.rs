//! Allocation order, exclusions, alignment, limits and every `free` error.

use super::*;

const MIB: u64 = 0x10_0000;

fn r(start: u64, end: u64) -> Range {
    Range::new(start, end)
}

/// 0..16 MiB usable with a kernel image at 2 MiB..3 MiB+1 byte.
fn typical() -> FrameAllocator {
    FrameAllocator::new(
        &[r(0, 0x9_f000), r(MIB, 16 * MIB)],
        &[r(2 * MIB, 3 * MIB + 1)],
    )
    .unwrap()
}

#[test]
fn empty_allocator_has_nothing() {
    let mut a = FrameAllocator::empty();
    assert_eq!(a.free_bytes(), 0);
    assert_eq!(a.managed_bytes(), 0);
    assert_eq!(a.alloc(1, PAGE_SIZE, u64::MAX), None);
    assert_eq!(a.free(2 * MIB, 1), Err(FreeError::NotAllocatable));
}

#[test]
fn new_excludes_low_memory_and_reserved_and_rounds() {
    let a = FrameAllocator::new(
        &[r(0x1234, 4 * MIB + 0x800)],
        &[r(2 * MIB + 1, 2 * MIB + 2)],
    )
    .unwrap();
    // [1 MiB, 4 MiB) minus the page holding the reserved byte.
    assert_eq!(a.managed_bytes(), 3 * MIB - PAGE_SIZE);
    assert_eq!(a.free_bytes(), a.managed_bytes());
    let t = typical();
    assert_eq!(t.managed_bytes(), 15 * MIB - MIB - PAGE_SIZE);
}

#[test]
fn never_returns_reserved_or_low_pages() {
    let mut a = typical();
    let mut count = 0u64;
    while let Some(p) = a.alloc(1, PAGE_SIZE, u64::MAX) {
        assert!(p >= MIB, "low page {p:#x}");
        assert!(
            !(2 * MIB..3 * MIB + PAGE_SIZE).contains(&p),
            "reserved page {p:#x}"
        );
        assert_eq!(p % PAGE_SIZE, 0);
        count += 1;
    }
    assert_eq!(count * PAGE_SIZE, a.managed_bytes());
    assert_eq!(a.free_bytes(), 0);
}

#[test]
fn takes_lowest_address_first() {
    let mut a = typical();
    assert_eq!(a.alloc(1, PAGE_SIZE, u64::MAX), Some(MIB));
    assert_eq!(a.alloc(2, PAGE_SIZE, u64::MAX), Some(MIB + PAGE_SIZE));
    assert_eq!(a.free_bytes(), a.managed_bytes() - 3 * PAGE_SIZE);
}

#[test]
fn honours_alignment() {
    let mut a = typical();
    assert_eq!(a.alloc(1, PAGE_SIZE, u64::MAX), Some(MIB));
    // The next 2 MiB boundary is reserved, so 4 MiB is the first fit.
    assert_eq!(a.alloc(1, 2 * MIB, u64::MAX), Some(4 * MIB));
    assert_eq!(a.alloc(1, 0x10000, u64::MAX), Some(MIB + 0x10000));
    assert_eq!(a.alloc(1, PAGE_SIZE, u64::MAX), Some(MIB + PAGE_SIZE));
}

#[test]
fn rejects_bad_alignment_and_zero_pages() {
    let mut a = typical();
    assert_eq!(a.alloc(1, 0, u64::MAX), None);
    assert_eq!(a.alloc(1, 2048, u64::MAX), None);
    assert_eq!(a.alloc(1, 3 * PAGE_SIZE, u64::MAX), None);
    assert_eq!(a.alloc(0, PAGE_SIZE, u64::MAX), None);
    assert_eq!(a.alloc(u64::MAX, PAGE_SIZE, u64::MAX), None);
    assert_eq!(a.free_bytes(), a.managed_bytes());
}

#[test]
fn honours_limit() {
    let mut a = typical();
    assert_eq!(a.alloc(1, PAGE_SIZE, MIB), None);
    assert_eq!(a.alloc(256, PAGE_SIZE, 2 * MIB - 1), None);
    assert_eq!(a.alloc(256, PAGE_SIZE, 2 * MIB), Some(MIB));
    // Below 2 MiB is now used up; the next range starts above the image.
    assert_eq!(a.alloc(1, PAGE_SIZE, 3 * MIB + PAGE_SIZE), None);
    assert_eq!(
        a.alloc(1, PAGE_SIZE, 3 * MIB + 2 * PAGE_SIZE),
        Some(3 * MIB + PAGE_SIZE)
    );
}

#[test]
fn exhaustion_and_large_requests() {
    let mut a = FrameAllocator::new(&[r(MIB, MIB + 4 * PAGE_SIZE)], &[]).unwrap();
    assert_eq!(a.alloc(5, PAGE_SIZE, u64::MAX), None);
    assert_eq!(a.alloc(4, PAGE_SIZE, u64::MAX), Some(MIB));
    assert_eq!(a.alloc(1, PAGE_SIZE, u64::MAX), None);
}

#[test]
fn free_then_realloc_returns_same_pages() {
    let mut a = typical();
    let p = a.alloc(4, PAGE_SIZE, u64::MAX).unwrap();
    let q = a.alloc(1, PAGE_SIZE, u64::MAX).unwrap();
    a.free(p, 4).unwrap();
    assert_eq!(a.alloc(4, PAGE_SIZE, u64::MAX), Some(p));
    a.free(q, 1).unwrap();
    a.free(p, 4).unwrap();
    assert_eq!(a.free_bytes(), a.managed_bytes());
    assert_eq!(a.free(p, 0), Ok(()));
}

#[test]
fn double_free_is_rejected() {
    let mut a = typical();
    let p = a.alloc(2, PAGE_SIZE, u64::MAX).unwrap();
    a.free(p, 1).unwrap();
    assert_eq!(a.free(p, 1), Err(FreeError::DoubleFree));
    assert_eq!(a.free(p, 2), Err(FreeError::DoubleFree));
    // Never allocated at all.
    assert_eq!(a.free(10 * MIB, 1), Err(FreeError::DoubleFree));
    a.free(p + PAGE_SIZE, 1).unwrap();
}

#[test]
fn misaligned_free_is_rejected() {
    let mut a = typical();
    let p = a.alloc(1, PAGE_SIZE, u64::MAX).unwrap();
    assert_eq!(a.free(p + 8, 1), Err(FreeError::Misaligned));
    a.free(p, 1).unwrap();
}

#[test]
fn free_outside_managed_memory_is_rejected() {
    let mut a = typical();
    a.alloc(1, PAGE_SIZE, u64::MAX).unwrap();
    assert_eq!(a.free(0, 1), Err(FreeError::NotAllocatable));
    assert_eq!(a.free(2 * MIB, 1), Err(FreeError::NotAllocatable));
    assert_eq!(a.free(16 * MIB, 1), Err(FreeError::NotAllocatable));
    assert_eq!(a.free(MIB, 2 * MIB), Err(FreeError::NotAllocatable));
    assert_eq!(a.free(u64::MAX - 4095, 2), Err(FreeError::NotAllocatable));
    assert_eq!(a.free(MIB, u64::MAX), Err(FreeError::NotAllocatable));
}

fn fragmented(n: u64) -> Vec<Range> {
    (0..n)
        .map(|i| r(MIB + i * 2 * PAGE_SIZE, MIB + i * 2 * PAGE_SIZE + PAGE_SIZE))
        .collect()
}

#[test]
fn new_reports_full() {
    assert!(FrameAllocator::new(&fragmented(256), &[]).is_ok());
    assert_eq!(FrameAllocator::new(&fragmented(257), &[]).err(), Some(Full));
}

#[test]
fn free_reports_full() {
    // 255 isolated pages plus one 3-page range T fill the free set.
    let t = 64 * MIB;
    let mut usable = fragmented(255);
    usable.push(r(t, t + 3 * PAGE_SIZE));
    let mut a = FrameAllocator::new(&usable, &[]).unwrap();
    assert_eq!(a.alloc(3, PAGE_SIZE, u64::MAX), Some(t));
    a.free(t, 1).unwrap();
    // T's last page is adjacent to nothing free: it would be range 257.
    assert_eq!(a.free(t + 2 * PAGE_SIZE, 1), Err(FreeError::Full));
    // Adjacent to a free range: merges, needs no slot.
    a.free(t + PAGE_SIZE, 1).unwrap();
    a.free(t + 2 * PAGE_SIZE, 1).unwrap();
    assert_eq!(a.free_bytes(), a.managed_bytes());
}

#[test]
fn alloc_skips_a_candidate_it_cannot_split_when_full() {
    // 254 isolated pages at odd page offsets (never 8 KiB aligned), then
    // T = [t+4K, t+16K) whose 8 KiB-aligned page sits in its middle, then
    // an aligned single page U: 256 ranges, the capacity.
    let (t, u) = (64 * MIB, 128 * MIB);
    let mut usable: Vec<Range> = fragmented(254)
        .iter()
        .map(|x| r(x.start + PAGE_SIZE, x.end + PAGE_SIZE))
        .collect();
    usable.push(r(t + PAGE_SIZE, t + 4 * PAGE_SIZE));
    usable.push(r(u, u + PAGE_SIZE));
    let mut a = FrameAllocator::new(&usable, &[]).unwrap();
    assert_eq!(a.alloc(1, 2 * PAGE_SIZE, u64::MAX), Some(u));
    // With a slot free again, T can be split.
    assert_eq!(a.alloc(1, 2 * PAGE_SIZE, u64::MAX), Some(t + 2 * PAGE_SIZE));
    assert_eq!(a.alloc(1, 2 * PAGE_SIZE, u64::MAX), None);
}

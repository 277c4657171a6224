use super::*;

const ARENA: usize = 64 * 1024;

#[repr(C, align(4096))]
struct Arena([u8; ARENA]);

/// A heap over a fresh, leaked arena; returns the heap and the arena's base.
fn heap() -> (Heap, usize) {
    let arena = Box::leak(Box::new(Arena([0; ARENA])));
    let base = arena.0.as_mut_ptr() as usize;
    let heap = Heap::new();
    // SAFETY: the leaked arena is used by this heap only.
    unsafe { heap.init(base, ARENA) };
    (heap, base)
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

fn alloc(heap: &Heap, l: Layout) -> usize {
    // SAFETY: the layouts of these tests have non-zero sizes.
    unsafe { heap.alloc(l) as usize }
}

fn free(heap: &Heap, at: usize, l: Layout) {
    // SAFETY: `at` came from `alloc` of this heap with `l`.
    unsafe { heap.dealloc(at as *mut u8, l) }
}

#[test]
fn allocations_are_inside_the_region_disjoint_and_writable() {
    let (heap, base) = heap();
    let l = layout(100, 8);
    let blocks: Vec<usize> = (0..10).map(|_| alloc(&heap, l)).collect();
    for (i, &b) in blocks.iter().enumerate() {
        assert!(b >= base && b + 100 <= base + ARENA);
        // SAFETY: a live allocation of 100 bytes.
        unsafe { core::ptr::write_bytes(b as *mut u8, i as u8, 100) };
    }
    for (i, &b) in blocks.iter().enumerate() {
        // SAFETY: as above.
        let bytes = unsafe { core::slice::from_raw_parts(b as *const u8, 100) };
        assert!(
            bytes.iter().all(|&x| x == i as u8),
            "block {i} was overwritten"
        );
    }
    assert_eq!(heap.free_bytes(), ARENA - 10 * 112);
}

#[test]
fn alignment_is_honoured_and_the_skipped_head_stays_free() {
    let (heap, base) = heap();
    let small = alloc(&heap, layout(8, 8));
    assert_eq!(small, base);
    let page = alloc(&heap, layout(4096, 4096));
    assert_eq!(page % 4096, 0);
    assert_eq!(page, base + 4096);
    // The gap between the two is still usable.
    let gap = alloc(&heap, layout(4000, 16));
    assert_eq!(gap, base + 16);
    assert_eq!(heap.free_bytes(), ARENA - 16 - 4096 - 4000);
}

#[test]
fn freed_memory_is_reused() {
    let (heap, _) = heap();
    let l = layout(256, 16);
    let a = alloc(&heap, l);
    let b = alloc(&heap, l);
    free(&heap, a, l);
    assert_eq!(alloc(&heap, l), a, "first fit takes the freed block");
    free(&heap, b, l);
    assert_eq!(alloc(&heap, layout(200, 8)), b);
}

#[test]
fn freeing_merges_neighbours_back_into_one_block() {
    let (heap, base) = heap();
    let l = layout(1000, 8);
    let [a, b, c] = [0; 3].map(|_| alloc(&heap, l));
    free(&heap, a, l);
    free(&heap, c, l);
    assert!(heap.largest_free() < ARENA);
    free(&heap, b, l);
    assert_eq!(heap.free_bytes(), ARENA);
    assert_eq!(heap.largest_free(), ARENA, "one block again");
    assert_eq!(
        alloc(&heap, layout(ARENA, 16)),
        base,
        "the whole region fits"
    );
}

#[test]
fn exhaustion_and_impossible_requests_return_null() {
    let (heap, _) = heap();
    assert_eq!(alloc(&heap, layout(ARENA + 1, 8)), 0);
    let all = alloc(&heap, layout(ARENA, 8));
    assert_ne!(all, 0);
    assert_eq!(alloc(&heap, layout(1, 1)), 0);
    assert_eq!(
        alloc(&Heap::new(), layout(1, 1)),
        0,
        "a heap without memory"
    );
    free(&heap, all, layout(ARENA, 8));
    assert_eq!(alloc(&heap, layout(isize::MAX as usize - 64, 8)), 0);
}

#[test]
fn an_alignment_no_free_address_has_returns_null() {
    let arena = Box::leak(Box::new(Arena([0; ARENA])));
    let base = arena.0.as_mut_ptr() as usize;
    let heap = Heap::new();
    // SAFETY: the leaked arena is used by this heap only. No multiple of
    // 4096 lies inside the region (the arena is page-aligned).
    unsafe { heap.init(base + 16, 4096 - 32) };
    assert_eq!(alloc(&heap, layout(16, 4096)), 0);
    assert_eq!(alloc(&heap, layout(16, 1024)), base + 1024);
}

#[test]
fn unaligned_regions_are_trimmed_and_regions_can_be_added() {
    let (heap, base) = heap();
    let extra = Box::leak(Box::new(Arena([0; ARENA])));
    let extra_base = extra.0.as_mut_ptr() as usize;
    // SAFETY: the second arena is used by this heap only.
    unsafe { heap.init(extra_base + 3, 100) };
    assert_eq!(heap.free_bytes(), ARENA + 80, "16..96 of the odd region");
    // SAFETY: a region too small to hold one unit adds nothing.
    unsafe { heap.init(extra_base + 1000, 10) };
    assert_eq!(heap.free_bytes(), ARENA + 80);
    let l = layout(ARENA, 16);
    assert_eq!(alloc(&heap, l), base);
    assert_eq!(alloc(&heap, layout(80, 16)), extra_base + 16);
}

#[test]
fn several_threads_share_the_heap() {
    let (heap, _) = heap();
    let heap = &heap;
    std::thread::scope(|s| {
        for t in 0..4u8 {
            s.spawn(move || {
                let l = layout(48, 16);
                for _ in 0..500 {
                    let at = alloc(heap, l);
                    assert_ne!(at, 0);
                    // SAFETY: a live allocation of 48 bytes.
                    unsafe { core::ptr::write_bytes(at as *mut u8, t, 48) };
                    // SAFETY: as above.
                    let bytes = unsafe { core::slice::from_raw_parts(at as *const u8, 48) };
                    assert!(bytes.iter().all(|&b| b == t));
                    free(heap, at, l);
                }
            });
        }
    });
    assert_eq!(heap.free_bytes(), ARENA);
    assert_eq!(heap.largest_free(), ARENA);
}

#[test]
fn a_random_mix_never_overlaps_and_ends_in_one_block() {
    let (heap, base) = heap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut live: Vec<(usize, Layout)> = Vec::new();
    for _ in 0..5000 {
        if live.len() < 40 && next() % 3 != 0 {
            let l = layout(1 + (next() % 700) as usize, 1 << (next() % 10));
            let at = alloc(&heap, l);
            if at == 0 {
                continue;
            }
            assert_eq!(at % l.align(), 0);
            assert!(at >= base && at + l.size() <= base + ARENA);
            for &(o, ol) in &live {
                assert!(at + l.size() <= o || o + ol.size() <= at, "overlap");
            }
            live.push((at, l));
        } else if !live.is_empty() {
            let (at, l) = live.swap_remove((next() % live.len() as u64) as usize);
            free(&heap, at, l);
        }
    }
    for (at, l) in live.drain(..) {
        free(&heap, at, l);
    }
    assert_eq!(heap.free_bytes(), ARENA);
    assert_eq!(heap.largest_free(), ARENA);
}

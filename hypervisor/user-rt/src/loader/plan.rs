//! The pure arithmetic of loading: which pages an ELF image occupies with
//! which rights, how a page range splits into the naturally aligned blocks a
//! capability range descriptor can name, and which bytes of a segment fall
//! into one block. Host-tested; nothing here touches memory or the kernel.

use abi::cap::rights::mem;
use hv_core::elf::{SegFlags, Segment};

/// Bytes per page.
pub const PAGE: u64 = 4096;
/// Most page runs an image may have (each loadable segment gives one or
/// two: a page it shares with the previous segment becomes a run of its own).
pub const MAX_RUNS: usize = 16;

/// A placeholder for unused slots of segment arrays.
pub const NO_SEGMENT: Segment = Segment {
    vaddr: 0,
    file_offset: 0,
    file_size: 0,
    mem_size: 0,
    flags: SegFlags {
        read: false,
        write: false,
        exec: false,
    },
};

/// Pages `[first, first + pages)` with the same memory rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Run {
    pub first: u64,
    pub pages: u64,
    pub rights: u8,
}

impl Run {
    pub fn end(&self) -> u64 {
        self.first + self.pages
    }
}

/// Memory rights for a segment: x86 cannot map a page that is not readable,
/// so every loadable segment is readable.
pub fn seg_rights(s: &Segment) -> u8 {
    let mut r = mem::READ;
    if s.flags.write {
        r |= mem::WRITE;
    }
    if s.flags.exec {
        r |= mem::EXEC;
    }
    r
}

/// The page runs of `segs` (validated, non-overlapping segments), in
/// address order. A page two segments share gets both segments' rights.
/// `None` if there are more than [`MAX_RUNS`] runs.
pub fn runs(segs: &[Segment]) -> Option<([Run; MAX_RUNS], usize)> {
    let mut order: [Option<&Segment>; MAX_RUNS] = [None; MAX_RUNS];
    let live: usize = segs.iter().filter(|s| s.mem_size > 0).count();
    if live > MAX_RUNS {
        return None;
    }
    for (slot, s) in order.iter_mut().zip(segs.iter().filter(|s| s.mem_size > 0)) {
        *slot = Some(s);
    }
    order[..live].sort_unstable_by_key(|s| s.map_or(u64::MAX, |s| s.vaddr));
    let mut out = [Run::default(); MAX_RUNS];
    let mut n = 0;
    for s in order[..live].iter().flatten() {
        let first = s.vaddr / PAGE;
        let end = (s.vaddr + s.mem_size).div_ceil(PAGE);
        let mut rest = Run {
            first,
            pages: end - first,
            rights: seg_rights(s),
        };
        if n > 0 && out[n - 1].end() > first {
            // The previous segment's last page is this one's first.
            let shared = Run {
                first,
                pages: 1,
                rights: out[n - 1].rights | rest.rights,
            };
            out[n - 1].pages -= 1;
            if out[n - 1].pages == 0 {
                n -= 1;
            }
            push(&mut out, &mut n, shared)?;
            rest.first += 1;
            rest.pages -= 1;
        }
        if rest.pages > 0 {
            push(&mut out, &mut n, rest)?;
        }
    }
    Some((out, n))
}

fn push(out: &mut [Run; MAX_RUNS], n: &mut usize, run: Run) -> Option<()> {
    *out.get_mut(*n)? = run;
    *n += 1;
    Some(())
}

/// One naturally aligned block of a delegation: `2^order` units from `src`
/// in the source space go to `dst` in the destination space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub src: u64,
    pub dst: u64,
    pub order: u8,
}

/// Splits `count` units from `src` to `dst` into blocks that are naturally
/// aligned on both sides, largest first where alignment allows, none above
/// `max_order`.
pub fn blocks(src: u64, dst: u64, count: u64, max_order: u8) -> impl Iterator<Item = Block> {
    let mut done = 0u64;
    core::iter::from_fn(move || {
        if done >= count {
            return None;
        }
        let (s, d, left) = (src + done, dst + done, count - done);
        let align = (s | d | (1 << 63)).trailing_zeros();
        let fit = 63 - left.leading_zeros();
        let order = align.min(fit).min(u32::from(max_order)) as u8;
        done += 1 << order;
        Some(Block {
            src: s,
            dst: d,
            order,
        })
    })
}

/// Where the file bytes of `seg` that fall into `[at, at + len)` (addresses
/// in the loaded program) go: `(offset in the block, offset in the file,
/// bytes)`. `None` if none do.
pub fn file_part(seg: &Segment, at: u64, len: u64) -> Option<(u64, u64, u64)> {
    let start = seg.vaddr.max(at);
    let end = (seg.vaddr + seg.file_size).min(at + len);
    (start < end).then(|| {
        (
            start - at,
            seg.file_offset + (start - seg.vaddr),
            end - start,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(vaddr: u64, file_size: u64, mem_size: u64, w: bool, x: bool) -> Segment {
        Segment {
            vaddr,
            file_offset: vaddr & 0xfff,
            file_size,
            mem_size,
            flags: SegFlags {
                read: true,
                write: w,
                exec: x,
            },
        }
    }

    #[test]
    fn separate_segments_give_one_run_each_in_address_order() {
        let segs = [
            seg(0x40_2000, 0x10, 0x3000, true, false),
            seg(0x40_0000, 0x1800, 0x1800, false, true),
        ];
        let (runs, n) = runs(&segs).unwrap();
        assert_eq!(
            runs[..n],
            [
                Run {
                    first: 0x400,
                    pages: 2,
                    rights: mem::READ | mem::EXEC
                },
                Run {
                    first: 0x402,
                    pages: 3,
                    rights: mem::RW
                },
            ]
        );
    }

    #[test]
    fn a_shared_page_gets_both_rights() {
        let segs = [
            seg(0x40_0000, 0x1800, 0x1800, false, true),
            seg(0x40_1800, 0x100, 0x2000, true, false),
            seg(0x40_3900, 0x10, 0x10, false, false),
        ];
        let (runs, n) = runs(&segs).unwrap();
        let rx = mem::READ | mem::EXEC;
        assert_eq!(
            runs[..n],
            [
                Run {
                    first: 0x400,
                    pages: 1,
                    rights: rx
                },
                Run {
                    first: 0x401,
                    pages: 1,
                    rights: rx | mem::WRITE
                },
                Run {
                    first: 0x402,
                    pages: 1,
                    rights: mem::RW
                },
                Run {
                    first: 0x403,
                    pages: 1,
                    rights: mem::RW
                },
            ]
        );
    }

    #[test]
    fn too_many_segments_are_refused() {
        let segs: Vec<Segment> = (0..17)
            .map(|i| seg(0x40_0000 + i * 0x1000, 1, 1, false, false))
            .collect();
        assert!(runs(&segs).is_none());
        assert_eq!(runs(&segs[..16]).unwrap().1, 16);
    }

    #[test]
    fn blocks_are_aligned_on_both_sides_and_cover_the_range() {
        let b: Vec<Block> = blocks(0x100, 0x300, 0x30, 31).collect();
        assert_eq!(
            b,
            [
                Block {
                    src: 0x100,
                    dst: 0x300,
                    order: 5
                },
                Block {
                    src: 0x120,
                    dst: 0x320,
                    order: 4
                },
            ]
        );
        // Misaligned against each other: single pages.
        assert_eq!(blocks(0x101, 0x200, 3, 31).count(), 3);
        let capped: Vec<Block> = blocks(0, 0, 64, 4).collect();
        assert_eq!(capped.len(), 4);
        assert!(capped.iter().all(|b| b.order == 4));
        for blk in blocks(7, 0x1007, 100, 31) {
            assert_eq!(blk.src % (1 << blk.order), 0);
            assert_eq!(blk.dst % (1 << blk.order), 0);
        }
        assert_eq!(
            blocks(7, 0x1007, 100, 31)
                .map(|b| 1u64 << b.order)
                .sum::<u64>(),
            100
        );
        assert_eq!(blocks(5, 5, 0, 31).count(), 0);
    }

    #[test]
    fn file_parts_clip_to_the_block_and_leave_the_bss_out() {
        let s = seg(0x40_1800, 0x1000, 0x3000, true, false);
        // The block holding the segment's first half page.
        assert_eq!(
            file_part(&s, 0x40_1000, 0x1000),
            Some((0x800, 0x800, 0x800))
        );
        assert_eq!(file_part(&s, 0x40_2000, 0x1000), Some((0, 0x1000, 0x800)));
        assert_eq!(file_part(&s, 0x40_3000, 0x1000), None, "bss only");
        assert_eq!(file_part(&s, 0x40_0000, 0x1000), None, "before it");
    }
}

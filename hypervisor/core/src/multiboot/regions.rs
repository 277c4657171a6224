//! Turns a firmware memory map into sorted, disjoint regions.
//!
//! Firmware maps can be unsorted, contain zero-length entries, overlap, and
//! list more entries than we have room for, mostly many small adjacent
//! pieces of one kind. A sweep over the entry boundaries resolves all of
//! that at once: at each point the most restrictive kind covering it wins
//! (memory any entry calls non-usable is never reported usable), and equal
//! neighbours merge, so the fixed output array only has to hold the
//! distinct regions. The raw entries are re-read from boot memory on each
//! step instead of being copied, so their number is not limited.

use super::{BootError, MemKind, MemRegion, MAX_REGIONS};
use crate::memmap::Range;

/// Overlap resolution order: a higher rank wins.
fn rank(kind: MemKind) -> u8 {
    match kind {
        MemKind::Usable => 0,
        MemKind::AcpiReclaimable => 1,
        MemKind::Reserved => 2,
        MemKind::AcpiNvs => 3,
        MemKind::Bad => 4,
    }
}

/// A raw entry as the loader gives it: base and length, clipped so that the
/// end saturates rather than wraps.
pub(super) fn entry(base: u64, len: u64, kind: u32) -> MemRegion {
    MemRegion {
        range: Range::new(base, base.saturating_add(len)),
        kind: MemKind::from_type(kind),
    }
}

/// Writes the normalised map of the entries that `entries()` yields into
/// `out` and returns how many regions it holds. `entries` is called once
/// per output boundary, so it must yield the same entries each time.
pub(super) fn normalise<I, F>(
    entries: F,
    out: &mut [MemRegion; MAX_REGIONS],
) -> Result<usize, BootError>
where
    F: Fn() -> I,
    I: Iterator<Item = MemRegion>,
{
    let mut n = 0;
    let Some(mut cursor) = entries()
        .filter(|e| !e.range.is_empty())
        .map(|e| e.range.start)
        .min()
    else {
        return Ok(0);
    };
    loop {
        let mut kind: Option<MemKind> = None;
        let mut next: Option<u64> = None;
        for e in entries().filter(|e| !e.range.is_empty()) {
            let boundary = if e.range.start <= cursor && cursor < e.range.end {
                if kind.is_none_or(|k| rank(e.kind) > rank(k)) {
                    kind = Some(e.kind);
                }
                e.range.end
            } else if e.range.start > cursor {
                e.range.start
            } else {
                continue;
            };
            next = Some(next.map_or(boundary, |b| b.min(boundary)));
        }
        let Some(next) = next else {
            return Ok(n);
        };
        if let Some(kind) = kind {
            push_merged(out, &mut n, Range::new(cursor, next), kind)?;
        }
        cursor = next;
    }
}

fn push_merged(
    out: &mut [MemRegion; MAX_REGIONS],
    n: &mut usize,
    range: Range,
    kind: MemKind,
) -> Result<(), BootError> {
    if let Some(last) = n.checked_sub(1).and_then(|i| out.get_mut(i)) {
        if last.kind == kind && last.range.end == range.start {
            last.range.end = range.end;
            return Ok(());
        }
    }
    let slot = out.get_mut(*n).ok_or(BootError::TooMany)?;
    *slot = MemRegion { range, kind };
    *n += 1;
    Ok(())
}

//! Physical address ranges and a fixed-capacity set of them.
//!
//! The boot path has to combine firmware memory maps, the kernel image,
//! boot modules and reserved areas before any allocator exists, so the set
//! lives in a fixed array: no heap, and running out of slots is an error
//! value (`Full`) that leaves the set untouched rather than a panic.

#![forbid(unsafe_code)]

/// A half-open physical address range `[start, end)`; `start >= end` is empty.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Range {
    pub start: u64,
    pub end: u64,
}

impl Range {
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    pub fn overlaps(&self, o: Range) -> bool {
        !self.is_empty() && !o.is_empty() && self.start < o.end && o.start < self.end
    }

    /// Set inclusion: the empty range is inside every range.
    pub fn contains(&self, o: Range) -> bool {
        o.is_empty() || (self.start <= o.start && o.end <= self.end)
    }

    /// The largest sub-range whose bounds are multiples of `align` (0 acts as 1).
    pub fn align_inward(&self, align: u64) -> Range {
        if self.is_empty() {
            return *self;
        }
        let align = align.max(1);
        let down = self.end - self.end % align;
        match self.start.checked_next_multiple_of(align) {
            Some(up) if up < down => Range::new(up, down),
            _ => Range::new(down, down),
        }
    }

    /// The smallest super-range whose bounds are multiples of `align` (0 acts
    /// as 1); the end saturates at `u64::MAX` instead of wrapping.
    pub fn align_outward(&self, align: u64) -> Range {
        if self.is_empty() {
            return *self;
        }
        let align = align.max(1);
        let down = self.start - self.start % align;
        let up = self.end.checked_next_multiple_of(align).unwrap_or(u64::MAX);
        Range::new(down, up)
    }
}

/// The fixed capacity of a [`RangeSet`] was exceeded.
#[derive(Debug, PartialEq, Eq)]
pub struct Full;

/// A set of addresses stored as sorted, disjoint, non-adjacent ranges.
///
/// Keeping adjacent ranges merged makes the representation canonical, so
/// `contains` is a single-range test and the capacity is spent only on real
/// holes.
#[derive(Clone, Copy, Debug)]
pub struct RangeSet<const N: usize> {
    ranges: [Range; N],
    len: usize,
}

impl<const N: usize> Default for RangeSet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RangeSet<N> {
    pub const fn new() -> Self {
        Self {
            ranges: [Range::new(0, 0); N],
            len: 0,
        }
    }

    fn slice(&self) -> &[Range] {
        self.ranges.get(..self.len).unwrap_or(&[])
    }

    /// Index of the first range ending at or after `addr` (touching counts,
    /// so that adjacent ranges get merged by `insert`).
    fn first_touching(&self, addr: u64) -> usize {
        self.slice().partition_point(|x| x.end < addr)
    }

    /// Replaces `ranges[i..j]` by `with`; the caller has checked capacity.
    fn splice(&mut self, i: usize, j: usize, with: &[Range]) {
        let new_len = self.len - (j - i) + with.len();
        self.ranges.copy_within(j..self.len, i + with.len());
        self.ranges[i..i + with.len()].copy_from_slice(with);
        self.len = new_len;
    }

    /// Adds every address of `r`, merging with overlapping or adjacent ranges.
    pub fn insert(&mut self, r: Range) -> Result<(), Full> {
        if r.is_empty() {
            return Ok(());
        }
        let i = self.first_touching(r.start);
        let j = self.slice().partition_point(|x| x.start <= r.end);
        if i == j {
            if self.len == N {
                return Err(Full);
            }
            self.splice(i, i, &[r]);
            return Ok(());
        }
        let merged = Range::new(
            r.start.min(self.ranges[i].start),
            r.end.max(self.ranges[j - 1].end),
        );
        self.splice(i, j, &[merged]);
        Ok(())
    }

    /// Removes every address of `r`; a range strictly containing `r` splits
    /// in two, which is the only way this can need a new slot.
    pub fn remove(&mut self, r: Range) -> Result<(), Full> {
        if r.is_empty() {
            return Ok(());
        }
        let i = self.slice().partition_point(|x| x.end <= r.start);
        let j = self.slice().partition_point(|x| x.start < r.end);
        if i >= j {
            return Ok(());
        }
        let left = Range::new(self.ranges[i].start, r.start);
        let right = Range::new(r.end, self.ranges[j - 1].end);
        let mut keep = [Range::new(0, 0); 2];
        let mut n = 0;
        for piece in [left, right] {
            if !piece.is_empty() {
                keep[n] = piece;
                n += 1;
            }
        }
        if self.len - (j - i) + n > N {
            return Err(Full);
        }
        self.splice(i, j, &keep[..n]);
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = Range> + '_ {
        self.slice().iter().copied()
    }

    /// Number of disjoint ranges (not bytes).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of the lengths of all ranges.
    pub fn total(&self) -> u64 {
        self.iter().fold(0u64, |sum, r| sum.saturating_add(r.len()))
    }

    /// Whether every address of `r` is in the set (true for an empty `r`).
    pub fn contains(&self, r: Range) -> bool {
        if r.is_empty() {
            return true;
        }
        let i = self.slice().partition_point(|x| x.end <= r.start);
        self.slice().get(i).is_some_and(|x| x.contains(r))
    }

    /// Whether any address of `r` is in the set.
    pub fn overlaps(&self, r: Range) -> bool {
        if r.is_empty() {
            return false;
        }
        let i = self.slice().partition_point(|x| x.end <= r.start);
        self.slice().get(i).is_some_and(|x| x.overlaps(r))
    }
}

#[cfg(test)]
mod tests;

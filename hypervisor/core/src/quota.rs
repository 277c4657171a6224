//! Kernel-memory quota accounting, in 4 KiB pages.
//!
//! Every kernel object a protection domain creates is paid for from its
//! quota, so no domain can exhaust kernel memory for the others. Quotas are
//! handed down by [`split`] (the parent pays the child's whole limit up
//! front) and returned by [`join`], so the sum of all limits never exceeds
//! what the root was given.

#![forbid(unsafe_code)]

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    limit: u64,
    used: u64,
}

/// A charge would exceed the limit; nothing was charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted;

impl Quota {
    pub const fn new(limit: u64) -> Self {
        Self { limit, used: 0 }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn used(&self) -> u64 {
        self.used
    }

    pub fn free(&self) -> u64 {
        self.limit - self.used
    }

    /// Takes `pages` from the quota, all or nothing.
    pub fn charge(&mut self, pages: u64) -> Result<(), Exhausted> {
        if pages > self.free() {
            return Err(Exhausted);
        }
        self.used += pages;
        Ok(())
    }

    /// Gives back `pages` charged earlier. Refunding more than was charged
    /// is a kernel bug; a release build stops at zero.
    pub fn refund(&mut self, pages: u64) {
        debug_assert!(pages <= self.used, "refund of {pages} exceeds use");
        self.used = self.used.saturating_sub(pages);
    }
}

/// A new quota of `pages`, charged to `parent` in full.
pub fn split(parent: &mut Quota, pages: u64) -> Result<Quota, Exhausted> {
    parent.charge(pages)?;
    Ok(Quota::new(pages))
}

/// Returns `child`'s limit to `parent`. The child must have released
/// everything it charged (its objects are gone), or that memory would be
/// counted as free while still in use.
pub fn join(parent: &mut Quota, child: Quota) {
    debug_assert!(child.used == 0, "joining a quota still in use");
    parent.refund(child.limit);
}

#[cfg(test)]
mod tests;

//! The runner's check that every test gives back ktest's kernel memory.
//!
//! After a test's cleanup, the pages its PD uses must be what they were
//! before it, except for kernel tables and capability nodes the test was
//! the first to need: those stay with the PD (the kernel keeps a PD's
//! selector tables, page tables and node slab until the PD dies). The
//! runner warms the slab and the selector tables before the first test
//! ([`WARM_SELECTORS`]), so what is left to explain is new ground: selectors
//! beyond any used before (their tables and nodes), a fresh selector leaf,
//! and address space beyond any used before (its page tables). A test that
//! leaves more than that behind fails, with the number of pages. Over the
//! whole run, the explained growth may not exceed [`WARM_UP_BUDGET`] pages:
//! the closing `quota_returns` check, which catches a leak that hides in
//! the allowance of one test after another.

use crate::check::{Fail, TResult};
use crate::ctx::Ctx;
use user_rt::Line;

/// Selectors whose tables and nodes the runner makes before the first
/// test: more than any test holds at once.
pub const WARM_SELECTORS: u64 = 256;
/// Pages the whole run may keep for tables and nodes after the warm-up.
pub const WARM_UP_BUDGET: u64 = 8;
/// Capability nodes per slab page (`4096 / 128 - 1`, hypervisor `cap`).
const NODES_PER_PAGE: u64 = 31;
/// Selectors per selector-table page.
const SELECTORS_PER_TABLE: u64 = 512;

/// How far selectors and address space were ever handed out.
#[derive(Clone, Copy)]
pub struct Reach {
    /// One past the highest selector of the upward counter.
    pub sel: u64,
    /// The lowest fresh leaf handed out (they count down).
    pub leaf: u64,
    /// One past the highest address handed out.
    pub va: u64,
}

/// Regions of `1 << shift` bytes (or selectors) that `[a, b)` reaches
/// beyond `[.., a)`.
fn regions(a: u64, b: u64, shift: u32) -> u64 {
    ((b.max(1) - 1) >> shift).saturating_sub((a.max(1) - 1) >> shift)
}

impl Reach {
    /// Pages of tables and nodes that going from `before` to `self` may
    /// have needed: a slab page per 31 new selectors and a table page per
    /// new block of 512; a table per fresh leaf; a page-table page per new
    /// 2 MiB and 1 GiB region of address space.
    fn new_tables(&self, before: &Reach) -> u64 {
        let sels = self.sel.saturating_sub(before.sel);
        let nodes = sels.div_ceil(NODES_PER_PAGE);
        let tables = regions(before.sel, self.sel, SELECTORS_PER_TABLE.ilog2());
        let leaves = before.leaf.saturating_sub(self.leaf) / SELECTORS_PER_TABLE;
        let va = regions(before.va, self.va, 21) + regions(before.va, self.va, 30);
        nodes + tables + leaves + va
    }
}

/// Pages `ctx`'s PD uses now.
fn used(ctx: &Ctx) -> u64 {
    ctx.me.quota().map_or(u64::MAX, |q| q.used)
}

/// The running account of ktest's quota over the suite.
pub struct Ledger {
    start: u64,
    before: u64,
    reach: Reach,
    kept: u64,
}

impl Ledger {
    /// Warms the slab and selector tables and takes the starting level.
    pub fn open(ctx: &mut Ctx) -> Result<Self, Fail> {
        ctx.warm(WARM_SELECTORS)?;
        let start = used(ctx);
        Ok(Self {
            start,
            before: start,
            reach: ctx.reach(),
            kept: 0,
        })
    }

    /// A test starts.
    pub fn begin(&mut self, ctx: &Ctx) {
        self.before = used(ctx);
        self.reach = ctx.reach();
    }

    /// The test is over and cleaned up: its PD uses no more pages than
    /// before, but for tables it was the first to need.
    pub fn end(&mut self, ctx: &Ctx) -> TResult {
        let allowed = ctx.reach().new_tables(&self.reach);
        let mut now = used(ctx);
        if now > self.before + allowed {
            // An EC destroyed while running on another CPU may be freed a
            // moment later.
            ctx.sleep(10);
            now = used(ctx);
        }
        let grown = now.saturating_sub(self.before);
        if grown > allowed {
            let why = Line::new()
                .str("quota: ")
                .dec(grown)
                .str(" pages more used after cleanup (new tables explain ")
                .dec(allowed)
                .str(")");
            return Err(Fail::from(why));
        }
        self.kept += grown;
        Ok(())
    }

    /// The closing check: what the whole run kept.
    pub fn close(&self, ctx: &Ctx) -> TResult {
        let grown = used(ctx).saturating_sub(self.start);
        if grown <= WARM_UP_BUDGET {
            return Ok(());
        }
        let why = Line::new()
            .str("the run kept ")
            .dec(grown)
            .str(" pages (")
            .dec(self.kept)
            .str(" as new tables; budget ")
            .dec(WARM_UP_BUDGET)
            .str(")");
        Err(Fail::from(why))
    }
}

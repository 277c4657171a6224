//! The registry of tests and the runner: each test is a named function
//! that gets the context and returns `Ok`, why it failed, or why it was
//! skipped (`Fail::skip`: the machine lacks what it needs). After each test
//! everything it allocated is destroyed, so tests do not see each other,
//! and the kernel memory it used must be back ([`quota`]): a test that
//! passed but left pages behind fails. A last check, `quota_returns`, looks
//! at the whole run.
//!
//! Lines: `ktest: <name> ... ok`, `... skipped (<why>)` or `... FAILED:
//! <why>`, then `ktest: N passed, M failed, K skipped`.

use crate::check::TResult;
use crate::ctx::Ctx;
use crate::quota::Ledger;
use crate::tests;
use user_rt::sys::Sm;
use user_rt::Line;

/// A named test.
pub type Test = (&'static str, fn(&mut Ctx) -> TResult);

/// The closing check of the run (see [`quota`]).
const QUOTA_RETURNS: &str = "quota_returns";

/// What the tests came to.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Tally {
    /// Prints the line of test `name` and counts it.
    fn record(&mut self, name: &str, result: TResult) {
        let line = Line::new().str("ktest: ").str(name).str(" ... ");
        match result {
            Ok(()) => {
                self.passed += 1;
                line.str("ok").print();
            }
            Err(f) if f.is_skip() => {
                self.skipped += 1;
                let why = f.line();
                line.str("skipped (").bytes(why.as_bytes()).str(")").print();
            }
            Err(f) => {
                self.failed += 1;
                line.str("FAILED: ").bytes(f.line().as_bytes()).print();
            }
        }
    }
}

/// Runs every test, prints the summary and tells root-pd.
pub fn run(ctx: &mut Ctx) {
    let mut tally = Tally::default();
    let count: u64 = tests::ALL.iter().map(|g| g.len() as u64).sum();
    Line::new()
        .str("ktest: ")
        .dec(count + 1)
        .str(" tests, ")
        .dec(u64::from(ctx.cpus))
        .str(" CPUs")
        .print();
    let mut ledger = Ledger::open(ctx);
    for (name, test) in tests::ALL.iter().flat_map(|g| g.iter()) {
        ctx.mark();
        if let Ok(l) = ledger.as_mut() {
            l.begin(ctx);
        }
        let result = test(ctx);
        ctx.cleanup();
        let returned = match ledger.as_mut() {
            Ok(l) => l.end(ctx),
            Err(_) => Ok(()),
        };
        // A quota left behind fails even a test that passed or was skipped.
        tally.record(name, result.and(returned));
    }
    tally.record(QUOTA_RETURNS, ledger.and_then(|l| l.close(ctx)));
    Line::new()
        .str("ktest: ")
        .dec(tally.passed)
        .str(" passed, ")
        .dec(tally.failed)
        .str(" failed, ")
        .dec(tally.skipped)
        .str(" skipped")
        .print();
    if let Some((done, _)) = ctx.info.cap("done") {
        let _ = Sm(done).up();
    }
}

//! The registry of tests and the runner: each test is a named function
//! that gets the context and returns `Ok` or why it failed. After each test
//! everything it allocated is destroyed, so tests do not see each other.

use crate::check::TResult;
use crate::ctx::Ctx;
use crate::tests;
use user_rt::sys::Sm;
use user_rt::Line;

/// A named test.
pub type Test = (&'static str, fn(&mut Ctx) -> TResult);

/// Runs every test, prints the summary and tells root-pd.
pub fn run(ctx: &mut Ctx) {
    let (mut passed, mut failed) = (0u64, 0u64);
    Line::new()
        .str("ktest: ")
        .dec(tests::ALL.iter().map(|g| g.len() as u64).sum())
        .str(" tests, ")
        .dec(u64::from(ctx.cpus))
        .str(" CPUs")
        .print();
    for (name, test) in tests::ALL.iter().flat_map(|g| g.iter()) {
        ctx.mark();
        let result = test(ctx);
        ctx.cleanup();
        let line = Line::new().str("ktest: ").str(name).str(" ... ");
        match result {
            Ok(()) => {
                passed += 1;
                line.str("ok").print();
            }
            Err(why) => {
                failed += 1;
                line.str("FAILED: ").bytes(why.line().as_bytes()).print();
            }
        }
    }
    Line::new()
        .str("ktest: ")
        .dec(passed)
        .str(" passed, ")
        .dec(failed)
        .str(" failed")
        .print();
    if let Some((done, _)) = ctx.info.cap("done") {
        let _ = Sm(done).up();
    }
}

//! Assertions of the test suite: each returns `Err(Fail)` with a message
//! that names what was checked, what was expected and what came back, so a
//! failing test says why in its one console line.

use abi::call::Ret;
use alloc::vec::Vec;
use user_rt::sys::{self, Crd, ObjType, Pd, Quota, Status};
use user_rt::Line;

/// Why a test did not pass: one line of text, and whether the test could
/// not run here at all (skipped) rather than failed.
pub struct Fail {
    why: Line,
    skipped: bool,
}

pub type TResult = Result<(), Fail>;

impl From<Line> for Fail {
    fn from(why: Line) -> Self {
        Self {
            why,
            skipped: false,
        }
    }
}

impl Fail {
    pub fn new(what: &str) -> Self {
        Self::from(Line::new().str(what))
    }

    /// The test cannot run on this machine; `why` says what it lacks. The
    /// runner reports it as skipped, never as passed.
    pub fn skip(why: Line) -> Self {
        Self { why, skipped: true }
    }

    /// Whether this is a skip rather than a failure.
    pub fn is_skip(&self) -> bool {
        self.skipped
    }

    pub fn line(self) -> Line {
        self.why
    }
}

/// Skips the test unless the machine has at least `n` CPUs.
pub fn need_cpus(cpus: u32, n: u32) -> TResult {
    if cpus >= n {
        return Ok(());
    }
    let why = Line::new().str("needs ").dec(u64::from(n)).str(" CPUs");
    Err(Fail::skip(why))
}

/// The status of a wrapper's result (`Success` for `Ok`).
pub fn st<T>(r: Result<T, Status>) -> Status {
    match r {
        Ok(_) => Status::Success,
        Err(e) => e,
    }
}

/// The status a raw request came back with.
pub fn raw(r: Ret) -> Status {
    r.status()
}

/// `got` is `want`.
pub fn status(what: &str, got: Status, want: Status) -> TResult {
    if got == want {
        return Ok(());
    }
    Err(Fail::from(
        Line::new()
            .str(what)
            .str(": expected ")
            .str(want.name())
            .str(", got ")
            .str(got.name()),
    ))
}

/// The call succeeded; its value.
pub fn ok<T>(what: &str, r: Result<T, Status>) -> Result<T, Fail> {
    r.map_err(|e| Fail::from(Line::new().str(what).str(": failed with ").str(e.name())))
}

/// `got == want`, shown in hex.
pub fn eq(what: &str, got: u64, want: u64) -> TResult {
    if got == want {
        return Ok(());
    }
    Err(Fail::from(
        Line::new()
            .str(what)
            .str(": expected ")
            .hex(want)
            .str(", got ")
            .hex(got),
    ))
}

/// `cond` holds.
pub fn that(what: &str, cond: bool) -> TResult {
    if cond {
        Ok(())
    } else {
        Err(Fail::from(Line::new().str(what).str(": does not hold")))
    }
}

/// What a refused call must leave as it was: quotas and capabilities.
#[derive(PartialEq, Eq)]
struct Snapshot {
    quotas: Vec<Result<Quota, Status>>,
    caps: Vec<Result<(Crd, Option<ObjType>), Status>>,
}

fn snapshot(pds: &[Pd], caps: &[(Pd, Crd)]) -> Snapshot {
    Snapshot {
        quotas: pds.iter().map(|p| p.quota()).collect(),
        caps: caps.iter().map(|&(p, c)| sys::lookup(p, c)).collect(),
    }
}

/// `call` returns `want`, and the quotas of `pds` and the look-ups of
/// `caps` are the same afterwards.
pub fn refused(
    what: &str,
    want: Status,
    pds: &[Pd],
    caps: &[(Pd, Crd)],
    call: impl FnOnce() -> Status,
) -> TResult {
    let before = snapshot(pds, caps);
    status(what, call(), want)?;
    let after = snapshot(pds, caps);
    for (i, (b, a)) in before.quotas.iter().zip(&after.quotas).enumerate() {
        if b != a {
            let used = |q: &Result<Quota, Status>| q.as_ref().map_or(u64::MAX, |q| q.used);
            return Err(Fail::from(
                Line::new()
                    .str(what)
                    .str(": refused but changed the quota of pd #")
                    .dec(i as u64)
                    .str(": used ")
                    .dec(used(b))
                    .str(" -> ")
                    .dec(used(a)),
            ));
        }
    }
    if before.caps != after.caps {
        return Err(Fail::from(
            Line::new()
                .str(what)
                .str(": refused but changed a capability"),
        ));
    }
    Ok(())
}

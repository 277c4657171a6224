//! The integration-test harness: boots the whole stack in an emulator and judges it by its
//! console output and exit status.
//!
//! Nothing may depend on xtask, so a [`Scenario`] drives the emulators through
//! `cargo xtask run … --log target/test-logs/<scenario>.log` as a subprocess, one at a time
//! (a process-wide lock), then reads the log for further assertions. The scenarios themselves
//! live in `tests/tests/*.rs`; they are the contract with the kernel's console output.
//!
//! Rules: every assertion failure shows the console log; checks on text are pure functions
//! with unit tests of their own, so they are known to catch what they claim to.

mod console;
mod image;
mod scenario;

use std::path::{Path, PathBuf};

pub use console::{assert_no_fatal, count, framed};
pub use image::{build_images, fmt_symbols, instructions, simd_offenders, tool_output};
pub use scenario::{Accel, Boot, Outcome, Scenario};

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

/// The cargo that runs these tests, for the `cargo xtask` subprocesses.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

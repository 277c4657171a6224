//! Drops rustc's known "disabling SSE is being phased out" warning from a build's diagnostics.
//!
//! The boot images are compiled with `-C target-feature=-sse,-sse2` on purpose (no SIMD in
//! ring 0), and rustc answers every workspace crate so compiled with:
//!
//! ```text
//! warning: target feature `sse2` must be enabled to ensure that the ABI of the current target can be implemented correctly
//!   |
//!   = note: this was previously accepted by the compiler but is being phased out; ...
//!   = note: for more information, see issue #116344 <https://github.com/rust-lang/rust/issues/116344>
//! ```
//!
//! Cargo runs with `--message-format json`: each diagnostic arrives whole, tagged with its
//! level and message, so exactly that warning can be dropped and everything else printed as
//! rustc rendered it (without colors). Plain-text filtering would have to undo cargo's
//! "generated N warnings (M duplicates)" bookkeeping, which hides repeats across crates.

use serde_json::Value;

/// The message of the warning to drop.
const MESSAGE: &str = "target feature `sse2` must be enabled to ensure that the ABI of the current target can be implemented correctly";

/// What xtask prints once instead of the dropped warnings.
pub const NOTE: &str = "note: rustc warns that disabling SSE on this target is being phased out (rust-lang/rust#116344); the build will fail the day it becomes an error.";

/// A filter over the lines cargo prints on stdout with `--message-format json`.
#[derive(Default)]
pub struct Filter {
    dropped: usize,
}

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one line of cargo's stdout; returns the text to show, if any. Compiler
    /// diagnostics come back rendered, other JSON messages (artifacts, build-script results)
    /// are dropped, and anything that is not JSON passes through.
    pub fn line(&mut self, line: &str) -> Option<String> {
        let Ok(json) = serde_json::from_str::<Value>(line) else {
            return Some(line.to_string());
        };
        if json["reason"] != "compiler-message" {
            return None;
        }
        let message = &json["message"];
        if message["level"] == "warning" && message["message"] == MESSAGE {
            self.dropped += 1;
            return None;
        }
        let rendered = message["rendered"]
            .as_str()
            .or(message["message"].as_str())
            .unwrap_or("(a compiler message without text)");
        Some(rendered.trim_end().to_string())
    }

    /// How many warnings were dropped.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compiler message as cargo prints it, trimmed to the fields that matter.
    fn message(level: &str, text: &str, rendered: &str) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "package_id": "path+file:///w/hypervisor#0.1.0",
            "target": {"kind": ["bin"], "name": "hypervisor"},
            "message": {"level": level, "message": text, "rendered": rendered,
                        "children": [], "spans": [], "code": null},
        })
        .to_string()
    }

    const SSE_RENDERED: &str = "warning: target feature `sse2` must be enabled to ensure that the ABI of the current target can be implemented correctly\n  |\n  = note: this was previously accepted by the compiler but is being phased out; it will become a hard error in a future release!\n  = note: for more information, see issue #116344 <https://github.com/rust-lang/rust/issues/116344>\n\n";

    #[test]
    fn drops_only_the_sse_warning() {
        let mut f = Filter::new();
        assert_eq!(f.line(&message("warning", MESSAGE, SSE_RENDERED)), None);
        assert_eq!(f.line(&message("warning", MESSAGE, SSE_RENDERED)), None);
        assert_eq!(f.dropped(), 2);
        let unused = "warning: unused variable: `x`\n --> src/main.rs:1:16\n\n";
        assert_eq!(
            f.line(&message("warning", "unused variable: `x`", unused))
                .as_deref(),
            Some("warning: unused variable: `x`\n --> src/main.rs:1:16")
        );
        assert_eq!(f.dropped(), 2);
    }

    #[test]
    fn the_same_text_as_an_error_still_shows() {
        let mut f = Filter::new();
        let shown = f.line(&message(
            "error",
            MESSAGE,
            "error: target feature `sse2` ...",
        ));
        assert_eq!(shown.as_deref(), Some("error: target feature `sse2` ..."));
        assert_eq!(f.dropped(), 0);
    }

    #[test]
    fn other_json_is_dropped_and_plain_text_passes() {
        let mut f = Filter::new();
        let artifact = r#"{"reason":"compiler-artifact","package_id":"x"}"#;
        assert_eq!(f.line(artifact), None);
        assert_eq!(
            f.line(r#"{"reason":"build-finished","success":true}"#),
            None
        );
        assert_eq!(
            f.line("hello from a build script").as_deref(),
            Some("hello from a build script")
        );
    }
}

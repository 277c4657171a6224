//! Assertions on a console log; each failure message carries the whole log.

use regex::Regex;

/// How many times `pattern` (multi-line mode: `^` and `$` match at line boundaries) matches
/// in `log`. With a `^…` pattern this is the number of matching lines.
///
/// # Panics
/// If `pattern` is not a valid regex (a mistake in the test, not in the kernel).
pub fn count(log: &str, pattern: &str) -> usize {
    let re = Regex::new(&format!("(?m){pattern}"))
        .unwrap_or_else(|e| panic!("invalid pattern {pattern:?}: {e}"));
    re.find_iter(log).count()
}

/// Fails unless the log is free of `FATAL` (the hypervisor's word for a crash of its own).
pub fn assert_no_fatal(log: &str) {
    assert!(
        !log.contains("FATAL"),
        "the console shows FATAL:\n{}",
        framed(log)
    );
}

/// The log between marker lines, for failure messages.
pub fn framed(log: &str) -> String {
    let nl = if log.is_empty() || log.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    format!("----- console log -----\n{log}{nl}----- console log -----")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "features: vmx+ept=no svm+npt=yes\ncpu 0: online, apic id 0\ncpu 1: online\n\
                       note: cpu 2: online is not at a line start\ncpu 3: offline\n";

    #[test]
    fn counts_matching_lines_only_at_line_starts() {
        assert_eq!(count(LOG, r"^cpu \d+: online"), 2);
        assert_eq!(count(LOG, r"cpu \d+: online"), 3);
        assert_eq!(count(LOG, r"^features: .*svm\+npt=yes"), 1);
        assert_eq!(count(LOG, r"^features: .*vmx\+ept=yes"), 0);
    }

    #[test]
    fn clean_log_has_no_fatal() {
        assert_no_fatal(LOG);
    }

    #[test]
    fn fatal_fails_and_shows_the_log() {
        let log = "cpu 0: online\nFATAL: #GP in ring 0\n";
        let err = std::panic::catch_unwind(|| assert_no_fatal(log)).unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("----- console log -----\ncpu 0: online\nFATAL: #GP"),
            "{message}"
        );
    }
}

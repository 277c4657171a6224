//! Command-line options: `key=value` pairs and bare flags, separated by
//! whitespace.
//!
//! The kernel only ever looks up a handful of debugging knobs, so these are
//! lookups over the borrowed string rather than a parsed table: nothing is
//! copied and nothing needs storage.

#![forbid(unsafe_code)]

/// The value of the last `key=value` word whose key is exactly `key`.
pub fn value<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    if key.is_empty() {
        return None;
    }
    args(cmdline)
        .filter_map(|word| word.split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .last()
}

/// Whether the bare word `name` (without `=`) is present.
pub fn flag(cmdline: &str, name: &str) -> bool {
    !name.is_empty() && args(cmdline).any(|word| word == name)
}

/// The whitespace-separated words, in order.
pub fn args(cmdline: &str) -> impl Iterator<Item = &str> {
    cmdline.split_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "  serial=0x3f8 quiet\tcpus=4 log=  cpus=2 a=b=c quiet=no\n";

    #[test]
    fn value_finds_last_occurrence() {
        assert_eq!(value(LINE, "cpus"), Some("2"));
        assert_eq!(value(LINE, "serial"), Some("0x3f8"));
        assert_eq!(value(LINE, "log"), Some(""));
        assert_eq!(value(LINE, "a"), Some("b=c"));
        assert_eq!(value(LINE, "quiet"), Some("no"));
    }

    #[test]
    fn value_misses() {
        assert_eq!(value(LINE, "cpu"), None);
        assert_eq!(value(LINE, "pus"), None);
        assert_eq!(value(LINE, ""), None);
        assert_eq!(value("", "cpus"), None);
        assert_eq!(value("=x", ""), None);
    }

    #[test]
    fn flag_matches_only_bare_words() {
        assert!(flag(LINE, "quiet"));
        assert!(!flag(LINE, "cpus"));
        assert!(!flag(LINE, "qui"));
        assert!(!flag(LINE, ""));
        assert!(!flag("", "quiet"));
    }

    #[test]
    fn args_splits_on_any_whitespace() {
        let words: Vec<&str> = args(LINE).collect();
        assert_eq!(
            words,
            [
                "serial=0x3f8",
                "quiet",
                "cpus=4",
                "log=",
                "cpus=2",
                "a=b=c",
                "quiet=no"
            ]
        );
        assert_eq!(args(" \t\n").count(), 0);
    }
}

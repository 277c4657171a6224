//! Following an emulator's console log and judging a scripted run.
//!
//! The emulator writes COM1 to a file; xtask polls it every 50 ms, echoes what is new, and
//! checks the `--expect` patterns against the whole log so far (carriage returns removed, so `$`
//! and `^` see plain lines). A run passes once every pattern has matched and, if an exit status
//! was asked for, the emulator has then exited with it — all within the timeout.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use regex::Regex;

use crate::emulator::{describe, Emulator};

const POLL: Duration = Duration::from_millis(50);

/// Reads what an emulator appended to its console file since the last call.
pub struct LogTail {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl LogTail {
    /// Removes a stale log first, so an old run's output can never satisfy a pattern.
    pub fn fresh(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", path.display()))
            }
            _ => {}
        }
        Ok(LogTail {
            path: path.to_path_buf(),
            bytes: Vec::new(),
        })
    }

    /// New bytes, if the file exists yet.
    pub fn poll(&mut self) -> Result<&[u8]> {
        let start = self.bytes.len();
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(&[]),
            Err(e) => return Err(e).with_context(|| format!("opening {}", self.path.display())),
        };
        file.seek(SeekFrom::Start(start as u64))
            .and_then(|_| file.read_to_end(&mut self.bytes))
            .with_context(|| format!("reading {}", self.path.display()))?;
        Ok(&self.bytes[start..])
    }

    /// The whole log so far, as text without carriage returns.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).replace('\r', "")
    }

    fn ends_with_newline(&self) -> bool {
        self.bytes.last().is_none_or(|&b| b == b'\n')
    }
}

/// An `--expect` pattern: multi-line mode, so `^` and `$` match at line boundaries.
pub fn pattern(text: &str) -> Result<Regex, String> {
    // Checked as given first, so an error message shows the user's pattern.
    Regex::new(text)
        .and_then(|_| Regex::new(&format!("(?m){text}")))
        .map_err(|e| format!("invalid regex: {e}"))
}

/// The patterns (as given, without the `(?m)`) that do not match `log`.
pub fn unmatched(patterns: &[Regex], log: &str) -> Vec<String> {
    patterns
        .iter()
        .filter(|p| !p.is_match(log))
        .map(|p| p.as_str().trim_start_matches("(?m)").to_string())
        .collect()
}

/// The state of a scripted run at one poll.
pub struct Poll<'a> {
    pub emulator: &'a str,
    pub unmatched: &'a [String],
    /// `Some` once the emulator has exited: its code (None if killed by a signal) and
    /// a description of the status.
    pub exited: Option<(Option<i32>, String)>,
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub timeout: Duration,
}

/// The verdict, once there is one: `Ok` for a pass, `Err(reason)` for a failure.
pub fn decide(p: &Poll<'_>) -> Option<Result<(), String>> {
    let waiting_for = || format!("`{}`", p.unmatched.join("`, `"));
    if let Some((code, desc)) = &p.exited {
        if !p.unmatched.is_empty() {
            return Some(Err(format!(
                "{} exited ({desc}) before the console matched {}",
                p.emulator,
                waiting_for()
            )));
        }
        return Some(match p.exit_code {
            Some(want) if *code != Some(want) => Err(format!(
                "{} exited with {desc}, expected exit status {want}",
                p.emulator
            )),
            _ => Ok(()),
        });
    }
    if p.unmatched.is_empty() && p.exit_code.is_none() {
        return Some(Ok(()));
    }
    if p.timed_out {
        let secs = p.timeout.as_secs();
        return Some(Err(if p.unmatched.is_empty() {
            format!(
                "timeout after {secs} s: every pattern matched, but {} did not exit with status {}",
                p.emulator,
                p.exit_code.unwrap_or_default()
            )
        } else {
            format!("timeout after {secs} s waiting for {}", waiting_for())
        }));
    }
    None
}

/// What a scripted run saw.
pub struct Watched {
    pub verdict: Result<(), String>,
    pub log: String,
}

/// Follows the log until a verdict, echoing new output to `echo`. Kills the emulator if it is
/// still running at the end.
pub fn watch(
    emu: &mut Emulator,
    tail: &mut LogTail,
    patterns: &[Regex],
    exit_code: Option<i32>,
    timeout: Duration,
    echo: &mut dyn Write,
) -> Result<Watched> {
    let deadline = Instant::now() + timeout;
    let verdict = loop {
        // Look at the exit status before reading, so that output written just before the exit
        // is read in the same round.
        let exited = emu.try_wait()?.map(|s: ExitStatus| (s.code(), describe(s)));
        let new = tail.poll()?;
        echo.write_all(new).and_then(|_| echo.flush()).ok();
        let log = tail.text();
        let unmatched = unmatched(patterns, &log);
        let poll = Poll {
            emulator: emu.name(),
            unmatched: &unmatched,
            exited,
            exit_code,
            timed_out: Instant::now() >= deadline,
            timeout,
        };
        if let Some(verdict) = decide(&poll) {
            break verdict;
        }
        std::thread::sleep(POLL);
    };
    emu.kill();
    if !tail.ends_with_newline() {
        writeln!(echo).ok();
    }
    Ok(Watched {
        verdict,
        log: tail.text(),
    })
}

/// Follows the log until the emulator exits (interactive runs with a file console).
pub fn follow(emu: &mut Emulator, tail: &mut LogTail, echo: &mut dyn Write) -> Result<ExitStatus> {
    loop {
        let exited = emu.try_wait()?;
        let new = tail.poll()?;
        echo.write_all(new).and_then(|_| echo.flush()).ok();
        if let Some(status) = exited {
            if !tail.ends_with_newline() {
                writeln!(echo).ok();
            }
            return Ok(status);
        }
        std::thread::sleep(POLL);
    }
}

/// The whole console log between marker lines, for failure reports.
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
    use std::process::Command;

    fn poll<'a>(
        unmatched: &'a [String],
        exited: Option<i32>,
        want: Option<i32>,
        late: bool,
    ) -> Poll<'a> {
        Poll {
            emulator: "qemu",
            unmatched,
            exited: exited.map(|c| (Some(c), format!("exit status {c}"))),
            exit_code: want,
            timed_out: late,
            timeout: Duration::from_secs(120),
        }
    }

    #[test]
    fn patterns_are_multi_line() {
        let p = [
            pattern(r"^cpu \d+: online$").unwrap(),
            pattern("^up").unwrap(),
        ];
        let log = "boot\ncpu 1: online\nroot-pd: up\n";
        assert_eq!(unmatched(&p, log), ["^up"]);
        assert!(pattern("(").is_err());
    }

    #[test]
    fn passes_on_match_without_exit_code_and_waits_with_one() {
        let none: Vec<String> = vec![];
        assert_eq!(decide(&poll(&none, None, None, false)), Some(Ok(())));
        assert_eq!(decide(&poll(&none, None, Some(33), false)), None);
        assert_eq!(
            decide(&poll(&none, Some(33), Some(33), false)),
            Some(Ok(()))
        );
    }

    #[test]
    fn fails_on_early_exit_wrong_status_or_timeout() {
        let some = vec!["root-pd: up".to_string()];
        let none: Vec<String> = vec![];
        let early = decide(&poll(&some, Some(0), None, false))
            .unwrap()
            .unwrap_err();
        assert!(
            early.contains("exited (exit status 0) before") && early.contains("`root-pd: up`"),
            "{early}"
        );
        let wrong = decide(&poll(&none, Some(35), Some(33), false))
            .unwrap()
            .unwrap_err();
        assert!(
            wrong.contains("exit status 35, expected exit status 33"),
            "{wrong}"
        );
        let late = decide(&poll(&some, None, None, true)).unwrap().unwrap_err();
        assert!(
            late.contains("timeout after 120 s waiting for `root-pd: up`"),
            "{late}"
        );
        let no_exit = decide(&poll(&none, None, Some(0), true))
            .unwrap()
            .unwrap_err();
        assert!(no_exit.contains("did not exit with status 0"), "{no_exit}");
        assert_eq!(decide(&poll(&some, None, None, false)), None);
    }

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("xtask-console-{}-{name}", std::process::id()))
    }

    fn sh(script: &str) -> Emulator {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        Emulator::spawn(cmd, true).unwrap()
    }

    #[test]
    fn watch_passes_when_output_and_exit_status_arrive() {
        let log = scratch("pass.log");
        std::fs::write(&log, "stale: root-pd: up\n").unwrap();
        let mut tail = LogTail::fresh(&log).unwrap();
        let mut emu = sh(&format!(
            "sleep 0.2; printf 'cpu 0: online\\r\\nroot-pd: up\\r\\n' >> {0}; exit 33",
            log.display()
        ));
        let mut echo = Vec::new();
        let p = [pattern("^root-pd: up$").unwrap()];
        let w = watch(
            &mut emu,
            &mut tail,
            &p,
            Some(33),
            Duration::from_secs(10),
            &mut echo,
        )
        .unwrap();
        assert_eq!(w.verdict, Ok(()));
        assert_eq!(w.log, "cpu 0: online\nroot-pd: up\n");
        assert_eq!(echo, b"cpu 0: online\r\nroot-pd: up\r\n");
        std::fs::remove_file(log).unwrap();
    }

    #[test]
    fn watch_kills_a_silent_emulator_at_the_timeout() {
        let log = scratch("timeout.log");
        let pidfile = scratch("timeout.pid");
        let mut tail = LogTail::fresh(&log).unwrap();
        let mut emu = sh(&format!(
            "echo $$ > {}; echo booting > {}; exec sleep 30",
            pidfile.display(),
            log.display()
        ));
        let start = Instant::now();
        let p = [pattern("never").unwrap()];
        let w = watch(
            &mut emu,
            &mut tail,
            &p,
            None,
            Duration::from_millis(500),
            &mut Vec::new(),
        )
        .unwrap();
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(w.verdict.unwrap_err().contains("timeout"));
        assert_eq!(w.log, "booting\n");
        let pid: libc::pid_t = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!crate::emulator::alive(pid), "emulator {pid} still running");
        let _ = std::fs::remove_file(log);
        let _ = std::fs::remove_file(pidfile);
    }

    #[test]
    fn framing_marks_both_ends() {
        assert_eq!(
            framed("a\nb"),
            "----- console log -----\na\nb\n----- console log -----"
        );
        assert_eq!(
            framed(""),
            "----- console log -----\n----- console log -----"
        );
    }
}

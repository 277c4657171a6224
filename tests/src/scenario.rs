//! A boot scenario: one `cargo xtask run` with its expectations, and what came of it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use crate::console::{count, framed};

/// Serializes emulator runs within the test process: two emulators at once would share the
/// machine's two cores and blow the timing of both.
static EMULATOR: Mutex<()> = Mutex::new(());

/// `--accel` of `cargo xtask run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accel {
    Auto,
    Kvm,
    Tcg,
    Bochs,
}

impl Accel {
    fn as_str(self) -> &'static str {
        match self {
            Accel::Auto => "auto",
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
            Accel::Bochs => "bochs",
        }
    }
}

/// `--boot` of `cargo xtask run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boot {
    Kernel,
    Iso,
}

impl Boot {
    fn as_str(self) -> &'static str {
        match self {
            Boot::Kernel => "kernel",
            Boot::Iso => "iso",
        }
    }
}

/// A scripted run, built up and then [`run`](Scenario::run). Defaults: TCG, xtask's boot
/// method for the platform, 2 CPUs, 256 MiB, empty command lines, 120 s.
#[derive(Clone, Debug)]
pub struct Scenario {
    name: String,
    accel: Accel,
    boot: Option<Boot>,
    smp: u32,
    mem_mib: u32,
    cmdline: String,
    root_args: String,
    bochs_cpu: Option<String>,
    expects: Vec<String>,
    exit_code: Option<i32>,
    timeout: Duration,
}

/// What a scenario saw.
#[derive(Debug)]
pub struct Outcome {
    pub name: String,
    /// The console log (carriage returns removed).
    pub log: String,
    /// Whether xtask judged the run a pass: every pattern matched and the exit status was
    /// the one asked for.
    pub success: bool,
    /// Everything xtask printed (its stdout, then its stderr).
    pub output: String,
}

impl Scenario {
    /// A scenario whose log goes to `target/test-logs/<name>.log`.
    pub fn new(name: &str) -> Self {
        Scenario {
            name: name.to_string(),
            accel: Accel::Tcg,
            boot: None,
            smp: 2,
            mem_mib: 256,
            cmdline: String::new(),
            root_args: String::new(),
            bochs_cpu: None,
            expects: Vec::new(),
            exit_code: None,
            timeout: Duration::from_secs(120),
        }
    }

    pub fn accel(mut self, accel: Accel) -> Self {
        self.accel = accel;
        self
    }

    pub fn boot(mut self, boot: Boot) -> Self {
        self.boot = Some(boot);
        self
    }

    pub fn smp(mut self, cpus: u32) -> Self {
        self.smp = cpus;
        self
    }

    pub fn mem(mut self, mib: u32) -> Self {
        self.mem_mib = mib;
        self
    }

    /// The hypervisor's command line.
    pub fn cmdline(mut self, cmdline: &str) -> Self {
        self.cmdline = cmdline.to_string();
        self
    }

    /// root-pd's arguments.
    pub fn root_args(mut self, args: &str) -> Self {
        self.root_args = args.to_string();
        self
    }

    pub fn bochs_cpu(mut self, model: &str) -> Self {
        self.bochs_cpu = Some(model.to_string());
        self
    }

    /// A regex (multi-line mode) the console must show; repeatable.
    pub fn expect(mut self, pattern: &str) -> Self {
        self.expects.push(pattern.to_string());
        self
    }

    /// The exit status the emulator must end with after every pattern matched.
    pub fn exit_code(mut self, code: i32) -> Self {
        self.exit_code = Some(code);
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// `target/test-logs/<name>.log`.
    pub fn log_path(&self) -> PathBuf {
        crate::workspace_root()
            .join("target")
            .join("test-logs")
            .join(format!("{}.log", self.name))
    }

    /// The arguments of `cargo xtask run` for this scenario.
    pub fn args(&self, log: &Path) -> Vec<String> {
        let mut a: Vec<String> = ["xtask", "run", "--accel", self.accel.as_str()]
            .map(String::from)
            .to_vec();
        let mut opt = |name: &str, value: String| {
            a.push(format!("--{name}"));
            a.push(value);
        };
        if let Some(boot) = self.boot {
            opt("boot", boot.as_str().into());
        }
        opt("smp", self.smp.to_string());
        opt("mem", self.mem_mib.to_string());
        opt("cmdline", self.cmdline.clone());
        opt("root-args", self.root_args.clone());
        if let Some(model) = &self.bochs_cpu {
            opt("bochs-cpu", model.clone());
        }
        for pattern in &self.expects {
            opt("expect", pattern.clone());
        }
        if let Some(code) = self.exit_code {
            opt("exit-code", code.to_string());
        }
        opt("timeout", self.timeout.as_secs().max(1).to_string());
        opt("log", log.to_string_lossy().into_owned());
        a
    }

    /// Boots the scenario (after any other scenario of this process has finished).
    ///
    /// # Panics
    /// If the scenario has no expectation (xtask would run it interactively, forever) or
    /// cargo cannot be started.
    pub fn run(&self) -> Outcome {
        assert!(
            !self.expects.is_empty(),
            "scenario {} needs at least one expect()",
            self.name
        );
        let _one_at_a_time = EMULATOR
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let log_path = self.log_path();
        let args = self.args(&log_path);
        let output = Command::new(crate::cargo())
            .current_dir(crate::workspace_root())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo {}: {e}", args.join(" ")));
        let log = std::fs::read(&log_path)
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\r', ""))
            .unwrap_or_default();
        Outcome {
            name: self.name.clone(),
            log,
            success: output.status.success(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }
}

impl Outcome {
    /// Fails with xtask's verdict and the console log unless the run passed.
    pub fn assert_success(&self) {
        assert!(
            self.success,
            "scenario {} failed:\n{}\n{}",
            self.name,
            self.verdict(),
            framed(&self.log)
        );
    }

    /// Fails unless some line of the log matches `pattern` (multi-line mode).
    pub fn assert_line(&self, pattern: &str) {
        assert!(
            count(&self.log, pattern) > 0,
            "scenario {}: no console line matches {pattern:?}\n{}",
            self.name,
            framed(&self.log)
        );
    }

    /// Fails unless exactly `n` matches of `pattern` are in the log.
    pub fn assert_count(&self, pattern: &str, n: usize) {
        let found = count(&self.log, pattern);
        assert_eq!(
            found,
            n,
            "scenario {}: {found} matches of {pattern:?}, expected {n}\n{}",
            self.name,
            framed(&self.log)
        );
    }

    /// xtask's own lines (its reasons and notes) and anything it printed on stderr, without
    /// the console echo.
    pub fn verdict(&self) -> String {
        let lines: Vec<&str> = self
            .output
            .lines()
            .filter(|l| {
                l.starts_with("xtask: FAIL")
                    || l.starts_with("xtask: PASS")
                    || l.starts_with("bochs: ")
                    || l.starts_with("error")
            })
            .collect();
        if lines.is_empty() {
            format!("xtask printed:\n{}", self.output)
        } else {
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_spell_out_every_setting() {
        let s = Scenario::new("smp4")
            .accel(Accel::Bochs)
            .smp(4)
            .mem(512)
            .cmdline("exit=debug")
            .root_args("then=poweroff")
            .bochs_cpu("ryzen")
            .expect(r"root-pd: up, 4 CPUs, \d+ MiB")
            .expect("^cpu 3: online")
            .exit_code(33)
            .timeout(Duration::from_secs(300));
        let args = s.args(Path::new("/w/target/test-logs/smp4.log")).join(" ");
        assert_eq!(
            args,
            r"xtask run --accel bochs --smp 4 --mem 512 --cmdline exit=debug --root-args then=poweroff --bochs-cpu ryzen --expect root-pd: up, 4 CPUs, \d+ MiB --expect ^cpu 3: online --exit-code 33 --timeout 300 --log /w/target/test-logs/smp4.log"
        );
    }

    #[test]
    fn defaults_are_tcg_two_cpus_and_empty_command_lines() {
        let s = Scenario::new("d").boot(Boot::Iso).expect("x");
        let args = s.args(Path::new("d.log"));
        let pos = |name: &str| args.iter().position(|a| a == name).unwrap();
        assert_eq!(args[pos("--accel") + 1], "tcg");
        assert_eq!(args[pos("--boot") + 1], "iso");
        assert_eq!(args[pos("--smp") + 1], "2");
        assert_eq!(args[pos("--cmdline") + 1], "");
        assert_eq!(args[pos("--timeout") + 1], "120");
        assert!(!args.contains(&"--exit-code".to_string()));
        assert!(s.log_path().ends_with("target/test-logs/d.log"));
    }

    #[test]
    fn failed_outcomes_report_the_verdict_and_the_log() {
        let out = Outcome {
            name: "x".into(),
            log: "cpu 0: online\n".into(),
            success: false,
            output: "cpu 0: online\nxtask: FAIL: timeout after 1 s waiting for `up`\n".into(),
        };
        let err = std::panic::catch_unwind(|| out.assert_success()).unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(message.contains("xtask: FAIL: timeout"), "{message}");
        assert!(
            message.contains("----- console log -----\ncpu 0: online\n"),
            "{message}"
        );
        out.assert_count(r"^cpu \d+: online", 1);
        assert!(std::panic::catch_unwind(|| out.assert_line("^root-pd")).is_err());
    }
}

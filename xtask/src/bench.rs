//! `cargo xtask bench`: boots the stack with root-pd's argument `bench` and collects what it
//! measures.
//!
//! root-pd prints one console line per result, `bench: <name>=<integer> <unit>` (for example
//! `bench: ipc_roundtrip=1234 cycles`), then `bench: done`, then powers off. xtask follows the
//! console until `bench: done`, prints a table and writes `target/bench/results.json`; the
//! console log is `target/bench/console.log`.
//!
//! Under QEMU TCG the run uses `-icount shift=0`, so the guest's clock and TSC follow executed
//! instructions and every figure is a repeatable path length; Bochs' TSC follows instructions
//! anyway. Both count as deterministic in the JSON; KVM figures are real time and do not.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::{json, Value};

use crate::accel::{Accel, Platform};
use crate::run::{self, RunArgs};
use crate::{console, paths};

/// What root-pd prints after its last result.
const DONE: &str = "done";

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Emulator and accelerator: auto picks kvm when usable for nested virtualization, else tcg
    /// (run with `-icount shift=0`).
    #[arg(long, value_enum, default_value_t = Accel::Auto)]
    accel: Accel,
    /// Number of CPUs.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    smp: u32,
    /// Memory in MiB.
    #[arg(long, value_name = "MiB", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(16..=65536))]
    mem: u32,
    /// Further root-pd arguments, after `bench`.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    root_args: String,
    /// Bochs CPU model.
    #[arg(long, value_name = "MODEL", default_value = "corei7_skylake_x")]
    bochs_cpu: String,
    /// Seconds the run may take until `bench: done`, from the emulator's start.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    timeout: u64,
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub name: String,
    pub value: u64,
    pub unit: String,
}

/// What the console said.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The results in console order, without duplicates.
    pub results: Vec<Sample>,
    /// One sentence per `bench:` line that was ignored.
    pub warnings: Vec<String>,
    /// Whether `bench: done` was seen; later lines are not read.
    pub done: bool,
}

/// Reads the `bench:` lines of a console log, root-pd's and (as `[<guest>] bench: ...`) those of
/// guests. Lines that do not start with `bench:` are not looked at; a `bench:` line that is
/// neither a result nor `done`, repeats a name, or is a guest's `done`, is ignored with a
/// warning.
pub fn parse(log: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (i, line) in log.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let (guest, text) = match guest_line(line) {
            Some(text) => (true, text),
            None => (false, line),
        };
        let Some(rest) = text.strip_prefix("bench:") else {
            continue;
        };
        let rest = rest.trim();
        if rest == DONE && guest {
            parsed.warnings.push(format!(
                "line {}: a guest cannot end the run; ignored",
                i + 1
            ));
            continue;
        }
        if rest == DONE {
            parsed.done = true;
            break;
        }
        match sample(rest) {
            Some(s) if parsed.results.iter().any(|r| r.name == s.name) => parsed
                .warnings
                .push(format!("line {}: duplicate result `{}` ignored", i + 1, s.name)),
            Some(s) => parsed.results.push(s),
            None => parsed.warnings.push(format!(
                "line {}: malformed bench line ignored (want `bench: <name>=<integer> <unit>`): `{line}`",
                i + 1
            )),
        }
    }
    parsed
}

/// The text of a guest's console line, which its VMM prints as `[<guest>] <text>`.
fn guest_line(line: &str) -> Option<&str> {
    let (name, text) = line.strip_prefix('[')?.split_once("] ")?;
    let name_ok = !name.is_empty() && !name.contains(char::is_whitespace);
    name_ok.then_some(text)
}

/// `<name>=<integer> <unit>`.
fn sample(text: &str) -> Option<Sample> {
    let (name, rest) = text.split_once('=')?;
    let mut words = rest.split_whitespace();
    let (value, unit) = (words.next()?, words.next()?);
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    let value_ok = !value.is_empty() && value.chars().all(|c| c.is_ascii_digit());
    if !name_ok || !value_ok || words.next().is_some() {
        return None;
    }
    Some(Sample {
        name: name.to_string(),
        value: value.parse().ok()?,
        unit: unit.to_string(),
    })
}

mod report;
pub use report::{host_model, iso8601, results_json, table, Setup};

pub fn bench(args: &BenchArgs) -> Result<u8> {
    let dir = paths::bench_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let log = dir.join("console.log");
    // A TCG run gets icount; `start` refuses it for the others, so decide after choosing.
    let (platform, _) = crate::accel::choose(args.accel, &crate::accel::Host::probe())?;
    let icount = platform == Platform::Tcg;
    let run_args = RunArgs {
        accel: args.accel,
        boot: None,
        smp: args.smp,
        mem: args.mem,
        // Under QEMU a fatal error then ends the run at once (status 35) instead of idling
        // until the timeout; elsewhere the option is harmless.
        cmdline: "exit=debug".into(),
        root_args: format!("bench {}", args.root_args.trim())
            .trim()
            .to_string(),
        icount,
        bochs_cpu: args.bochs_cpu.clone(),
        expects: vec![console::pattern(&format!(r"^bench: {DONE}\s*$")).expect("valid regex")],
        timeout: args.timeout,
        exit_code: None,
        log: Some(log.clone()),
    };
    let started = run::start(&run_args)?;
    let (platform, mut emu, bochs_out) = (started.platform, started.emu, started.bochs_out);
    let mut tail = started.tail.context("a scripted run has a console log")?;
    let watched = console::watch(
        &mut emu,
        &mut tail,
        &run_args.expects,
        None,
        std::time::Duration::from_secs(args.timeout),
        &mut std::io::stdout(),
    )?;
    run::report_bochs_exit(bochs_out.as_deref());

    let parsed = parse(&watched.log);
    for warning in &parsed.warnings {
        eprintln!(
            "xtask: warning: {}: {warning}",
            paths::relative(&log).display()
        );
    }
    let shown_log = paths::relative(&log);
    if let Err(reason) = watched.verdict {
        if !parsed.results.is_empty() {
            print!("\npartial results:\n{}", table(&parsed.results));
        }
        bail!(
            "the benchmark did not finish: {reason}; see the console log {}",
            shown_log.display()
        );
    }
    if parsed.results.is_empty() {
        bail!(
            "no benchmark results (no `bench: <name>=<integer> <unit>` line before `bench: done`); \
             see the console log {}",
            shown_log.display()
        );
    }

    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let host = host_model(&cpuinfo).unwrap_or_else(|| "unknown".into());
    let setup = Setup {
        platform,
        icount,
        cpu: match platform {
            Platform::Kvm => format!("host: {host}"),
            Platform::Tcg => "qemu max".into(),
            Platform::Bochs => format!("bochs {}", args.bochs_cpu),
        },
        smp: args.smp,
        date: iso8601(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        ),
    };
    let json = results_json(&setup, &parsed.results);
    let out = dir.join("results.json");
    let text = serde_json::to_string_pretty(&json).context("formatting the results")?;
    std::fs::write(&out, text + "\n").with_context(|| format!("writing {}", out.display()))?;
    println!(
        "\nbench: {} on {} ({}deterministic), {} CPUs\n{}",
        run::platform_name(platform),
        setup.cpu,
        if setup.deterministic() { "" } else { "not " },
        args.smp,
        table(&parsed.results)
    );
    println!("xtask: results in {}", paths::relative(&out).display());
    Ok(0)
}

#[cfg(test)]
mod tests;

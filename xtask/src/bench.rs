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

/// Reads the `bench:` lines of a console log. Lines that do not start with `bench:` are not
/// looked at; a `bench:` line that is neither a result nor `done`, or repeats a name, is
/// ignored with a warning.
pub fn parse(log: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for (i, line) in log.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let Some(rest) = line.strip_prefix("bench:") else {
            continue;
        };
        let rest = rest.trim();
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

/// The results as an aligned table with a header.
pub fn table(results: &[Sample]) -> String {
    let name_w = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let value_w = results
        .iter()
        .map(|r| r.value.to_string().len())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!("{:<name_w$}  {:>value_w$}  unit\n", "name", "value");
    for r in results {
        let _ = writeln!(
            out,
            "{:<name_w$}  {:>value_w$}  {}",
            r.name, r.value, r.unit
        );
    }
    out
}

/// How the figures were taken.
pub struct Setup {
    pub platform: Platform,
    pub icount: bool,
    pub cpu: String,
    pub smp: u32,
    /// ISO 8601, UTC.
    pub date: String,
}

impl Setup {
    /// Whether the figures repeat from run to run: Bochs, or TCG with icount.
    pub fn deterministic(&self) -> bool {
        match self.platform {
            Platform::Bochs => true,
            Platform::Tcg => self.icount,
            Platform::Kvm => false,
        }
    }
}

/// The contents of `results.json`.
pub fn results_json(setup: &Setup, results: &[Sample]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|r| json!({"name": r.name, "value": r.value, "unit": r.unit}))
        .collect();
    json!({
        "accel": accel_name(setup.platform),
        "deterministic": setup.deterministic(),
        "icount": setup.icount,
        "cpu": setup.cpu,
        "smp": setup.smp,
        "results": results,
        "date": setup.date,
    })
}

fn accel_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Kvm => "kvm",
        Platform::Tcg => "tcg",
        Platform::Bochs => "bochs",
    }
}

/// The first `model name` of /proc/cpuinfo.
pub fn host_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .filter(|l| l.starts_with("model name"))
        .find_map(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
        .filter(|model| !model.is_empty())
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso8601(unix: u64) -> String {
    let (days, secs) = (unix / 86_400, unix % 86_400);
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

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
mod tests {
    use super::*;

    fn s(name: &str, value: u64, unit: &str) -> Sample {
        Sample {
            name: name.into(),
            value,
            unit: unit.into(),
        }
    }

    #[test]
    fn reads_results_until_done() {
        let log = "hypervisor: starting\n\
                   bench: ipc_roundtrip=1234 cycles\r\n\
                   root-pd: something else\n\
                   bench:  pd.create=98765432109 ns  \n\
                   bench: done\n\
                   bench: late=1 cycles\n";
        let p = parse(log);
        assert_eq!(
            p.results,
            [
                s("ipc_roundtrip", 1234, "cycles"),
                s("pd.create", 98765432109, "ns")
            ]
        );
        assert!(p.done);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn malformed_lines_are_ignored_with_a_warning() {
        let log = "bench: a=1 cycles\n\
                   bench: b=-3 cycles\n\
                   bench: c=12\n\
                   bench: d=1.5 us\n\
                   bench: =4 cycles\n\
                   bench: e f=4 cycles\n\
                   bench: g=4 cycles extra\n\
                   bench: h=99999999999999999999999 cycles\n\
                   bench: a=2 cycles\n\
                   bench: donee\n\
                   xbench: x=1 cycles\n\
                   bench: done\n";
        let p = parse(log);
        assert_eq!(p.results, [s("a", 1, "cycles")]);
        assert!(p.done);
        assert_eq!(p.warnings.len(), 9, "{:#?}", p.warnings);
        assert!(
            p.warnings[0].starts_with("line 2: malformed"),
            "{}",
            p.warnings[0]
        );
        assert!(
            p.warnings[0].ends_with("`bench: b=-3 cycles`"),
            "{}",
            p.warnings[0]
        );
        assert_eq!(p.warnings[7], "line 9: duplicate result `a` ignored");
    }

    #[test]
    fn a_missing_done_is_reported() {
        let p = parse("bench: a=1 cycles\nbench: b=2 cycles\n");
        assert!(!p.done);
        assert_eq!(p.results.len(), 2);
        assert_eq!(parse(""), Parsed::default());
    }

    #[test]
    fn table_aligns_the_columns() {
        let t = table(&[s("ipc_roundtrip", 1234, "cycles"), s("x", 7, "ns")]);
        assert_eq!(
            t,
            "name           value  unit\n\
             ipc_roundtrip   1234  cycles\n\
             x                  7  ns\n"
        );
    }

    #[test]
    fn json_says_how_the_figures_were_taken() {
        let mut setup = Setup {
            platform: Platform::Tcg,
            icount: true,
            cpu: "qemu max".into(),
            smp: 2,
            date: "2025-01-02T03:04:05Z".into(),
        };
        let json = results_json(&setup, &[s("ipc_roundtrip", 1234, "cycles")]);
        assert_eq!(
            json,
            json!({
                "accel": "tcg", "deterministic": true, "icount": true, "cpu": "qemu max",
                "smp": 2, "date": "2025-01-02T03:04:05Z",
                "results": [{"name": "ipc_roundtrip", "value": 1234, "unit": "cycles"}],
            })
        );
        setup.icount = false;
        assert!(!setup.deterministic());
        setup.platform = Platform::Kvm;
        assert_eq!(results_json(&setup, &[])["deterministic"], false);
        assert_eq!(results_json(&setup, &[])["accel"], "kvm");
        setup.platform = Platform::Bochs;
        assert!(setup.deterministic());
    }

    #[test]
    fn dates_are_utc_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_735_787_045), "2025-01-02T03:04:05Z");
        assert_eq!(iso8601(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn host_model_is_the_first_model_name() {
        let info = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n\
                    model name\t: other\n";
        assert_eq!(host_model(info).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(host_model("flags: fpu\n"), None);
    }
}

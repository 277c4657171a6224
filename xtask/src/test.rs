//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure.
//!
//! 1. `cargo fmt --all --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings` (the freestanding crates are only
//!    checked, not linked)
//! 3. `cargo xtask build`, 4. `cargo xtask iso` (run in-process)
//! 5. the host unit tests: `cargo test` over the workspace's default members except `tests`,
//!    whose scenarios boot emulators and run in step 6 (so nothing runs twice)
//! 6. the boot scenarios and the `tests` crate's own unit tests:
//!    `cargo test -p tests -- --test-threads=1`
//!
//! Then a summary with each step's time, and the closing line `N passed, N failed`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{build, iso, paths};

/// How a step does its work.
enum Action {
    /// A cargo command (arguments after `cargo`).
    Cargo(Vec<String>),
    /// A function of xtask itself.
    InProcess(fn() -> Result<()>),
}

struct Step {
    name: &'static str,
    action: Action,
}

enum Outcome {
    Passed(Duration),
    Failed(Duration, String),
    Skipped,
}

pub fn test() -> Result<u8> {
    let steps = steps()?;
    let mut outcomes = Vec::new();
    let mut failed = false;
    for step in &steps {
        if failed {
            outcomes.push(Outcome::Skipped);
            continue;
        }
        println!("\n===== xtask test: {} =====", step.name);
        let start = Instant::now();
        let result = match &step.action {
            Action::Cargo(args) => cargo(args),
            Action::InProcess(f) => f(),
        };
        let took = start.elapsed();
        outcomes.push(match result {
            Ok(()) => Outcome::Passed(took),
            Err(e) => {
                failed = true;
                println!("xtask test: step `{}` failed: {e:#}", step.name);
                Outcome::Failed(took, format!("{e:#}"))
            }
        });
    }
    print!("{}", summary(&steps, &outcomes));
    Ok(u8::from(failed))
}

fn steps() -> Result<Vec<Step>> {
    let cargo = |args: &[&str]| Action::Cargo(args.iter().map(|s| s.to_string()).collect());
    let mut unit = vec!["test".to_string()];
    for package in default_members()? {
        if package != "tests" {
            unit.push("-p".into());
            unit.push(package);
        }
    }
    Ok(vec![
        Step {
            name: "fmt",
            action: cargo(&["fmt", "--all", "--check"]),
        },
        Step {
            name: "clippy",
            action: cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Step {
            name: "build",
            action: Action::InProcess(build::build),
        },
        Step {
            name: "iso",
            action: Action::InProcess(iso::iso),
        },
        Step {
            name: "unit tests",
            action: Action::Cargo(unit),
        },
        Step {
            name: "boot scenarios",
            action: cargo(&["test", "-p", "tests", "--", "--test-threads=1"]),
        },
    ])
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn cargo(args: &[String]) -> Result<()> {
    println!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo_program())
        .current_dir(paths::root())
        .args(args)
        .stdin(Stdio::null())
        .status()
        .context("starting cargo")?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

/// The names of the workspace's default members, from `cargo metadata`.
fn default_members() -> Result<Vec<String>> {
    let output = Command::new(cargo_program())
        .current_dir(paths::root())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!("cargo metadata failed ({})", output.status);
    }
    default_members_of(&output.stdout)
}

fn default_members_of(metadata: &[u8]) -> Result<Vec<String>> {
    let json: serde_json::Value =
        serde_json::from_slice(metadata).context("parsing cargo metadata")?;
    let ids = json["workspace_default_members"]
        .as_array()
        .context("cargo metadata has no workspace_default_members")?;
    let packages = json["packages"]
        .as_array()
        .context("cargo metadata has no packages")?;
    ids.iter()
        .map(|id| {
            packages
                .iter()
                .find(|p| p["id"] == *id)
                .and_then(|p| p["name"].as_str())
                .map(str::to_string)
                .with_context(|| format!("default member {id} is not among the packages"))
        })
        .collect()
}

fn summary(steps: &[Step], outcomes: &[Outcome]) -> String {
    let mut out = String::from("\n===== xtask test: summary =====\n");
    let (mut passed, mut failed) = (0, 0);
    for (step, outcome) in steps.iter().zip(outcomes) {
        let line = match outcome {
            Outcome::Passed(t) => {
                passed += 1;
                format!("ok      {:>7.1} s  {}", t.as_secs_f64(), step.name)
            }
            Outcome::Failed(t, why) => {
                failed += 1;
                format!("FAILED  {:>7.1} s  {}: {why}", t.as_secs_f64(), step.name)
            }
            Outcome::Skipped => format!("skipped            {}", step.name),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_members_come_from_the_metadata_ids() {
        let metadata = br#"{"packages":[
            {"id":"path+file:///w/vmm#0.1.0","name":"vmm"},
            {"id":"path+file:///w/hypervisor#0.1.0","name":"hypervisor"},
            {"id":"path+file:///w/tests#0.1.0","name":"tests"}],
          "workspace_default_members":["path+file:///w/vmm#0.1.0","path+file:///w/tests#0.1.0"]}"#;
        assert_eq!(default_members_of(metadata).unwrap(), ["vmm", "tests"]);
        assert!(default_members_of(b"{}").is_err());
    }

    #[test]
    fn unit_step_skips_the_scenarios_and_the_freestanding_crates() {
        let steps = steps().unwrap();
        let Action::Cargo(unit) = &steps[4].action else {
            panic!("unit tests run cargo")
        };
        assert!(unit.contains(&"xtask".to_string()), "{unit:?}");
        for excluded in ["tests", "hypervisor", "root-pd", "ktest"] {
            assert!(!unit.contains(&excluded.to_string()), "{unit:?}");
        }
    }

    #[test]
    fn summary_counts_steps_and_ends_with_the_totals() {
        let step = |name| Step {
            name,
            action: Action::InProcess(|| Ok(())),
        };
        let steps = [step("fmt"), step("clippy"), step("build")];
        let outcomes = [
            Outcome::Passed(Duration::from_millis(1500)),
            Outcome::Failed(Duration::from_secs(2), "`cargo clippy` failed".into()),
            Outcome::Skipped,
        ];
        let text = summary(&steps, &outcomes);
        assert!(text.contains("ok          1.5 s  fmt\n"), "{text}");
        assert!(
            text.contains("FAILED      2.0 s  clippy: `cargo clippy` failed\n"),
            "{text}"
        );
        assert!(text.contains("skipped            build\n"), "{text}");
        assert!(text.ends_with("\n1 passed, 1 failed\n"), "{text}");
    }
}

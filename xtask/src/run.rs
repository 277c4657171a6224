//! `cargo xtask run`: builds, then boots the images in QEMU or Bochs.
//!
//! Interactive (no `--expect`): the console streams to the terminal and xtask exits with the
//! emulator's status. Scripted (`--expect` or `--exit-code` given): the console goes to a log
//! file, and xtask
//! exits 0 only if every pattern matched and, with `--exit-code N`, the emulator then exited
//! with N, all within `--timeout`; otherwise it kills the emulator, says why, prints the whole
//! log and exits 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use regex::Regex;

use crate::accel::{self, Accel, Platform};
use crate::console::{self, LogTail};
use crate::emulator::{self, Emulator};
use crate::{bochs, build, iso, paths, qemu, tools};

/// How the images are loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Boot {
    /// QEMU's Multiboot 1 loader (`-kernel`, `-initrd`).
    Kernel,
    /// A GRUB ISO (Multiboot 2).
    Iso,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Emulator and accelerator: auto picks kvm when usable for nested virtualization, else tcg.
    #[arg(long, value_enum, default_value_t = Accel::Auto)]
    pub accel: Accel,
    /// Boot method [default: kernel for QEMU; Bochs always boots the ISO].
    #[arg(long, value_enum)]
    pub boot: Option<Boot>,
    /// Number of CPUs.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub smp: u32,
    /// Memory in MiB.
    #[arg(long, value_name = "MiB", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(16..=65536))]
    pub mem: u32,
    /// The hypervisor's command line.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub cmdline: String,
    /// root-pd's arguments (its command line after its name).
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub root_args: String,
    /// QEMU TCG only: `-icount shift=0`, so the guest's clock (and TSC) follows executed
    /// instructions and timings are repeatable.
    #[arg(long)]
    pub icount: bool,
    /// Bochs CPU model (corei7_skylake_x and corei7_haswell_4770 have VMX+EPT, ryzen SVM+NPT).
    #[arg(long, value_name = "MODEL", default_value = "corei7_skylake_x")]
    pub bochs_cpu: String,
    /// A regex (multi-line mode) the console must show; repeatable. Makes the run scripted.
    #[arg(long = "expect", value_name = "REGEX", value_parser = console::pattern)]
    pub expects: Vec<Regex>,
    /// Seconds a scripted run may take, from the emulator's start.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// The exit status the emulator must end with after all patterns matched. Makes the run
    /// scripted.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub exit_code: Option<i32>,
    /// Console log file [default: target/images/run/console.log].
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// Runs the images; returns xtask's exit code.
pub fn run(args: &RunArgs) -> Result<u8> {
    let started = start(args)?;
    match started.tail {
        Some(tail) if started.scripted => {
            scripted_run(args, started.emu, tail, started.bochs_out.as_deref())
        }
        tail => interactive_run(started.emu, tail, started.bochs_out.as_deref()),
    }
}

/// A booted emulator and where its console goes.
pub struct Started {
    pub platform: Platform,
    pub emu: Emulator,
    /// The console log being followed (file consoles only).
    pub tail: Option<LogTail>,
    /// Bochs' own stdout and stderr.
    pub bochs_out: Option<PathBuf>,
    /// Whether `args` asked for a scripted run (the emulator then has its own process group).
    pub scripted: bool,
}

/// Builds the images and starts the emulator as `args` say.
pub fn start(args: &RunArgs) -> Result<Started> {
    let (platform, why) = accel::choose(args.accel, &accel::Host::probe())?;
    if args.icount && platform != Platform::Tcg {
        bail!(
            "--icount needs QEMU TCG, not {} (use --accel tcg)",
            platform_name(platform)
        );
    }
    let boot = match (platform, args.boot) {
        (Platform::Bochs, Some(Boot::Kernel)) => {
            bail!("Bochs cannot load a kernel directly; use --boot iso (the default for Bochs)")
        }
        (Platform::Bochs, _) => Boot::Iso,
        (_, boot) => boot.unwrap_or(Boot::Kernel),
    };
    build::build()?;
    let run_dir = paths::run_dir();
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let iso = run_dir.join("hypervisor.iso");
    if boot == Boot::Iso {
        iso::build_iso(&args.cmdline, &args.root_args, &iso)?;
    }
    println!(
        "xtask: platform {}{} ({why}), {} CPUs, {} MiB, boot {}",
        platform_name(platform),
        if args.icount { " icount" } else { "" },
        args.smp,
        args.mem,
        if boot == Boot::Iso { "iso" } else { "kernel" }
    );

    // --exit-code alone is scripted too (no pattern to match, only the status to check),
    // rather than silently ignored.
    let scripted = !args.expects.is_empty() || args.exit_code.is_some();
    let log = match &args.log {
        Some(path) if path.is_absolute() => path.clone(),
        Some(path) => std::env::current_dir()?.join(path),
        None => run_dir.join("console.log"),
    };
    // A file console: always for Bochs and scripted runs, and when a log is asked for.
    let file_console = scripted || platform == Platform::Bochs || args.log.is_some();
    let tail = if file_console {
        Some(LogTail::fresh(&log)?)
    } else {
        None
    };

    let (cmd, bochs_out) = match platform {
        Platform::Kvm | Platform::Tcg => {
            tools::ensure(tools::QEMU)?;
            let qemu_log = paths::in_images(&log);
            let console = if file_console {
                qemu::Console::File(&qemu_log)
            } else {
                qemu::Console::Stdio
            };
            (qemu_command(args, platform, boot, &iso, console), None)
        }
        Platform::Bochs => {
            tools::ensure(tools::BOCHS)?;
            let (cmd, out) = bochs_command(args, &iso, &log)?;
            (cmd, Some(out))
        }
    };
    if file_console {
        println!("xtask: console log {}", paths::relative(&log).display());
    }
    let emu = Emulator::spawn(cmd, scripted)?;
    Ok(Started {
        platform,
        emu,
        tail,
        bochs_out,
        scripted,
    })
}

/// Judges the run by its console and exit status; returns 0 for a pass, 1 for a failure.
fn scripted_run(
    args: &RunArgs,
    mut emu: Emulator,
    mut tail: LogTail,
    bochs_out: Option<&Path>,
) -> Result<u8> {
    let watched = console::watch(
        &mut emu,
        &mut tail,
        &args.expects,
        args.exit_code,
        Duration::from_secs(args.timeout),
        &mut std::io::stdout(),
    )?;
    report_bochs_exit(bochs_out);
    Ok(match watched.verdict {
        Ok(()) => {
            let exit = args
                .exit_code
                .map(|n| format!(" and the emulator exited with status {n}"))
                .unwrap_or_default();
            println!("xtask: PASS: every pattern matched{exit}");
            0
        }
        Err(reason) => {
            println!("xtask: FAIL: {reason}");
            println!("{}", console::framed(&watched.log));
            println!("xtask: FAIL: {reason}");
            1
        }
    })
}

/// Shows the console until the emulator exits; returns its status.
fn interactive_run(
    mut emu: Emulator,
    tail: Option<LogTail>,
    bochs_out: Option<&Path>,
) -> Result<u8> {
    let mut stdout = std::io::stdout();
    let status = match tail {
        Some(mut tail) => console::follow(&mut emu, &mut tail, &mut stdout)?,
        None => emu.wait()?,
    };
    stdout.flush().ok();
    report_bochs_exit(bochs_out);
    println!(
        "xtask: {} ended with {}",
        emu.name(),
        emulator::describe(status)
    );
    Ok(emulator::shell_code(status))
}

pub fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Kvm => "qemu kvm",
        Platform::Tcg => "qemu tcg",
        Platform::Bochs => "bochs",
    }
}

mod commands;
pub use commands::report_bochs_exit;
use commands::{bochs_command, qemu_command};

#[cfg(test)]
mod tests;

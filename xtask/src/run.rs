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
    accel: Accel,
    /// Boot method [default: kernel for QEMU; Bochs always boots the ISO].
    #[arg(long, value_enum)]
    boot: Option<Boot>,
    /// Number of CPUs.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    smp: u32,
    /// Memory in MiB.
    #[arg(long, value_name = "MiB", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(16..=65536))]
    mem: u32,
    /// The hypervisor's command line.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    cmdline: String,
    /// root-pd's arguments (its command line after its name).
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    root_args: String,
    /// Bochs CPU model (corei7_skylake_x and corei7_haswell_4770 have VMX+EPT, ryzen SVM+NPT).
    #[arg(long, value_name = "MODEL", default_value = "corei7_skylake_x")]
    bochs_cpu: String,
    /// A regex (multi-line mode) the console must show; repeatable. Makes the run scripted.
    #[arg(long = "expect", value_name = "REGEX", value_parser = console::pattern)]
    expects: Vec<Regex>,
    /// Seconds a scripted run may take, from the emulator's start.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    timeout: u64,
    /// The exit status the emulator must end with after all patterns matched. Makes the run
    /// scripted.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    exit_code: Option<i32>,
    /// Console log file [default: target/images/run/console.log].
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
}

/// Runs the images; returns xtask's exit code.
pub fn run(args: &RunArgs) -> Result<u8> {
    let (platform, why) = accel::choose(args.accel, &accel::Host::probe())?;
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
        "xtask: platform {} ({why}), {} CPUs, {} MiB, boot {}",
        platform_name(platform),
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
            let relative_log = paths::relative(&log);
            let console = if file_console {
                qemu::Console::File(&relative_log)
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
    match tail {
        Some(tail) if scripted => scripted_run(args, emu, tail, bochs_out.as_deref()),
        tail => interactive_run(emu, tail, bochs_out.as_deref()),
    }
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

fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Kvm => "qemu kvm",
        Platform::Tcg => "qemu tcg",
        Platform::Bochs => "bochs",
    }
}

fn qemu_command(
    args: &RunArgs,
    platform: Platform,
    boot: Boot,
    iso: &Path,
    console: qemu::Console<'_>,
) -> Command {
    let hypervisor = paths::relative(&paths::hypervisor_elf());
    let root_pd = paths::relative(&paths::root_pd_elf());
    let iso = paths::relative(iso);
    let media = match boot {
        Boot::Kernel => qemu::Media::Kernel {
            hypervisor: &hypervisor,
            cmdline: &args.cmdline,
            root_pd: &root_pd,
            root_args: &args.root_args,
        },
        Boot::Iso => qemu::Media::Iso(&iso),
    };
    let cfg = qemu::Config {
        kvm: platform == Platform::Kvm,
        smp: args.smp,
        mem_mib: args.mem,
        media,
        console,
    };
    let qemu_args = qemu::args(&cfg);
    println!("xtask: {} {}", qemu::PROGRAM, shell_words(&qemu_args));
    let mut cmd = Command::new(qemu::PROGRAM);
    // Relative image paths: the module command line QEMU passes on starts with its path.
    cmd.current_dir(paths::root()).args(qemu_args);
    if !matches!(cfg.console, qemu::Console::Stdio) {
        cmd.stdin(Stdio::null());
    }
    cmd
}

/// Writes the bochsrc and debugger script; returns the command and the file that receives
/// Bochs' own stdout and stderr.
fn bochs_command(args: &RunArgs, iso: &Path, log: &Path) -> Result<(Command, PathBuf)> {
    let dir = paths::run_dir().join("bochs");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let rc = bochs::bochsrc(&bochs::Config {
        cpu_model: &args.bochs_cpu,
        cpus: args.smp,
        mem_mib: args.mem,
        iso,
        console: log,
        log: &dir.join("bochs.log"),
    });
    let rc_path = dir.join("bochsrc");
    let script = dir.join("debugger.rc");
    let out_path = dir.join("bochs.out");
    std::fs::write(&rc_path, rc).context("writing bochsrc")?;
    std::fs::write(&script, bochs::RC).context("writing the Bochs debugger script")?;
    let out = std::fs::File::create(&out_path).context("creating bochs.out")?;
    let err = out.try_clone().context("duplicating bochs.out")?;
    let mut cmd = Command::new(bochs::PROGRAM);
    cmd.current_dir(&dir)
        .arg("-q")
        .arg("-f")
        .arg(&rc_path)
        .arg("-rc")
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    println!(
        "xtask: bochs -q -f {} -rc {} (output in {})",
        paths::relative(&rc_path).display(),
        paths::relative(&script).display(),
        paths::relative(&out_path).display()
    );
    Ok((cmd, out_path))
}

/// Prints why Bochs stopped, as it said on its output.
fn report_bochs_exit(out: Option<&Path>) {
    let Some(out) = out else { return };
    let text = std::fs::read_to_string(out).unwrap_or_default();
    match bochs::exit_message(&text) {
        Some(message) if bochs::is_power_off(&message) => println!(
            "bochs: exit: {message} (a power-off; Bochs exits with status {} for it)",
            bochs::POWER_OFF_STATUS
        ),
        Some(message) => println!("bochs: exit: {message}"),
        None => println!("bochs: no exit message (see {})", out.display()),
    }
}

/// Arguments as a shell would need them, for echoing the command.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ",._/:=+-@".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_commands_quote_what_needs_it() {
        let args = [
            "-append".to_string(),
            String::new(),
            "a b".into(),
            "x=1".into(),
        ];
        assert_eq!(shell_words(&args), "-append '' 'a b' x=1");
    }
}

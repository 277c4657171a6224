//! The emulator command lines `run` starts: QEMU (TCG or KVM) and Bochs,
//! and how they are shown.

use super::*;

pub(super) fn qemu_command(
    args: &RunArgs,
    platform: Platform,
    boot: Boot,
    iso: &Path,
    console: qemu::Console<'_>,
) -> Command {
    // Paths relative to target/images/, where QEMU runs: a module's command line starts with
    // its path, which is then just its file name (`ktest.elf`), as in the ISO.
    let hypervisor = paths::in_images(&paths::hypervisor_elf());
    let modules = build::modules(&args.root_args);
    let iso = paths::in_images(iso);
    let media = match boot {
        Boot::Kernel => qemu::Media::Kernel {
            hypervisor: &hypervisor,
            cmdline: &args.cmdline,
            modules: &modules,
        },
        Boot::Iso => qemu::Media::Iso(&iso),
    };
    let cfg = qemu::Config {
        kvm: platform == Platform::Kvm,
        icount: args.icount,
        smp: args.smp,
        mem_mib: args.mem,
        media,
        console,
    };
    let qemu_args = qemu::args(&cfg);
    println!(
        "xtask: (cd {} && {} {})",
        paths::relative(&paths::images()).display(),
        qemu::PROGRAM,
        shell_words(&qemu_args)
    );
    let mut cmd = Command::new(qemu::PROGRAM);
    cmd.current_dir(paths::images()).args(qemu_args);
    if !matches!(cfg.console, qemu::Console::Stdio) {
        cmd.stdin(Stdio::null());
    }
    cmd
}

/// Writes the bochsrc and debugger script; returns the command and the file that receives
/// Bochs' own stdout and stderr.
pub(super) fn bochs_command(args: &RunArgs, iso: &Path, log: &Path) -> Result<(Command, PathBuf)> {
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
pub fn report_bochs_exit(out: Option<&Path>) {
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
pub(super) fn shell_words(args: &[String]) -> String {
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

//! Host tools the emulators and the ISO need, and how to get them.
//!
//! Before running QEMU, Bochs or grub-mkrescue, xtask checks for the commands (and data files)
//! they need. When some are missing and xtask runs as root on Debian or Ubuntu, it installs the
//! packages with apt-get (`apt-get update` once per xtask process); otherwise it fails naming
//! the exact packages to install.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context, Result};

/// Something a tool needs, and the Debian package that provides it.
pub struct Need {
    /// A command looked up on PATH, or an absolute path that must exist.
    what: &'static str,
    package: &'static str,
}

const fn need(what: &'static str, package: &'static str) -> Need {
    Need { what, package }
}

pub const QEMU: &[Need] = &[need("qemu-system-x86_64", "qemu-system-x86")];

pub const BOCHS: &[Need] = &[
    need("bochs", "bochs"),
    need("/usr/share/bochs/BIOS-bochs-latest", "bochsbios"),
    need("/usr/share/bochs/VGABIOS-lgpl-latest", "vgabios"),
];

pub const GRUB_ISO: &[Need] = &[
    need("grub-mkrescue", "grub-common"),
    need("/usr/lib/grub/i386-pc", "grub-pc-bin"),
    need("xorriso", "xorriso"),
    need("mformat", "mtools"),
];

/// Makes sure every need is met, installing packages where allowed.
pub fn ensure(needs: &[Need]) -> Result<()> {
    let missing = missing_packages(needs);
    if missing.is_empty() {
        return Ok(());
    }
    if !can_install() {
        bail!(
            "missing {}; install the Debian/Ubuntu packages: {}",
            missing_names(needs).join(", "),
            missing.join(" ")
        );
    }
    install(&missing)?;
    let still = missing_names(needs);
    if !still.is_empty() {
        bail!("still missing after apt-get install: {}", still.join(", "));
    }
    Ok(())
}

fn met(need: &Need) -> bool {
    if need.what.starts_with('/') {
        Path::new(need.what).exists()
    } else {
        on_path(need.what)
    }
}

fn missing_names(needs: &[Need]) -> Vec<&'static str> {
    needs.iter().filter(|n| !met(n)).map(|n| n.what).collect()
}

/// The packages of the unmet needs, each once, in order.
fn missing_packages(needs: &[Need]) -> Vec<&'static str> {
    let mut packages = Vec::new();
    for n in needs.iter().filter(|n| !met(n)) {
        if !packages.contains(&n.package) {
            packages.push(n.package);
        }
    }
    packages
}

/// Whether `command` is an executable file in a PATH directory.
pub fn on_path(command: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(command))
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// Root on a Debian-like system.
fn can_install() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    root && is_debian_like(&release)
}

/// Whether an /etc/os-release text names Debian or Ubuntu in `ID` or `ID_LIKE`.
fn is_debian_like(os_release: &str) -> bool {
    os_release.lines().any(|line| {
        let Some((key, value)) = line.split_once('=') else {
            return false;
        };
        (key == "ID" || key == "ID_LIKE")
            && value
                .trim_matches('"')
                .split_whitespace()
                .any(|id| id == "debian" || id == "ubuntu")
    })
}

static UPDATED: AtomicBool = AtomicBool::new(false);

fn install(packages: &[&str]) -> Result<()> {
    if !UPDATED.swap(true, Ordering::SeqCst) {
        apt(&["update"])?;
    }
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

fn apt(args: &[&str]) -> Result<()> {
    eprintln!("xtask: apt-get {}", args.join(" "));
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .context("running apt-get")?;
    if !status.success() {
        bail!("apt-get {} failed ({status})", args.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_debian_and_ubuntu_and_derivatives() {
        assert!(is_debian_like(
            "PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n"
        ));
        assert!(is_debian_like("ID=ubuntu\nID_LIKE=debian\n"));
        assert!(is_debian_like("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"));
        assert!(!is_debian_like("ID=fedora\nID_LIKE=\"rhel centos\"\n"));
        assert!(!is_debian_like("NAME=debian\n"));
    }

    #[test]
    fn lists_each_missing_package_once() {
        let needs = [
            need("/nonexistent/a", "pkg-a"),
            need("/nonexistent/b", "pkg-a"),
            need("sh", "dash"),
            need("no-such-command-xtask", "pkg-c"),
        ];
        assert_eq!(missing_packages(&needs), ["pkg-a", "pkg-c"]);
        assert_eq!(
            missing_names(&needs),
            ["/nonexistent/a", "/nonexistent/b", "no-such-command-xtask"]
        );
    }

    #[test]
    fn finds_commands_on_path() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-command-xtask"));
    }
}

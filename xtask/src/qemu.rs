//! The QEMU command line for a run.
//!
//! The machine is a plain `pc` with QEMU's `isa-debug-exit` device at port 0xf4: a write of
//! value `v` ends QEMU with status `(v << 1) | 1`, so the hypervisor (booted with `exit=debug`)
//! reports success with 0x10 (status 33) and failure with 0x11 (status 35). `-no-reboot` turns
//! a reset into an exit with status 0, as does ACPI power-off.

use std::path::Path;

/// How the images reach the machine.
pub enum Media<'a> {
    /// QEMU's own Multiboot 1 loader: the hypervisor has an a.out-kludge header; root-pd is a
    /// module whose command line is its path followed by `root_args`.
    Kernel {
        hypervisor: &'a Path,
        cmdline: &'a str,
        root_pd: &'a Path,
        root_args: &'a str,
    },
    /// A GRUB ISO (Multiboot 2) on the CD-ROM, booted from it.
    Iso(&'a Path),
}

/// Where COM1 goes.
pub enum Console<'a> {
    /// The terminal (interactive runs).
    Stdio,
    /// A file that xtask polls (scripted runs).
    File(&'a Path),
}

/// A whole QEMU invocation.
pub struct Config<'a> {
    pub kvm: bool,
    pub smp: u32,
    pub mem_mib: u32,
    pub media: Media<'a>,
    pub console: Console<'a>,
}

pub const PROGRAM: &str = "qemu-system-x86_64";

/// The arguments after the program name.
pub fn args(cfg: &Config<'_>) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));
    push(&["-machine", "pc"]);
    if cfg.kvm {
        push(&["-accel", "kvm", "-cpu", "host"]);
    } else {
        push(&["-accel", "tcg", "-cpu", "max"]);
    }
    push(&["-smp", &cfg.smp.to_string(), "-m", &cfg.mem_mib.to_string()]);
    push(&["-display", "none", "-monitor", "none", "-no-reboot"]);
    push(&["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    match cfg.console {
        Console::Stdio => push(&["-serial", "stdio"]),
        Console::File(log) => push(&["-serial", &format!("file:{}", escape(&display(log)))]),
    }
    match &cfg.media {
        Media::Kernel {
            hypervisor,
            cmdline,
            root_pd,
            root_args,
        } => {
            let module = module_line(&display(root_pd), root_args);
            push(&["-kernel", &display(hypervisor), "-append", cmdline]);
            push(&["-initrd", &escape(&module)]);
        }
        Media::Iso(iso) => push(&["-cdrom", &escape(&display(iso)), "-boot", "d"]),
    }
    a
}

/// A module's command line: its path, then its arguments if any.
fn module_line(path: &str, args: &str) -> String {
    let args = args.trim();
    if args.is_empty() {
        path.to_string()
    } else {
        format!("{path} {args}")
    }
}

/// QEMU option values split at commas; a doubled comma is a literal one.
fn escape(value: &str) -> String {
    value.replace(',', ",,")
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cfg: &Config<'_>) -> String {
        args(cfg).join(" ")
    }

    #[test]
    fn kernel_boot_under_tcg() {
        let cfg = Config {
            kvm: false,
            smp: 4,
            mem_mib: 256,
            media: Media::Kernel {
                hypervisor: Path::new("target/images/hypervisor.elf"),
                cmdline: "exit=debug",
                root_pd: Path::new("target/images/root-pd.elf"),
                root_args: "then=poweroff",
            },
            console: Console::File(Path::new("target/test-logs/a.log")),
        };
        assert_eq!(
            line(&cfg),
            "-machine pc -accel tcg -cpu max -smp 4 -m 256 -display none -monitor none \
             -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
             -serial file:target/test-logs/a.log -kernel target/images/hypervisor.elf \
             -append exit=debug -initrd target/images/root-pd.elf then=poweroff"
        );
    }

    #[test]
    fn empty_command_lines_stay_arguments() {
        let cfg = Config {
            kvm: true,
            smp: 2,
            mem_mib: 128,
            media: Media::Kernel {
                hypervisor: Path::new("hv.elf"),
                cmdline: "",
                root_pd: Path::new("rp.elf"),
                root_args: "",
            },
            console: Console::Stdio,
        };
        let a = args(&cfg);
        let append = a.iter().position(|s| s == "-append").unwrap();
        assert_eq!(a[append + 1], "");
        assert_eq!(a[append + 3], "rp.elf");
        assert!(line(&cfg).contains("-accel kvm -cpu host"));
        assert!(line(&cfg).contains("-serial stdio"));
    }

    #[test]
    fn iso_boot_uses_the_cdrom_and_escapes_commas() {
        let cfg = Config {
            kvm: false,
            smp: 2,
            mem_mib: 256,
            media: Media::Iso(Path::new("run/a,b.iso")),
            console: Console::Stdio,
        };
        assert!(
            line(&cfg).ends_with("-cdrom run/a,,b.iso -boot d"),
            "{}",
            line(&cfg)
        );
        assert!(!line(&cfg).contains("-kernel"));
    }
}

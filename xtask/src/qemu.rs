//! The QEMU command line for a run.
//!
//! The machine is a plain `pc` with QEMU's `isa-debug-exit` device at port 0xf4: a write of
//! value `v` ends QEMU with status `(v << 1) | 1`, so the hypervisor (booted with `exit=debug`)
//! reports success with 0x10 (status 33) and failure with 0x11 (status 35). `-no-reboot` turns
//! a reset into an exit with status 0, as does ACPI power-off.
//!
//! Boot modules go to `-initrd` as one value: modules are separated by commas, and each
//! module's text is its file path, a space and its arguments, all of which the kernel receives
//! as the module's command line (a literal comma in it is doubled).

use std::path::Path;

use crate::build::Module;

/// How the images reach the machine.
pub enum Media<'a> {
    /// QEMU's own Multiboot 1 loader: the hypervisor has an a.out-kludge header; each module's
    /// command line is its file (a path relative to QEMU's working directory) followed by its
    /// arguments.
    Kernel {
        hypervisor: &'a Path,
        cmdline: &'a str,
        modules: &'a [Module],
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
    /// `-icount shift=0` (TCG only): the virtual clock, and so the TSC, follows executed
    /// instructions, one per nanosecond; timings become repeatable path lengths.
    pub icount: bool,
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
        if cfg.icount {
            push(&["-icount", "shift=0"]);
        }
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
            modules,
        } => {
            let initrd: Vec<String> = modules
                .iter()
                .map(|m| escape(&module_line(&m.file, &m.args)))
                .collect();
            push(&["-kernel", &display(hypervisor), "-append", cmdline]);
            push(&["-initrd", &initrd.join(",")]);
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

    fn module(file: &str, args: &str) -> Module {
        Module {
            file: file.into(),
            args: args.into(),
        }
    }

    #[test]
    fn kernel_boot_under_tcg() {
        let modules = [
            module("root-pd.elf", "then=poweroff"),
            module("ktest.elf", ""),
        ];
        let cfg = Config {
            kvm: false,
            icount: false,
            smp: 4,
            mem_mib: 256,
            media: Media::Kernel {
                hypervisor: Path::new("hypervisor.elf"),
                cmdline: "exit=debug",
                modules: &modules,
            },
            console: Console::File(Path::new("/w/target/test-logs/a.log")),
        };
        assert_eq!(
            line(&cfg),
            "-machine pc -accel tcg -cpu max -smp 4 -m 256 -display none -monitor none \
             -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
             -serial file:/w/target/test-logs/a.log -kernel hypervisor.elf \
             -append exit=debug -initrd root-pd.elf then=poweroff,ktest.elf"
        );
    }

    #[test]
    fn module_commas_are_doubled_and_modules_separated_by_one() {
        let modules = [module("root-pd.elf", "a=1,2"), module("k,t.elf", "")];
        let cfg = Config {
            kvm: false,
            icount: false,
            smp: 1,
            mem_mib: 64,
            media: Media::Kernel {
                hypervisor: Path::new("hv.elf"),
                cmdline: "",
                modules: &modules,
            },
            console: Console::Stdio,
        };
        let a = args(&cfg);
        let initrd = a.iter().position(|s| s == "-initrd").unwrap();
        assert_eq!(a[initrd + 1], "root-pd.elf a=1,,2,k,,t.elf");
    }

    #[test]
    fn icount_only_under_tcg() {
        let mut cfg = Config {
            kvm: false,
            icount: true,
            smp: 1,
            mem_mib: 64,
            media: Media::Iso(Path::new("a.iso")),
            console: Console::Stdio,
        };
        assert!(line(&cfg).contains("-accel tcg -cpu max -icount shift=0 -smp"));
        cfg.kvm = true;
        assert!(!line(&cfg).contains("-icount"), "{}", line(&cfg));
    }

    #[test]
    fn empty_command_lines_stay_arguments() {
        let modules = [module("rp.elf", "")];
        let cfg = Config {
            kvm: true,
            icount: false,
            smp: 2,
            mem_mib: 128,
            media: Media::Kernel {
                hypervisor: Path::new("hv.elf"),
                cmdline: "",
                modules: &modules,
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
            icount: false,
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

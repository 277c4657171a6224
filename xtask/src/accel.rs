//! Which emulator and accelerator a run uses, and why.
//!
//! `auto` picks KVM when `/dev/kvm` opens read-write and the host CPU flags show VMX or SVM
//! (KVM alone is not enough: the hypervisor needs nested virtualization), else QEMU's TCG, which
//! emulates SVM with NPT.

use std::fs::OpenOptions;

use anyhow::{bail, Result};
use clap::ValueEnum;

/// The `--accel` choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Accel {
    Auto,
    Kvm,
    Tcg,
    Bochs,
}

/// The platform a run boots on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// QEMU with `-accel kvm -cpu host`.
    Kvm,
    /// QEMU with `-accel tcg -cpu max`.
    Tcg,
    /// Bochs (VMX with EPT on the Intel models).
    Bochs,
}

/// What the host offers for KVM.
#[derive(Debug)]
pub struct Host {
    /// `Err` holds why /dev/kvm cannot be opened read-write.
    pub kvm: Result<(), String>,
    /// The virtualization flag seen in /proc/cpuinfo (`vmx` or `svm`), if any.
    pub virt_flag: Option<&'static str>,
}

impl Host {
    pub fn probe() -> Self {
        let kvm = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .map(drop)
            .map_err(|e| e.to_string());
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Host {
            kvm,
            virt_flag: virt_flag(&cpuinfo),
        }
    }
}

/// The first of `vmx`/`svm` among the `flags` of /proc/cpuinfo.
pub fn virt_flag(cpuinfo: &str) -> Option<&'static str> {
    let flags = cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .filter_map(|l| l.split_once(':'))
        .flat_map(|(_, f)| f.split_whitespace());
    for flag in flags {
        match flag {
            "vmx" => return Some("vmx"),
            "svm" => return Some("svm"),
            _ => {}
        }
    }
    None
}

/// Resolves `--accel` to a platform and a sentence saying why.
pub fn choose(accel: Accel, host: &Host) -> Result<(Platform, String)> {
    let usable = match (&host.kvm, host.virt_flag) {
        (Ok(()), Some(flag)) => Ok(flag),
        (Err(e), _) => Err(format!("/dev/kvm does not open read-write ({e})")),
        (Ok(()), None) => {
            Err("/proc/cpuinfo shows neither vmx nor svm (no nested virtualization)".into())
        }
    };
    Ok(match (accel, usable) {
        (Accel::Auto, Ok(flag)) => (
            Platform::Kvm,
            format!("auto: /dev/kvm opens read-write and the CPU has {flag}"),
        ),
        (Accel::Auto, Err(why)) => (Platform::Tcg, format!("auto: {why}")),
        (Accel::Kvm, Ok(flag)) => (Platform::Kvm, format!("requested; the CPU has {flag}")),
        (Accel::Kvm, Err(why)) => bail!("--accel kvm is not usable here: {why}"),
        (Accel::Tcg, _) => (Platform::Tcg, "requested".into()),
        (Accel::Bochs, _) => (Platform::Bochs, "requested".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(kvm: bool, flag: Option<&'static str>) -> Host {
        Host {
            kvm: if kvm {
                Ok(())
            } else {
                Err("Permission denied".into())
            },
            virt_flag: flag,
        }
    }

    #[test]
    fn finds_vmx_or_svm_only_in_the_flags_line() {
        let intel = "model name\t: Intel vmx-capable\nflags\t\t: fpu vme vmx sse2\n";
        assert_eq!(virt_flag(intel), Some("vmx"));
        assert_eq!(virt_flag("flags\t: fpu svm lm\n"), Some("svm"));
        assert_eq!(virt_flag(intel.replace(" vmx ", " ").as_str()), None);
        assert_eq!(virt_flag("flags\t: fpu vmxon svmx\n"), None);
    }

    #[test]
    fn auto_needs_both_kvm_and_the_cpu_flag() {
        assert_eq!(
            choose(Accel::Auto, &host(true, Some("svm"))).unwrap().0,
            Platform::Kvm
        );
        let (p, why) = choose(Accel::Auto, &host(true, None)).unwrap();
        assert_eq!(p, Platform::Tcg);
        assert!(why.contains("neither vmx nor svm"), "{why}");
        let (p, why) = choose(Accel::Auto, &host(false, Some("vmx"))).unwrap();
        assert_eq!(p, Platform::Tcg);
        assert!(why.contains("Permission denied"), "{why}");
    }

    #[test]
    fn explicit_kvm_fails_clearly_when_unusable() {
        let err = choose(Accel::Kvm, &host(false, None)).unwrap_err();
        assert!(err.to_string().contains("/dev/kvm"), "{err}");
        assert_eq!(
            choose(Accel::Tcg, &host(true, Some("vmx"))).unwrap().0,
            Platform::Tcg
        );
        assert_eq!(
            choose(Accel::Bochs, &host(false, None)).unwrap().0,
            Platform::Bochs
        );
    }
}

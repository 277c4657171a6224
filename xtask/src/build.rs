//! `cargo xtask build`: links the freestanding boot images — the hypervisor, the ring-3
//! programs of [`USER_IMAGES`] and the guest kernels of [`GUEST_IMAGES`] — and copies them to
//! `target/images/<package>.elf`, with the guest configurations of [`GUEST_CONFIGS`] beside
//! them.
//!
//! The hypervisor and the user programs have separate target directories because their
//! RUSTFLAGS differ (the user programs share one, and one cargo invocation), and the target triple
//! is passed explicitly so the flags reach only target artifacts, never build scripts or proc
//! macros (which must still link as host programs). Linker scripts and link arguments come from
//! the crates' own build scripts.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::{elf, paths, sse_warning};

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The ring-3 programs, in boot-module order; each is a workspace package with a binary of
/// the same name, linked to `target/images/<package>.elf`. The hypervisor starts the first
/// (root-pd); the others are root-pd's to start, found in the HIP's module list by their
/// command line, which begins with the image's file name (`ktest.elf`) on every boot path.
/// A new component is a crate under `components/` and one more line here.
pub const USER_IMAGES: &[&str] = &[
    "root-pd", // the root protection domain; gets `--root-args`
    "ktest",   // native test components
    "vmm-bin", // the per-guest VMM
];

/// Guest kernels of our own, booted by the VMM (boot modules after the user images).
pub const GUEST_IMAGES: &[&str] = &[
    "testkernel", // guests/testkernel: the platform device tests
];

/// Guest configurations (root-pd's `vms=<file>`), copied to `target/images/` and loaded as
/// boot modules after the images.
pub const GUEST_CONFIGS: &[&str] = &[
    "guests/tests.vms",
    "guests/chaos.vms",
    "guests/parallel.vms",
    "guests/bench.vms",
];

/// One cargo invocation that links freestanding images.
struct Image<'a> {
    packages: &'a [&'a str],
    /// Under `target/`.
    target_dir: &'static str,
    rustflags: &'static str,
}

const HYPERVISOR: Image = Image {
    packages: &["hypervisor"],
    target_dir: "hv",
    rustflags: "-C relocation-model=static -C code-model=kernel -C target-feature=-sse,-sse2 \
                -C no-redzone=yes -C force-frame-pointers=yes",
};

/// User programs link as static ring-3 executables without a C runtime;
/// the link arguments live here, once, for every user image.
const USER: Image = Image {
    packages: USER_IMAGES,
    target_dir: "user",
    rustflags: "-C relocation-model=static -C target-feature=-sse,-sse2 \
                -C link-arg=-nostartfiles -C link-arg=-nostdlib -C link-arg=-static \
                -C link-arg=-no-pie -C link-arg=-Wl,--gc-sections \
                -C link-arg=-Wl,--build-id=none -C link-arg=-Wl,-z,max-page-size=4096 \
                -C link-arg=-Wl,-z,norelro",
};

/// Guest kernels run in ring 0 of a VM, where interrupts arrive on the running stack: no red
/// zone. Otherwise linked like the user programs (their own linker script at 1 MiB comes from
/// their build script).
const GUEST: Image = Image {
    packages: GUEST_IMAGES,
    target_dir: "guest",
    rustflags: "-C relocation-model=static -C target-feature=-sse,-sse2 -C no-redzone=yes \
                -C link-arg=-nostartfiles -C link-arg=-nostdlib -C link-arg=-static \
                -C link-arg=-no-pie -C link-arg=-Wl,--gc-sections \
                -C link-arg=-Wl,--build-id=none -C link-arg=-Wl,-z,max-page-size=4096 \
                -C link-arg=-Wl,-z,norelro",
};

impl Image<'_> {
    fn target_dir(&self) -> PathBuf {
        paths::root().join("target").join(self.target_dir)
    }

    /// The linked binary of `package` inside the image's target directory.
    fn output(&self, package: &str) -> PathBuf {
        self.target_dir().join(TARGET).join("image").join(package)
    }
}

/// A boot module: an image in `target/images/` and its command line after the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// The file name, e.g. `ktest.elf`; also the first word of the module's command line.
    pub file: String,
    pub args: String,
}

/// The boot modules in order: every user image, root-pd first with `root_args`, then the
/// guest kernels and the guest configurations.
pub fn modules(root_args: &str) -> Vec<Module> {
    let images = USER_IMAGES.iter().chain(GUEST_IMAGES);
    let files = images
        .map(|package| paths::image_file(package))
        .chain(GUEST_CONFIGS.iter().map(|c| config_file(c)));
    files
        .enumerate()
        .map(|(i, file)| Module {
            file,
            args: if i == 0 { root_args.trim() } else { "" }.to_string(),
        })
        .collect()
}

/// The file name of a guest configuration in `target/images/`.
fn config_file(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// Copies the guest configurations next to the images.
fn copy_configs() -> Result<()> {
    std::fs::create_dir_all(paths::images())?;
    for c in GUEST_CONFIGS {
        let (src, dest) = (paths::root().join(c), paths::images().join(config_file(c)));
        std::fs::copy(&src, &dest)
            .with_context(|| format!("copying {} to {}", src.display(), dest.display()))?;
    }
    Ok(())
}

/// Builds every image, copies them to `target/images/` and prints the hypervisor's sizes.
/// A failed group does not stop the other (each is copied once linked); the build then fails
/// naming every failure.
pub fn build() -> Result<()> {
    let mut filter = sse_warning::Filter::new();
    let failures: Vec<String> = [HYPERVISOR, USER, GUEST]
        .iter()
        .filter_map(|image| build_image(image, &mut filter).err())
        .chain(copy_configs().err())
        .map(|e| format!("{e:#}"))
        .collect();
    if filter.dropped() > 0 {
        eprintln!("{}", sse_warning::NOTE);
    }
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    let sizes = elf::sizes(&paths::hypervisor_elf())?;
    println!("hypervisor: {sizes}");
    let images: Vec<String> = std::iter::once(paths::hypervisor_elf())
        .chain(
            USER_IMAGES
                .iter()
                .chain(GUEST_IMAGES)
                .map(|p| paths::image(p)),
        )
        .map(|p| paths::relative(&p).display().to_string())
        .collect();
    println!("images: {}", images.join(", "));
    Ok(())
}

fn build_image(image: &Image, filter: &mut sse_warning::Filter) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(paths::root())
        .args(["build", "--profile", "image", "--target", TARGET]);
    for package in image.packages {
        cmd.args(["-p", package]);
    }
    cmd.arg("--target-dir")
        .arg(image.target_dir())
        // Diagnostics as JSON on stdout, for the warning filter; cargo's own status lines
        // stay on stderr.
        .args(["--message-format", "json"])
        // CARGO_ENCODED_RUSTFLAGS would take precedence over RUSTFLAGS.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", image.rustflags)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let names = image.packages.join(", ");
    eprintln!(
        "xtask: building {names} (RUSTFLAGS=\"{}\")",
        image.rustflags
    );
    let mut child = cmd.spawn().context("starting cargo")?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .context("reading cargo's output")?;
        if n == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&buf);
        if let Some(shown) = filter.line(text.trim_end_matches(['\n', '\r'])) {
            eprintln!("{shown}");
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    if !status.success() {
        bail!("building {names} failed ({status})");
    }
    std::fs::create_dir_all(paths::images())
        .with_context(|| format!("creating {}", paths::images().display()))?;
    for package in image.packages {
        let (output, dest) = (image.output(package), paths::image(package));
        // Copy, then rename: a reader (the disassembly test, a running emulator) never sees
        // a half-written image, even while another build copies the same file.
        let partial = dest.with_extension(format!("partial.{}", std::process::id()));
        std::fs::copy(&output, &partial)
            .and_then(|_| std::fs::rename(&partial, &dest))
            .with_context(|| format!("copying {} to {}", output.display(), dest.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_pd_is_the_first_module_and_alone_gets_the_root_args() {
        assert_eq!(USER_IMAGES[0], "root-pd");
        let modules = modules(" bench ");
        assert_eq!(
            modules[..2],
            [
                Module {
                    file: "root-pd.elf".into(),
                    args: "bench".into()
                },
                Module {
                    file: "ktest.elf".into(),
                    args: String::new()
                },
            ]
        );
        assert_eq!(
            modules.len(),
            USER_IMAGES.len() + GUEST_IMAGES.len() + GUEST_CONFIGS.len()
        );
        assert_eq!(modules.last().unwrap().file, "bench.vms");
        assert!(modules[1..].iter().all(|m| m.args.is_empty()));
    }
}

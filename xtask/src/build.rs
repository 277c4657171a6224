//! `cargo xtask build`: links the two freestanding boot images and copies them to
//! `target/images/`.
//!
//! Each image has its own target directory because its RUSTFLAGS differ, and the target triple
//! is passed explicitly so the flags reach only target artifacts, never build scripts or proc
//! macros (which must still link as host programs). Linker scripts and link arguments come from
//! the crates' own build scripts.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::{elf, paths, sse_warning};

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// One freestanding image and how to build it.
struct Image {
    package: &'static str,
    /// Under `target/`.
    target_dir: &'static str,
    rustflags: &'static str,
    /// Where `build` copies the linked binary.
    dest: fn() -> PathBuf,
}

const HYPERVISOR: Image = Image {
    package: "hypervisor",
    target_dir: "hv",
    rustflags: "-C relocation-model=static -C code-model=kernel -C target-feature=-sse,-sse2 \
                -C no-redzone=yes -C force-frame-pointers=yes",
    dest: paths::hypervisor_elf,
};

const ROOT_PD: Image = Image {
    package: "root-pd",
    target_dir: "user",
    rustflags: "-C relocation-model=static -C target-feature=-sse,-sse2",
    dest: paths::root_pd_elf,
};

impl Image {
    fn target_dir(&self) -> PathBuf {
        paths::root().join("target").join(self.target_dir)
    }

    /// The linked binary inside the image's target directory.
    fn output(&self) -> PathBuf {
        self.target_dir()
            .join(TARGET)
            .join("image")
            .join(self.package)
    }
}

/// Builds both images, copies them to `target/images/` and prints the hypervisor's sizes.
pub fn build() -> Result<()> {
    let mut filter = sse_warning::Filter::new();
    let result = [HYPERVISOR, ROOT_PD]
        .iter()
        .try_for_each(|image| build_image(image, &mut filter));
    if filter.dropped() > 0 {
        eprintln!("{}", sse_warning::NOTE);
    }
    result?;
    let sizes = elf::sizes(&paths::hypervisor_elf())?;
    println!("hypervisor: {sizes}");
    println!(
        "images: {}, {}",
        paths::relative(&paths::hypervisor_elf()).display(),
        paths::relative(&paths::root_pd_elf()).display()
    );
    Ok(())
}

fn build_image(image: &Image, filter: &mut sse_warning::Filter) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(paths::root())
        .args(["build", "--profile", "image", "--target", TARGET, "-p"])
        .arg(image.package)
        .arg("--target-dir")
        .arg(image.target_dir())
        // Diagnostics as JSON on stdout, for the warning filter; cargo's own status lines
        // stay on stderr.
        .args(["--message-format", "json"])
        // CARGO_ENCODED_RUSTFLAGS would take precedence over RUSTFLAGS.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", image.rustflags)
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    eprintln!(
        "xtask: building {} (RUSTFLAGS=\"{}\")",
        image.package, image.rustflags
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
        bail!("building {} failed ({status})", image.package);
    }
    let dest = (image.dest)();
    std::fs::create_dir_all(paths::images())
        .with_context(|| format!("creating {}", paths::images().display()))?;
    // Copy, then rename: a reader (the disassembly test, a running emulator) never sees a
    // half-written image, even while another build copies the same file.
    let partial = dest.with_extension(format!("partial.{}", std::process::id()));
    std::fs::copy(image.output(), &partial)
        .and_then(|_| std::fs::rename(&partial, &dest))
        .with_context(|| format!("copying {} to {}", image.output().display(), dest.display()))?;
    Ok(())
}

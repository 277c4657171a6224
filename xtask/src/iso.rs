//! `cargo xtask iso`: a GRUB rescue ISO that boots the hypervisor with Multiboot 2.
//!
//! Layout: `/boot/hypervisor.elf`, one `/boot/<package>.elf` per user image (root-pd first, then
//! the components of [`build::USER_IMAGES`]) and `/boot/grub/grub.cfg` with one menu entry and
//! no timeout. Each module's command line starts with its file name (`module2 /boot/ktest.elf
//! ktest.elf`), as with QEMU's `-kernel`. `run` reuses [`build_iso`] for per-run command lines.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::build::{self, Module};
use crate::{paths, tools};

/// Builds the images, then `target/images/hypervisor.iso` with empty command lines.
pub fn iso() -> Result<()> {
    build::build()?;
    let iso = paths::iso();
    build_iso("", "", &iso)?;
    println!("iso: {}", paths::relative(&iso).display());
    Ok(())
}

/// Builds an ISO at `out` from the images already in `target/images/`, passing `hv_cmdline`
/// to the hypervisor and `root_args` to root-pd (after its name, `root-pd.elf`); the other
/// user images get no arguments.
pub fn build_iso(hv_cmdline: &str, root_args: &str, out: &Path) -> Result<()> {
    tools::ensure(tools::GRUB_ISO)?;
    let staging = out.with_extension("d");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    let grub_dir = staging.join("boot").join("grub");
    std::fs::create_dir_all(&grub_dir)
        .with_context(|| format!("creating {}", grub_dir.display()))?;
    let modules = build::modules(root_args);
    let files = std::iter::once(paths::image_file("hypervisor"))
        .chain(modules.iter().map(|m| m.file.clone()));
    for name in files {
        let image = paths::images().join(&name);
        let dest = staging.join("boot").join(&name);
        std::fs::copy(&image, &dest).with_context(|| {
            format!(
                "copying {} (run `cargo xtask build` first)",
                image.display()
            )
        })?;
    }
    let cfg = grub_cfg(hv_cmdline, &modules);
    std::fs::write(grub_dir.join("grub.cfg"), cfg).context("writing grub.cfg")?;

    let output = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(out)
        .arg(&staging)
        .stdin(Stdio::null())
        .output()
        .context("running grub-mkrescue")?;
    if !output.status.success() {
        bail!(
            "grub-mkrescue failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The GRUB configuration: boot at once into the one entry, loading `modules` in order from
/// `/boot/`, each with its file name as the first word of its command line.
pub fn grub_cfg(hv_cmdline: &str, modules: &[Module]) -> String {
    let hv = words(hv_cmdline);
    let mut cfg = format!(
        "set timeout=0\n\
         set default=0\n\
         \n\
         menuentry \"hypervisor\" {{\n\
         \x20   multiboot2 /boot/hypervisor.elf{hv}\n"
    );
    for m in modules {
        let file = quote(&m.file);
        let args = words(&m.args);
        cfg.push_str(&format!("    module2 /boot/{file} {file}{args}\n"));
    }
    cfg.push_str("    boot\n}\n");
    cfg
}

/// A command line as GRUB script words, each preceded by a space. GRUB joins a command's
/// words with single spaces, so word boundaries survive; quoting keeps `$`, `;`, quotes and
/// the like literal.
fn words(cmdline: &str) -> String {
    cmdline
        .split_whitespace()
        .map(|w| format!(" {}", quote(w)))
        .collect()
}

/// One word, single-quoted unless it holds only characters GRUB takes literally.
fn quote(word: &str) -> String {
    let plain = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "=,._/:+-@%".contains(c));
    if plain {
        word.to_string()
    } else {
        // Inside single quotes nothing is special; a quote itself ends the string, is
        // escaped, and a new string starts: ' -> '\''
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_boots_the_one_entry_at_once() {
        assert_eq!(
            grub_cfg("", &build::modules("")[..2]),
            "set timeout=0\nset default=0\n\nmenuentry \"hypervisor\" {\n    \
             multiboot2 /boot/hypervisor.elf\n    \
             module2 /boot/root-pd.elf root-pd.elf\n    \
             module2 /boot/ktest.elf ktest.elf\n    boot\n}\n"
        );
    }

    #[test]
    fn command_lines_follow_the_images() {
        let cfg = grub_cfg("exit=debug  serial=0x3f8", &build::modules("then=poweroff"));
        assert!(cfg.contains("    multiboot2 /boot/hypervisor.elf exit=debug serial=0x3f8\n"));
        assert!(cfg.contains("    module2 /boot/root-pd.elf root-pd.elf then=poweroff\n"));
        assert!(cfg.contains("    module2 /boot/ktest.elf ktest.elf\n"));
    }

    #[test]
    fn special_characters_are_quoted() {
        assert_eq!(quote("a=b"), "a=b");
        assert_eq!(quote("$x;y"), "'$x;y'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}

//! Where things live: the workspace root and the files xtask produces under `target/`.
//!
//! Every path is absolute, derived from this crate's manifest directory, so xtask behaves the
//! same from any current directory.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// `target/images/`: the boot images, the ISO and per-run files.
pub fn images() -> PathBuf {
    root().join("target").join("images")
}

/// The file name `build` gives a package's image: `<package>.elf`.
pub fn image_file(package: &str) -> String {
    format!("{package}.elf")
}

/// A package's linked image as copied by `build`: `target/images/<package>.elf`.
pub fn image(package: &str) -> PathBuf {
    images().join(image_file(package))
}

/// The linked hypervisor as copied by `build`.
pub fn hypervisor_elf() -> PathBuf {
    image("hypervisor")
}

/// The ISO built by `iso` (default command lines).
pub fn iso() -> PathBuf {
    images().join("hypervisor.iso")
}

/// Scratch space of `run`: its ISO, default console log and the Bochs configuration.
pub fn run_dir() -> PathBuf {
    images().join("run")
}

/// `target/bench/`: what `bench` writes (results, console log).
pub fn bench_dir() -> PathBuf {
    root().join("target").join("bench")
}

/// `path` relative to `target/images/` when it lies below it, else unchanged. QEMU runs there,
/// so that a module's command line starts with its file name (`ktest.elf`), as in the ISO.
pub fn in_images(path: &Path) -> PathBuf {
    path.strip_prefix(images())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// `path` relative to the workspace root when it lies below it, else unchanged; keeps the
/// paths xtask prints short and stable.
pub fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_live_under_the_workspace_target_dir() {
        assert!(root().join("Cargo.toml").is_file());
        assert_eq!(
            relative(&hypervisor_elf()),
            Path::new("target/images/hypervisor.elf")
        );
        assert_eq!(in_images(&image("ktest")), Path::new("ktest.elf"));
        assert_eq!(
            in_images(&run_dir().join("console.log")),
            Path::new("run/console.log")
        );
    }

    #[test]
    fn paths_outside_the_workspace_stay_absolute() {
        assert_eq!(relative(Path::new("/tmp/x.log")), Path::new("/tmp/x.log"));
        let log = root().join("target/test-logs/a.log");
        assert_eq!(in_images(&log), log);
    }
}

//! Section sizes of a linked image, counted the way `size(1)` (Berkeley format) counts them.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use object::elf::{SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS};
use object::{Object, ObjectSection, SectionFlags};

/// Bytes of an image by kind: `text` is every allocated section that is executable or
/// read-only (code, read-only data, a writable+executable boot section), `data` the other
/// allocated sections with file contents, `bss` the allocated ones without.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    pub text: u64,
    pub data: u64,
    pub bss: u64,
}

impl fmt::Display for Sizes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "text {} B, data {} B, bss {} B",
            self.text, self.data, self.bss
        )
    }
}

/// Reads the section headers of the ELF file at `path`.
pub fn sizes(path: &Path) -> Result<Sizes> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = object::File::parse(&*bytes)
        .with_context(|| format!("{} is not an ELF file", path.display()))?;
    let mut sizes = Sizes::default();
    for section in file.sections() {
        let SectionFlags::Elf { sh_type, sh_flags } = section.flags() else {
            continue;
        };
        if !sh_flags.contains(SHF_ALLOC) {
            continue;
        }
        if sh_type == SHT_NOBITS {
            sizes.bss += section.size();
        } else if sh_flags.contains(SHF_EXECINSTR) || !sh_flags.contains(SHF_WRITE) {
            sizes.text += section.size();
        } else {
            sizes.data += section.size();
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_this_test_binary_like_size_does() {
        // The running test executable is an ELF file with code, data and bss; binutils'
        // `size` (installed with objdump, which the tests need anyway) is the reference.
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new("size")
            .arg(&exe)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let row: Vec<u64> = text
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .take(3)
            .map(|n| n.parse().unwrap())
            .collect();
        let s = sizes(&exe).unwrap();
        assert_eq!([s.text, s.data, s.bss], row[..], "size(1) says: {text}");
    }

    #[test]
    fn a_writable_executable_section_counts_as_text() {
        // Like the hypervisor's `.boot`: assembled and linked with binutils.
        let dir = std::env::temp_dir().join(format!("xtask-elf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let asm = ".section .boot,\"awx\"\n.fill 48,1,0x90\n\
                   .text\n.global _start\n_start: .fill 32,1,0x90\n\
                   .section .rodata\n.fill 16,1,1\n\
                   .data\n.fill 8,1,2\n\
                   .bss\n.skip 4096\n";
        std::fs::write(dir.join("a.s"), asm).unwrap();
        let run = |cmd: &str, args: &[&str]| {
            let out = std::process::Command::new(cmd)
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{cmd} {args:?} failed: {stderr}");
        };
        run("as", &["a.s", "-o", "a.o"]);
        run("ld", &["-o", "a.elf", "a.o"]);
        let s = sizes(&dir.join("a.elf")).unwrap();
        assert_eq!(
            s,
            Sizes {
                text: 96,
                data: 8,
                bss: 4096
            }
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_non_elf_file_is_an_error_not_a_panic() {
        let err = sizes(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("Cargo.toml")
                .as_path(),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("not an ELF file"), "{err:#}");
    }
}

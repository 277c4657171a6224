//! Checks on the linked hypervisor image: no SIMD instruction, no `core::fmt`.
//!
//! Ring 0 must not touch MMX/SSE/AVX state (the design keeps user and guest vector state in the
//! registers across kernel entries), and the precompiled `core::fmt` uses SSE, so the kernel
//! must not link it. The judges are `objdump -d` and `nm -C` on the image; the parsing here is
//! pure so that its unit tests prove what it catches.

use std::process::{Command, Stdio};
use std::sync::LazyLock;

use regex::Regex;

/// A vector or mask register operand: %mm0-7, %xmm*, %ymm*, %zmm*, %k0-7.
static SIMD_REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"%(?:[xyz]mm[0-9]+|mm[0-7]|k[0-7])\b").expect("valid register regex")
});

/// SSE/AVX/MMX instructions that name no vector register but use the vector unit's state.
/// The fxsave/xsave family stays allowed: the kernel saves user FPU state with it.
const SIMD_WITHOUT_REGISTERS: &[&str] = &[
    "ldmxcsr",
    "stmxcsr",
    "vldmxcsr",
    "vstmxcsr",
    "emms",
    "femms",
    "vzeroupper",
    "vzeroall",
];

/// The instruction text of each instruction line of `objdump -d` output (with or without
/// raw bytes), without the `<symbol>` annotations and `#` comments.
pub fn instructions(disassembly: &str) -> impl Iterator<Item = (&str, &str)> {
    disassembly.lines().filter_map(|line| {
        let (address, rest) = line.split_once('\t')?;
        let address = address.trim().strip_suffix(':')?;
        if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        // With raw bytes the line is "addr:\tbytes\tinstruction"; a continuation line of a
        // long instruction has bytes only.
        let mut fields = rest.split('\t');
        let first = fields.next()?;
        let text = fields.next_back().unwrap_or(first);
        if rest.contains('\t') || !looks_like_bytes(text) {
            let text = text.split(" <").next().unwrap_or(text);
            let text = text.split('#').next().unwrap_or(text).trim();
            (!text.is_empty()).then_some((line, text))
        } else {
            None
        }
    })
}

fn looks_like_bytes(text: &str) -> bool {
    text.split_whitespace()
        .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The lines of an `objdump -d` listing whose instruction uses an MMX/SSE/AVX register or is
/// an SSE/AVX instruction without register operands (see [`SIMD_WITHOUT_REGISTERS`]).
pub fn simd_offenders(disassembly: &str) -> Vec<String> {
    instructions(disassembly)
        .filter(|(_, text)| {
            SIMD_REGISTER.is_match(text)
                || text
                    .split_whitespace()
                    .any(|word| SIMD_WITHOUT_REGISTERS.contains(&word))
        })
        .map(|(line, _)| line.trim().to_string())
        .collect()
}

/// `core::fmt::` as a path of its own, not the tail of e.g. `hv_core::fmt::`.
static CORE_FMT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^A-Za-z0-9_])core::fmt::").expect("valid fmt regex"));

/// The lines of `nm -C` output that name a `core::fmt::` symbol.
pub fn fmt_symbols(nm_output: &str) -> Vec<String> {
    nm_output
        .lines()
        .filter(|line| CORE_FMT.is_match(line))
        .map(|line| line.trim().to_string())
        .collect()
}

/// Runs a host tool and returns its stdout.
///
/// # Panics
/// If the tool is missing or fails, with its stderr and the package to install.
pub fn tool_output(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); install binutils"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `cargo xtask build`.
///
/// # Panics
/// If the build fails, with its output.
pub fn build_images() {
    let output = Command::new(crate::cargo())
        .current_dir(crate::workspace_root())
        .args(["xtask", "build"])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo xtask build: {e}"));
    assert!(
        output.status.success(),
        "cargo xtask build failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "
target/images/hypervisor.elf:     file format elf64-x86-64


Disassembly of section .text:

ffffffff80109000 <_start>:
ffffffff80109000:\t48 89 e5             \tmov    %rsp,%rbp
ffffffff80109003:\te8 f8 0f 00 00       \tcall   ffffffff8010a000 <mmap>
ffffffff80109008:\t0f ae 07             \tfxsave64 (%rdi)
ffffffff8010900b:\t0f ae 2f             \txrstor (%rdi)
ffffffff8010900e:\t0f ae f0             \tmfence
ffffffff80109011:\t48 b8 00 00 00 00 00 \tmovabs $0x0,%rax
ffffffff80109018:\t00 00 00 
ffffffff8010901b:\tc5 f8 77             \tkmovw_is_not_here %r8,%r9 # %xmm0 in a comment
";

    #[test]
    fn clean_code_passes() {
        assert_eq!(simd_offenders(CLEAN), Vec::<String>::new());
        assert_eq!(instructions(CLEAN).count(), 7);
    }

    #[test]
    fn catches_vector_registers() {
        for (insn, reg) in [
            ("movaps %xmm0,(%rsp)", "%xmm0"),
            ("vmovdqu %ymm1,(%rdi)", "%ymm1"),
            ("movq %mm3,%rax", "%mm3"),
            ("vpxord %zmm31,%zmm31,%zmm31", "%zmm31"),
            ("kmovw %k1,%eax", "%k1"),
        ] {
            let listing = format!("{CLEAN}ffffffff80109020:\t0f 29 04 24          \t{insn}\n");
            let found = simd_offenders(&listing);
            assert_eq!(found.len(), 1, "{reg} not caught: {found:?}");
            assert!(found[0].ends_with(insn), "{found:?}");
        }
    }

    #[test]
    fn catches_sse_and_avx_without_register_operands() {
        let listing = "ffffffff80109020:\tldmxcsr 0x4(%rsp)\nffffffff80109025:\tvzeroupper\n\
                       ffffffff80109028:\temms\n";
        assert_eq!(simd_offenders(listing).len(), 3);
    }

    #[test]
    fn finds_core_fmt_symbols_only() {
        let nm = "ffffffff80109000 T _start\n\
                  ffffffff8010a000 T mmap\n\
                  ffffffff8010a100 t hypervisor::fmt::write_hex\n\
                  ffffffff801168d0 t <str as hv_core::fmt::Show>::show\n\
                  ffffffff8010b000 T core::fmt::write\n\
                  ffffffff8010c000 t <&T as core::fmt::Display>::fmt\n\
                  ffffffff8010d000 T core::panicking::panic\n";
        assert_eq!(
            fmt_symbols(nm),
            [
                "ffffffff8010b000 T core::fmt::write",
                "ffffffff8010c000 t <&T as core::fmt::Display>::fmt"
            ]
        );
        assert!(fmt_symbols("ffffffff80109000 T _start\n").is_empty());
    }
}

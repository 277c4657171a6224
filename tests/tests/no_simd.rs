//! The hypervisor image contains no MMX/SSE/AVX instruction and no `core::fmt` (which uses
//! SSE in the precompiled `core`).

use tests::{build_images, fmt_symbols, instructions, simd_offenders, tool_output, workspace_root};

fn hypervisor_elf() -> String {
    build_images();
    let elf = workspace_root().join("target/images/hypervisor.elf");
    elf.to_string_lossy().into_owned()
}

#[test]
fn no_simd_in_hypervisor() {
    let elf = hypervisor_elf();
    let listing = tool_output("objdump", &["-d", "--no-show-raw-insn", &elf]);
    // An empty listing would pass vacuously.
    assert!(
        instructions(&listing).count() > 0,
        "objdump shows no instructions in {elf}"
    );
    let offenders = simd_offenders(&listing);
    assert!(
        offenders.is_empty(),
        "{} instruction(s) in {elf} use MMX/SSE/AVX state:\n{}",
        offenders.len(),
        offenders.join("\n")
    );
}

#[test]
fn no_core_fmt_in_hypervisor() {
    let elf = hypervisor_elf();
    let symbols = tool_output("nm", &["-C", &elf]);
    assert!(!symbols.trim().is_empty(), "nm shows no symbols in {elf}");
    let fmt = fmt_symbols(&symbols);
    assert!(
        fmt.is_empty(),
        "{elf} links core::fmt ({} symbols):\n{}",
        fmt.len(),
        fmt.join("\n")
    );
}

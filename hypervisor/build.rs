//! Links the hypervisor as a freestanding image with its own linker script.
//! Only the image build (`cargo xtask build`, which passes `--target`) links
//! this binary; host builds of the workspace leave it out.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo:rerun-if-changed=link.ld");
    for arg in [
        format!("-T{dir}/link.ld"),
        "-nostartfiles".into(),
        "-nostdlib".into(),
        "-static".into(),
        "-Wl,--gc-sections".into(),
        "-Wl,--build-id=none".into(),
        "-Wl,-z,max-page-size=4096".into(),
        "-Wl,-z,norelro".into(),
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}

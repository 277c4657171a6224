//! Links the test kernel at 1 MiB with its own script (one loadable segment,
//! so the Multiboot a.out-kludge fields describe the file exactly).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
}

//! What the precompiled `core` of the host target expects from libc, for the
//! project's freestanding binaries (the hypervisor, root-pd, and later the
//! VMM and test guests).
//!
//! The `compiler_builtins` shipped with `x86_64-unknown-linux-gnu` leaves
//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp` to the C library, and
//! `core` references `rust_eh_personality` even with `panic = "abort"`. The
//! functions use `rep movsb`/`rep stosb`: no SIMD (ring 0 must not touch the
//! vector registers) and no loop the compiler could turn back into a call to
//! itself. On the host (tests, clippy) the crate is empty, since libc is there.
#![no_std]

#[cfg(all(target_os = "linux", not(test), feature = "freestanding"))]
mod libc_subset;

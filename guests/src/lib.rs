//! Guest payloads. So far two freestanding test guests in assembly, which
//! ktest (`components/ktest`) assembles into its own image with
//! `global_asm!` and copies into guest memory:
//!
//! - `vmtest/guest.S`: from the reset vector through real, protected and
//!   long mode, one VM exit after another for ktest's VM-exit test, ending
//!   in a triple fault;
//! - `vmbench/guest.S`: CPUID round trips and TSC gaps for ktest's VM-exit
//!   benchmarks.
//!
//! Beside them, `guests/testkernel` is a Multiboot test kernel of its own
//! (a separate crate, linked at 1 MiB) that the VMM boots for its platform
//! tests, and `tests.vms` / `chaos.vms` are the guest configurations
//! root-pd reads (`vms=<file>`). The recipe for the Linux guest (a Debian
//! kernel with a busybox initramfs) is not built yet.
#![cfg_attr(not(test), no_std)]

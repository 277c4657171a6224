//! Guest payloads (not built yet): freestanding test guests for VM exits and
//! devices, and the recipe for the Linux guest (a Debian kernel with a
//! busybox initramfs). Nothing is implemented here yet.
#![cfg_attr(not(test), no_std)]

//! Portable logic of the hypervisor, host-tested.
#![cfg_attr(not(test), no_std)]

pub mod acpi_info;
pub mod cmdline;
pub mod elf;
pub mod fmt;
pub mod frame_alloc;
pub mod memmap;
pub mod multiboot;

mod le;

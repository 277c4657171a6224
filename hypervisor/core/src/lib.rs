//! Portable logic of the hypervisor, host-tested.
#![cfg_attr(not(test), no_std)]

pub mod acpi_info;
pub mod captable;
pub mod cmdline;
pub mod elf;
pub mod fmt;
pub mod frame_alloc;
pub mod list;
pub mod memmap;
pub mod multiboot;
pub mod paging;
pub mod quota;
pub mod runqueue;
pub mod timeouts;
pub mod tree;

mod le;
#[cfg(test)]
mod testmem;

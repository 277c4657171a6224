//! ktest: the native test components, a ring-3 program that root-pd starts from the second
//! boot module (command line `ktest.elf ...`) to play the roles of the kernel's own tests and
//! benchmarks (IPC partners, fault handlers, ...).
//!
//! For now it only waits: the roles come with the user runtime.
#![no_std]
#![no_main]

// The freestanding support crate provides memcpy & co; linking it is enough.
use freestanding as _;

#[no_mangle]
extern "C" fn _start() -> ! {
    halt()
}

/// Nothing left to do: wait in user mode (ring 3 cannot HLT).
fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    halt()
}

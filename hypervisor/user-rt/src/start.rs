//! Start-up of user programs.
//!
//! The hypervisor (for root-pd) or a creator (for any other program) enters
//! a program at its ELF entry `_start` with `rsp` at the stack top and one
//! argument in `rdi`: the HIP's address (`abi::ROOT_HIP_ADDRESS`) for root-pd;
//! for other programs the first EC's UTCB address (`CreateEc` starts a
//! global EC with `rdi` = its UTCB and every other register but `rsp` zero;
//! programs started by [`crate::loader`] also find it in their start info).
//! `_start` clears `rbp` (the end of frame chains), aligns the stack to 16
//! bytes as the C ABI expects before a call, and calls the program's
//! `main(arg: u64) -> !` through `rt_start`.
//!
//! [`entry!`](crate::entry!) emits `_start` in the program, not in this library, so that a
//! host test binary linking user-rt keeps the C library's `_start`.
//! [`panic_handler!`](crate::panic_handler!) likewise emits the program's panic handler.

/// Declares the program's entry: `user_rt::entry!(main)` with
/// `fn main(arg: u64) -> !`. Emits `_start` and `rt_start`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        ::core::arch::global_asm!(
            ".pushsection .text._start, \"ax\", @progbits",
            ".globl _start",
            ".type _start, @function",
            "_start:",
            "xor ebp, ebp",
            "and rsp, -16",
            "call {rt_start}",
            "ud2",
            ".size _start, . - _start",
            ".popsection",
            rt_start = sym rt_start,
        );

        /// Called by `_start` on an aligned stack with the start argument.
        extern "C" fn rt_start(arg: u64) -> ! {
            $crate::start::run(arg, $main)
        }
    };
}

/// Declares the program's panic handler: it prints `<program>: panic` (the
/// package name, or the name given: `panic_handler!("name")`) and idles.
/// The message is not formatted, so the handler needs no `core::fmt`.
#[macro_export]
macro_rules! panic_handler {
    () => {
        $crate::panic_handler!(::core::env!("CARGO_PKG_NAME"));
    };
    ($name:expr) => {
        #[panic_handler]
        fn panic(_: &::core::panic::PanicInfo) -> ! {
            $crate::text::Line::new().str($name).str(": panic").print();
            $crate::start::idle()
        }
    };
}

/// What `rt_start` does: run the program. The runtime needs no set-up of
/// its own today; this is where it would go.
#[doc(hidden)]
pub fn run(arg: u64, main: fn(u64) -> !) -> ! {
    main(arg)
}

/// Nothing left to do: wait in user mode (ring 3 cannot `hlt`; a program
/// that owns a semaphore can block on it instead).
pub fn idle() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The stack pointer to give an EC (`EcSpec::stack_ptr`) whose entry is a
/// Rust `extern "C"` function, for a stack ending at `stack_top`: the
/// hypervisor jumps to the entry rather than calling it, and the C ABI
/// expects `rsp + 8` to be 16-byte aligned at a function's first
/// instruction, as if a return address had been pushed.
pub const fn entry_sp(stack_top: u64) -> u64 {
    (stack_top & !15).wrapping_sub(8)
}

#[cfg(test)]
mod tests {
    use super::entry_sp;

    #[test]
    fn entry_stack_pointers_look_like_after_a_call() {
        assert_eq!(entry_sp(0x7000), 0x6ff8);
        assert_eq!(entry_sp(0x7009), 0x6ff8);
        assert_eq!((entry_sp(0x1234_5678) + 8) % 16, 0);
    }
}

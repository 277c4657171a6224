//! The libc subset itself; see the crate documentation.

use core::arch::asm;

/// Copies `n` bytes forwards.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes; the regions may overlap only
/// if `dest` is below `src` (the forward copy then stays correct).
#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges are valid for `n` bytes; the
    // direction flag is clear by the System V ABI.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dest
}

/// Copies `n` bytes between possibly overlapping regions.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) || (dest as usize) >= (src as usize).wrapping_add(n) {
        // SAFETY: a forward copy is correct when dest is below src or the
        // regions do not overlap; validity is the caller's contract.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: copy backwards (direction flag set, then cleared again) so an
    // overlapping destination above the source reads each byte before it is
    // overwritten; the pointers address the last byte of each region.
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rcx") n => _, inout("rdi") dest.add(n - 1) => _, inout("rsi") src.add(n - 1) => _,
             options(nostack));
    }
    dest
}

/// Fills `n` bytes with the low byte of `c`.
///
/// # Safety
/// `dest` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees `dest` is valid for `n` bytes.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") c as u8,
             options(nostack, preserves_flags));
    }
    dest
}

/// Compares `n` bytes; the sign of the result orders the first difference.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    let (left, right): (*const u8, *const u8);
    // SAFETY: both regions are valid for `n > 0` bytes; `repe cmpsb` stops
    // after the first differing byte (or after `n`), leaving rsi/rdi one past
    // the last compared pair. Written in assembly so the compiler cannot turn
    // a byte loop back into a call to memcmp.
    unsafe {
        asm!("repe cmpsb", inout("rcx") n => _, inout("rsi") a => left, inout("rdi") b => right,
             options(nostack, readonly));
    }
    // SAFETY: the last compared pair lies one byte before the final pointers.
    let (x, y) = unsafe { (left.sub(1).read(), right.sub(1).read()) };
    i32::from(x) - i32::from(y)
}

/// Equality-only comparison, which LLVM emits for `==` on byte slices.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

/// Referenced by the precompiled `core`; never called with `panic = "abort"`.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

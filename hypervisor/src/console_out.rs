//! User console output, sent after the kernel lock is released: a
//! `ConsoleWrite` copies the caller's bytes into its CPU's buffer under the
//! lock, and the CPU transmits them on its way out of the kernel, so a slow
//! UART never holds up other CPUs' kernel work.

use crate::arch::percpu;
use core::cell::UnsafeCell;

struct Buffer(UnsafeCell<(usize, [u8; abi::CONSOLE_WRITE_MAX as usize])>);

// SAFETY: each CPU touches only its own buffer (indexed by its own CPU
// number), with interrupts off.
unsafe impl Sync for Buffer {}

#[allow(clippy::declare_interior_mutable_const)] // only initialises BUFFERS
const EMPTY: Buffer = Buffer(UnsafeCell::new((0, [0; abi::CONSOLE_WRITE_MAX as usize])));
/// All zeros, so they land in .bss.
static BUFFERS: [Buffer; percpu::MAX_CPUS] = [EMPTY; percpu::MAX_CPUS];

fn mine() -> &'static mut (usize, [u8; abi::CONSOLE_WRITE_MAX as usize]) {
    let index = (percpu::current().index as usize).min(percpu::MAX_CPUS - 1);
    // SAFETY: only this CPU uses its buffer, and the kernel is not
    // reentrant on one CPU (interrupts are off), so the reference is unique.
    unsafe { &mut *BUFFERS[index].0.get() }
}

/// Appends `bytes` to this CPU's pending output (what does not fit is
/// dropped: one call never passes more than `CONSOLE_WRITE_MAX`).
pub fn queue(bytes: &[u8]) {
    let (len, buf) = mine();
    let n = bytes.len().min(buf.len() - *len);
    buf[*len..*len + n].copy_from_slice(&bytes[..n]);
    *len += n;
}

/// Transmits this CPU's pending output; called after the kernel lock is
/// released.
pub fn flush() {
    let (len, buf) = mine();
    if *len == 0 {
        return;
    }
    {
        let mut out = crate::console::lock();
        hv_core::show!(&mut *out, hv_core::fmt::Bytes(&buf[..*len]));
    }
    *len = 0;
}

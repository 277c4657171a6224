//! The console: whole lines to COM1, one CPU at a time.
//!
//! `println!` takes a list of [`hv_core::fmt::Show`] values, not a format
//! string; see `hv_core::fmt` for why ring 0 has no `core::fmt`.

use crate::arch::serial;
use hv_core::fmt::Sink;
use spin::{Mutex, MutexGuard};

static CONSOLE: Mutex<Console> = Mutex::new(Console);

/// The console while it is held; implements [`Sink`].
pub struct Console;

impl Sink for Console {
    fn write_str(&mut self, s: &str) {
        for b in s.bytes() {
            if b == b'\n' {
                serial::write_byte(b'\r');
            }
            serial::write_byte(b);
        }
    }
}

/// Takes the console for a line.
pub fn lock() -> MutexGuard<'static, Console> {
    CONSOLE.lock()
}

/// Takes the console even if another CPU holds it: only for the fatal path,
/// where the holder may never release it and a garbled line beats silence.
pub fn lock_for_fatal() -> MutexGuard<'static, Console> {
    if CONSOLE.is_locked() {
        // SAFETY: the machine is stopping; the other holder may interleave its
        // bytes with ours, which is harmless for a write-only console.
        unsafe { CONSOLE.force_unlock() };
    }
    CONSOLE.lock()
}

/// Prints the values followed by a newline, as one line.
#[macro_export]
macro_rules! println {
    ($($arg:expr),* $(,)?) => {{
        let mut console = $crate::console::lock();
        hv_core::show!(&mut *console, $($arg,)* "\n");
    }};
}

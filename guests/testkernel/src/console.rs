//! Output on COM1 (polled) and the end of a run through the debug-exit
//! port. Numbers are formatted by hand: `core::fmt` is not needed for
//! a few decimal and hex fields.

use crate::io::{inb, outb, outl};
use core::sync::atomic::{AtomicBool, Ordering};

const COM1: u16 = 0x3f8;
/// QEMU's isa-debug-exit port, which the VMM models too.
const DEBUG_EXIT: u16 = 0xf4;
/// What the kernel writes to the debug-exit port at the end: QEMU turns
/// these into exit statuses 33 and 35; the VMM reports them as written.
pub const PASS: u32 = 0x10;
pub const FAIL: u32 = 0x11;

static LOCK: AtomicBool = AtomicBool::new(false);

/// 115200 baud, 8N1, FIFO on.
pub fn init() {
    outb(COM1 + 1, 0);
    outb(COM1 + 3, 0x80);
    outb(COM1, 1);
    outb(COM1 + 1, 0);
    outb(COM1 + 3, 3);
    outb(COM1 + 2, 0xc7);
    outb(COM1 + 4, 0x03);
}

fn put(b: u8) {
    while inb(COM1 + 5) & 0x20 == 0 {
        core::hint::spin_loop();
    }
    outb(COM1, b);
}

/// A line under construction; printed whole (under a lock, so lines of
/// two CPUs do not mix) by [`Line::print`].
pub struct Line {
    buf: [u8; 160],
    len: usize,
}

impl Line {
    pub fn new() -> Self {
        Self {
            buf: [0; 160],
            len: 0,
        }
    }

    pub fn bytes(mut self, s: &[u8]) -> Self {
        for &b in s {
            if self.len < self.buf.len() {
                self.buf[self.len] = b;
                self.len += 1;
            }
        }
        self
    }

    pub fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    pub fn dec(self, mut v: u64) -> Self {
        let mut d = [0u8; 20];
        let mut i = d.len();
        loop {
            i -= 1;
            d[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.bytes(&d[i..])
    }

    pub fn hex(self, v: u64) -> Self {
        let mut d = [0u8; 16];
        let mut n = 0;
        let mut x = v;
        loop {
            d[15 - n] = b"0123456789abcdef"[(x & 0xf) as usize];
            n += 1;
            x >>= 4;
            if x == 0 {
                break;
            }
        }
        self.str("0x").bytes(&d[16 - n..])
    }

    pub fn print(self) {
        while LOCK
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        for &b in &self.buf[..self.len] {
            put(b);
        }
        put(b'\n');
        LOCK.store(false, Ordering::Release);
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// Prints `testkernel: <what>`.
pub fn say(what: &str) {
    Line::new().str("testkernel: ").str(what).print();
}

/// Ends the run: the debug-exit port stops the VM.
pub fn exit(status: u32) -> ! {
    outl(DEBUG_EXIT, status);
    loop {
        crate::io::cli();
        // SAFETY: nothing left to do; the VMM has stopped us already.
        unsafe { core::arch::asm!("hlt", options(nomem, nostack)) };
    }
}

/// Reports a failed check and ends the run.
pub fn fail(test: &str, why: &str) -> ! {
    Line::new()
        .str("testkernel: ")
        .str(test)
        .str(": FAILED: ")
        .str(why)
        .print();
    exit(FAIL)
}

/// Fails `test` with `why` unless `cond`.
pub fn check(test: &str, cond: bool, why: &str) {
    if !cond {
        fail(test, why);
    }
}

//! Building console lines without `core::fmt` (root-pd is freestanding and
//! small; a fixed buffer and decimal digits are all it needs).

use abi::call;

/// One line of console output, sent with a single hypercall.
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
            if self.len < self.buf.len() - 1 {
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
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.bytes(&digits[i..])
    }

    /// Sends the line with its newline. A console that refuses it leaves
    /// nowhere to report that, so the status is dropped.
    pub fn print(mut self) {
        self.buf[self.len] = b'\n';
        let _ = call::console_write(&self.buf[..=self.len]);
    }
}

//! Console lines without `core::fmt`: a fixed buffer, decimal and hex
//! digits, one hypercall per line. Every program prints this way, so their
//! lines look alike and the freestanding ones need no formatting machinery.

use crate::sys;

/// Bytes a line holds, its newline included; longer text is cut.
const LINE_BYTES: usize = 160;

/// One line of console output, sent with a single hypercall.
pub struct Line {
    buf: [u8; LINE_BYTES],
    len: usize,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Line {
    pub const fn new() -> Self {
        Self {
            buf: [0; LINE_BYTES],
            len: 0,
        }
    }

    /// Appends bytes as they are (the console shows non-printable ones as
    /// `?`); what does not fit is dropped, keeping room for the newline.
    pub fn bytes(mut self, s: &[u8]) -> Self {
        let room = LINE_BYTES - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
        self
    }

    pub fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    /// Appends `v` in decimal.
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

    /// Appends `v` in hexadecimal with a `0x` prefix and no leading zeros.
    pub fn hex(self, mut v: u64) -> Self {
        let mut digits = [0u8; 18];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[(v & 0xf) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        i -= 2;
        digits[i..i + 2].copy_from_slice(b"0x");
        self.bytes(&digits[i..])
    }

    /// The text so far, without the newline.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Sends the line with its newline. A console that refuses it leaves
    /// nowhere to report that, so the status is dropped.
    pub fn print(mut self) {
        self.buf[self.len] = b'\n';
        let _ = sys::console_write(&self.buf[..=self.len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_text_are_appended_in_order() {
        let l = Line::new()
            .str("root-pd: up, ")
            .dec(4)
            .str(" CPUs, ")
            .dec(0)
            .str(" MiB");
        assert_eq!(l.as_bytes(), b"root-pd: up, 4 CPUs, 0 MiB");
        assert_eq!(
            Line::new().dec(u64::MAX).as_bytes(),
            b"18446744073709551615"
        );
        assert_eq!(Line::new().hex(0).as_bytes(), b"0x0");
        assert_eq!(Line::new().hex(0xdead_beef).as_bytes(), b"0xdeadbeef");
        assert_eq!(Line::new().hex(u64::MAX).as_bytes(), b"0xffffffffffffffff");
    }

    #[test]
    fn a_long_line_is_cut_and_keeps_room_for_the_newline() {
        let long = [b'x'; 2 * LINE_BYTES];
        let l = Line::new().str("a").bytes(&long).dec(7);
        assert_eq!(l.as_bytes().len(), LINE_BYTES - 1);
        assert_eq!(l.as_bytes()[0], b'a');
        assert!(l.as_bytes()[1..].iter().all(|&b| b == b'x'));
    }
}

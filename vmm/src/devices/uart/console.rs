//! Where the UART's output goes: whole lines to a [`Console`].

/// Receives the guest's serial output one line at a time.
pub trait Console: Send {
    /// One line, without its line ending.
    fn line(&mut self, text: &[u8]);
}

/// The longest line handed on at once; longer output is cut into pieces of
/// this length, so a guest that never ends a line cannot make the VMM hold
/// its output forever.
pub const MAX_LINE: usize = 200;

/// Collects output bytes into lines.
///
/// `\n` ends a line, `\r` is dropped (guests send `\r\n`), tab and printable
/// ASCII pass, and every other byte (control characters, escape sequences,
/// UTF-8) becomes `.`, so whatever prints the line never sees terminal
/// control codes from the guest.
pub struct LineBuf {
    buf: [u8; MAX_LINE],
    len: usize,
}

impl Default for LineBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl LineBuf {
    pub const fn new() -> Self {
        Self {
            buf: [0; MAX_LINE],
            len: 0,
        }
    }

    pub fn push(&mut self, b: u8, out: &mut dyn Console) {
        let c = match b {
            b'\n' => return self.end(out),
            b'\r' => return,
            b'\t' | 0x20..=0x7e => b,
            _ => b'.',
        };
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = c;
            self.len += 1;
        }
        if self.len >= MAX_LINE {
            self.end(out);
        }
    }

    /// Hands on the line so far, even if empty.
    fn end(&mut self, out: &mut dyn Console) {
        out.line(self.buf.get(..self.len).unwrap_or_default());
        self.len = 0;
    }

    /// Hands on a partial line, if there is one.
    pub fn flush(&mut self, out: &mut dyn Console) {
        if self.len > 0 {
            self.end(out);
        }
    }
}

//! A PS/2 keyboard as far as its host can tell without pressing keys: it
//! acknowledges commands, takes the parameters of those that have one, and
//! answers reset and identify.

/// Acknowledge.
const ACK: u8 = 0xfa;
/// Resend: what a keyboard answers to a byte it does not understand.
const RESEND: u8 = 0xfe;

pub struct Keyboard {
    /// A command waiting for its parameter byte (0xED LEDs, 0xF0 scancode
    /// set, 0xF3 typematic rate).
    param_for: Option<u8>,
    /// The last byte sent, for the resend command.
    last_sent: u8,
}

/// A keyboard's reply: up to three bytes.
pub struct Reply {
    buf: [u8; 3],
    len: usize,
}

impl Reply {
    fn of(bytes: &[u8]) -> Self {
        let mut r = Reply {
            buf: [0; 3],
            len: 0,
        };
        for (slot, &b) in r.buf.iter_mut().zip(bytes) {
            *slot = b;
            r.len += 1;
        }
        r
    }

    pub fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl Keyboard {
    pub const fn new() -> Self {
        Self {
            param_for: None,
            last_sent: ACK,
        }
    }

    /// The reply to a byte from the host.
    pub fn command(&mut self, b: u8) -> Reply {
        let reply = Reply::of;
        let r = match self.param_for.take() {
            // Scancode set 0 asks which set is in use: set 2.
            Some(0xf0) if b == 0 => reply(&[ACK, 0x02]),
            Some(_) => reply(&[ACK]),
            None => match b {
                0xed | 0xf0 | 0xf3 => {
                    self.param_for = Some(b);
                    reply(&[ACK])
                }
                0xee => reply(&[0xee]),
                0xf2 => reply(&[ACK, 0xab, 0x83]),
                0xf4..=0xfd => reply(&[ACK]),
                0xfe => reply(&[self.last_sent]),
                // Reset: acknowledged, then the self-test passed.
                0xff => reply(&[ACK, 0xaa]),
                _ => reply(&[RESEND]),
            },
        };
        if let Some(&last) = r.bytes().last() {
            self.last_sent = last;
        }
        r
    }
}

/// What the controller's scancode translation makes of a keyboard byte.
/// Only the bytes this keyboard can send matter: the second byte of its
/// identification, 0x83, becomes 0x41; replies pass unchanged.
pub fn translate(b: u8) -> u8 {
    match b {
        0x83 => 0x41,
        b => b,
    }
}

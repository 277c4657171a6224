//! The user thread control block (UTCB): one 4 KiB page per EC, mapped into
//! the EC's PD where its creator asked, through which messages travel.
//!
//! A call copies the first `n` words of the caller's UTCB into the handler's;
//! the reply copies the handler's first `m` words back. Exceptions arrive as
//! an [`ExcState`] at the start of the handler's words, with the parts the
//! portal's [`Mtd`] selects filled in.

/// Message words in a UTCB.
pub const UTCB_WORDS: usize = 510;

/// The UTCB page.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Utcb {
    /// Words the last received message carried (written by the kernel).
    pub received: u64,
    /// For an exception message: the [`Mtd`] bits that were transferred.
    pub mtd: u64,
    /// The message words.
    pub words: [u64; UTCB_WORDS],
}

const _: () = assert!(core::mem::size_of::<Utcb>() == 4096);
const _: () = assert!(EXC_STATE_WORDS <= UTCB_WORDS);

/// Message transfer descriptor: which parts of an EC's state travel with an
/// exception message (portal creation), and which parts the handler's reply
/// writes back (the reply's argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Mtd(pub u64);

impl Mtd {
    /// The general registers `rax` … `r15` (without `rsp`).
    pub const GPRS: u64 = 1 << 0;
    /// `rsp`.
    pub const RSP: u64 = 1 << 1;
    /// `rip`.
    pub const RIP: u64 = 1 << 2;
    /// `rflags` (only the arithmetic flags, DF, TF and AC can be changed by a
    /// reply; interrupts stay enabled).
    pub const RFLAGS: u64 = 1 << 3;
    /// The exception's vector, error code and CR2 (read-only).
    pub const QUAL: u64 = 1 << 4;
    /// Every bit defined so far.
    pub const ALL: u64 = 0x1f;

    pub fn has(self, bits: u64) -> bool {
        self.0 & bits == bits
    }
}

/// An EC's user state as an exception handler sees it in the first words of
/// its UTCB (`size_of::<ExcState>() / 8` words).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExcState {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rsp: u64,
    pub rip: u64,
    pub rflags: u64,
    /// Exception vector.
    pub vector: u64,
    /// The error code the CPU pushed (0 where it pushes none).
    pub error: u64,
    /// CR2 for a page fault, 0 otherwise.
    pub cr2: u64,
}

/// Words an [`ExcState`] occupies.
pub const EXC_STATE_WORDS: usize = core::mem::size_of::<ExcState>() / 8;

impl ExcState {
    /// The state as message words.
    pub fn to_words(&self) -> [u64; EXC_STATE_WORDS] {
        [
            self.rax,
            self.rbx,
            self.rcx,
            self.rdx,
            self.rsi,
            self.rdi,
            self.rbp,
            self.r8,
            self.r9,
            self.r10,
            self.r11,
            self.r12,
            self.r13,
            self.r14,
            self.r15,
            self.rsp,
            self.rip,
            self.rflags,
            self.vector,
            self.error,
            self.cr2,
        ]
    }

    /// The state from message words.
    pub fn from_words(w: &[u64; EXC_STATE_WORDS]) -> Self {
        Self {
            rax: w[0],
            rbx: w[1],
            rcx: w[2],
            rdx: w[3],
            rsi: w[4],
            rdi: w[5],
            rbp: w[6],
            r8: w[7],
            r9: w[8],
            r10: w[9],
            r11: w[10],
            r12: w[11],
            r13: w[12],
            r14: w[13],
            r15: w[14],
            rsp: w[15],
            rip: w[16],
            rflags: w[17],
            vector: w[18],
            error: w[19],
            cr2: w[20],
        }
    }
}

/// RFLAGS bits a reply may change: CF, PF, AF, ZF, SF, TF, DF, OF, AC.
pub const RFLAGS_USER_MASK: u64 = 0x0000_0000_0004_0dd5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_state_round_trips_through_words() {
        let s = ExcState {
            rax: 1,
            r15: 15,
            rsp: 0x7000,
            rip: 0x401000,
            rflags: 0x202,
            vector: 14,
            error: 6,
            cr2: 0xdead000,
            ..ExcState::default()
        };
        let w = s.to_words();
        assert_eq!(w[16], 0x401000);
        assert_eq!(ExcState::from_words(&w), s);
    }

    #[test]
    fn mtd_bits() {
        let m = Mtd(Mtd::GPRS | Mtd::RIP);
        assert!(m.has(Mtd::RIP));
        assert!(!m.has(Mtd::RSP));
        assert_eq!(Mtd::ALL, 0x1f);
        assert_eq!(RFLAGS_USER_MASK & (1 << 9), 0, "IF is not user-settable");
    }
}

//! The register frame saved by every kernel entry in `entry.S` (interrupts,
//! exceptions and SYSCALL alike). Field order is memory order, lowest
//! address first, and must match the push sequences.

/// Saved by an interrupt or exception (vector stub + common path).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Frame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

const _: () = assert!(core::mem::size_of::<Frame>() == 22 * 8);
const _: () = assert!(core::mem::offset_of!(Frame, cs) == 18 * 8);

impl Frame {
    pub const ZERO: Self = Self {
        r15: 0,
        r14: 0,
        r13: 0,
        r12: 0,
        r11: 0,
        r10: 0,
        r9: 0,
        r8: 0,
        rbp: 0,
        rdi: 0,
        rsi: 0,
        rdx: 0,
        rcx: 0,
        rbx: 0,
        rax: 0,
        vector: 0,
        error: 0,
        rip: 0,
        cs: 0,
        rflags: 0,
        rsp: 0,
        ss: 0,
    };

    /// Whether the interrupted code ran in ring 3.
    pub fn is_from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The general registers as (name, value) pairs, for fault reports.
    pub fn registers(&self) -> [(&'static str, u64); 18] {
        [
            ("rax", self.rax),
            ("rbx", self.rbx),
            ("rcx", self.rcx),
            ("rdx", self.rdx),
            ("rsi", self.rsi),
            ("rdi", self.rdi),
            ("rbp", self.rbp),
            ("rsp", self.rsp),
            ("r8", self.r8),
            ("r9", self.r9),
            ("r10", self.r10),
            ("r11", self.r11),
            ("r12", self.r12),
            ("r13", self.r13),
            ("r14", self.r14),
            ("r15", self.r15),
            ("rflags", self.rflags),
            ("cs", self.cs),
        ]
    }
}

/// The `vector` the SYSCALL entry stores, so a frame tells how it entered.
pub const SYSCALL_VECTOR: u64 = 256;

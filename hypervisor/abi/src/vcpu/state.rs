//! The vCPU state as exit handlers see it in their UTCB, and the MTD bits
//! that select its parts.

/// A segment register: selector, attributes, limit (bytes) and base.
/// `ar` has the descriptor's type (bits 0–3), S (4), DPL (5–6), P (7),
/// AVL (8), L (9), D/B (10) and G (11); an unusable segment has `ar` = 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    pub sel: u16,
    pub ar: u16,
    pub limit: u32,
    pub base: u64,
}

impl Segment {
    fn to_words(self) -> [u64; 2] {
        [
            u64::from(self.sel) | (u64::from(self.ar) << 16) | (u64::from(self.limit) << 32),
            self.base,
        ]
    }
    fn from_words(w: [u64; 2]) -> Self {
        Self {
            sel: w[0] as u16,
            ar: (w[0] >> 16) as u16,
            limit: (w[0] >> 32) as u32,
            base: w[1],
        }
    }
}

/// A descriptor-table register.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub limit: u64,
    pub base: u64,
}

/// A vCPU's state as its exit handler sees it at the start of its UTCB
/// words ([`VCPU_STATE_WORDS`] words). Only the parts the MTD names are
/// meaningful; the rest reads as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VcpuState {
    /// rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8–r15: indexed by the x86
    /// register number (as [`super::cr::gpr`] reports it).
    pub gpr: [u64; 16],
    pub rip: u64,
    pub rflags: u64,
    /// Length of the instruction that exited, where there is one and it is
    /// known (the VMM adds it to `rip` to skip the instruction); 0 otherwise.
    pub inst_len: u64,
    /// Exit qualification (see each [`super::Exit`]).
    pub qual: [u64; 2],
    pub cr0: u64,
    pub cr2: u64,
    pub cr3: u64,
    pub cr4: u64,
    pub efer: u64,
    pub xcr0: u64,
    pub dr7: u64,
    pub es: Segment,
    pub cs: Segment,
    pub ss: Segment,
    pub ds: Segment,
    pub fs: Segment,
    pub gs: Segment,
    pub ldtr: Segment,
    pub tr: Segment,
    pub gdtr: Table,
    pub idtr: Table,
    pub sysenter_cs: u64,
    pub sysenter_esp: u64,
    pub sysenter_eip: u64,
    pub star: u64,
    pub lstar: u64,
    pub cstar: u64,
    pub sfmask: u64,
    pub kernel_gs_base: u64,
    pub pat: u64,
    /// [`super::intr_state`] bits.
    pub intr_state: u64,
    /// [`super::inj`]: the event to deliver at the next entry.
    pub inj: u64,
    /// [`super::request`] bits.
    pub requests: u64,
    /// Added to the host TSC to give the guest's TSC.
    pub tsc_offset: u64,
    /// [`super::intercept`] bits.
    pub intercepts: u64,
}

/// Words a [`VcpuState`] occupies in the UTCB.
pub const VCPU_STATE_WORDS: usize = 16 + 5 + 7 + 8 * 2 + 2 * 2 + 9 + 5;

/// Indices of the state words, for code that reads single fields.
pub mod word {
    pub const GPR: usize = 0;
    pub const RIP: usize = 16;
    pub const RFLAGS: usize = 17;
    pub const INST_LEN: usize = 18;
    pub const QUAL: usize = 19;
    pub const CR0: usize = 21;
}

impl VcpuState {
    /// The state as UTCB words.
    pub fn to_words(&self) -> [u64; VCPU_STATE_WORDS] {
        let mut w = [0u64; VCPU_STATE_WORDS];
        let mut i = 0;
        let mut put = |v: u64| {
            w[i] = v;
            i += 1;
        };
        self.gpr.iter().for_each(|g| put(*g));
        for v in [
            self.rip,
            self.rflags,
            self.inst_len,
            self.qual[0],
            self.qual[1],
        ] {
            put(v);
        }
        for v in [
            self.cr0, self.cr2, self.cr3, self.cr4, self.efer, self.xcr0, self.dr7,
        ] {
            put(v);
        }
        for s in self.segments() {
            s.to_words().into_iter().for_each(&mut put);
        }
        for t in [self.gdtr, self.idtr] {
            put(t.limit);
            put(t.base);
        }
        for v in [
            self.sysenter_cs,
            self.sysenter_esp,
            self.sysenter_eip,
            self.star,
            self.lstar,
            self.cstar,
            self.sfmask,
            self.kernel_gs_base,
            self.pat,
        ] {
            put(v);
        }
        for v in [
            self.intr_state,
            self.inj,
            self.requests,
            self.tsc_offset,
            self.intercepts,
        ] {
            put(v);
        }
        w
    }

    /// The state from UTCB words.
    pub fn from_words(w: &[u64; VCPU_STATE_WORDS]) -> Self {
        let mut it = w.iter().copied();
        let mut next = || it.next().unwrap_or(0);
        let mut s = Self::default();
        s.gpr.iter_mut().for_each(|g| *g = next());
        (s.rip, s.rflags, s.inst_len) = (next(), next(), next());
        s.qual = [next(), next()];
        (s.cr0, s.cr2, s.cr3, s.cr4) = (next(), next(), next(), next());
        (s.efer, s.xcr0, s.dr7) = (next(), next(), next());
        let mut seg = || Segment::from_words([next(), next()]);
        let segs = [seg(), seg(), seg(), seg(), seg(), seg(), seg(), seg()];
        [s.es, s.cs, s.ss, s.ds, s.fs, s.gs, s.ldtr, s.tr] = segs;
        s.gdtr = Table {
            limit: next(),
            base: next(),
        };
        s.idtr = Table {
            limit: next(),
            base: next(),
        };
        (s.sysenter_cs, s.sysenter_esp, s.sysenter_eip) = (next(), next(), next());
        (s.star, s.lstar, s.cstar, s.sfmask) = (next(), next(), next(), next());
        (s.kernel_gs_base, s.pat) = (next(), next());
        (s.intr_state, s.inj, s.requests) = (next(), next(), next());
        (s.tsc_offset, s.intercepts) = (next(), next());
        s
    }

    /// Only the parts MTD `m` transfers; the rest 0, as a handler whose
    /// portal has MTD `m` finds it.
    pub fn masked(&self, m: u64) -> Self {
        let mut s = Self::default();
        let has = |bit: u64| m & bit != 0;
        if has(mtd::GPRS) {
            s.gpr = self.gpr;
            s.gpr[4] = 0;
        }
        if has(mtd::RSP) {
            s.gpr[4] = self.gpr[4];
        }
        if has(mtd::RIP) {
            (s.rip, s.inst_len) = (self.rip, self.inst_len);
        }
        if has(mtd::RFLAGS) {
            s.rflags = self.rflags;
        }
        if has(mtd::QUAL) {
            s.qual = self.qual;
        }
        if has(mtd::CR) {
            (s.cr0, s.cr2, s.cr3, s.cr4) = (self.cr0, self.cr2, self.cr3, self.cr4);
            s.efer = self.efer;
        }
        if has(mtd::XCR0) {
            s.xcr0 = self.xcr0;
        }
        if has(mtd::DR7) {
            s.dr7 = self.dr7;
        }
        if has(mtd::CS_SS) {
            (s.cs, s.ss) = (self.cs, self.ss);
        }
        if has(mtd::DS_ES) {
            (s.ds, s.es) = (self.ds, self.es);
        }
        if has(mtd::FS_GS) {
            (s.fs, s.gs) = (self.fs, self.gs);
        }
        if has(mtd::TR_LDTR) {
            (s.tr, s.ldtr) = (self.tr, self.ldtr);
        }
        if has(mtd::GDTR_IDTR) {
            (s.gdtr, s.idtr) = (self.gdtr, self.idtr);
        }
        if has(mtd::SYSENTER) {
            s.sysenter_cs = self.sysenter_cs;
            (s.sysenter_esp, s.sysenter_eip) = (self.sysenter_esp, self.sysenter_eip);
        }
        if has(mtd::SYSCALL) {
            (s.star, s.lstar, s.cstar) = (self.star, self.lstar, self.cstar);
            (s.sfmask, s.kernel_gs_base) = (self.sfmask, self.kernel_gs_base);
        }
        if has(mtd::PAT) {
            s.pat = self.pat;
        }
        if has(mtd::INTR_STATE) {
            s.intr_state = self.intr_state;
        }
        if has(mtd::INJ) {
            (s.inj, s.requests) = (self.inj, self.requests);
        }
        if has(mtd::TSC) {
            s.tsc_offset = self.tsc_offset;
        }
        if has(mtd::INTERCEPTS) {
            s.intercepts = self.intercepts;
        }
        s
    }

    fn segments(&self) -> [Segment; 8] {
        [
            self.es, self.cs, self.ss, self.ds, self.fs, self.gs, self.ldtr, self.tr,
        ]
    }
}

/// Which parts of a [`VcpuState`] travel with an exit (the portal's MTD) and
/// which a reply loads (the reply's argument). Bits 0–4 mean the same as for
/// exceptions ([`crate::Mtd`]); for a vCPU, `GPRS` is every general register
/// but `rsp`, and `RIP` includes `inst_len`.
pub mod mtd {
    pub use crate::Mtd;
    pub const GPRS: u64 = Mtd::GPRS;
    pub const RSP: u64 = Mtd::RSP;
    pub const RIP: u64 = Mtd::RIP;
    pub const RFLAGS: u64 = Mtd::RFLAGS;
    /// `qual` (read-only).
    pub const QUAL: u64 = Mtd::QUAL;
    /// CR0, CR2, CR3, CR4 and EFER.
    pub const CR: u64 = 1 << 5;
    pub const XCR0: u64 = 1 << 6;
    pub const DR7: u64 = 1 << 7;
    pub const CS_SS: u64 = 1 << 8;
    pub const DS_ES: u64 = 1 << 9;
    pub const FS_GS: u64 = 1 << 10;
    pub const TR_LDTR: u64 = 1 << 11;
    pub const GDTR_IDTR: u64 = 1 << 12;
    pub const SYSENTER: u64 = 1 << 13;
    /// STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE.
    pub const SYSCALL: u64 = 1 << 14;
    pub const PAT: u64 = 1 << 15;
    pub const INTR_STATE: u64 = 1 << 16;
    /// `inj` and `requests`.
    pub const INJ: u64 = 1 << 17;
    pub const TSC: u64 = 1 << 18;
    pub const INTERCEPTS: u64 = 1 << 19;
    /// Every bit a vCPU exit or reply may use.
    pub const ALL: u64 = (1 << 20) - 1;
}

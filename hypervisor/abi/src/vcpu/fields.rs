//! Encodings of single words of the vCPU state: exit qualifications,
//! event injection, requests, intercepts.

/// `qual[0]` of an [`Exit::Io`]: port in bits 0–15, access size in bytes
/// (1, 2 or 4) in bits 16–18, and flags.
pub mod io {
    /// IN/INS (clear: OUT/OUTS).
    pub const IN: u64 = 1 << 24;
    /// INS/OUTS: the VMM decodes the instruction for its operands.
    pub const STRING: u64 = 1 << 25;
    /// With a REP prefix.
    pub const REP: u64 = 1 << 26;

    pub fn port(q: u64) -> u16 {
        q as u16
    }
    pub fn size(q: u64) -> u64 {
        (q >> 16) & 7
    }
    /// Builds the word (for the hypervisor and for tests).
    pub fn encode(port: u16, size: u64, flags: u64) -> u64 {
        u64::from(port) | ((size & 7) << 16) | flags
    }
}

/// `qual[1]` of an [`Exit::GpaFault`]: what the access was.
pub mod gpa {
    pub const READ: u64 = 1 << 0;
    pub const WRITE: u64 = 1 << 1;
    /// An instruction fetch.
    pub const EXEC: u64 = 1 << 2;
    /// The page is mapped, but without the right the access needed.
    pub const PRESENT: u64 = 1 << 3;
}

/// `qual[0]` of an [`Exit::CrAccess`]: control register in bits 0–3, the
/// access in bits 8–9, the general register (x86 encoding, as the index of
/// [`crate::vcpu::VcpuState::gpr`]) in bits 16–23 or [`cr::GPR_UNKNOWN`].
pub mod cr {
    /// MOV to CR (the only access that exits on every CPU).
    pub const WRITE: u64 = 0;
    /// MOV from CR.
    pub const READ: u64 = 1;
    pub const CLTS: u64 = 2;
    pub const LMSW: u64 = 3;
    /// The CPU did not say which register (AMD without decode assists): the
    /// VMM decodes the instruction at `rip`, and `inst_len` is 0.
    pub const GPR_UNKNOWN: u64 = 0xff;

    pub fn number(q: u64) -> u64 {
        q & 0xf
    }
    pub fn access(q: u64) -> u64 {
        (q >> 8) & 3
    }
    pub fn gpr(q: u64) -> u64 {
        (q >> 16) & 0xff
    }
    pub fn encode(number: u64, access: u64, gpr: u64) -> u64 {
        (number & 0xf) | ((access & 3) << 8) | ((gpr & 0xff) << 16)
    }
}

/// The `inj` field: an event to deliver to the guest at the next entry.
/// Bits 0–7 vector, 8–10 [`inj::kind`], bit 11 error code valid, bit 31
/// valid, bits 32–63 error code. After an exit that interrupted the delivery
/// of an event, `inj` holds that event, so it is delivered again unless the
/// reply changes it.
pub mod inj {
    pub const VALID: u64 = 1 << 31;
    pub const ERROR_VALID: u64 = 1 << 11;
    /// Event kinds (bits 8–10).
    pub mod kind {
        pub const EXTERNAL: u64 = 0;
        pub const NMI: u64 = 2;
        pub const EXCEPTION: u64 = 3;
        /// INT n; resumes after the instruction (`inst_len`).
        pub const SOFT_INT: u64 = 4;
        /// INT3 / INTO; resumes after the instruction (`inst_len`).
        pub const SOFT_EXCEPTION: u64 = 6;
    }
    /// An external interrupt with `vector`.
    pub fn interrupt(vector: u8) -> u64 {
        VALID | (kind::EXTERNAL << 8) | u64::from(vector)
    }
    pub fn nmi() -> u64 {
        VALID | (kind::NMI << 8) | 2
    }
    /// A hardware exception, with an error code if `error` is `Some`.
    pub fn exception(vector: u8, error: Option<u32>) -> u64 {
        let base = VALID | (kind::EXCEPTION << 8) | u64::from(vector);
        match error {
            Some(e) => base | ERROR_VALID | (u64::from(e) << 32),
            None => base,
        }
    }
    pub fn vector(w: u64) -> u8 {
        w as u8
    }
    pub fn kind_of(w: u64) -> u64 {
        (w >> 8) & 7
    }
}

/// Bits of the `requests` field.
pub mod request {
    /// Exit with [`crate::vcpu::Exit::IntrWindow`] as soon as the guest can take an
    /// external interrupt. Cleared by that exit.
    pub const INTR_WINDOW: u64 = 1 << 0;
    /// Exit with [`crate::vcpu::Exit::NmiWindow`] as soon as the guest can take an
    /// NMI. Cleared by that exit.
    pub const NMI_WINDOW: u64 = 1 << 1;
    pub const ALL: u64 = INTR_WINDOW | NMI_WINDOW;
}

/// Bits of the `intercepts` field: the optional exits a VMM asks for.
/// Bits 0–31 are the exception bitmap (vector n exits when bit n is set).
pub mod intercept {
    pub const EXCEPTIONS: u64 = 0xffff_ffff;
    /// Writes to CR0 / CR3 / CR4 exit with [`crate::vcpu::Exit::CrAccess`].
    pub const CR0_WRITE: u64 = 1 << 32;
    pub const CR3_WRITE: u64 = 1 << 33;
    pub const CR4_WRITE: u64 = 1 << 34;
    pub const PAUSE: u64 = 1 << 35;
    /// RDTSC and RDTSCP exit.
    pub const RDTSC: u64 = 1 << 36;
    pub const ALL: u64 = EXCEPTIONS | CR0_WRITE | CR3_WRITE | CR4_WRITE | PAUSE | RDTSC;
}

/// Bits of the `intr_state` field.
pub mod intr_state {
    /// The instruction before was STI (interrupts are held for one more).
    pub const STI: u64 = 1 << 0;
    /// The instruction before loaded SS (Intel only; AMD reports STI).
    pub const MOV_SS: u64 = 1 << 1;
    /// An NMI is being handled (Intel only).
    pub const NMI: u64 = 1 << 3;
    pub const ALL: u64 = STI | MOV_SS | NMI;
}

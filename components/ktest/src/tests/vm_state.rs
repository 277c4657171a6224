//! vCPU states to start from (power-on, 64-bit mode), the bits of them the
//! tests name, identity page tables for a guest, and exit names.

use super::vm_kit::copy_in;
use abi::vcpu::{Exit, Segment, Table, VcpuState};
use user_rt::loader::plan::PAGE;
use user_rt::Line;

/// Segment attributes (`Segment::ar`).
pub mod ar {
    pub const CODE16: u16 = 0x9b;
    pub const DATA16: u16 = 0x93;
    pub const CODE64: u16 = 0xa9b;
    pub const DATA32: u16 = 0xc93;
    pub const TSS_BUSY: u16 = 0x8b;
    pub const L: u16 = 1 << 9;
}

pub mod bits {
    pub const CR0_PE: u64 = 1 << 0;
    pub const CR0_ET: u64 = 1 << 4;
    pub const CR0_NE: u64 = 1 << 5;
    pub const CR0_PG: u64 = 1 << 31;
    pub const CR4_PAE: u64 = 1 << 5;
    pub const CR4_PGE: u64 = 1 << 7;
    pub const CR4_OSXSAVE: u64 = 1 << 18;
    pub const EFER_LME: u64 = 1 << 8;
    pub const EFER_LMA: u64 = 1 << 10;
    pub const RFLAGS_IF: u64 = 1 << 9;
    pub const EFER: u64 = 0xc000_0080;
}

/// The power-on state: real mode at 0xf000:0xfff0 (linear 0xffff0).
pub fn reset_state() -> VcpuState {
    let data = Segment {
        sel: 0,
        ar: ar::DATA16,
        limit: 0xffff,
        base: 0,
    };
    VcpuState {
        rip: 0xfff0,
        rflags: 2,
        cr0: bits::CR0_ET,
        xcr0: 1,
        dr7: 0x400,
        cs: Segment {
            sel: 0xf000,
            ar: ar::CODE16,
            limit: 0xffff,
            base: 0xf_0000,
        },
        ss: data,
        ds: data,
        es: data,
        fs: data,
        gs: data,
        tr: Segment {
            ar: ar::TSS_BUSY,
            limit: 0xffff,
            ..Segment::default()
        },
        gdtr: Table {
            limit: 0xffff,
            base: 0,
        },
        idtr: Table {
            limit: 0xffff,
            base: 0,
        },
        pat: 0x0007_0406_0007_0406,
        ..VcpuState::default()
    }
}

/// 64-bit mode with paging on page tables at `cr3`, at `rip`.
pub fn long_mode_state(cr3: u64, rip: u64) -> VcpuState {
    let data = Segment {
        sel: 0x10,
        ar: ar::DATA32,
        limit: 0xffff_ffff,
        base: 0,
    };
    VcpuState {
        rip,
        cr0: bits::CR0_PE | bits::CR0_ET | bits::CR0_NE | bits::CR0_PG,
        cr3,
        cr4: bits::CR4_PAE,
        efer: bits::EFER_LME | bits::EFER_LMA,
        cs: Segment {
            sel: 0x08,
            ar: ar::CODE64,
            limit: 0xffff_ffff,
            base: 0,
        },
        ss: data,
        ds: data,
        es: data,
        fs: data,
        gs: data,
        tr: Segment {
            ar: ar::TSS_BUSY,
            limit: 0x67,
            ..Segment::default()
        },
        gdtr: Table { limit: 0, base: 0 },
        idtr: Table { limit: 0, base: 0 },
        ..reset_state()
    }
}

/// Identity page tables for the first GiB (2 MiB pages) at guest-physical
/// `at` (three pages) in guest RAM at `ram`; the CR3 value.
pub fn identity_tables(ram: u64, at: u64) -> u64 {
    let entry = |i: u64| at + i * PAGE;
    let put = |gpa: u64, v: u64| copy_in(ram, gpa, &v.to_le_bytes());
    put(entry(0), entry(1) | 3);
    put(entry(1), entry(2) | 3);
    for i in 0..512 {
        put(entry(2) + 8 * i, (i << 21) | 0x83);
    }
    at
}

/// A short name of an exit for messages.
pub fn exit_name(n: u64) -> Line {
    let name = match Exit::from_event(n) {
        Some(Exit::Exception(v)) => return Line::new().str("exception ").dec(u64::from(v)),
        Some(Exit::Cpuid) => "cpuid",
        Some(Exit::Io) => "io",
        Some(Exit::GpaFault) => "gpa-fault",
        Some(Exit::Hlt) => "hlt",
        Some(Exit::Rdmsr) => "rdmsr",
        Some(Exit::Wrmsr) => "wrmsr",
        Some(Exit::CrAccess) => "cr-access",
        Some(Exit::IntrWindow) => "intr-window",
        Some(Exit::NmiWindow) => "nmi-window",
        Some(Exit::Init) => "init",
        Some(Exit::Sipi) => "sipi",
        Some(Exit::TripleFault) => "triple-fault",
        Some(Exit::Vmcall) => "vmcall",
        Some(Exit::Pause) => "pause",
        Some(Exit::Xsetbv) => "xsetbv",
        Some(Exit::Rdtsc) => "rdtsc",
        Some(Exit::Rdtscp) => "rdtscp",
        Some(Exit::InvalidState) => "invalid-state",
        Some(Exit::Unsupported) => "unsupported",
        Some(Exit::Recall) => "recall",
        Some(Exit::Startup) => "startup",
        None => return Line::new().str("event ").dec(n),
    };
    Line::new().str(name)
}

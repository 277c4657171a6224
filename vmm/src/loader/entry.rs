//! The machine state a Multiboot 1 kernel starts in (spec 0.6.96, section
//! 3.2), in the neutral vCPU format of `abi::vcpu`.
//!
//! The spec requires: EAX = 0x2BADB002, EBX = the information structure;
//! CS a 32-bit read/execute segment with offset 0 and limit 0xFFFFFFFF;
//! DS, ES, FS, GS and SS 32-bit read/write with offset 0 and limit
//! 0xFFFFFFFF; A20 enabled; CR0.PG clear and CR0.PE set; EFLAGS.VM and IF
//! clear. ESP, GDTR and IDTR are undefined: the kernel must set its own
//! before it loads a segment register or enables interrupts.
//!
//! Our choices where the spec leaves one:
//! - selectors 0x08 (code), 0x10 (data), 0x18 (TR), RPL 0. No GDT backs
//!   them (GDTR and IDTR are base 0, limit 0), so they are names only;
//! - segments are accessed (type bit 0), as a loaded descriptor would be
//!   and as VMX requires of usable segments;
//! - TR is a usable 32-bit busy TSS (type 0xb, limit 0x67, base 0): VM entry
//!   refuses an unusable TR, although the kernel never uses this one before
//!   loading its own;
//! - LDTR is unusable; CR0 also has ET (bit 4, always 1 on CPUs with an
//!   x87); CR3, CR4 and EFER are 0; EFLAGS is 0x2 (only the fixed bit);
//!   every other register is 0;
//! - A20 needs nothing: a vCPU has no A20 gate.

use abi::vcpu::{mtd, Segment, VcpuState};
use firmware::multiboot::LOADER_MAGIC;

use super::Entry;

const CR0_PE: u64 = 1 << 0;
const CR0_ET: u64 = 1 << 4;
const RFLAGS_FIXED: u64 = 1 << 1;

/// Segment attributes in the neutral layout.
mod ar {
    pub const ACCESSED: u16 = 1 << 0;
    /// Readable for code, writable for data.
    pub const RW: u16 = 1 << 1;
    pub const CODE: u16 = 1 << 3;
    /// Code or data (not a system segment).
    pub const S: u16 = 1 << 4;
    pub const P: u16 = 1 << 7;
    /// 32-bit default operand size.
    pub const DB: u16 = 1 << 10;
    /// Limit in 4 KiB units.
    pub const G: u16 = 1 << 11;
    /// System type 0xb: a busy 32-bit TSS.
    pub const TSS32_BUSY: u16 = 0xb;
}

/// The parts of [`VcpuState`] that [`entry_state`] sets: reply with this
/// MTD (to the startup exit) so every one of them is loaded.
pub const ENTRY_MTD: u64 = mtd::GPRS
    | mtd::RSP
    | mtd::RIP
    | mtd::RFLAGS
    | mtd::CR
    | mtd::CS_SS
    | mtd::DS_ES
    | mtd::FS_GS
    | mtd::TR_LDTR
    | mtd::GDTR_IDTR;

const RAX: usize = 0;
const RBX: usize = 3;

/// The vCPU state in which a Multiboot 1 kernel starts at `e`.
pub fn entry_state(e: &Entry) -> VcpuState {
    let flat = |sel, ar| Segment {
        sel,
        ar: ar | ar::ACCESSED | ar::S | ar::P | ar::DB | ar::G,
        limit: 0xffff_ffff,
        base: 0,
    };
    let code = flat(0x08, ar::CODE | ar::RW);
    let data = flat(0x10, ar::RW);
    let mut s = VcpuState::default();
    s.gpr[RAX] = u64::from(LOADER_MAGIC);
    s.gpr[RBX] = u64::from(e.ebx);
    s.rip = u64::from(e.eip);
    s.rflags = RFLAGS_FIXED;
    s.cr0 = CR0_PE | CR0_ET;
    s.cs = code;
    (s.ds, s.es, s.fs, s.gs, s.ss) = (data, data, data, data, data);
    s.tr = Segment {
        sel: 0x18,
        ar: ar::TSS32_BUSY | ar::P,
        limit: 0x67,
        base: 0,
    };
    s
}

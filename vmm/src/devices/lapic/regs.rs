//! Register numbers, MSR numbers and bit layouts of the local APIC.
//!
//! Registers are named by their index: the xAPIC MMIO offset divided by 16,
//! which is also the x2APIC MSR number minus 0x800 (SDM Vol. 3A, "Local
//! APIC Register Address Map"). One index names one register in both modes,
//! so one register file serves the MMIO page and the MSRs.

/// IA32_APIC_BASE: the APIC's base address and mode.
pub const MSR_APIC_BASE: u32 = 0x1b;
/// IA32_TSC_DEADLINE: the TSC value the timer fires at in TSC-deadline mode.
pub const MSR_TSC_DEADLINE: u32 = 0x6e0;
/// The x2APIC register MSRs this model answers (0x800 + register index).
pub const MSR_X2APIC_FIRST: u32 = 0x800;
pub const MSR_X2APIC_LAST: u32 = 0x8ff;

/// The architectural power-on base of the register page.
pub const DEFAULT_BASE: u64 = 0xfee0_0000;
/// IA32_APIC_BASE bits.
pub const BASE_BSP: u64 = 1 << 8;
pub const BASE_EXTD: u64 = 1 << 10;
pub const BASE_EN: u64 = 1 << 11;
/// Bits 0–7 and 9 are reserved; the address field starts at bit 12.
pub const BASE_RESERVED: u64 = 0x2ff;
pub const BASE_ADDR_MASK: u64 = !0xfff;

// Register indices (MMIO offset >> 4, MSR - 0x800).
pub const ID: u32 = 0x02;
pub const VERSION: u32 = 0x03;
pub const TPR: u32 = 0x08;
/// Arbitration priority: xAPIC only.
pub const APR: u32 = 0x09;
pub const PPR: u32 = 0x0a;
pub const EOI: u32 = 0x0b;
/// Remote read: xAPIC only, never used by current processors.
pub const RRD: u32 = 0x0c;
pub const LDR: u32 = 0x0d;
/// Destination format: xAPIC only.
pub const DFR: u32 = 0x0e;
pub const SVR: u32 = 0x0f;
/// First of eight 32-bit slices each of ISR, TMR and IRR.
pub const ISR: u32 = 0x10;
pub const TMR: u32 = 0x18;
pub const IRR: u32 = 0x20;
pub const ESR: u32 = 0x28;
/// LVT CMCI: not implemented (the version register says 6 LVT entries).
pub const LVT_CMCI: u32 = 0x2f;
/// ICR low (xAPIC) or the whole 64-bit ICR (x2APIC).
pub const ICR: u32 = 0x30;
/// ICR high: xAPIC only.
pub const ICR_HI: u32 = 0x31;
/// LVT timer, thermal, performance counters, LINT0, LINT1, error: six
/// consecutive indices.
pub const LVT_FIRST: u32 = 0x32;
pub const LVT_COUNT: usize = 6;
pub const TIMER_INITIAL: u32 = 0x38;
pub const TIMER_CURRENT: u32 = 0x39;
pub const TIMER_DIVIDE: u32 = 0x3e;
/// SELF IPI: x2APIC only, write only.
pub const SELF_IPI: u32 = 0x3f;

/// Positions of the LVT entries in the LVT array.
pub const LVT_TIMER: usize = 0;
pub const LVT_LINT0: usize = 3;
pub const LVT_LINT1: usize = 4;
pub const LVT_ERROR: usize = 5;

/// Version 0x14 (an integrated xAPIC), maximum LVT entry 5 (six entries:
/// no CMCI), no EOI-broadcast suppression advertised (bit 24 clear).
pub const VERSION_VALUE: u32 = 0x0005_0014;

pub const SVR_ENABLE: u32 = 1 << 8;
/// EOI-broadcast suppression: honoured when set, though the version
/// register does not advertise it, so a guest following the SDM never sets
/// it.
pub const SVR_SUPPRESS_EOI: u32 = 1 << 12;
/// Vector, enable, focus-checking (stored, not acted on), EOI suppression.
pub const SVR_WRITABLE: u32 = 0x13ff;
pub const SVR_RESET: u32 = 0xff;

/// DFR: only the model nibble is writable; the rest reads as ones.
pub const DFR_WRITABLE: u32 = 0xf000_0000;
pub const DFR_RESET: u32 = 0xffff_ffff;
/// xAPIC logical ID: the top byte of LDR.
pub const LDR_WRITABLE: u32 = 0xff00_0000;

/// LVT fields.
pub const LVT_VECTOR: u32 = 0xff;
pub const LVT_MASKED: u32 = 1 << 16;
/// Read-only fields of LVT entries: delivery status (always idle here) and
/// the LINT entries' remote IRR; writes of them are ignored, not refused.
pub const LVT_READ_ONLY: u32 = (1 << 12) | (1 << 14);
/// Writable bits of each entry (SDM "Local Vector Table" figure): timer
/// has vector, mask and the two mode bits; thermal and performance also a
/// delivery mode; LINT0/1 add polarity and trigger mode; error has vector
/// and mask only.
pub const LVT_WRITABLE: [u32; LVT_COUNT] =
    [0x7_00ff, 0x1_07ff, 0x1_07ff, 0x1_a7ff, 0x1_a7ff, 0x1_00ff];
/// Delivery-mode values in an LVT entry (bits 8–10).
pub const LVT_DM_FIXED: u32 = 0;
pub const LVT_DM_NMI: u32 = 4;
pub const LVT_DM_EXTINT: u32 = 7;

/// ICR fields kept in the register (vector, delivery mode, destination
/// mode, level, trigger mode, shorthand): delivery status always reads 0.
pub const ICR_LOW_WRITABLE: u64 = 0xc_cfff;
/// xAPIC ICR high: the 8-bit destination.
pub const ICR_HI_WRITABLE: u64 = 0xff00_0000;
/// x2APIC ICR bits whose write raises #GP: 13, 16–17 and 20–31. Bit 12
/// (delivery status) is ignored rather than refused, as on hardware that
/// still reports it.
pub const X2_ICR_RESERVED: u64 = (1 << 13) | (3 << 16) | (0xfff << 20);

/// Divide configuration: bits 0, 1 and 3.
pub const DCR_WRITABLE: u32 = 0xb;

/// ESR bits.
pub const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
pub const ESR_RECV_ILLEGAL_VECTOR: u32 = 1 << 6;
pub const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

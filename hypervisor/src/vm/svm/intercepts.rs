//! Which guest events exit on AMD: the fixed set every vCPU has (the
//! neutral ABI's "always exits") plus what the VMM selects in `intercepts`,
//! and the I/O and MSR permission maps.

use super::vmcb::{off, Vmcb};
use crate::mem;
use abi::vcpu::intercept;

// MISC1 bits.
const INTR: u32 = 1 << 0;
const NMI: u32 = 1 << 1;
const SMI: u32 = 1 << 2;
const INIT: u32 = 1 << 3;
pub const VINTR: u32 = 1 << 4;
const RDTSC: u32 = 1 << 14;
const RDPMC: u32 = 1 << 15;
const CPUID: u32 = 1 << 18;
const RSM: u32 = 1 << 19;
pub const IRET: u32 = 1 << 20;
const INVD: u32 = 1 << 22;
const PAUSE: u32 = 1 << 23;
const HLT: u32 = 1 << 24;
const INVLPGA: u32 = 1 << 26;
const IOIO: u32 = 1 << 27;
const MSR: u32 = 1 << 28;
const TASK_SWITCH: u32 = 1 << 29;
const SHUTDOWN: u32 = 1 << 31;
// MISC2 bits: VMRUN, VMMCALL, VMLOAD, VMSAVE, STGI, CLGI, SKINIT (0-6),
// RDTSCP (7), MONITOR, MWAIT, MWAIT armed (10-12), XSETBV (13).
const SVM_INSNS: u32 = 0x7f;
const RDTSCP: u32 = 1 << 7;
const MONITOR_MWAIT: u32 = 0x7 << 10;
const XSETBV: u32 = 1 << 13;
const RDPRU: u32 = 1 << 14;

/// Exceptions that always exit: #DB and #AC (a guest could otherwise hold
/// the CPU in an endless delivery loop) and #MC (the host's machine check).
pub const ALWAYS_EXCEPTIONS: u32 = (1 << 1) | (1 << 17) | (1 << 18);

/// Writes the intercept vectors for the VMM's `intercepts` selection,
/// keeping the dynamic window bits (VINTR, IRET) as they are.
pub fn apply(c: Vmcb, selected: u64) {
    let window = c.read32(off::MISC1) & (VINTR | IRET);
    let mut misc1 = INTR | NMI | SMI | INIT | CPUID | RSM | INVD | HLT | INVLPGA | RDPMC;
    misc1 |= IOIO | MSR | TASK_SWITCH | SHUTDOWN | window;
    let mut misc2 = SVM_INSNS | MONITOR_MWAIT | XSETBV | RDPRU;
    if selected & intercept::PAUSE != 0 {
        misc1 |= PAUSE;
    }
    if selected & intercept::RDTSC != 0 {
        misc1 |= RDTSC;
        misc2 |= RDTSCP;
    }
    let mut cr_writes = 0u32;
    for (bit, cr) in [
        (intercept::CR0_WRITE, 0),
        (intercept::CR3_WRITE, 3),
        (intercept::CR4_WRITE, 4),
    ] {
        if selected & bit != 0 {
            cr_writes |= 1 << (16 + cr);
        }
    }
    c.write32(off::CR_INTERCEPTS, cr_writes);
    c.write32(
        off::EXC_INTERCEPTS,
        (selected & intercept::EXCEPTIONS) as u32 | ALWAYS_EXCEPTIONS,
    );
    c.write32(off::MISC1, misc1);
    c.write32(off::MISC2, misc2);
    // Every PAUSE exits when selected (no filtering).
    c.write32(off::PAUSE_FILTER, 0);
}

fn fill(pa: u64, pages: u64, byte: u8) {
    for p in 0..pages {
        let base = mem::phys_to_virt(pa + p * 4096) as *mut u8;
        // SAFETY: the pages were just allocated for this map at boot.
        unsafe { core::ptr::write_bytes(base, byte, 4096) };
    }
}

/// Every port exits.
pub fn fill_iopm(pa: u64) {
    fill(pa, 3, 0xff);
}

/// Every MSR exits except `backend::PASS_THROUGH_MSRS`.
pub fn fill_msrpm(pa: u64) {
    fill(pa, 2, 0xff);
    let base = mem::phys_to_virt(pa) as *mut u8;
    for msr in crate::vm::backend::PASS_THROUGH_MSRS {
        // Two bits (read, write) per MSR; three 8 KiB-MSR ranges of 2 KiB.
        let range = match msr >> 16 {
            0 => 0,
            0xc000 => 0x800,
            _ => 0x1000,
        };
        let bit = (msr & 0x1fff) as usize * 2;
        let byte = range + bit / 8;
        // SAFETY: `byte` < 0x1800, inside the two pages of the map.
        unsafe { *base.add(byte) &= !(0b11 << (bit % 8)) };
    }
}

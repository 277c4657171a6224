//! The state a SIPI starts an application processor in: real mode at
//! `vector << 12`, as after INIT (SDM Vol. 3, "Processor State After Reset",
//! and "MP Initialization": CS = vector << 8, IP = 0).

use abi::vcpu::{mtd, Segment, Table, VcpuState};

/// What [`sipi_state`] sets: all but XCR0, which INIT leaves alone (and
/// which only the hypervisor knows unless the exit brought it).
pub const SIPI_MTD: u64 = mtd::ALL & !mtd::XCR0;

/// Attributes in the neutral format: present, S, accessed.
const CODE16: u16 = 0x9b;
const DATA16: u16 = 0x93;
const LDT: u16 = 0x82;
const TSS16_BUSY: u16 = 0x8b;

/// The state after INIT and a SIPI with `vector`, keeping `xcr0` as the
/// hypervisor reported it (it owns the vCPU's XCR0 limits).
pub fn sipi_state(vector: u8, xcr0: u64) -> VcpuState {
    let data = Segment {
        sel: 0,
        ar: DATA16,
        limit: 0xffff,
        base: 0,
    };
    VcpuState {
        rip: 0,
        rflags: 2,
        cr0: 0x10,
        xcr0,
        dr7: 0x400,
        cs: Segment {
            sel: u16::from(vector) << 8,
            ar: CODE16,
            limit: 0xffff,
            base: u64::from(vector) << 12,
        },
        es: data,
        ss: data,
        ds: data,
        fs: data,
        gs: data,
        ldtr: Segment {
            ar: LDT,
            limit: 0xffff,
            ..Segment::default()
        },
        tr: Segment {
            ar: TSS16_BUSY,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sipi_starts_real_mode_at_its_page() {
        let s = sipi_state(0x08, 1);
        assert_eq!((s.cs.sel, s.cs.base, s.rip), (0x0800, 0x8000, 0));
        assert_eq!(s.cr0 & 1, 0, "real mode");
        assert_eq!(s.rflags, 2);
        assert_eq!(s.xcr0, 1);
        assert_eq!(s.gpr, [0; 16]);
        assert_eq!(s.efer, 0);
        let s = sipi_state(0x9f, 1);
        assert_eq!(s.cs.base, 0x9f000);
    }
}

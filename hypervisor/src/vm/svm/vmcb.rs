//! The VMCB: AMD's per-vCPU control block, one page with the control area
//! at offset 0 and the guest state at 0x400 (AMD APM vol. 2, appendix B).
//! Fields are plain memory, reached through the direct map.

use crate::mem;

/// Control-area and state-save offsets used by the hypervisor.
pub mod off {
    pub const CR_INTERCEPTS: usize = 0x000;
    pub const EXC_INTERCEPTS: usize = 0x008;
    pub const MISC1: usize = 0x00c;
    pub const MISC2: usize = 0x010;
    /// Pause filter threshold (u16) and count (u16).
    pub const PAUSE_FILTER: usize = 0x03c;
    pub const IOPM: usize = 0x040;
    pub const MSRPM: usize = 0x048;
    pub const TSC_OFFSET: usize = 0x050;
    pub const ASID: usize = 0x058;
    pub const TLB_CONTROL: usize = 0x05c;
    pub const INT_CTL: usize = 0x060;
    pub const INT_STATE: usize = 0x068;
    pub const EXIT_CODE: usize = 0x070;
    pub const EXIT_INFO1: usize = 0x078;
    pub const EXIT_INFO2: usize = 0x080;
    pub const EXIT_INT_INFO: usize = 0x088;
    pub const NP_ENABLE: usize = 0x090;
    pub const EVENT_INJ: usize = 0x0a8;
    pub const N_CR3: usize = 0x0b0;
    pub const NEXT_RIP: usize = 0x0c8;
    pub const ES: usize = 0x400;
    pub const CS: usize = 0x410;
    pub const SS: usize = 0x420;
    pub const DS: usize = 0x430;
    pub const FS: usize = 0x440;
    pub const GS: usize = 0x450;
    pub const GDTR: usize = 0x460;
    pub const LDTR: usize = 0x470;
    pub const IDTR: usize = 0x480;
    pub const TR: usize = 0x490;
    pub const CPL: usize = 0x4cb;
    pub const EFER: usize = 0x4d0;
    pub const CR4: usize = 0x548;
    pub const CR3: usize = 0x550;
    pub const CR0: usize = 0x558;
    pub const DR7: usize = 0x560;
    pub const DR6: usize = 0x568;
    pub const RFLAGS: usize = 0x570;
    pub const RIP: usize = 0x578;
    pub const RSP: usize = 0x5d8;
    pub const RAX: usize = 0x5f8;
    pub const STAR: usize = 0x600;
    pub const LSTAR: usize = 0x608;
    pub const CSTAR: usize = 0x610;
    pub const SFMASK: usize = 0x618;
    pub const KERNEL_GS_BASE: usize = 0x620;
    pub const SYSENTER_CS: usize = 0x628;
    pub const SYSENTER_ESP: usize = 0x630;
    pub const SYSENTER_EIP: usize = 0x638;
    pub const CR2: usize = 0x640;
    pub const G_PAT: usize = 0x668;
}

/// A VMCB by its physical address.
#[derive(Clone, Copy)]
pub struct Vmcb(pub u64);

impl Vmcb {
    fn ptr(self, offset: usize) -> *mut u8 {
        (mem::phys_to_virt(self.0) as *mut u8).wrapping_add(offset & 0xfff)
    }

    pub fn read64(self, offset: usize) -> u64 {
        // SAFETY: the VMCB is a whole page owned by one vCPU, mapped in the
        // direct map; the offset is masked into the page and every field
        // used is naturally aligned.
        unsafe { (self.ptr(offset) as *const u64).read_volatile() }
    }
    pub fn write64(self, offset: usize, value: u64) {
        // SAFETY: as in `read64`; the kernel lock or the vCPU's own CPU
        // (on the entry path) is the only writer.
        unsafe { (self.ptr(offset) as *mut u64).write_volatile(value) }
    }
    pub fn read32(self, offset: usize) -> u32 {
        // SAFETY: as in `read64`.
        unsafe { (self.ptr(offset) as *const u32).read_volatile() }
    }
    pub fn write32(self, offset: usize, value: u32) {
        // SAFETY: as in `write64`.
        unsafe { (self.ptr(offset) as *mut u32).write_volatile(value) }
    }
    pub fn write8(self, offset: usize, value: u8) {
        // SAFETY: as in `write64`.
        unsafe { self.ptr(offset).write_volatile(value) }
    }

    /// A segment register: selector, attributes, limit, base (the
    /// attribute layout is the neutral one).
    pub fn segment(self, at: usize) -> abi::vcpu::Segment {
        let w = self.read64(at);
        abi::vcpu::Segment {
            sel: w as u16,
            ar: (w >> 16) as u16 & 0xfff,
            limit: (w >> 32) as u32,
            base: self.read64(at + 8),
        }
    }
    pub fn set_segment(self, at: usize, s: &abi::vcpu::Segment) {
        let w = u64::from(s.sel) | (u64::from(s.ar & 0xfff) << 16) | (u64::from(s.limit) << 32);
        self.write64(at, w);
        self.write64(at + 8, s.base);
    }
}

//! Reading what the boot loader left: the Multiboot information is parsed
//! (by `hv_core::multiboot`) and copied into the kernel's HIP at once, so
//! nothing later depends on boot-loader memory staying intact, and the frame
//! allocator is built from the memory map minus everything in use.

use abi::hip::{mem_kind, Hip, HipMemory, HipModule};
use hv_core::frame_alloc::FrameAllocator;
use hv_core::memmap::Range;
use hv_core::multiboot::{self, BootInfo, MemKind, PhysMem};

extern "C" {
    static __image_start: u8;
    static __image_end: u8;
}

/// Boot information is read through the boot tables' identity map of the
/// first 4 GiB, where Multiboot's 32-bit pointers all point.
pub struct IdentityMem;

impl PhysMem for IdentityMem {
    fn bytes(&self, addr: u64, len: usize) -> Option<&[u8]> {
        let end = addr.checked_add(len as u64)?;
        if addr == 0 || end > 1 << 32 {
            return None;
        }
        // SAFETY: the boot tables identity-map [0, 4 GiB) and the boot
        // information is not written while the kernel reads it.
        Some(unsafe { core::slice::from_raw_parts(addr as *const u8, len) })
    }
}

fn hip_kind(kind: MemKind) -> u32 {
    match kind {
        MemKind::Usable => mem_kind::USABLE,
        MemKind::Reserved => mem_kind::RESERVED,
        MemKind::AcpiReclaimable => mem_kind::ACPI_RECLAIMABLE,
        MemKind::AcpiNvs => mem_kind::ACPI_NVS,
        MemKind::Bad => mem_kind::BAD,
    }
}

/// Copies the boot facts into `hip` and builds the frame allocator; also
/// returns the end of usable RAM (at least 4 GiB) for the direct map.
pub fn read(info: &BootInfo, hip: &mut Hip) -> Result<(FrameAllocator, u64), &'static str> {
    let mut strings = 0;
    hip.cmdline = hip
        .add_string(&mut strings, info.cmdline.as_bytes())
        .unwrap_or_default();
    let mut usable = [Range::new(0, 0); multiboot::MAX_REGIONS];
    let mut n_usable = 0;
    let mut phys_end = 1u64 << 32;
    for (i, r) in info.regions().iter().enumerate() {
        hip.memory[i] = HipMemory {
            base: r.range.start,
            size: r.range.len(),
            kind: hip_kind(r.kind),
            _reserved: 0,
        };
        hip.memory_count = i as u32 + 1;
        if r.kind == MemKind::Usable {
            usable[n_usable] = r.range;
            n_usable += 1;
            phys_end = phys_end.max(r.range.end);
        }
    }
    let image = Range::new(
        &raw const __image_start as u64,
        &raw const __image_end as u64,
    );
    let mut reserved = [Range::new(0, 0); 2 + multiboot::MAX_MODULES + multiboot::MAX_AUX];
    let mut n_reserved = 0;
    for r in [image, info.info]
        .into_iter()
        .chain(info.aux_ranges().iter().copied())
    {
        reserved[n_reserved] = r;
        n_reserved += 1;
    }
    for (i, m) in info.modules().iter().enumerate() {
        let cmdline = hip
            .add_string(&mut strings, m.cmdline.as_bytes())
            .unwrap_or_default();
        hip.modules[i] = HipModule {
            base: m.range.start,
            size: m.range.len(),
            cmdline,
            _reserved: 0,
        };
        hip.module_count = i as u32 + 1;
        reserved[n_reserved] = m.range;
        n_reserved += 1;
    }
    let frames = FrameAllocator::new(&usable[..n_usable], &reserved[..n_reserved])
        .map_err(|_| "the memory map is too fragmented for the frame allocator")?;
    Ok((frames, phys_end))
}

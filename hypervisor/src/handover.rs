//! The end of boot: free memory is split between the kernel's pool (for
//! objects and tables, `kmem`) and the root PD, and the HIP's memory map is
//! rewritten to say what the root PD got.

use crate::{kmem, mem, println};
use abi::hip::{mem_kind, Hip, HipMemory, HIP_MAX_MEMORY};
use hv_core::frame_alloc::PAGE_SIZE;
use hv_core::memmap::{Range, RangeSet};

/// The pool's default share of free memory: an eighth, at least 16 MiB
/// and at most 1 GiB (`kmem=<MiB>` overrides it).
fn default_pool_pages(free_pages: u64) -> u64 {
    (free_pages / 8).clamp(4096, 262_144).min(free_pages / 2)
}

/// Device memory the root PD gets: the holes of the firmware's map below
/// 4 GiB, without the kernel's own MMIO (`kernel_mmio`: local and I/O
/// APIC pages).
fn device_holes(hip: &Hip, kernel_mmio: &[Range]) -> RangeSet<64> {
    let mut holes = RangeSet::new();
    let _ = holes.insert(Range::new(0, 1 << 32));
    for m in hip.memory() {
        let _ = holes
            .remove(Range::new(m.base, m.base.saturating_add(m.size)).align_outward(PAGE_SIZE));
    }
    for r in kernel_mmio {
        let _ = holes.remove(r.align_outward(PAGE_SIZE));
    }
    holes
}

/// Builds the pool and rewrites `hip.memory`: firmware entries that are not
/// RAM stay, `USABLE` becomes what the root PD receives, every module is
/// listed as `MODULE` and every hole below 4 GiB but the kernel's MMIO
/// (`kernel_mmio`) as `DEVICE`. Returns the pool's size in pages.
pub fn split_memory(hip: &mut Hip, kmem_mib: Option<u64>, kernel_mmio: &[Range]) -> u64 {
    let holes = device_holes(hip, kernel_mmio);
    let free_pages = mem::free_bytes() / PAGE_SIZE;
    let want = kmem_mib.map_or_else(
        || default_pool_pages(free_pages),
        |m| (m << 8).min(free_pages / 2),
    );
    let got = kmem::init_pool(want);
    let mut out = [HipMemory::default(); HIP_MAX_MEMORY];
    let mut n = 0;
    let mut push = |base: u64, size: u64, kind: u32| {
        if n >= HIP_MAX_MEMORY {
            return false;
        }
        out[n] = HipMemory {
            base,
            size,
            kind,
            _reserved: 0,
        };
        n += usize::from(size > 0);
        true
    };
    for m in hip.memory() {
        if m.kind != mem_kind::USABLE {
            push(m.base, m.size, m.kind);
        }
    }
    let mut lost = 0;
    mem::for_each_free(|r| {
        if !push(r.start, r.len(), mem_kind::USABLE) {
            lost += r.len();
        }
    });
    for m in hip.modules() {
        push(m.base, m.size, mem_kind::MODULE);
    }
    for r in holes.iter() {
        push(r.start, r.len(), mem_kind::DEVICE);
    }
    hip.memory = out;
    hip.memory_count = n as u32;
    if lost > 0 {
        println!(
            "memory: ",
            lost >> 20,
            " MiB left out: the HIP memory map is full"
        );
    }
    println!(
        "memory: ",
        (got * PAGE_SIZE) >> 20,
        " MiB kernel pool, the rest goes to root-pd"
    );
    got
}

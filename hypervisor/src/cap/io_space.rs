//! The I/O-port space: a PD's port capabilities and the 8 KiB I/O
//! permission bitmap that realises them (a set bit denies the port).
//!
//! The bitmap (two pages, one per half of the ports) is allocated with the
//! first port a PD receives. CPUs load it
//! lazily: switching PDs disables all ports in the TSS, and the first #GP a
//! user EC takes with a PD that has a bitmap loads it and retries
//! (`arch::tss`), so switches between PDs cost nothing for port I/O.

use super::{CapRef, NodeList};
use crate::kmem;
use crate::mem;
use crate::obj::{pd::Pd, Ref};
use abi::Status;
use hv_core::list::List;

pub struct IoSpace {
    /// Physical addresses of the two bitmap pages (ports below and above
    /// 0x8000; 0: none).
    pub bitmap: [u64; 2],
    pub nodes: List<CapRef>,
    /// Drawn from one global counter on every change, so a CPU never takes
    /// another bitmap (even of a later PD at the same address) for this one.
    pub generation: u64,
}

static GENERATION: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1);

impl IoSpace {
    pub const fn new() -> Self {
        Self {
            bitmap: [0; 2],
            nodes: List::new(),
            generation: 0,
        }
    }
}

/// The two halves of a PD's bitmap, as bytes.
pub fn bitmap(pd: Ref<Pd>) -> Option<[&'static mut [u8; 4096]; 2]> {
    let [lo, hi] = pd.get().io.bitmap;
    if lo == 0 {
        return None;
    }
    // SAFETY: the two bitmap pages were allocated for this PD and live as
    // long as it, reached through the direct map; the kernel lock
    // serialises access, and the two pages are distinct.
    Some(unsafe {
        [
            &mut *(mem::phys_to_virt(lo) as *mut [u8; 4096]),
            &mut *(mem::phys_to_virt(hi) as *mut [u8; 4096]),
        ]
    })
}

/// Gives `pd` a bitmap (all ports denied) if it has none yet.
pub fn ensure_bitmap(pd: Ref<Pd>) -> Result<(), Status> {
    if pd.get().io.bitmap[0] != 0 {
        return Ok(());
    }
    let lo = kmem::alloc(pd)?;
    let hi = match kmem::alloc(pd) {
        Ok(hi) => hi,
        Err(e) => {
            kmem::free(pd, lo);
            return Err(e);
        }
    };
    pd.get().io.bitmap = [lo, hi];
    if let Some(halves) = bitmap(pd) {
        for h in halves {
            h.fill(0xff);
        }
    }
    Ok(())
}

/// Sets the bits of `node`'s ports to `allow`.
fn set_ports(node: CapRef, allow: bool) {
    let n = node.get();
    n.pd.get().io.generation = GENERATION.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let Some(halves) = bitmap(n.pd) else {
        return;
    };
    for port in n.base..n.end() {
        let (half, byte, bit) = (
            (port >> 15) as usize,
            ((port & 0x7fff) / 8) as usize,
            port % 8,
        );
        if allow {
            halves[half][byte] &= !(1 << bit);
        } else {
            halves[half][byte] |= 1 << bit;
        }
    }
}

/// Adds a port capability (already filled in) to its PD's space.
pub fn insert(node: CapRef) -> Result<(), Status> {
    let pd = node.get().pd;
    ensure_bitmap(pd)?;
    set_ports(node, true);
    pd.get().io.nodes.push_back(&mut NodeList, node);
    Ok(())
}

/// Removes a port capability from its PD's space. The caller flushes the
/// PD's space, which also makes CPUs drop the bitmap they loaded.
pub fn remove(node: CapRef) {
    set_ports(node, false);
    let pd = node.get().pd;
    if node.get().list.linked {
        pd.get().io.nodes.remove(&mut NodeList, node);
    }
}

/// The port capability of `pd` covering `port`.
pub fn find(pd: Ref<Pd>, port: u64) -> Option<CapRef> {
    super::first_overlapping(&pd.get().io.nodes, port, 1)
}

/// Whether any port capability of `pd` overlaps `[base, base + count)`.
pub fn overlaps(pd: Ref<Pd>, base: u64, count: u64) -> bool {
    super::first_overlapping(&pd.get().io.nodes, base, count).is_some()
}

/// Frees the bitmap of a PD being destroyed.
pub fn free_bitmap(pd: Ref<Pd>) {
    for pa in pd.get().io.bitmap {
        if pa != 0 {
            kmem::free(pd, pa);
        }
    }
    pd.get().io.bitmap = [0; 2];
}

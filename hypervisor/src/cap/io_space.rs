//! The I/O-port space: a PD's port capabilities and the 8 KiB I/O
//! permission bitmap that realises them (a set bit denies the port).
//!
//! The bitmap is allocated with the first port a PD receives. CPUs load it
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
    /// Physical address of the first of two bitmap pages (0: none).
    pub bitmap: u64,
    pub nodes: List<CapRef>,
    /// Bumped on every change, so CPUs reload a bitmap they hold.
    pub generation: u64,
}

impl IoSpace {
    pub const fn new() -> Self {
        Self {
            bitmap: 0,
            nodes: List::new(),
            generation: 0,
        }
    }
}

/// The bitmap of a PD, as bytes.
pub fn bitmap(pd: Ref<Pd>) -> Option<&'static mut [u8; 8192]> {
    let pa = pd.get().io.bitmap;
    if pa == 0 {
        return None;
    }
    // SAFETY: the two bitmap pages were allocated together, contiguous in
    // the direct map (`ensure_bitmap`), for this PD and live as long as
    // it; the kernel lock serialises access.
    Some(unsafe { &mut *(mem::phys_to_virt(pa) as *mut [u8; 8192]) })
}

/// Gives `pd` a bitmap (all ports denied) if it has none yet.
pub fn ensure_bitmap(pd: Ref<Pd>) -> Result<(), Status> {
    if pd.get().io.bitmap != 0 {
        return Ok(());
    }
    let lo = kmem::alloc_contig(pd, 2)?;
    pd.get().io.bitmap = lo;
    if let Some(bits) = bitmap(pd) {
        bits.fill(0xff);
    }
    Ok(())
}

/// Sets the bits of `node`'s ports to `allow`.
fn set_ports(node: CapRef, allow: bool) {
    let n = node.get();
    n.pd.get().io.generation += 1;
    let Some(bits) = bitmap(n.pd) else {
        return;
    };
    for port in n.base..n.end() {
        let (byte, bit) = ((port / 8) as usize, port % 8);
        if allow {
            bits[byte] &= !(1 << bit);
        } else {
            bits[byte] |= 1 << bit;
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

/// Removes a port capability from its PD's space. The caller makes CPUs
/// drop the bitmap they may have loaded (`arch::tss::forget`).
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
    let pa = pd.get().io.bitmap;
    if pa != 0 {
        kmem::free(pd, pa);
        kmem::free(pd, pa + 4096);
        pd.get().io.bitmap = 0;
    }
}

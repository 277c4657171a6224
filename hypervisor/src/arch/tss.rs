//! The task-state segment of each CPU with room for an I/O permission
//! bitmap, and the lazy loading of a PD's bitmap into it (`cap::io_space`).

use super::percpu;
use crate::obj::{pd::Pd, Ref};
use x86_64::structures::tss::TaskStateSegment;

/// A TSS followed by the I/O bitmap and the terminating all-ones byte the
/// CPU may read past the last port.
#[repr(C)]
pub struct Tss {
    pub seg: TaskStateSegment,
    pub bitmap: [u8; 8193],
}

impl Tss {
    /// All zeros, so the per-CPU blocks stay in .bss; `gdt::load` fills in
    /// what matters.
    pub const fn new() -> Self {
        Self {
            // SAFETY: the TSS is plain integers and addresses, for which all
            // zeros is a valid value.
            seg: unsafe { core::mem::zeroed() },
            bitmap: [0; 8193],
        }
    }
}

struct Slot(core::cell::UnsafeCell<Tss>);

// SAFETY: each CPU touches only its own slot (`mine`).
unsafe impl Sync for Slot {}

#[allow(clippy::declare_interior_mutable_const)] // only initialises SLOTS
const EMPTY: Slot = Slot(core::cell::UnsafeCell::new(Tss::new()));
/// Kept apart from the per-CPU blocks and all zeros, so it lands in .bss.
static SLOTS: [Slot; percpu::MAX_CPUS] = [EMPTY; percpu::MAX_CPUS];

/// The executing CPU's TSS (its index must be set in the per-CPU block).
pub fn mine() -> &'static mut Tss {
    let index = (percpu::current().index as usize).min(percpu::MAX_CPUS - 1);
    // SAFETY: only the CPU with this index uses this slot, and the kernel
    // is not reentrant on one CPU where it edits it (interrupts are off).
    unsafe { &mut *SLOTS[index].0.get() }
}

/// `iomap_base` with the bitmap in use.
const BITMAP_OFFSET: u16 = core::mem::size_of::<TaskStateSegment>() as u16;
/// `iomap_base` beyond the limit: every port denied.
pub const NO_BITMAP: u16 = 0xffff;

/// Denies all ports on the executing CPU until a bitmap is loaded again.
/// Safe to call without the kernel lock (touches only this CPU's TSS).
pub fn disable() {
    mine().seg.iomap_base = NO_BITMAP;
    percpu::current().io_pd = 0;
}

/// Before running an EC of `pd`: keep the loaded bitmap only if it is
/// `pd`'s current one.
pub fn switch_pd(pd: Ref<Pd>) {
    let cpu = percpu::current();
    if cpu.io_pd != pd.addr() || cpu.io_generation != pd.get().io.generation {
        disable();
    }
}

/// A #GP in user mode: if the running PD has ports and this CPU does not
/// have its bitmap loaded, load it and report that the instruction should
/// be retried.
pub fn load_on_fault(pd: Ref<Pd>) -> bool {
    let cpu = percpu::current();
    if cpu.io_pd == pd.addr() && cpu.io_generation == pd.get().io.generation {
        return false;
    }
    let Some([lo, hi]) = crate::cap::io_space::bitmap(pd) else {
        return false;
    };
    let tss = mine();
    tss.bitmap[..4096].copy_from_slice(&lo[..]);
    tss.bitmap[4096..8192].copy_from_slice(&hi[..]);
    tss.seg.iomap_base = BITMAP_OFFSET;
    cpu.io_pd = pd.addr();
    cpu.io_generation = pd.get().io.generation;
    true
}

//! Interrupts for user-level drivers: every GSI of the I/O APICs and a set
//! of MSI vectors has a semaphore, made by the kernel at boot and given to
//! the root PD. Routing one to a CPU (`AssignInt`) makes each interrupt an
//! up on its semaphore. A level-triggered GSI is masked when it fires and
//! unmasked by the next down, so the driver acknowledges the device first.

use crate::arch::{idt::vector, ioapic, percpu};
use crate::obj::sm::Sm;
use crate::obj::Ref;
use abi::{int_flags, Status};
use core::cell::UnsafeCell;

/// MSI vectors offered.
pub const MSI_COUNT: u32 = 16;
/// Device vectors available: from `DEVICE_FIRST` up to the timer's.
const DEVICE_VECTORS: u32 = (vector::TIMER - vector::DEVICE_FIRST) as u32;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Gsi(u32),
    Msi(u32),
}

struct Entry {
    sm: Option<Ref<Sm>>,
    level: bool,
    /// Masked by the driver (AssignInt with MASK, or never routed).
    masked: bool,
    /// A level-triggered GSI that fired and waits for the next down.
    pending_unmask: bool,
}

struct Table(UnsafeCell<[Entry; 256]>);

// SAFETY: only touched with the kernel lock held.
unsafe impl Sync for Table {}

#[allow(clippy::declare_interior_mutable_const)] // only initialises TABLE
const EMPTY: Entry = Entry {
    sm: None,
    level: false,
    masked: true,
    pending_unmask: false,
};
static TABLE: Table = Table(UnsafeCell::new([EMPTY; 256]));

fn table() -> &'static mut [Entry; 256] {
    // SAFETY: kernel lock held (module rule); no caller keeps the reference.
    unsafe { &mut *TABLE.0.get() }
}

static GSIS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// How many GSIs get semaphores: those of the I/O APICs, as far as the
/// device vectors reach after the MSIs.
pub fn set_gsi_count(n: u32) -> u32 {
    let n = n.min(DEVICE_VECTORS - MSI_COUNT);
    GSIS.store(n, core::sync::atomic::Ordering::Relaxed);
    n
}

fn vector_of(source: Source) -> u8 {
    let index = match source {
        Source::Gsi(g) => g,
        Source::Msi(m) => GSIS.load(core::sync::atomic::Ordering::Relaxed) + m,
    };
    vector::DEVICE_FIRST + index as u8
}

/// Records the semaphore of `source` (at boot).
pub fn register(source: Source, sm: Ref<Sm>) {
    table()[vector_of(source) as usize].sm = Some(sm);
}

/// The AssignInt call: routes `source` to `cpu`. Returns the MSI address
/// and data for an MSI source, zeros for a GSI.
pub fn assign(source: Source, cpu: usize, flags: u64) -> Result<(u64, u64), Status> {
    let v = vector_of(source);
    let apic_id = percpu::of(cpu).apic_id;
    // I/O APIC entries and MSI addresses carry 8-bit destinations.
    if apic_id > 0xff {
        return Err(Status::BadCpu);
    }
    let masked = flags & int_flags::MASK != 0;
    match source {
        Source::Gsi(gsi) => {
            let level = flags & int_flags::LEVEL != 0;
            let route = ioapic::Route {
                vector: v,
                apic_id,
                level,
                active_low: flags & int_flags::ACTIVE_LOW != 0,
                masked,
            };
            if !ioapic::route(gsi, route) {
                return Err(Status::Unsupported);
            }
            let e = &mut table()[v as usize];
            e.level = level;
            e.masked = masked;
            e.pending_unmask = false;
            Ok((0, 0))
        }
        Source::Msi(_) => {
            if flags & (int_flags::LEVEL | int_flags::ACTIVE_LOW) != 0 {
                return Err(Status::BadParameter);
            }
            table()[v as usize].masked = masked;
            Ok((0xfee0_0000 | u64::from(apic_id & 0xff) << 12, u64::from(v)))
        }
    }
}

/// A device interrupt arrived on vector `v`. Returns false if no semaphore
/// is routed there.
pub fn handle(v: u8) -> bool {
    let e = &mut table()[v as usize];
    let Some(sm) = e.sm else {
        return false;
    };
    if e.masked {
        return true;
    }
    if e.level {
        if let Some(Source::Gsi(gsi)) = sm.get().irq {
            ioapic::set_mask(gsi, true);
            e.pending_unmask = true;
        }
    }
    crate::ipc::sm::up(sm);
    true
}

/// A down on an interrupt semaphore: a masked level-triggered GSI may fire
/// again.
pub fn unmask(source: Source) {
    if let Source::Gsi(gsi) = source {
        let e = &mut table()[vector_of(source) as usize];
        if e.pending_unmask && !e.masked {
            e.pending_unmask = false;
            ioapic::set_mask(gsi, false);
        }
    }
}

/// The semaphore of `source` is going away: stop its interrupt.
pub fn detach(source: Source) {
    let e = &mut table()[vector_of(source) as usize];
    e.sm = None;
    e.masked = true;
    if let Source::Gsi(gsi) = source {
        ioapic::set_mask(gsi, true);
    }
}

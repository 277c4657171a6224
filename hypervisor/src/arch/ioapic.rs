//! The I/O APICs: each routes a range of GSIs to local APIC vectors through
//! its redirection table (registers reached through a select/window pair).

use crate::mem;
use spin::Mutex;

/// The most I/O APICs the kernel drives.
const MAX: usize = 8;

#[derive(Clone, Copy)]
struct IoApic {
    base: u64,
    gsi_base: u32,
    pins: u32,
}

static IOAPICS: Mutex<([Option<IoApic>; MAX], usize)> = Mutex::new(([None; MAX], 0));

fn read(base: u64, reg: u32) -> u32 {
    let va = mem::phys_to_virt(base);
    // SAFETY: `base` is an I/O APIC's register page from the MADT, mapped
    // through the direct map (which covers the first 4 GiB); the select
    // and window registers are 32-bit MMIO at offsets 0 and 0x10.
    unsafe {
        core::ptr::write_volatile(va as *mut u32, reg);
        core::ptr::read_volatile((va + 0x10) as *const u32)
    }
}

fn write(base: u64, reg: u32, value: u32) {
    let va = mem::phys_to_virt(base);
    // SAFETY: as in `read`.
    unsafe {
        core::ptr::write_volatile(va as *mut u32, reg);
        core::ptr::write_volatile((va + 0x10) as *mut u32, value);
    }
}

/// Records an I/O APIC and masks all its pins. Returns its pin count.
pub fn add(address: u64, gsi_base: u32) -> u32 {
    let pins = ((read(address, 1) >> 16) & 0xff) + 1;
    for pin in 0..pins {
        write(address, 0x10 + 2 * pin, 1 << 16);
    }
    let mut t = IOAPICS.lock();
    let n = t.1;
    if n < MAX {
        t.0[n] = Some(IoApic {
            base: address,
            gsi_base,
            pins,
        });
        t.1 += 1;
    }
    pins
}

fn find(gsi: u32) -> Option<(u64, u32)> {
    let t = IOAPICS.lock();
    t.0.iter().flatten().find_map(|a| {
        (gsi >= a.gsi_base && gsi < a.gsi_base + a.pins).then_some((a.base, gsi - a.gsi_base))
    })
}

/// How a GSI is routed.
#[derive(Clone, Copy)]
pub struct Route {
    pub vector: u8,
    pub apic_id: u32,
    pub level: bool,
    pub active_low: bool,
    pub masked: bool,
}

/// Programs `gsi`'s redirection entry; false if no I/O APIC has it.
pub fn route(gsi: u32, r: Route) -> bool {
    let Some((base, pin)) = find(gsi) else {
        return false;
    };
    let low = u32::from(r.vector)
        | u32::from(r.active_low) << 13
        | u32::from(r.level) << 15
        | u32::from(r.masked) << 16;
    write(base, 0x10 + 2 * pin, 1 << 16);
    write(base, 0x11 + 2 * pin, (r.apic_id & 0xff) << 24);
    write(base, 0x10 + 2 * pin, low);
    true
}

/// Masks or unmasks `gsi` without changing the rest of its entry.
pub fn set_mask(gsi: u32, masked: bool) {
    if let Some((base, pin)) = find(gsi) {
        let low = read(base, 0x10 + 2 * pin);
        write(
            base,
            0x10 + 2 * pin,
            (low & !(1 << 16)) | u32::from(masked) << 16,
        );
    }
}

//! What the kernel takes from the firmware's ACPI tables for itself: the
//! platform description, the I/O APICs it drives (all pins masked until a
//! driver routes one) and the MMIO pages it keeps from the root PD.

use crate::{mem, println};
use hv_core::acpi_info::{self, OffsetHandler, Platform};
use hv_core::fmt::Hex;

pub fn read_acpi(info_rsdp: Option<u64>) -> Option<Platform> {
    // SAFETY: the direct map covers all of the first 4 GiB and all RAM, so
    // every table address the firmware gives is readable through it.
    let handler = unsafe { OffsetHandler::new(mem::DIRECT_MAP) };
    // SAFETY: as above; the BIOS areas are below 1 MiB.
    let rsdp = info_rsdp.or_else(|| unsafe { acpi_info::find_rsdp_bios(handler) });
    let Some(rsdp) = rsdp else {
        println!("acpi: no RSDP found; only the boot CPU runs and power-off is unavailable");
        return None;
    };
    // SAFETY: as above; `rsdp` is the RSDP's physical address.
    match unsafe { acpi_info::parse(handler, rsdp) } {
        Ok(p) => Some(p),
        Err(_) => {
            println!(
                "acpi: the tables at ",
                Hex(rsdp),
                " could not be parsed; only the boot CPU runs"
            );
            None
        }
    }
}

/// Masks every I/O APIC pin and returns how many GSIs get semaphores.
pub fn setup_ioapics(p: &Platform) -> u32 {
    let mut end = 0;
    for a in p.ioapics() {
        let pins = crate::arch::ioapic::add(u64::from(a.address), a.gsi_base);
        end = end.max(a.gsi_base + pins);
    }
    crate::irq::set_gsi_count(end)
}

/// The MMIO pages the kernel drives itself: the local APICs' and the I/O
/// APICs' (empty slots are empty ranges).
pub fn kernel_mmio(p: Option<&Platform>) -> [hv_core::memmap::Range; 9] {
    use hv_core::memmap::Range;
    let mut out = [Range::new(0, 0); 9];
    // SAFETY: reading IA32_APIC_BASE has no side effect.
    let lapic = unsafe { x2apic::lapic::xapic_base() };
    out[0] = Range::new(lapic, lapic + 4096);
    if let Some(p) = p {
        for (slot, a) in out[1..].iter_mut().zip(p.ioapics()) {
            *slot = Range::new(u64::from(a.address), u64::from(a.address) + 4096);
        }
    }
    out
}

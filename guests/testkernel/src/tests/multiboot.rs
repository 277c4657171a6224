//! `test=multiboot mod=<name>`: what the Multiboot 1 loader handed over.
//! The information must carry the memory sizes, the command line, the
//! modules and the memory map; the map must give the low 640 KiB minus the
//! EBDA and everything from 1 MiB up to the RAM size as usable and nothing
//! in the legacy hole; there must be one module, named `<name>`, page-
//! aligned, above the kernel, in usable RAM, and holding an ELF file (the
//! scenarios pass the test kernel itself).

use super::report;
use crate::console::check;
use crate::multiboot::Info;

const T: &str = "multiboot";
const MIB: u64 = 1 << 20;
const USABLE: u32 = 1;
/// mem, cmdline, mods, mmap.
const FLAGS: u32 = 1 | 4 | 8 | 64;

extern "C" {
    static __bss_end: u8;
}

pub fn run(mb: &Info) {
    check(
        T,
        mb.flags() & FLAGS == FLAGS,
        "flags lack mem, cmdline, mods or mmap",
    );
    let lower = mb.mem_lower_kib() << 10;
    let top = MIB + (mb.mem_upper_kib() << 10);
    check(
        T,
        (512 << 10..=640 << 10).contains(&lower),
        "mem_lower implausible",
    );

    let usable = |from: u64, to: u64| {
        mb.memory_map()
            .any(|(b, l, t)| t == USABLE && b <= from && to <= b + l)
    };
    let entries = mb.memory_map().count() as u64;
    report(T, "memory map entries", entries, "");
    check(
        T,
        usable(0, lower),
        "the low memory is not usable in the map",
    );
    check(
        T,
        usable(MIB, top),
        "the RAM above 1 MiB is not usable in the map",
    );
    check(
        T,
        !mb.memory_map()
            .any(|(b, l, t)| t == USABLE && b < MIB && b + l > 0xa_0000),
        "the map makes the legacy hole usable",
    );

    let name = mb.arg(b"mod=").unwrap_or(b"");
    check(T, mb.modules().count() == 1, "not exactly one module");
    let Some(m) = mb.modules().next() else { return };
    // Only the symbol's address is taken: the end of the image.
    let kernel_end = core::ptr::addr_of!(__bss_end) as u64;
    check(T, m.string == name, "the module's string is not its name");
    check(T, m.start % 4096 == 0, "the module is not page-aligned");
    check(T, m.start >= kernel_end, "the module overlaps the kernel");
    check(
        T,
        m.end > m.start + 4 && usable(m.start, m.end),
        "the module is not in usable RAM",
    );
    // SAFETY: the module lies in usable RAM (checked), identity-mapped.
    let magic = unsafe { core::ptr::read_volatile(m.start as *const [u8; 4]) };
    check(
        T,
        &magic == b"\x7fELF",
        "the module does not hold the ELF file",
    );
    report(T, "module of", (m.end - m.start) >> 10, " KiB");
}

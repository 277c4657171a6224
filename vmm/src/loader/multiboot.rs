//! Multiboot 1 loading: the image the a.out-kludge address fields describe
//! (spec 0.6.96, section 3.1.3), the checks and the placement rules of the
//! [module documentation](super), and the writes into guest memory.
//!
//! The address fields name where the header lands (`header_addr`) and
//! where loading starts (`load_addr`); the file offset to load from is the
//! header's own offset minus `header_addr - load_addr`. `load_end_addr` 0
//! loads to the end of the file, `bss_end_addr` 0 means no bss. Every
//! field is checked against the file and the others: an inconsistent
//! header is refused, never loaded by a guess.

use alloc::vec::Vec;

use firmware::e820::{self, Region};
use firmware::multiboot as mbi;

use super::header::{self, Addresses};
use super::{elf32, Entry, Guest, Image, LoadError, Piece};
use crate::mem::{GuestMemory, NotRam};

/// What the information structure calls us.
const LOADER_NAME: &[u8] = b"vmm";
const PAGE: u64 = 0x1000;
/// Modules and the information area go no lower than this.
const HIGH_MEMORY: u64 = 0x10_0000;

/// The image the address fields of a header at file offset `offset`
/// describe.
fn aout_image<'f>(file: &'f [u8], offset: usize, a: &Addresses) -> Result<Image<'f>, LoadError> {
    let before_header =
        a.header_addr
            .checked_sub(a.load_addr)
            .ok_or(LoadError::BadAout("header_addr is below load_addr"))? as usize;
    let text = offset.checked_sub(before_header).ok_or(LoadError::BadAout(
        "load_addr lies before the start of the file",
    ))?;
    let load_len = if a.load_end_addr == 0 {
        // `text` ≤ `offset`, and the header at `offset` lies in the file.
        file.len() - text
    } else {
        a.load_end_addr
            .checked_sub(a.load_addr)
            .ok_or(LoadError::BadAout("load_end_addr is below load_addr"))? as usize
    };
    let bytes = text
        .checked_add(load_len)
        .and_then(|end| file.get(text..end))
        .ok_or(LoadError::BadAout(
            "load_end_addr lies beyond the end of the file",
        ))?;
    let load_end = u64::from(a.load_addr) + load_len as u64;
    if load_end > 1 << 32 {
        return Err(LoadError::BadAout("the image reaches beyond 4 GiB"));
    }
    let mem_end = if a.bss_end_addr == 0 {
        load_end
    } else if u64::from(a.bss_end_addr) < load_end {
        return Err(LoadError::BadAout(
            "bss_end_addr is below the end of the loaded bytes",
        ));
    } else {
        u64::from(a.bss_end_addr)
    };
    let pieces = if mem_end > u64::from(a.load_addr) {
        Vec::from([Piece {
            gpa: u64::from(a.load_addr),
            bytes,
            mem_len: mem_end - u64::from(a.load_addr),
        }])
    } else {
        Vec::new()
    };
    Ok(Image {
        pieces,
        entry: a.entry_addr,
    })
}

/// Checks the kernel's pieces against the map, each other and the entry
/// point; returns the end of the highest one.
fn check_kernel(map: &[Region], image: &Image) -> Result<u64, LoadError> {
    let mut pieces = image.pieces.clone();
    pieces.sort_by_key(|p| p.gpa);
    for p in &pieces {
        ram(map, p.gpa, p.mem_len)?;
    }
    if let Some(w) = pieces.windows(2).find(|w| w[0].end() > w[1].gpa) {
        return Err(LoadError::Overlap { addr: w[1].gpa });
    }
    let eip = u64::from(image.entry);
    if !pieces.iter().any(|p| (p.gpa..p.end()).contains(&eip)) {
        return Err(LoadError::EntryOutside(image.entry));
    }
    Ok(pieces.iter().map(Piece::end).max().unwrap_or(0))
}

fn ram(map: &[Region], addr: u64, len: u64) -> Result<(), LoadError> {
    if e820::is_ram(map, addr, len) {
        Ok(())
    } else {
        Err(LoadError::OutOfRam { addr, len })
    }
}

/// `x` rounded up to a page; `x` lies in RAM (below 3 GiB), so no overflow.
fn page_up(x: u64) -> u64 {
    (x + PAGE - 1) & !(PAGE - 1)
}

/// Loads the Multiboot 1 kernel `g.kernel` with its modules into `mem` (see
/// the [module documentation](super) for the rules). Nothing is written
/// unless everything fits.
///
/// `M` may be unsized so that `&dyn GuestMemory` works as soon as the trait
/// is dyn-compatible (its generic `read_le`/`write_le` keep it from that).
pub fn load<M: GuestMemory + ?Sized>(mem: &M, g: &Guest) -> Result<Entry, LoadError> {
    let map = e820::pc_map(g.ram).map_err(|_| LoadError::RamSize)?;
    let h = header::find(g.kernel)?;
    let image = match &h.addresses {
        Some(a) => aout_image(g.kernel, h.offset, a)?,
        None => elf32::image(g.kernel)?,
    };
    let kernel_end = check_kernel(&map, &image)?;

    let mut next = page_up(kernel_end.max(HIGH_MEMORY));
    let mut modules = Vec::with_capacity(g.modules.len());
    for m in g.modules {
        let len = m.data.len() as u64;
        ram(&map, next, len)?;
        modules.push(mbi::Module {
            start: next,
            end: next + len,
            string: m.cmdline,
        });
        next = page_up(next + len);
    }
    let info = mbi::BootInfo {
        map: &map,
        cmdline: g.cmdline,
        modules: &modules,
        loader_name: LOADER_NAME,
    };
    // Everything here lies in RAM below 3 GiB, so no pointer is too wide.
    let area = mbi::build(next, &info).map_err(|_| LoadError::OutOfRam { addr: next, len: 0 })?;
    ram(&map, next, area.len() as u64)?;

    let not_ram = |e: NotRam| LoadError::NotRam { gpa: e.gpa };
    for p in &image.pieces {
        mem.write(p.gpa, p.bytes).map_err(not_ram)?;
        let filled = p.bytes.len() as u64;
        zero(mem, p.gpa + filled, p.mem_len - filled).map_err(not_ram)?;
    }
    for (m, placed) in g.modules.iter().zip(&modules) {
        mem.write(placed.start, m.data).map_err(not_ram)?;
    }
    mem.write(next, &area).map_err(not_ram)?;
    Ok(Entry {
        eip: image.entry,
        ebx: next as u32,
    })
}

/// Zeroes `len` bytes from `gpa`, a page-sized write at a time.
fn zero<M: GuestMemory + ?Sized>(mem: &M, gpa: u64, len: u64) -> Result<(), NotRam> {
    const ZEROS: [u8; PAGE as usize] = [0; PAGE as usize];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(PAGE);
        mem.write(gpa + done, &ZEROS[..n as usize])?;
        done += n;
    }
    Ok(())
}

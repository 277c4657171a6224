//! Starting the root protection domain: the first boot module is loaded as a
//! static ELF into a fresh address space and entered in ring 3 with a stack
//! and the read-only hypervisor information page (HIP).
//!
//! Until the object model exists (protection domains, execution contexts),
//! the root PD is the one user program, run on the boot CPU; its faults are
//! reported as its own and stop it, never the hypervisor.

use crate::arch::frame::Frame;
use crate::arch::gdt::{USER_CODE, USER_DATA};
use crate::arch::paging::{self, MapError, NO_EXECUTE, SIZE_4K, USER, WRITABLE};
use crate::arch::{idt, kernel_space, percpu};
use crate::{console, fatal, mem, println};
use abi::hip::Hip;
use abi::{ROOT_HIP_ADDRESS, ROOT_STACK_SIZE, ROOT_STACK_TOP};
use hv_core::elf;
use hv_core::fmt::Hex;
use hv_core::show;

extern "C" {
    fn enter_user(frame: *const Frame) -> !;
}

/// Why the root PD could not be started.
enum StartError {
    NoModule,
    BadElf(elf::ElfError),
    OutOfMemory,
}

fn map_err(e: MapError) -> StartError {
    match e {
        MapError::OutOfMemory | MapError::AlreadyMapped => StartError::OutOfMemory,
    }
}

/// Maps a zeroed user page at `va` (or finds the one already there, when two
/// segments share a page) and returns its physical address.
fn user_page(root: u64, va: u64, flags: u64) -> Result<u64, StartError> {
    if let Some((pa, _)) = paging::translate(root, va) {
        return Ok(pa & !(SIZE_4K - 1));
    }
    let pa = mem::alloc_zeroed(1).ok_or(StartError::OutOfMemory)?;
    paging::map(root, va, pa, SIZE_4K, flags | USER).map_err(map_err)?;
    Ok(pa)
}

fn load_elf(root: u64, image: &[u8]) -> Result<u64, StartError> {
    let file = elf::parse(image).map_err(StartError::BadElf)?;
    for seg in file.segments() {
        let data = file.segment_data(&seg);
        let flags = if seg.flags.write { WRITABLE } else { 0 }
            | if seg.flags.exec { 0 } else { NO_EXECUTE };
        let mut va = seg.vaddr & !(SIZE_4K - 1);
        let end = seg.vaddr + seg.mem_size;
        while va < end {
            let pa = user_page(root, va, flags)?;
            // Copy the part of the file data that falls into this page.
            let copy_start = va.max(seg.vaddr);
            let copy_end = (va + SIZE_4K).min(seg.vaddr + seg.file_size);
            if copy_start < copy_end {
                let src = &data[(copy_start - seg.vaddr) as usize..(copy_end - seg.vaddr) as usize];
                let dst = mem::phys_to_virt(pa + (copy_start - va)) as *mut u8;
                // SAFETY: `dst` lies in the page just mapped for this segment
                // (the range stays inside it) and no one else uses it yet.
                unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
            }
            va += SIZE_4K;
        }
    }
    Ok(file.entry)
}

fn build(hip: &Hip) -> Result<(u64, u64), StartError> {
    let module = hip.modules().first().ok_or(StartError::NoModule)?;
    // SAFETY: the module's pages are reserved from the allocator at boot and
    // reached through the direct map; nothing writes them.
    let image = unsafe {
        core::slice::from_raw_parts(
            mem::phys_to_virt(module.base) as *const u8,
            module.size as usize,
        )
    };
    let root = kernel_space::new_user_space().ok_or(StartError::OutOfMemory)?;
    let entry = load_elf(root, image)?;

    let mut va = ROOT_STACK_TOP - ROOT_STACK_SIZE;
    while va < ROOT_STACK_TOP {
        user_page(root, va, WRITABLE | NO_EXECUTE)?;
        va += SIZE_4K;
    }
    let hip_page = user_page(root, ROOT_HIP_ADDRESS, NO_EXECUTE)?;
    // SAFETY: the HIP page was just allocated for this space and fits a Hip
    // (checked in the ABI crate); the user sees it read-only.
    unsafe { (mem::phys_to_virt(hip_page) as *mut Hip).write(*hip) };
    Ok((root, entry))
}

fn elf_error(e: elf::ElfError) -> &'static str {
    use elf::ElfError::*;
    match e {
        TooShort => "too short",
        NotElf => "not ELF",
        Not64Bit => "not 64-bit",
        NotLittleEndian => "not little-endian",
        NotX86_64 => "not x86-64",
        NotExecutable => "not an executable",
        BadProgramHeaders => "bad program headers",
        SegmentOutsideFile => "a segment lies outside the file",
        FileSizeExceedsMemSize => "a segment's file size exceeds its memory size",
        AddressOverflow => "a segment's address overflows",
        NotUserAddress => "a segment lies outside the user half",
        OverlappingSegments => "segments overlap",
        NoLoadableSegment => "no loadable segment",
        EntryOutsideSegments => "the entry point is outside the executable segments",
    }
}

/// Starts the root PD on this CPU; returns only if that is impossible.
pub fn start(hip: &Hip) {
    let (root, entry) = match build(hip) {
        Ok(v) => v,
        Err(e) => {
            let mut out = console::lock();
            show!(&mut *out, "hypervisor: cannot start root-pd: ");
            match e {
                StartError::NoModule => show!(&mut *out, "no boot module was given"),
                StartError::OutOfMemory => show!(&mut *out, "out of memory"),
                StartError::BadElf(err) => show!(
                    &mut *out,
                    "the first module is not a valid static ELF (",
                    elf_error(err),
                    ")"
                ),
            }
            show!(&mut *out, "\n");
            return;
        }
    };
    let cpu = percpu::current();
    cpu.user_space = root;
    cpu.entry_frame = Frame {
        rip: entry,
        cs: u64::from(USER_CODE),
        rflags: 0x202, // interrupts on
        rsp: ROOT_STACK_TOP,
        ss: u64::from(USER_DATA),
        rdi: ROOT_HIP_ADDRESS,
        ..Frame::ZERO
    };
    // SAFETY: the frame lives in this CPU's static block (kernel half, shared
    // by every space); `root` maps the user program and the kernel half, so
    // loading it keeps the kernel running until IRETQ leaves for ring 3.
    unsafe {
        paging::activate(root);
        enter_user(&cpu.entry_frame)
    }
}

/// An exception in ring 3: report it as the root PD's and stop the program.
pub fn user_exception(frame: &Frame) -> ! {
    {
        let mut out = console::lock();
        show!(
            &mut *out,
            "root-pd: killed by ",
            idt::exception_name(frame.vector),
            " (vector ",
            frame.vector,
            "), error ",
            Hex(frame.error),
            ", rip ",
            Hex(frame.rip),
            ", cr2 ",
            Hex(x86_64::registers::control::Cr2::read_raw()),
            "\n"
        );
        fatal::dump_registers(&mut *out, frame);
    }
    gone()
}

/// Stops the running user program for a reason other than an exception.
pub fn kill_current(reason: &str, rip: u64) -> ! {
    println!("root-pd: killed: ", reason, " (rip ", Hex(rip), ")");
    gone()
}

fn gone() -> ! {
    let cpu = percpu::current();
    if let Some(root) = kernel_space::root() {
        // SAFETY: the kernel tables map everything the kernel uses.
        unsafe { paging::activate(root) };
    }
    cpu.user_space = 0;
    println!("hypervisor: root-pd is gone; cpu ", cpu.index, " idles");
    crate::idle()
}

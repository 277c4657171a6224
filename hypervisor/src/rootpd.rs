//! Starting the root protection domain: its PD, EC and SC, the capabilities
//! it receives (its own objects, the interrupt semaphores, every port the
//! kernel does not use, all RAM it was given in its physical window), its
//! image loaded from the first boot module, and its quota: what is left of
//! the kernel pool.
//!
//! The kernel holds the original capabilities of the objects it makes here
//! (in the kernel PD), so the root PD can drop its own but not destroy them.

use crate::cap::mem_space::{self, UNCACHED};
use crate::cap::{self, obj_space, NodeList, Tree};
use crate::irq::{self, Source};
use crate::obj::pd::{self, Pd};
use crate::obj::{Obj, Ref};
use crate::{kmem, mem, println, sched};
use abi::cap::{rights, root, PHYS_WINDOW};
use abi::hip::{mem_kind, Hip};
use abi::{
    Selector, Space, Status, ROOT_HIP_ADDRESS, ROOT_STACK_SIZE, ROOT_STACK_TOP, ROOT_UTCB_ADDRESS,
};
use hv_core::elf;
use hv_core::quota::Quota;
use hv_core::tree;

/// The root SC's priority and quantum.
const ROOT_PRIO: u8 = 64;
const ROOT_QUANTUM_US: u64 = 10_000;

/// Calls `f(base, order)` for the naturally aligned blocks that tile
/// `[start, end)`, largest first where alignment allows.
pub fn blocks(
    mut start: u64,
    end: u64,
    mut f: impl FnMut(u64, u8) -> Result<(), Status>,
) -> Result<(), Status> {
    while start < end {
        let align = if start == 0 {
            63
        } else {
            start.trailing_zeros()
        };
        let fit = 63 - (end - start).leading_zeros();
        let order = align.min(fit).min(u32::from(abi::cap::MAX_ORDER));
        f(start, order as u8)?;
        start += 1 << order;
    }
    Ok(())
}

/// Gives `pd` a capability at `sel` derived from a kernel-held original of
/// `obj`.
fn grant(kernel: Ref<Pd>, pd: Ref<Pd>, sel: Selector, obj: Obj, rights: u8) -> Result<(), Status> {
    let orig = cap::alloc_node(kernel, Space::Obj, 0, 0, abi::cap::rights::ALL)?;
    orig.get().obj = Some(obj);
    obj.header().original = Some(orig);
    obj_space::prepare(pd, sel)?;
    let node = cap::alloc_node(pd, Space::Obj, sel, 0, rights)?;
    node.get().obj = Some(obj);
    tree::attach(&mut Tree, orig, node);
    obj_space::set(pd, sel, Some(node));
    Ok(())
}

/// Memory `[phys, phys + 2^order)` at page `page` of `pd`, with `rights`
/// and cache bits `cache`.
fn give_memory(
    pd: Ref<Pd>,
    page: u64,
    phys: u64,
    order: u8,
    rights: u8,
    cache: u64,
) -> Result<(), Status> {
    let node = cap::alloc_node(pd, Space::Mem, page, order, rights)?;
    node.get().phys = phys;
    node.get().cache = cache;
    mem_space::map(node)?;
    pd.get().mem.nodes.push_back(&mut NodeList, node);
    Ok(())
}

/// A fresh page for the root PD at `va` (or the one a previous segment put
/// there), with `rights`; returns its physical address.
fn own_page(pd: Ref<Pd>, va: u64, rights: u8) -> Result<u64, Status> {
    if let Some(node) = mem_space::find(pd, va >> 12) {
        // Two segments share the page: it gets the rights of both.
        node.get().rights |= rights;
        mem_space::unmap(node);
        mem_space::map(node)?;
        return Ok(node.get().phys << 12);
    }
    let pa = kmem::alloc(pd)?;
    give_memory(pd, va >> 12, pa >> 12, 0, rights, 0)?;
    Ok(pa)
}

fn load_elf(pd: Ref<Pd>, image: &[u8]) -> Result<u64, &'static str> {
    let file = elf::parse(image).map_err(|_| "the first module is not a valid static ELF")?;
    for seg in file.segments() {
        let data = file.segment_data(&seg);
        let r = rights::mem::READ
            | if seg.flags.write {
                rights::mem::WRITE
            } else {
                0
            }
            | if seg.flags.exec { rights::mem::EXEC } else { 0 };
        let mut va = seg.vaddr & !0xfff;
        while va < seg.vaddr + seg.mem_size {
            let pa = own_page(pd, va, r).map_err(|_| "out of memory for its image")?;
            let from = va.max(seg.vaddr);
            let to = (va + 4096).min(seg.vaddr + seg.file_size);
            if from < to {
                let src = &data[(from - seg.vaddr) as usize..(to - seg.vaddr) as usize];
                let dst = mem::phys_to_virt(pa + (from - va)) as *mut u8;
                // SAFETY: `dst..dst + len` lies in the page just given to
                // the root PD for this segment; nothing else uses it yet.
                unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
            }
            va += 4096;
        }
    }
    Ok(file.entry)
}

fn build(hip: &mut Hip) -> Result<(), &'static str> {
    const NO_MEMORY: &str = "out of kernel memory";
    let module = *hip.modules().first().ok_or("no boot module was given")?;
    let kernel = pd::create_kernel_pd().map_err(|_| NO_MEMORY)?;
    let pd = pd::create_root(u64::MAX).map_err(|_| NO_MEMORY)?;
    // SAFETY: the module's pages were kept out of every allocator at boot
    // and are only read here, through the direct map.
    let image = unsafe {
        core::slice::from_raw_parts(
            mem::phys_to_virt(module.base) as *const u8,
            module.size as usize,
        )
    };
    let entry = load_elf(pd, image)?;
    let mut va = ROOT_STACK_TOP - ROOT_STACK_SIZE;
    while va < ROOT_STACK_TOP {
        own_page(pd, va, rights::mem::RW).map_err(|_| NO_MEMORY)?;
        va += 4096;
    }
    let hip_page = kmem::alloc(pd).map_err(|_| NO_MEMORY)?;
    mem_space::map_fixed(
        pd,
        ROOT_HIP_ADDRESS >> 12,
        hip_page >> 12,
        rights::mem::READ,
    )
    .map_err(|_| NO_MEMORY)?;

    let gsis = hip.gsi_count;
    for n in 0..gsis + irq::MSI_COUNT {
        let source = if n < gsis {
            Source::Gsi(n)
        } else {
            Source::Msi(n - gsis)
        };
        let sm = crate::obj::sm::build(None, 0, Some(source)).map_err(|_| NO_MEMORY)?;
        irq::register(source, sm);
        let r = rights::sm::CTRL | rights::sm::UP | rights::sm::DOWN;
        grant(kernel, pd, root::GSI_BASE + u64::from(n), Obj::Sm(sm), r).map_err(|_| NO_MEMORY)?;
    }
    hip.msi_count = irq::MSI_COUNT;

    let mut from = 0;
    for (start, end) in root::KERNEL_PORTS
        .iter()
        .copied()
        .chain(core::iter::once((0x1_0000, 0x1_0000)))
    {
        blocks(from, start, |base, order| {
            let node = cap::alloc_node(pd, Space::Io, base, order, rights::io::ACCESS)?;
            cap::io_space::insert(node)
        })
        .map_err(|_| NO_MEMORY)?;
        from = end;
    }
    // The root PD may hand out executable memory, so its RAM capabilities
    // carry every right. A module's last page is whole: the module owns it.
    // Device memory is mapped uncached; ACPI tables are RAM it may read.
    for m in hip.memory() {
        let s = m.base.next_multiple_of(4096) >> 12;
        let (e, r, cache) = match m.kind {
            mem_kind::USABLE => ((m.base + m.size) >> 12, rights::mem::RWX, 0),
            mem_kind::MODULE => (
                (m.base + m.size).next_multiple_of(4096) >> 12,
                rights::mem::RWX,
                0,
            ),
            mem_kind::ACPI_RECLAIMABLE | mem_kind::ACPI_NVS => {
                ((m.base + m.size) >> 12, rights::mem::RW, 0)
            }
            mem_kind::DEVICE => ((m.base + m.size) >> 12, rights::mem::RW, UNCACHED),
            _ => continue,
        };
        blocks(s, e, |page, order| {
            give_memory(pd, (PHYS_WINDOW >> 12) + page, page, order, r, cache)
        })
        .map_err(|_| NO_MEMORY)?;
    }
    // SAFETY: the HIP page was just allocated for the root PD; a Hip fits
    // in a page (checked in the ABI crate).
    unsafe { (mem::phys_to_virt(hip_page) as *mut Hip).write(*hip) };

    let ec = crate::obj::ec::build(
        pd,
        0,
        ROOT_UTCB_ADDRESS,
        ROOT_STACK_TOP,
        root::EVT_BASE,
        entry,
        crate::obj::ec::Kind::Global,
    )
    .map_err(|_| NO_MEMORY)?;
    ec.get().regs.rdi = ROOT_HIP_ADDRESS;
    let sc = crate::obj::sc::bind(ec, ROOT_PRIO, ROOT_QUANTUM_US).map_err(|_| NO_MEMORY)?;
    let all = rights::pd::CTRL | rights::pd::CREATE | rights::pd::MACHINE;
    grant(kernel, pd, root::PD, Obj::Pd(pd), all).map_err(|_| NO_MEMORY)?;
    grant(kernel, pd, root::EC, Obj::Ec(ec), rights::ALL).map_err(|_| NO_MEMORY)?;
    grant(kernel, pd, root::SC, Obj::Sc(sc), rights::ALL).map_err(|_| NO_MEMORY)?;

    // The root PD may use whatever the pool still has.
    let used = pd.get().quota.used();
    let mut quota = Quota::new(used + kmem::pool_free_pages());
    let _ = quota.charge(used);
    pd.get().quota = quota;
    println!(
        "root-pd: quota ",
        quota.limit(),
        " pages, ",
        used,
        " used at start"
    );
    Ok(())
}

/// Builds the root PD and runs it; returns only if that is impossible.
pub fn start(hip: &mut Hip) {
    sched::lock::acquire();
    if let Err(why) = build(hip) {
        println!("hypervisor: cannot start root-pd: ", why);
        sched::lock::release();
        return;
    }
    sched::schedule()
}

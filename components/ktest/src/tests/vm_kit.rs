//! What the VM tests and the VM benchmark share: the backend check (the
//! only reason to skip), a VM PD with guest memory and exit portals, the
//! guest RAM (root-pd's `guest` item, executable unlike ktest's `ram`),
//! and vCPU states to start from.

use super::vm_guest::RAM_SIZE;
use crate::check::{ok, Fail};
use crate::ctx::Ctx;
use abi::cap::rights;
use abi::hip::feature;
use abi::vcpu::Exit;
use abi::Space;
use user_rt::loader::plan::PAGE;
use user_rt::sys::{self, Crd, Ec, Pd, Selector};
use user_rt::Line;

pub use super::vm_state::{ar, bits, exit_name, identity_tables, long_mode_state, reset_state};

/// The vCPUs' event base in the VM PD.
pub const VM_EVT: Selector = 64;
/// Kernel-memory quota of a VM PD (its vCPU, guest page tables).
pub const VM_QUOTA: u64 = 256;
/// Selectors a full set of exit portals takes (a power of two).
const EVT_BLOCK: u64 = Exit::COUNT.next_power_of_two();

/// The guest's `ebx` for each backend (see `vm_guest`).
pub fn backend(ctx: &Ctx) -> Result<u64, Fail> {
    if ctx.features & feature::VMX_EPT != 0 {
        Ok(super::vm_guest::BACKEND_VMX)
    } else if ctx.features & feature::SVM_NPT != 0 {
        Ok(super::vm_guest::BACKEND_SVM)
    } else {
        Err(Fail::skip(Line::new().str("neither VMX+EPT nor SVM+NPT")))
    }
}

/// Whether this CPU is QEMU's TCG (its brand string says so).
pub fn qemu_tcg() -> bool {
    use core::arch::x86_64::__cpuid;
    let mut brand = [0u8; 48];
    if __cpuid(0x8000_0000).eax < 0x8000_0004 {
        return false;
    }
    for (i, leaf) in (0x8000_0002..=0x8000_0004u32).enumerate() {
        let r = __cpuid(leaf);
        for (j, w) in [r.eax, r.ebx, r.ecx, r.edx].into_iter().enumerate() {
            let at = 16 * i + 4 * j;
            brand[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
    brand.windows(8).any(|w| w == b"QEMU TCG")
}

/// What the guest may use, from this CPU's CPUID.
pub fn guest_features() -> u64 {
    use core::arch::x86_64::__cpuid;
    let (basic, ext) = (__cpuid(1), __cpuid(0x8000_0001));
    let xsave = if basic.ecx & (1 << 26) != 0 {
        super::vm_guest::FEAT_XSAVE
    } else {
        0
    };
    let rdtscp = if ext.edx & (1 << 27) != 0 {
        super::vm_guest::FEAT_RDTSCP
    } else {
        0
    };
    xsave | rdtscp
}

/// A PD for a guest: its vCPUs, their exit portals, its guest memory.
pub struct Vm {
    pub pd: Pd,
}

impl Vm {
    pub fn new(ctx: &mut Ctx) -> Result<Self, Fail> {
        Ok(Self {
            pd: ctx.child_pd(VM_QUOTA)?,
        })
    }

    /// Maps `2^order` pages of ours at `va` into the guest at `gpa`.
    pub fn map(&self, ctx: &Ctx, va: u64, order: u8, rights: u8, gpa: u64) -> Result<(), Fail> {
        let crd = Crd::mem(va / PAGE, order, rights);
        ok(
            "delegate_guest",
            sys::delegate_guest(ctx.me, self.pd, crd, gpa / PAGE),
        )
    }

    /// Portals to `handler` with `mtd` for the exits `events` (each with
    /// the event number as its id), handed over as the vCPUs' event base of
    /// the VM PD. Our copies are at the returned base plus the event number.
    pub fn portals(
        &self,
        ctx: &mut Ctx,
        handler: Ec,
        mtd: u64,
        events: impl Iterator<Item = u64>,
    ) -> Result<Selector, Fail> {
        let base = portal_block(ctx);
        portals_at(ctx, base, handler, mtd, events)?;
        self.hand_over(ctx, base)?;
        Ok(base)
    }

    /// Delegates the portals at `base` (from [`portal_block`]) to the VM
    /// PD as its vCPUs' event base.
    pub fn hand_over(&self, ctx: &Ctx, base: Selector) -> Result<(), Fail> {
        let crd = Crd::new(Space::Obj, base, EVT_BLOCK.ilog2() as u8, rights::pt::CALL);
        ok(
            "delegate portals to the VM",
            sys::delegate(ctx.me, self.pd, crd, VM_EVT),
        )
    }

    /// A vCPU of the VM on `cpu`, without a scheduling context yet.
    pub fn vcpu(&self, ctx: &mut Ctx, cpu: u32) -> Result<Ec, Fail> {
        let at = ctx.sel();
        ok("create_vcpu", sys::create_vcpu(at, self.pd, cpu, VM_EVT))
    }
}

/// Selectors for a set of exit portals: portal `n` goes to the base plus
/// `n`.
pub fn portal_block(ctx: &mut Ctx) -> Selector {
    ctx.sels(EVT_BLOCK)
}

/// Portals to `handler` with `mtd` at `base` plus each of `events`, each
/// with its event number as its id.
pub fn portals_at(
    ctx: &mut Ctx,
    base: Selector,
    handler: Ec,
    mtd: u64,
    events: impl Iterator<Item = u64>,
) -> Result<(), Fail> {
    for n in events {
        let pt = ctx.portal_at(base + n, handler, mtd)?;
        ok("pt_ctrl", pt.set_id(n))?;
    }
    Ok(())
}

/// Every exit's event number.
pub fn all_exits() -> impl Iterator<Item = u64> {
    0..Exit::COUNT
}

/// The `guest` item root-pd hands over (read, write, execute: a guest
/// mapping has at most the rights of its source): the guest RAM, then the
/// spare page.
fn guest_item(ctx: &Ctx, offset: u64, bytes: u64) -> Result<u64, Fail> {
    let (at, size) = ctx
        .info
        .mem("guest")
        .ok_or(Fail::new("no `guest` RAM item"))?;
    if offset + bytes > size {
        return Err(Fail::new("the `guest` RAM item is too small"));
    }
    // SAFETY: the item is mapped read-write for ktest alone and only the VM
    // tests use it; no guest runs on it now (each test's VM is destroyed by
    // its cleanup before the next test starts).
    unsafe { core::ptr::write_bytes((at + offset) as *mut u8, 0, bytes as usize) };
    Ok(at + offset)
}

/// The guest RAM (`RAM_SIZE` bytes, aligned to its size), zeroed.
pub fn guest_ram(ctx: &Ctx) -> Result<u64, Fail> {
    guest_item(ctx, 0, RAM_SIZE)
}

/// One more page, zeroed.
pub fn spare_page(ctx: &Ctx) -> Result<u64, Fail> {
    guest_item(ctx, RAM_SIZE, PAGE)
}

/// Copies `bytes` into guest RAM at `ram` to guest-physical `gpa`.
pub fn copy_in(ram: u64, gpa: u64, bytes: &[u8]) {
    let end = gpa + bytes.len() as u64;
    assert!(end <= super::vm_guest::RAM_SIZE, "inside guest RAM");
    // SAFETY: inside the guest RAM block (asserted), which is ours and
    // mapped read-write; a byte copy has no alignment needs.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), (ram + gpa) as *mut u8, bytes.len()) };
}

/// `len` bytes of guest RAM at guest-physical `gpa`, if inside it.
pub fn guest_bytes(ram: u64, gpa: u64, len: u64) -> Option<&'static [u8]> {
    let end = gpa.checked_add(len)?;
    if end > super::vm_guest::RAM_SIZE {
        return None;
    }
    // SAFETY: inside the guest RAM block, mapped for ktest's lifetime; the
    // guest may write it concurrently only while it runs, and the VMM reads
    // it while the vCPU waits in an exit (or after it stopped).
    Some(unsafe { core::slice::from_raw_parts((ram + gpa) as *const u8, len as usize) })
}

/// The little-endian word at guest-physical `gpa`.
pub fn guest_word(ram: u64, gpa: u64) -> Option<u64> {
    let b = guest_bytes(ram, gpa, 8)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

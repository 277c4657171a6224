//! Per-CPU data, reached through the GS base while in the kernel.
//!
//! Each CPU owns one slot of a static array; the boot CPU fills an
//! application processor's slot before starting it, after which only that CPU
//! touches it. The first fields are read by `entry.S` at fixed offsets.

use core::cell::UnsafeCell;

/// The most CPUs the hypervisor brings online.
pub const MAX_CPUS: usize = abi::hip::HIP_MAX_CPUS;

#[repr(C)]
pub struct PerCpu {
    /// Address of this block (offset 0), so `gs:[0]` yields it.
    self_ptr: u64,
    /// Top of this CPU's kernel stack (offset 8): SYSCALL switches to it.
    pub kernel_stack_top: u64,
    /// Scratch for the user RSP during SYSCALL entry (offset 16).
    user_rsp: u64,
    /// Guest entry (`vm/`): the running vCPU's general registers (offset
    /// 24), AMD's host VMLOAD area (32) and the VMCB (40).
    pub vm_gprs: u64,
    pub vm_host: u64,
    pub vm_control: u64,
    /// Interrupts are open for a moment on the VM-exit path (`vm::run`):
    /// the handler returns without scheduling.
    pub vm_window: bool,
    pub index: u32,
    pub apic_id: u32,
    pub gdt: [u64; 7],
    /// The PD whose I/O bitmap the TSS holds (its address; 0: none) and
    /// that bitmap's generation (`arch::tss`).
    pub io_pd: u64,
    pub io_generation: u64,
    /// Where every exit to user mode takes its registers from: the running
    /// EC's registers are copied here before the kernel lock is released.
    pub entry_frame: super::frame::Frame,
    /// This CPU's local APIC, once enabled.
    pub lapic: Option<super::apic::Lapic>,
}

const _: () = assert!(core::mem::offset_of!(PerCpu, kernel_stack_top) == 8);
const _: () = assert!(core::mem::offset_of!(PerCpu, user_rsp) == 16);
const _: () = assert!(core::mem::offset_of!(PerCpu, vm_gprs) == 24);
const _: () = assert!(core::mem::offset_of!(PerCpu, vm_host) == 32);
const _: () = assert!(core::mem::offset_of!(PerCpu, vm_control) == 40);

struct Slot(UnsafeCell<PerCpu>);

// SAFETY: a slot is written by the boot CPU only before its owner starts, and
// afterwards only by its owner (see `current`), so no two CPUs race on one.
unsafe impl Sync for Slot {}

#[allow(clippy::declare_interior_mutable_const)] // only used to initialise SLOTS
const EMPTY: Slot = Slot(UnsafeCell::new(PerCpu {
    self_ptr: 0,
    kernel_stack_top: 0,
    user_rsp: 0,
    vm_gprs: 0,
    vm_host: 0,
    vm_control: 0,
    vm_window: false,
    index: 0,
    apic_id: 0,
    gdt: [0; 7],
    io_pd: 0,
    io_generation: 0,
    entry_frame: super::frame::Frame::ZERO,
    lapic: None,
}));

static SLOTS: [Slot; MAX_CPUS] = [EMPTY; MAX_CPUS];

/// Prepares slot `index` for a CPU that has not started yet.
///
/// # Safety
/// The CPU owning `index` must not be running, and no other reference to the
/// slot may be live.
pub unsafe fn prepare(index: usize, apic_id: u32) -> &'static mut PerCpu {
    // SAFETY: per the contract, nothing else references this slot now.
    let cpu = unsafe { &mut *SLOTS[index].0.get() };
    cpu.self_ptr = cpu as *mut PerCpu as u64;
    cpu.index = index as u32;
    cpu.apic_id = apic_id;
    cpu
}

/// Makes `cpu` the block of the executing CPU (GS base; the user's GS base
/// starts as 0 in KERNEL_GS_BASE for SWAPGS).
pub fn install(cpu: &PerCpu) {
    use x86_64::registers::model_specific::{GsBase, KernelGsBase};
    GsBase::write(x86_64::VirtAddr::new(cpu.self_ptr));
    KernelGsBase::write(x86_64::VirtAddr::new(0));
}

/// The executing CPU's block.
pub fn current() -> &'static mut PerCpu {
    let ptr: u64;
    // SAFETY: in the kernel GS points at this CPU's block, whose first field
    // is its own address; reading it has no side effect.
    unsafe {
        core::arch::asm!("mov {}, gs:[0]", out(reg) ptr, options(nostack, readonly, preserves_flags))
    };
    // SAFETY: `ptr` was set by `prepare` to this CPU's slot, which only this
    // CPU touches now; the kernel is not reentrant on one CPU (interrupts are
    // off in kernel code), so the returned reference is not aliased.
    unsafe { &mut *(ptr as *mut PerCpu) }
}

/// The block of CPU `index`, for the fields other CPUs may read once it is
/// online (its APIC ID).
pub fn of(index: usize) -> &'static PerCpu {
    // SAFETY: slots are written by their owner only before it is online
    // (`prepare`), or by the owner itself; others only read the fixed facts.
    unsafe { &*SLOTS[index.min(MAX_CPUS - 1)].0.get() }
}

/// Whether this CPU has installed its block yet (early boot has none).
pub fn installed() -> bool {
    x86_64::registers::model_specific::GsBase::read().as_u64() != 0
}

//! Which virtualization backend this machine uses, and the calls the
//! neutral code makes into it. Both vendor modules answer the same set:
//! per-CPU enabling, a new control page, entering the guest, decoding an
//! exit, and moving neutral state in and out of the control page.

use super::vcpu::Vcpu;
use super::{svm, vmx};
use crate::arch::{cpu::Features, percpu};
use abi::vcpu::VcpuState;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use hv_core::paging::PageSize;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    None,
    Vmx,
    Svm,
}

/// MSRs a guest reads and writes directly on both vendors: FS/GS base and
/// SYSENTER (in the VMCB or VMCS), PAT (the guest PAT under nested paging,
/// or the VMCS), and STAR, LSTAR, CSTAR, SFMASK and KERNEL_GS_BASE (VMLOAD
/// and VMSAVE on AMD, switched lazily on Intel). Every other MSR exits.
pub const PASS_THROUGH_MSRS: [u32; 11] = [
    0x174,
    0x175,
    0x176,
    0x277,
    0xc000_0081,
    0xc000_0082,
    0xc000_0083,
    0xc000_0084,
    0xc000_0100,
    0xc000_0101,
    0xc000_0102,
];

static BACKEND: AtomicU8 = AtomicU8::new(0);
#[allow(clippy::declare_interior_mutable_const)] // only initialises READY
const NOT_READY: AtomicBool = AtomicBool::new(false);
/// Whether each CPU enabled the backend (a vCPU is only made for those).
static READY: [AtomicBool; percpu::MAX_CPUS] = [NOT_READY; percpu::MAX_CPUS];
/// Raised when too many guest spaces lost mappings at once to name them.
static GLOBAL_GEN: AtomicU64 = AtomicU64::new(0);
static MAX_PAGE: AtomicU8 = AtomicU8::new(0);

pub fn backend() -> Backend {
    match BACKEND.load(Ordering::Relaxed) {
        1 => Backend::Vmx,
        2 => Backend::Svm,
        _ => Backend::None,
    }
}

/// Enables the machine's backend on the executing CPU. The boot CPU picks
/// it (VMX+EPT before SVM+NPT; a machine has at most one); later CPUs use
/// the same or none.
pub fn init_cpu(index: usize, f: &Features) {
    if index == 0 {
        let (chosen, max) = if f.vmx_ept {
            (1, vmx::init_boot())
        } else if f.svm_npt {
            (2, svm::init_boot())
        } else {
            (0, None)
        };
        let (chosen, max) = match max {
            Some(m) => (chosen, m),
            None => (0, PageSize::Size4K),
        };
        MAX_PAGE.store(page_code(max), Ordering::Relaxed);
        BACKEND.store(chosen, Ordering::Release);
        report(max);
    }
    let ok = match backend() {
        Backend::Vmx => vmx::init_cpu(),
        Backend::Svm => svm::init_cpu(),
        Backend::None => false,
    };
    READY[index].store(ok, Ordering::Release);
    if backend() != Backend::None && !ok {
        crate::println!("vm: cpu ", index, " could not enable virtualization");
    }
}

/// Whether vCPUs can run on `cpu`.
pub fn ready(cpu: u32) -> bool {
    READY
        .get(cpu as usize)
        .is_some_and(|r| r.load(Ordering::Acquire))
}

pub fn max_page() -> PageSize {
    match MAX_PAGE.load(Ordering::Relaxed) {
        2 => PageSize::Size1G,
        1 => PageSize::Size2M,
        _ => PageSize::Size4K,
    }
}

/// The page-size code `init_boot` reports.
pub fn page_code(p: PageSize) -> u8 {
    match p {
        PageSize::Size4K => 0,
        PageSize::Size2M => 1,
        PageSize::Size1G => 2,
    }
}

pub fn global_gen() -> u64 {
    GLOBAL_GEN.load(Ordering::Acquire)
}

pub fn bump_global_gen() {
    GLOBAL_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Fills a new vCPU's control page for a vCPU bound to `cpu`.
pub fn init_control(v: &mut Vcpu, cpu: u32) {
    match backend() {
        Backend::Vmx => vmx::init_control(v, cpu),
        Backend::Svm => svm::init_control(v),
        Backend::None => {}
    }
}

/// Runs the guest of `v` (on the CPU it is bound to, kernel lock released
/// by the caller's last step inside). `flush`: drop its tagged translations
/// first. Leaves through the exit path.
pub fn enter(v: &mut Vcpu, flush: bool) -> ! {
    match backend() {
        Backend::Vmx => vmx::enter(v, flush),
        _ => svm::enter(v, flush),
    }
}

/// What an exit means, decided by the vendor code.
pub enum Outcome {
    /// Handled here (a host interrupt, an NMI): enter the guest again.
    Resume,
    /// Deliver this event to the VMM (`qual`/`inst_len` are in the vCPU).
    Deliver(abi::vcpu::Exit),
}

pub fn decode(v: &mut Vcpu) -> Outcome {
    match backend() {
        Backend::Vmx => vmx::decode(v),
        _ => svm::decode(v),
    }
}

/// Copies the parts `mtd` selects from the vCPU into `s`.
pub fn save(v: &mut Vcpu, mtd: u64, s: &mut VcpuState) {
    match backend() {
        Backend::Vmx => vmx::save(v, mtd, s),
        _ => svm::save(v, mtd, s),
    }
}

/// Loads the parts `mtd` selects from `s` into the vCPU; refuses state the
/// hardware could not take safely (the vCPU is then stopped).
pub fn load(v: &mut Vcpu, mtd: u64, s: &VcpuState) -> Result<(), &'static str> {
    match backend() {
        Backend::Vmx => vmx::load(v, mtd, s),
        _ => svm::load(v, mtd, s),
    }
}

/// Tags (ASIDs or VPIDs) the hardware offers beyond 0 (the host's).
pub fn tags() -> u64 {
    match backend() {
        Backend::Vmx => vmx::tags(),
        Backend::Svm => svm::tags(),
        Backend::None => 1,
    }
}

/// Whether the guest of `v` could take an NMI now, when the hardware has
/// no NMI-window exit of its own (AMD); Intel reports the window itself.
pub fn nmi_window_open(v: &Vcpu) -> bool {
    match backend() {
        Backend::Svm => svm::nmi_window_open(v),
        _ => false,
    }
}

/// `v` is being destroyed: no CPU may save state into it any more.
pub fn forget(v: &Vcpu) {
    if backend() == Backend::Vmx {
        vmx::forget(v);
    }
}

/// Before a CPU returns to user mode: whatever guest state the last VM
/// exit left in it goes (Intel: the system-call MSRs, GDT and TR limits).
pub fn before_user() {
    if backend() == Backend::Vmx {
        vmx::before_user();
    }
}

fn report(max: PageSize) {
    let name = match backend() {
        Backend::Vmx => "VMX with EPT",
        Backend::Svm => "SVM with nested paging",
        Backend::None => {
            crate::println!("vm: no hardware virtualization (vCPUs unavailable)");
            return;
        }
    };
    let page = match max {
        PageSize::Size1G => "1 GiB",
        PageSize::Size2M => "2 MiB",
        PageSize::Size4K => "4 KiB",
    };
    crate::println!(
        "vm: ",
        name,
        ", guest pages up to ",
        page,
        ", ",
        tags(),
        " tags"
    );
}

/// Under the kernel lock, right before entering `v`'s guest: vendor state
/// that touches other vCPUs (Intel: the system-call MSRs, which saves the
/// previous vCPU's into it while it cannot be destroyed).
pub fn before_entry(v: &mut Vcpu) {
    if backend() == Backend::Vmx {
        vmx::before_entry(v);
    }
}

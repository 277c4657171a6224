//! The vCPU part of an EC: the hardware control page (VMCB or VMCS), the
//! guest registers the hardware does not keep there, and the neutral state
//! the hypervisor owns between exits (pending injection, window requests,
//! intercepts, XCR0).
//!
//! A vCPU lives in a page of its own charged to its PD; its control page is
//! a second one. Its guest FPU state is the EC's FPU area.

use super::{backend, gspace, remote, Backend};
use crate::kmem;
use crate::obj::ec::Ec;
use crate::obj::{pd::Pd, Ref};
use abi::vcpu::Exit;
use abi::Status;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The entry stubs find `gpr` and (Intel) `cr2` at the start.
#[repr(C)]
pub struct Vcpu {
    /// The guest's general registers by x86 number (rax and rsp are unused
    /// on AMD, where the VMCB holds them; rsp is unused on Intel).
    pub gpr: [u64; 16],
    /// The guest's CR2 (Intel: the VMCS has no field for it).
    pub cr2: u64,
    /// A number never reused, which tags TLB entries (`tag`).
    pub id: u64,
    /// Physical address of the VMCB or VMCS.
    pub control: u64,
    /// Intel: the virtual-APIC page behind the TPR shadow (guest CR8).
    pub apic_page: u64,
    /// Intel: the VMCS was set up on the vCPU's CPU.
    pub vmcs_ready: bool,
    /// Intel: STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE (`vmx::msrs`).
    pub msrs: [u64; 5],
    /// The guest RIP at the last exit, for reports from any CPU.
    pub last_rip: u64,
    /// DR0–DR3 and DR6 while another vCPU's are in the CPU (`debug_regs`).
    pub dr: [u64; 5],
    pub xcr0: u64,
    /// The neutral fields the hypervisor applies at each entry.
    pub inj: u64,
    pub requests: u64,
    pub intercepts: u64,
    /// Another EC asked for an exit (`EcCtrl` recall); read without the lock
    /// by nobody, but set from other CPUs under it.
    pub recall: AtomicBool,
    /// STARTUP was delivered.
    pub started: bool,
    /// Intel: the VMCS was launched (VMRESUME from now on).
    pub launched: bool,
    /// The guest-space generation this vCPU's TLB entries were flushed at.
    pub flushed_gen: u64,
    /// The last exit delivered, its qualification and instruction length.
    pub exit: u64,
    pub qual: [u64; 2],
    pub inst_len: u64,
    /// The last entry failed as invalid and was reported to the VMM.
    pub invalid_reported: bool,
    /// The guest space's root (EPT or nested CR3 table).
    pub root: u64,
    /// The ASID or VPID its TLB entries carry (`run::tag_for`).
    pub tag: u64,
    /// AMD: an injected NMI's handler has not returned yet.
    pub nmi_blocked: bool,
    /// The last entry may not have happened (an invalid-state exit), so the
    /// flush it was to make is still due.
    pub force_flush: bool,
    /// Intel: `launched` as the last entry found it (restored when the
    /// entry failed on the guest state, which leaves the VMCS as it was).
    pub launched_at_entry: bool,
    /// The length of the instruction an injected INT n / INT3 / INTO
    /// resumes after.
    pub inj_len: u64,
}

/// Makes `ec` (already built, not yet adopted) a vCPU of `pd`: gives the
/// PD a guest space if it has none, allocates the vCPU and control pages.
pub fn attach(ec: Ref<Ec>, pd: Ref<Pd>) -> Result<(), Status> {
    if backend() == Backend::None {
        return Err(Status::Unsupported);
    }
    let root = gspace::ensure(pd)?;
    let control = kmem::alloc(pd)?;
    let apic_page = if backend() == Backend::Vmx {
        match kmem::alloc(pd) {
            Ok(p) => p,
            Err(e) => {
                kmem::free(pd, control);
                return Err(e);
            }
        }
    } else {
        0
    };
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let value = Vcpu {
        gpr: [0; 16],
        cr2: 0,
        id,
        control,
        apic_page,
        vmcs_ready: false,
        msrs: [0; 5],
        last_rip: 0xfff0,
        dr: [0, 0, 0, 0, 0xffff_0ff0],
        xcr0: 1,
        inj: 0,
        requests: 0,
        intercepts: 0,
        recall: AtomicBool::new(false),
        started: false,
        launched: false,
        flushed_gen: 0,
        exit: Exit::Startup.event(),
        qual: [0; 2],
        inst_len: 0,
        invalid_reported: false,
        root,
        tag: super::run::tag_for(id),
        nmi_blocked: false,
        force_flush: false,
        launched_at_entry: false,
        inj_len: 0,
    };
    let v = match kmem::new_obj(Some(pd), value) {
        Ok(v) => v,
        Err(e) => {
            kmem::free(pd, control);
            if apic_page != 0 {
                kmem::free(pd, apic_page);
            }
            return Err(e);
        }
    };
    super::backend::init_control(v.get(), ec.get().cpu);
    ec.get().vcpu = Some(v);
    Ok(())
}

/// Takes the vCPU of `ec` (being destroyed) off every CPU and frees it.
pub fn detach(ec: Ref<Ec>) {
    let Some(v) = ec.get().vcpu.take() else {
        return;
    };
    let pd = ec.get().pd;
    // No CPU may still run the guest or (Intel) hold the VMCS when its page
    // goes back to the pool.
    let x = v.get();
    remote::release(ec.get().cpu as usize, x.control, x.root, x.vmcs_ready);
    super::backend::forget(v.get());
    super::debug_regs::forget(v.get());
    kmem::free(pd, v.get().control);
    if v.get().apic_page != 0 {
        kmem::free(pd, v.get().apic_page);
    }
    kmem::free_obj(Some(pd), v);
}

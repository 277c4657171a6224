//! The VM-exit test guest, `guests/vmtest/guest.S`, and the numbers of its
//! protocol with the VMM of [`super::vm`]: guest-physical layout, ports,
//! request codes and the values each side checks. They mirror the `VT_*`
//! symbols of the guest; the guest's first exit reports its load address,
//! which the VMM checks against [`LOAD`].

core::arch::global_asm!(
    include_str!("../../../../guests/vmtest/guest.S"),
    options(att_syntax)
);

extern "C" {
    // Labels of the guest's bytes in our read-only image (never called).
    fn vmtest_guest_start();
    fn vmtest_guest_end();
    fn vmtest_reset_start();
    fn vmtest_reset_end();
}

/// The bytes between two labels of ktest's image.
fn bytes(start: unsafe extern "C" fn(), end: unsafe extern "C" fn()) -> &'static [u8] {
    let (s, e) = (start as usize, end as usize);
    // SAFETY: both labels lie in the guest's section of ktest's image,
    // `end` after `start`; the image is mapped read-only for as long as
    // ktest runs and nothing writes it.
    unsafe { core::slice::from_raw_parts(s as *const u8, e.saturating_sub(s)) }
}

/// The guest, to be copied to guest-physical [`LOAD`].
pub fn image() -> &'static [u8] {
    bytes(vmtest_guest_start, vmtest_guest_end)
}

/// The reset stub, to be copied to guest-physical [`RESET`].
pub fn reset_stub() -> &'static [u8] {
    bytes(vmtest_reset_start, vmtest_reset_end)
}

/// Where the guest runs from.
pub const LOAD: u64 = 0x1000;
/// Where the CPU starts: CS base 0xf0000 plus IP 0xfff0.
pub const RESET: u64 = 0xf_fff0;
/// Guest RAM from guest-physical 0: 2^RAM_ORDER pages.
pub const RAM_ORDER: u8 = 9;
pub const RAM_SIZE: u64 = 4096 << RAM_ORDER;
/// A page delegated on its own, revoked and mapped again.
pub const REVOCABLE: u64 = 0x20_0000;
/// What the revocable page holds.
pub const REVOCABLE_VALUE: u64 = 0x5eed_0000_0000_0001;
/// Nothing is mapped here: accesses are emulated.
pub const MMIO: u64 = 0x4000_0000;
pub const MMIO_READ: u64 = 0xd00d_f00d_cafe_beef;
pub const MMIO_WRITE: u64 = 0x0123_4567_89ab_cdef;

/// Where the guest stores the CPUID answer's `ebx` and `ecx`.
pub const D_BACKEND: u64 = 0x800;
pub const D_FEATURES: u64 = 0x808;

pub mod port {
    /// OUT of a word: the guest's load address.
    pub const HELLO: u16 = 0x80;
    /// IN of a byte: the VMM answers [`super::IN_VALUE`].
    pub const IN: u16 = 0x81;
    /// OUT of a byte: a request (`ask`).
    pub const ASK: u16 = 0x82;
    /// OUT of a byte: a guest check failed at that step.
    pub const FAIL: u16 = 0x83;
}

/// Requests to [`port::ASK`].
pub mod ask {
    /// Clear the RDTSC intercept, set the TSC offset to 2^60.
    pub const TSC: u64 = 1;
    /// Intercept CR4 writes.
    pub const CR4: u64 = 2;
    /// Stop intercepting CR4 writes, intercept #UD.
    pub const UD: u64 = 3;
    /// Stop intercepting #UD, inject #GP([`super::GP_ERROR`]).
    pub const GP: u64 = 4;
    /// Ask for an interrupt window (interrupts are off).
    pub const INTR: u64 = 5;
    /// Ask for an NMI window.
    pub const NMI: u64 = 6;
    /// Revoke the page at [`super::REVOCABLE`].
    pub const REVOKE: u64 = 7;
    /// The guest spins until recalled.
    pub const SPIN: u64 = 8;
    /// Clear every intercept: the next exception is a triple fault.
    pub const END: u64 = 9;
}

pub const IN_VALUE: u64 = 0x5a;
pub const CPUID_LEAF: u64 = 0x4000_0000;
/// `edx` of the hypervisor leaf ("VMTS").
pub const CPUID_MAGIC: u64 = 0x5354_4d56;
/// `ebx` of the hypervisor leaf: which backend, so the guest picks VMCALL
/// or VMMCALL, VMXON or VMRUN.
pub const BACKEND_VMX: u64 = 1;
pub const BACKEND_SVM: u64 = 2;
/// `ecx` of the hypervisor leaf: what the guest may use.
pub const FEAT_XSAVE: u64 = 1;
pub const FEAT_RDTSCP: u64 = 2;
pub const MSR_READ: u64 = 0x4000_0123;
pub const MSR_WRITE: u64 = 0x4000_0124;
/// What RDMSR returns, as `edx:eax`.
pub const RDMSR_VALUE: u64 = 0x1122_3344_5566_7788;
/// What WRMSR writes, as `edx:eax`.
pub const WRMSR_VALUE: u64 = 0x99aa_bbcc_ddee_ff00;
pub const VMCALL_IN: u64 = 0x7663_616c;
pub const VMCALL_OUT: u64 = 0x600d_600d;
pub const RDTSC_VALUE: u64 = 0x12_3456_789a;
pub const RDTSCP_VALUE: u64 = 0x34_5678_9abc;
pub const TSC_AUX: u64 = 0x77;
pub const TSC_OFFSET: u64 = 1 << 60;
pub const GP_ERROR: u32 = 0x5a58;
pub const INTR_VECTOR: u8 = 0x40;

/// Instruction bytes the VMM finds at `rip` where it skips or emulates.
pub mod code {
    pub const UD2: &[u8] = &[0x0f, 0x0b];
    /// `mov (%rbx), %rax`
    pub const LOAD_RAX: &[u8] = &[0x48, 0x8b, 0x03];
    /// `mov %rcx, 8(%rbx)`
    pub const STORE_RCX: &[u8] = &[0x48, 0x89, 0x4b, 0x08];
    /// `jmp .`
    pub const SPIN: &[u8] = &[0xeb, 0xfe];
    pub const INVD: &[u8] = &[0x0f, 0x08];
    pub const XSETBV: &[u8] = &[0x0f, 0x01, 0xd1];
    pub const RDTSCP: &[u8] = &[0x0f, 0x01, 0xf9];
    pub const VMCALL: &[u8] = &[0x0f, 0x01, 0xc1];
    pub const VMMCALL: &[u8] = &[0x0f, 0x01, 0xd9];
    /// `vmxon (%rax)`
    pub const VMXON: &[u8] = &[0xf3, 0x0f, 0xc7, 0x30];
    pub const VMRUN: &[u8] = &[0x0f, 0x01, 0xd8];
}

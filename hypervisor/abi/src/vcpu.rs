//! Virtual CPUs: the one VM-exit interface for Intel VMX and AMD SVM.
//!
//! A vCPU is an EC created with [`crate::ec_flags::VCPU`] in a PD that has a
//! guest-physical space. Each VM exit is delivered as a call to the portal at
//! the vCPU's event base plus the [`Exit`] number; the portal's [`Mtd`]
//! selects which parts of [`VcpuState`] the hypervisor writes into the
//! handler's UTCB, and the MTD of the reply selects which parts it loads back
//! into the vCPU. The layout and the meaning of every field is the same on
//! both vendors: a VMM never sees a VMCS or VMCB.
//!
//! [`Mtd`]: crate::Mtd

mod fields;
mod state;

pub use fields::{cr, gpa, inj, intercept, intr_state, io, request};
pub use state::{mtd, word, Segment, Table, VcpuState, VCPU_STATE_WORDS};

/// Why a vCPU left the guest: the event number, added to the vCPU's event
/// base to find the portal that handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// An intercepted exception (vector 0–31). Vectors 1 (#DB) and 17 (#AC)
    /// always exit (a guest could otherwise keep the CPU in an endless
    /// delivery loop); 18 (#MC) never does (it stops the machine); the
    /// others exit when `intercepts` selects them.
    /// `qual[0]` = error code (0 if none), `qual[1]` = faulting address for
    /// #PF (the guest's CR2 is not changed).
    Exception(u8),
    /// CPUID; the leaf is in `rax`/`rcx`, the answer goes back in
    /// `rax`/`rbx`/`rcx`/`rdx`.
    Cpuid,
    /// Port I/O (every port exits); `qual[0]` is an [`io`] word.
    Io,
    /// A guest-physical access that the guest space does not allow;
    /// `qual[0]` = guest-physical address, `qual[1]` = [`gpa`] access bits.
    GpaFault,
    /// HLT.
    Hlt,
    /// RDMSR (index in `rcx`) of an MSR the hypervisor does not switch.
    Rdmsr,
    /// WRMSR (index in `rcx`, value in `rdx:rax`).
    Wrmsr,
    /// A control-register write selected by `intercepts`, or one the CPU
    /// cannot let the guest make itself; `qual[0]` is a [`cr`] word.
    CrAccess,
    /// The guest can take an external interrupt now (requested with
    /// [`request::INTR_WINDOW`]).
    IntrWindow,
    /// The guest can take an NMI now (requested with
    /// [`request::NMI_WINDOW`]).
    NmiWindow,
    /// A physical INIT signal reached the CPU while it ran the guest.
    Init,
    /// A physical start-up IPI reached the CPU while the guest waited for
    /// one; `qual[0]` = its vector.
    Sipi,
    /// The guest caused a triple fault (shutdown).
    TripleFault,
    /// VMCALL (Intel) or VMMCALL (AMD).
    Vmcall,
    /// PAUSE (when `intercepts` selects it).
    Pause,
    /// XSETBV; index in `rcx`, value in `rdx:rax`. A reply with an `xcr0`
    /// the CPU cannot give the guest stops the vCPU.
    Xsetbv,
    /// RDTSC (when `intercepts` selects it).
    Rdtsc,
    /// RDTSCP (when `intercepts` selects it).
    Rdtscp,
    /// The CPU refused to enter the guest with this state.
    InvalidState,
    /// An instruction or event the hypervisor cannot virtualize (the CPU's
    /// own VMX or SVM instructions, INVD, MONITOR/MWAIT, task switches,
    /// ...); the usual
    /// answer is to inject #UD. `qual[0]` = the vendor's exit code, for
    /// diagnostics only.
    Unsupported,
    /// Another EC recalled the vCPU (`EcCtrl` with [`crate::EcOp::Recall`]).
    Recall,
    /// The vCPU is about to run for the first time: the reply sets its
    /// initial state.
    Startup,
}

/// Exceptions occupy event numbers `0..EXCEPTIONS`.
pub const EXCEPTIONS: u64 = 32;

/// The exits after the exceptions, in event-number order.
const NAMED: [Exit; 21] = [
    Exit::Cpuid,
    Exit::Io,
    Exit::GpaFault,
    Exit::Hlt,
    Exit::Rdmsr,
    Exit::Wrmsr,
    Exit::CrAccess,
    Exit::IntrWindow,
    Exit::NmiWindow,
    Exit::Init,
    Exit::Sipi,
    Exit::TripleFault,
    Exit::Vmcall,
    Exit::Pause,
    Exit::Xsetbv,
    Exit::Rdtsc,
    Exit::Rdtscp,
    Exit::InvalidState,
    Exit::Unsupported,
    Exit::Recall,
    Exit::Startup,
];

impl Exit {
    /// Event numbers a vCPU uses: its event base covers `0..COUNT`.
    pub const COUNT: u64 = EXCEPTIONS + NAMED.len() as u64;

    /// The event number (portal selector offset).
    pub fn event(self) -> u64 {
        match self {
            Self::Exception(v) => u64::from(v),
            other => {
                let i = NAMED.iter().position(|e| *e == other).unwrap_or(0);
                EXCEPTIONS + i as u64
            }
        }
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Exception(_) => "exception",
            Self::Cpuid => "cpuid",
            Self::Io => "port i/o",
            Self::GpaFault => "guest-physical fault",
            Self::Hlt => "hlt",
            Self::Rdmsr => "rdmsr",
            Self::Wrmsr => "wrmsr",
            Self::CrAccess => "control-register access",
            Self::IntrWindow => "interrupt window",
            Self::NmiWindow => "nmi window",
            Self::Init => "init",
            Self::Sipi => "sipi",
            Self::TripleFault => "triple fault",
            Self::Vmcall => "vmcall",
            Self::Pause => "pause",
            Self::Xsetbv => "xsetbv",
            Self::Rdtsc => "rdtsc",
            Self::Rdtscp => "rdtscp",
            Self::InvalidState => "invalid guest state",
            Self::Unsupported => "unsupported",
            Self::Recall => "recall",
            Self::Startup => "startup",
        }
    }

    /// Decodes an event number; `None` outside `0..COUNT`.
    pub fn from_event(n: u64) -> Option<Self> {
        if n < EXCEPTIONS {
            return Some(Self::Exception(n as u8));
        }
        NAMED.get(usize::try_from(n - EXCEPTIONS).ok()?).copied()
    }
}

#[cfg(test)]
mod tests;

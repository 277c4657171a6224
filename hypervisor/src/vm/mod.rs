//! Hardware virtualization: vCPUs on Intel VMX+EPT or AMD SVM+NPT behind one
//! vendor-neutral interface.
//!
//! - `backend`: which of the two this machine uses (chosen at boot from
//!   CPUID) and the calls every vendor module answers;
//! - `gspace`: guest-physical spaces (EPT or NPT tables) and their flushes;
//! - `vcpu`: the vCPU part of an EC, its creation and destruction;
//! - `run`: entering a guest, the exit path, and what the hypervisor handles
//!   itself (host interrupts) versus what becomes a call to the VMM;
//! - `state`: the neutral `VcpuState` in and out of a handler's UTCB;
//! - `svm/`, `vmx/`: the vendor code (VMCB, VMCS, entry stubs, exit decoding).
//!
//! A VM exit is a kernel entry of its own: the entry stub saves the guest's
//! general registers into the vCPU and continues on a fresh kernel stack, so
//! the exit path, like every other, ends in the scheduler.

pub mod backend;
mod debug_regs;
pub mod gspace;
pub mod remote;
pub mod run;
pub mod state;
mod svm;
pub mod vcpu;
mod vmx;

pub use backend::{backend, Backend};

//! Intel exit reasons as neutral exits, the event state applied before each
//! entry, and a VM entry the CPU refused outright.

use super::state::proc_controls;
use super::vmcs::{field as f, read, write};
use crate::vm::backend::Outcome;
use crate::vm::vcpu::Vcpu;
use abi::vcpu::{cr, gpa, inj, io, request, Exit};

/// Before VM entry: the event to inject and the window requests.
pub fn prepare_entry(v: &mut Vcpu) {
    write(f::PROC_CONTROLS, proc_controls(v));
    if v.inj & inj::VALID == 0 {
        write(f::ENTRY_INTR_INFO, 0);
        return;
    }
    let kind = inj::kind_of(v.inj);
    write(f::ENTRY_INTR_INFO, v.inj & 0x8000_0fff);
    if v.inj & inj::ERROR_VALID != 0 {
        write(f::ENTRY_EXCEPTION_ERROR, v.inj >> 32);
    }
    if kind == inj::kind::SOFT_INT || kind == inj::kind::SOFT_EXCEPTION || kind == 5 {
        write(f::ENTRY_INSTRUCTION_LEN, v.inj_len);
    }
    v.inj = 0;
}

fn io_qual(q: u64) -> u64 {
    let mut flags = 0;
    if q & (1 << 3) != 0 {
        flags |= io::IN;
    }
    if q & (1 << 4) != 0 {
        flags |= io::STRING;
    }
    if q & (1 << 5) != 0 {
        flags |= io::REP;
    }
    io::encode((q >> 16) as u16, (q & 7) + 1, flags)
}

fn ept_access(q: u64) -> u64 {
    let mut a = if q & 2 != 0 {
        gpa::WRITE
    } else if q & 4 != 0 {
        gpa::EXEC
    } else {
        gpa::READ
    };
    if q & 0x38 != 0 {
        a |= gpa::PRESENT;
    }
    a
}

/// Decodes the exit the current VMCS reports.
pub fn decode(v: &mut Vcpu) -> Outcome {
    let reason = read(f::EXIT_REASON);
    let q = read(f::EXIT_QUALIFICATION);
    let vectoring = read(f::IDT_VECTORING_INFO);
    if vectoring & inj::VALID != 0 {
        // Interrupted while delivering an event: deliver it again.
        let error = if vectoring & inj::ERROR_VALID != 0 {
            read(f::IDT_VECTORING_ERROR) << 32
        } else {
            0
        };
        v.inj = (vectoring & 0x8000_0fff) | error;
        // An INT n, INT3, INTO or ICEBP cut short resumes after itself:
        // the exit reports its length.
        v.inj_len = read(f::EXIT_INSTRUCTION_LEN);
    }
    let len = read(f::EXIT_INSTRUCTION_LEN);
    v.qual = [0, 0];
    v.inst_len = 0;
    v.last_rip = read(f::GUEST_RIP);
    let basic = reason & 0xffff;
    if reason & (1 << 31) != 0 {
        // The CPU refused the guest state (33) or its MSR loads (34); the
        // VMCS keeps the launch state it had.
        v.launched = v.launched_at_entry;
        return Outcome::Deliver(Exit::InvalidState);
    }
    let exit = match basic {
        0 => {
            let info = read(f::EXIT_INTR_INFO);
            if (info >> 8) & 7 == 2 {
                // An NMI of the host's: only the fatal path sends those.
                if crate::fatal::stopping() {
                    crate::fatal::halt_forever();
                }
                return Outcome::Resume;
            }
            if info & 0xff == 18 {
                machine_check();
            }
            if info & (1 << 12) != 0 && vectoring & inj::VALID == 0 {
                nmi_blocked_again();
            }
            let error = if info & inj::ERROR_VALID != 0 {
                read(f::EXIT_INTR_ERROR)
            } else {
                0
            };
            // #PF: the address; #DB: what triggered it (DR6-like bits).
            let detail = matches!(info & 0xff, 1 | 14).then_some(q).unwrap_or(0);
            v.qual = [error, detail];
            if (info >> 8) & 7 == 6 {
                v.inst_len = len;
            }
            Exit::Exception(info as u8)
        }
        1 => return Outcome::Resume,
        41 => machine_check(),
        2 => Exit::TripleFault,
        3 => Exit::Init,
        4 => {
            v.qual[0] = q & 0xff;
            Exit::Sipi
        }
        7 => {
            v.requests &= !request::INTR_WINDOW;
            Exit::IntrWindow
        }
        8 => {
            v.requests &= !request::NMI_WINDOW;
            Exit::NmiWindow
        }
        28 => {
            let access = (q >> 4) & 3;
            v.qual[0] = cr::encode(q & 0xf, access, (q >> 8) & 0xf);
            v.inst_len = len;
            Exit::CrAccess
        }
        30 => {
            v.qual[0] = io_qual(q);
            v.inst_len = len;
            Exit::Io
        }
        48 => {
            if q & (1 << 12) != 0 && vectoring & inj::VALID == 0 {
                nmi_blocked_again();
            }
            v.qual = [read(f::GUEST_PHYSICAL), ept_access(q)];
            Exit::GpaFault
        }
        _ => {
            let exit = match basic {
                10 => Exit::Cpuid,
                12 => Exit::Hlt,
                16 => Exit::Rdtsc,
                18 => Exit::Vmcall,
                31 => Exit::Rdmsr,
                32 => Exit::Wrmsr,
                40 => Exit::Pause,
                51 => Exit::Rdtscp,
                55 => Exit::Xsetbv,
                _ => {
                    v.qual[0] = basic;
                    Exit::Unsupported
                }
            };
            if exit != Exit::Unsupported {
                v.inst_len = len;
            }
            exit
        }
    };
    Outcome::Deliver(exit)
}

/// VMLAUNCH or VMRESUME failed without entering (a control field the CPU
/// refused, typically an event the VMM asked to inject that VMX cannot
/// deliver): the vCPU cannot go on.
#[no_mangle]
extern "C" fn vmx_entry_failed() -> ! {
    crate::arch::percpu::current().vm_window = false;
    crate::vm::run::left_guest();
    crate::sched::lock::acquire();
    let error = read(f::INSTRUCTION_ERROR);
    if let Some(ec) = crate::sched::running().filter(|e| e.get().vcpu.is_some()) {
        if let Some(v) = ec.get().vcpu {
            // A refused VMLAUNCH or VMRESUME leaves the launch state as it was.
            v.get().launched = v.get().launched_at_entry;
        }
        crate::println!("vm: VM entry failed with VMX instruction error ", error);
        crate::vm::run::stop(ec, "the CPU refused to enter the guest with this state");
    }
    crate::obj::destroy::run();
    crate::sched::finish()
}

/// A machine check while the CPU ran a guest (or entered it): the
/// hardware's, not the guest's. The machine stops, as for one in the host.
fn machine_check() -> ! {
    crate::println!("hypervisor: machine check while running a guest");
    crate::fatal::stop_machine()
}

/// The exit interrupted an IRET that had already unblocked NMIs: the guest
/// restarts that IRET, so NMIs are blocked until it completes.
fn nmi_blocked_again() {
    let state = read(f::GUEST_INTERRUPTIBILITY);
    write(
        f::GUEST_INTERRUPTIBILITY,
        state | abi::vcpu::intr_state::NMI,
    );
}

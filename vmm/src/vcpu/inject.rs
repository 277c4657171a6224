//! Delivering the platform's interrupts into a vCPU's next entry.
//!
//! An interrupt goes in only when the guest can take it (RFLAGS.IF set, no
//! STI or MOV SS shadow) and no other event is already on its way in;
//! otherwise the VMM asks for an interrupt-window exit and tries again
//! there. An NMI needs no IF, only the absence of NMI blocking.

use abi::vcpu::{inj, intr_state, request, VcpuState};

use crate::platform::{Intr, Platform};

const IF: u64 = 1 << 9;
const NMI_VECTOR: u64 = 2;

/// Fills `state.inj` and `state.requests` for `vcpu` from the platform.
pub fn inject(state: &mut VcpuState, p: &mut Platform, vcpu: u32) {
    state.requests = 0;
    let Some(what) = p.pending(vcpu) else {
        return;
    };
    if state.inj & inj::VALID != 0 {
        // An event cut short is delivered again first; come back after it.
        state.requests = if what == Intr::Nmi {
            request::NMI_WINDOW
        } else {
            request::INTR_WINDOW
        };
        return;
    }
    let shadow = state.intr_state & (intr_state::STI | intr_state::MOV_SS) != 0;
    match what {
        Intr::Nmi if state.intr_state & intr_state::NMI == 0 && !shadow => {
            p.ack(vcpu, what);
            state.inj = inj::VALID | (inj::kind::NMI << 8) | NMI_VECTOR;
        }
        Intr::Nmi => state.requests = request::NMI_WINDOW,
        _ if state.rflags & IF != 0 && !shadow => {
            if let Some(v) = p.ack(vcpu, what) {
                state.inj = inj::VALID | (inj::kind::EXTERNAL << 8) | u64::from(v);
            }
        }
        _ => state.requests = request::INTR_WINDOW,
    }
}

/// An exception for the guest (with `code` if it has one).
pub fn exception(state: &mut VcpuState, vector: u8, code: Option<u32>) {
    let mut e = inj::VALID | (inj::kind::EXCEPTION << 8) | u64::from(vector);
    if let Some(c) = code {
        e |= inj::ERROR_VALID | (u64::from(c) << 32);
    }
    state.inj = e;
}

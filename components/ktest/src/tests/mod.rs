//! The tests, one module per subject; [`ALL`] lists them in running order.

mod basic;
mod calls;
mod create2;
mod create_ec;
mod create_pd;
mod delegate;
mod delegate_refusals;
mod destroy;
mod entry;
mod exc;
mod exc_abort;
mod exc_stop;
mod fpu;
mod io_leak;
mod ipc;
mod ipc_order;
mod ipc_reset;
mod irq_level;
mod irq_rtc;
mod isolation;
pub mod kit;
mod large_pages;
mod memtype;
mod revoke;
mod revoke_refusals;
mod sched;
mod sm_ctrl;
mod sm_wait;
mod smp;
mod vm;
mod vm_emul;
mod vm_errors;
pub mod vm_guest;
mod vm_handover;
pub mod vm_kit;
mod vm_refusals;
mod vm_seq;
mod vm_seq_late;
mod vm_state;

use crate::suite::Test;

/// Every group of tests, in order.
pub const ALL: &[&[Test]] = &[
    basic::TESTS,
    create_pd::TESTS,
    create_ec::TESTS,
    create2::TESTS,
    sm_ctrl::TESTS,
    sm_wait::TESTS,
    delegate_refusals::TESTS,
    delegate::TESTS,
    memtype::TESTS,
    ipc::TESTS,
    ipc_order::TESTS,
    ipc_reset::TESTS,
    exc::TESTS,
    exc_stop::TESTS,
    exc_abort::TESTS,
    revoke_refusals::TESTS,
    revoke::TESTS,
    large_pages::TESTS,
    destroy::TESTS,
    isolation::TESTS,
    io_leak::TESTS,
    sched::TESTS,
    smp::TESTS,
    irq_rtc::TESTS,
    irq_level::TESTS,
    fpu::TESTS,
    entry::TESTS,
    vm_refusals::TESTS,
    vm::TESTS,
    vm_errors::TESTS,
    vm_handover::TESTS,
];

//! The tests, one module per subject; [`ALL`] lists them in running order.

mod basic;
mod create2;
mod create_ec;
mod create_pd;
mod delegate;
mod delegate_refusals;
mod destroy;
mod entry;
mod exc;
mod exc_stop;
mod fpu;
mod ipc;
mod irq_rtc;
mod isolation;
pub mod kit;
mod memtype;
mod revoke;
mod revoke_refusals;
mod sched;
mod sm_ctrl;
mod sm_wait;
mod smp;

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
    exc::TESTS,
    exc_stop::TESTS,
    revoke_refusals::TESTS,
    revoke::TESTS,
    destroy::TESTS,
    isolation::TESTS,
    sched::TESTS,
    smp::TESTS,
    irq_rtc::TESTS,
    fpu::TESTS,
    entry::TESTS,
];

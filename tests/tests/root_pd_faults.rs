//! A fault in root-pd without an event portal is reported and its EC
//! killed; the hypervisor itself carries on. A fault in the hypervisor stops the machine with a report.

use tests::{assert_no_fatal, Accel, Boot, Scenario};

fn fault(name: &str, kind: &str, reported: &str) {
    let out = Scenario::new(name)
        .accel(Accel::Tcg)
        .boot(Boot::Kernel)
        .smp(2)
        .root_args(&format!("fault={kind}"))
        .expect(reported)
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
}

#[test]
fn root_pd_fault_is_reported_not_a_panic() {
    fault(
        "root_pd_fault_is_reported_not_a_panic",
        "pf",
        r"ec killed: pd 1 ec 0: #PF \(vector 14\) without a handler, error 0x6, rip 0x[0-9a-f]+, cr2 0xdead0000",
    );
}

#[test]
fn root_pd_invalid_opcode_is_reported_not_a_panic() {
    fault(
        "root_pd_invalid_opcode_is_reported_not_a_panic",
        "ud",
        r"ec killed: pd 1 ec 0: #UD \(vector 6\) without a handler",
    );
}

/// A fault in ring 0 is the one thing that stops the machine: the report
/// names the exception, CPU, RIP and CR2, and QEMU exits with the failure
/// status of the debug-exit port.
#[test]
fn hypervisor_fault_is_reported_and_stops_the_machine() {
    let out = Scenario::new("hypervisor_fault_is_reported_and_stops_the_machine")
        .accel(Accel::Tcg)
        .boot(Boot::Kernel)
        .smp(2)
        .cmdline("exit=debug fault=kernel")
        .expect(r"HYPERVISOR FATAL: #PF \(vector 14\) in the hypervisor on cpu 0, error 0x0, rip 0x[0-9a-f]+, cr2 0x10")
        .expect(r"rax=0x[0-9a-f]{16}")
        .expect("HYPERVISOR FATAL: machine stopped")
        .exit_code(35)
        .run();
    out.assert_success();
}

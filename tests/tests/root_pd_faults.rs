//! A fault in root-pd is reported and the PD killed; the hypervisor itself carries on.

use tests::{assert_no_fatal, Accel, Boot, Scenario};

fn fault(name: &str, kind: &str, reported: &str) {
    let out = Scenario::new(name)
        .accel(Accel::Tcg)
        .boot(Boot::Kernel)
        .smp(2)
        .root_args(&format!("fault={kind}"))
        .expect(reported)
        .expect("hypervisor: root-pd is gone")
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
}

#[test]
fn root_pd_fault_is_reported_not_a_panic() {
    fault(
        "root_pd_fault_is_reported_not_a_panic",
        "pf",
        "root-pd: killed by #PF",
    );
}

#[test]
fn root_pd_invalid_opcode_is_reported_not_a_panic() {
    fault(
        "root_pd_invalid_opcode_is_reported_not_a_panic",
        "ud",
        "root-pd: killed by #UD",
    );
}

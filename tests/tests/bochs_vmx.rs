//! Boots under Bochs (VMX with EPT) from the GRUB ISO, and powers off.

use std::time::Duration;

use tests::{assert_no_fatal, Accel, Scenario};

/// Bochs ends with status 1 on ACPI power-off (and on `Shutdown` at port 0x8900): the request
/// is a Bochs panic, and `panic: action=fatal` exits with 1. Since any other panic exits with 1
/// too, the test also checks the reason Bochs gave, which xtask reports.
const BOCHS_POWER_OFF_STATUS: i32 = 1;

#[test]
fn bochs_vmx_iso_boot_smp2() {
    let out = Scenario::new("bochs_vmx_iso_boot_smp2")
        .accel(Accel::Bochs)
        .bochs_cpu("corei7_skylake_x")
        .smp(2)
        .root_args("then=poweroff")
        .expect("root-pd: up, 2 CPUs")
        .expect(r"^features: .*vmx\+ept=yes")
        .expect("root-pd: hypercall error paths ok")
        .expect(r"root-pd: start state ok: \d+ MiB RAM and \d+ MiB device memory")
        .expect("hypervisor: power off")
        .exit_code(BOCHS_POWER_OFF_STATUS)
        .timeout(Duration::from_secs(300))
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
    // Bochs, like real CPUs, keeps an LVT masked while its APIC is
    // software-disabled: an application processor's timer must work anyway.
    out.assert_count(r"^cpu \d+: online, apic id \d+( \(boot CPU\))?$", 2);
    assert!(
        out.output.contains("ACPI control: soft power off"),
        "Bochs did not stop for an ACPI power-off:\n{}\n{}",
        out.verdict(),
        tests::framed(&out.log)
    );
}

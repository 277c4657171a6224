//! Boots under QEMU TCG (SVM with NPT): SMP bring-up, both boot paths, power-off and reboot
//! through the ACPI FADT.

use tests::{assert_no_fatal, Accel, Boot, Scenario};

#[test]
fn qemu_tcg_kernel_boot_smp4() {
    let out = Scenario::new("qemu_tcg_kernel_boot_smp4")
        .accel(Accel::Tcg)
        .boot(Boot::Kernel)
        .smp(4)
        .cmdline("exit=debug")
        .root_args("then=poweroff")
        .expect(r"root-pd: up, 4 CPUs, \d+ MiB")
        .expect("root-pd: hypercall error paths ok")
        .expect(r"root-pd: start state ok: \d+ MiB RAM and \d+ MiB device memory")
        // isa-debug-exit: the hypervisor writes 0x10 for success, QEMU exits (0x10 << 1) | 1.
        .exit_code(33)
        .run();
    out.assert_success();
    out.assert_count(r"^cpu \d+: online", 4);
    // Every CPU's timer interrupt arrived in its self-test.
    out.assert_count("timer FAILED", 0);
    assert_no_fatal(&out.log);
    out.assert_line(r"^features: .*svm\+npt=yes");
    out.assert_line(r"^timer: (tsc-deadline|one-shot) ok");
}

#[test]
fn qemu_tcg_iso_boot_acpi_poweroff() {
    let out = Scenario::new("qemu_tcg_iso_boot_acpi_poweroff")
        .accel(Accel::Tcg)
        .boot(Boot::Iso)
        .smp(2)
        .root_args("then=poweroff")
        .expect("root-pd: up, 2 CPUs")
        .expect("hypervisor: power off")
        // ACPI power-off through the FADT ends QEMU with status 0.
        .exit_code(0)
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
}

#[test]
fn qemu_tcg_reboot_via_fadt() {
    let out = Scenario::new("qemu_tcg_reboot_via_fadt")
        .accel(Accel::Tcg)
        .boot(Boot::Kernel)
        .smp(1)
        .root_args("then=reboot")
        .expect("hypervisor: reboot")
        // -no-reboot turns the reset into an exit with status 0.
        .exit_code(0)
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
}

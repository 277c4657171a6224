//! The VMM's platform: root-pd (root argument `vms=tests.vms`) starts one VMM per line of
//! `guests/tests.vms`, each booting `guests/testkernel` with one device test (PIT, RTC,
//! LAPIC timer in one-shot, periodic and TSC-deadline mode in xAPIC and x2APIC mode, IOAPIC
//! edge and level routing, serial, fw_cfg, a 2-vCPU guest started with INIT/SIPI, and what
//! the Multiboot loader handed over). Each test kernel ends through the debug-exit port; the
//! scenario passes only if every one printed `passed` and its VMM reported debug-exit status
//! 0x10. Each scenario runs on QEMU TCG (SVM, no NRIP-save) and on Bochs `corei7_skylake_x`
//! (VMX with EPT).

use std::time::Duration;

use tests::{assert_no_fatal, Accel, Outcome, Scenario};

/// Bochs ends with status 1 on ACPI power-off (see `bochs_vmx.rs`).
const BOCHS_POWER_OFF_STATUS: i32 = 1;

/// The device tests of `guests/tests.vms` (and `guests/parallel.vms`), in order; `tests.vms`
/// ends with the `multiboot` check.
const GUESTS: [&str; 7] = ["pit", "rtc", "lapic", "ioapic", "serial", "fwcfg", "smp"];

/// Boots root-pd with `vms=<config>` on `accel` (a Bochs CPU model for Bochs) until guest
/// `last` has ended and the machine is off; the run must end as planned, without a fatal line.
fn boot(name: &str, accel: Accel, bochs_cpu: Option<&str>, config: &str, last: &str) -> Outcome {
    let mut s = Scenario::new(name)
        .accel(accel)
        .smp(2)
        .root_args(&format!("vms={config} then=poweroff"))
        .expect(&format!("^root-pd: guest {last} ended"))
        .expect("hypervisor: power off")
        .timeout(Duration::from_secs(300));
    if let Some(cpu) = bochs_cpu {
        s = s.bochs_cpu(cpu).exit_code(BOCHS_POWER_OFF_STATUS);
    }
    let out = s.run();
    out.assert_success();
    assert_no_fatal(&out.log);
    out
}

/// Boots `guests/tests.vms` on `accel` (a Bochs CPU model for Bochs) and checks every guest.
fn platform_tests(name: &str, accel: Accel, bochs_cpu: Option<&str>) {
    let out = boot(name, accel, bochs_cpu, "tests.vms", "multiboot");
    out.assert_count("FAILED", 0);
    for g in GUESTS {
        out.assert_count(&format!(r"^\[{g}\] testkernel: {g}: passed$"), 1);
        out.assert_count(
            &format!(r"^vmm\[{g}\]: stopped: debug exit, status 0x10; vcpu \d+, exit port i/o, rip 0x[0-9a-f]+$"),
            1,
        );
        out.assert_count(&format!("^root-pd: guest {g} ended$"), 1);
    }
    // The loader's work, seen from a guest that got the test kernel as its module.
    out.assert_count(r"^\[multiboot\] testkernel: multiboot: passed$", 1);
    out.assert_count(r"^vmm\[multiboot\]: stopped: debug exit, status 0x10;", 1);
    out.assert_line(r"^\[lapic\] testkernel: lapic: x2APIC mode$");
    out.assert_line(r"^\[serial\] testkernel: serial: hello from the guest$");
}

#[test]
fn vmm_guests_qemu_tcg_smp2() {
    platform_tests("vmm_guests_qemu_tcg_smp2", Accel::Tcg, None);
}

/// VMX with EPT: the exits arrive in Intel's form (instruction lengths from the CPU, the STI
/// shadow in the interruptibility state).
#[test]
fn vmm_guests_bochs_vmx_smp2() {
    platform_tests(
        "vmm_guests_bochs_vmx_smp2",
        Accel::Bochs,
        Some("corei7_skylake_x"),
    );
}

/// SVM with NRIP-save and decode assists (instruction lengths from the CPU, unlike QEMU's).
#[test]
fn vmm_guests_bochs_svm_smp2() {
    platform_tests("vmm_guests_bochs_svm_smp2", Accel::Bochs, Some("ryzen"));
}

/// `guests/parallel.vms`: the seven platform tests at once, then again. Fourteen guests of
/// 16 MiB and their VMMs need more RAM than the machine has, so the second round only starts
/// if root-pd took back the first round's RAM (and kernel-memory quota).
fn all_at_once(name: &str, accel: Accel, bochs_cpu: Option<&str>) {
    let out = boot(name, accel, bochs_cpu, "parallel.vms", "smp-2");
    out.assert_count("FAILED", 0);
    out.assert_count("cannot start", 0);
    for g in GUESTS {
        for name in [g.to_string(), format!("{g}-2")] {
            out.assert_count(&format!(r"^\[{name}\] testkernel: {g}: passed$"), 1);
            out.assert_count(
                &format!(r"^vmm\[{name}\]: stopped: debug exit, status 0x10;"),
                1,
            );
            out.assert_count(&format!("^root-pd: guest {name} ended$"), 1);
        }
    }
}

#[test]
fn vmm_guests_all_at_once_qemu_tcg_smp2() {
    all_at_once("vmm_guests_all_at_once_qemu_tcg_smp2", Accel::Tcg, None);
}

/// Half the guests run on the second CPU, whose timer drives their VMMs' timer threads.
#[test]
fn vmm_guests_all_at_once_bochs_vmx_smp2() {
    all_at_once(
        "vmm_guests_all_at_once_bochs_vmx_smp2",
        Accel::Bochs,
        Some("corei7_skylake_x"),
    );
}

/// `guests/chaos.vms`: the chaos guest writes nonsense to every port and MMIO range and then
/// executes random bytes; its VMM must report the stop while the spin guest on the other CPU
/// keeps printing and passes. Not on Bochs's SVM model: Bochs 2.7 stops the whole emulator on
/// an SVM guest's triple fault (see `ktest.rs`).
fn chaos_beside_a_good_guest(name: &str, accel: Accel, bochs_cpu: Option<&str>) {
    let out = boot(name, accel, bochs_cpu, "chaos.vms", "spin");
    // A random byte written to THR earlier may lead the line.
    out.assert_line(r"^\[chaos\] .*testkernel: chaos: every port written$");
    out.assert_line(r"^\[chaos\] testkernel: chaos: every MMIO register written$");
    out.assert_line(r"^\[chaos\] testkernel: chaos: jumping into random bytes$");
    out.assert_count(
        r"^vmm\[chaos\]: stopped: .*; vcpu 0, exit \S.*, rip 0x[0-9a-f]+$",
        1,
    );
    out.assert_count(r"^\[spin\] testkernel: spin: 29$", 1);
    out.assert_count(r"^\[spin\] testkernel: spin: passed$", 1);
    out.assert_count(r"^vmm\[spin\]: stopped: debug exit, status 0x10;", 1);
    out.assert_count("^root-pd: guest chaos ended$", 1);
}

#[test]
fn vmm_chaos_beside_a_good_guest_qemu_tcg_smp2() {
    chaos_beside_a_good_guest("vmm_chaos_qemu_tcg_smp2", Accel::Tcg, None);
}

#[test]
fn vmm_chaos_beside_a_good_guest_bochs_vmx_smp2() {
    chaos_beside_a_good_guest(
        "vmm_chaos_bochs_vmx_smp2",
        Accel::Bochs,
        Some("corei7_skylake_x"),
    );
}

//! The VMM's platform: root-pd (root argument `vms=tests.vms`) starts one VMM per line of
//! `guests/tests.vms`, each booting `guests/testkernel` with one device test (PIT, RTC,
//! LAPIC timer in one-shot, periodic and TSC-deadline mode in xAPIC and x2APIC mode, IOAPIC
//! edge and level routing, serial, fw_cfg, and a 2-vCPU guest started with INIT/SIPI). Each
//! test kernel ends through the debug-exit port; the scenario passes only if every one
//! printed `passed` and its VMM reported debug-exit status 0x10.

use std::time::Duration;

use tests::{assert_no_fatal, Accel, Scenario};

/// The guests of `guests/tests.vms`, in order.
const GUESTS: [&str; 7] = ["pit", "rtc", "lapic", "ioapic", "serial", "fwcfg", "smp"];

#[test]
fn vmm_guests_qemu_tcg_smp2() {
    let out = Scenario::new("vmm_guests_qemu_tcg_smp2")
        .accel(Accel::Tcg)
        .smp(2)
        .root_args("vms=tests.vms then=poweroff")
        .expect("^root-pd: guest smp ended")
        .expect("hypervisor: power off")
        .timeout(Duration::from_secs(300))
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
    out.assert_count("FAILED", 0);
    for g in GUESTS {
        out.assert_count(&format!(r"^\[{g}\] testkernel: {g}: passed$"), 1);
        out.assert_count(
            &format!(r"^vmm\[{g}\]: stopped: debug exit, status 0x10; vcpu \d+, exit port i/o, rip 0x[0-9a-f]+$"),
            1,
        );
        out.assert_count(&format!("^root-pd: guest {g} ended$"), 1);
    }
    out.assert_line(r"^\[lapic\] testkernel: lapic: x2APIC mode$");
    out.assert_line(r"^\[serial\] testkernel: serial: hello from the guest$");
}

/// `guests/chaos.vms`: the chaos guest writes nonsense to every port and MMIO range and then
/// executes random bytes; its VMM must report the stop while the spin guest on the other CPU
/// keeps printing and passes.
#[test]
fn vmm_chaos_beside_a_good_guest_qemu_tcg_smp2() {
    let out = Scenario::new("vmm_chaos_qemu_tcg_smp2")
        .accel(Accel::Tcg)
        .smp(2)
        .root_args("vms=chaos.vms then=poweroff")
        .expect("^root-pd: guest spin ended")
        .expect("hypervisor: power off")
        .timeout(Duration::from_secs(180))
        .run();
    out.assert_success();
    assert_no_fatal(&out.log);
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

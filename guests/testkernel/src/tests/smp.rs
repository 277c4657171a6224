//! `test=smp`: starts every other CPU fw_cfg counts with INIT/SIPI/SIPI;
//! each AP reports its APIC ID, runs its own APIC timer, and answers an
//! IPI from the BSP with one back.

use super::report;
use crate::console::check;
use crate::dev::{fwcfg, lapic, pm};
use crate::idt;
use crate::io;
use crate::smp::{self, IDS, STAGE, TO_AP, TO_BSP, UP};
use core::sync::atomic::Ordering;

const T: &str = "smp";

pub fn run() {
    let cpus = fwcfg::read_le::<2>(fwcfg::NB_CPUS) as u32;
    report(T, "cpus", u64::from(cpus), "");
    check(T, (2..=8).contains(&cpus), "this test wants 2 to 8 CPUs");
    lapic::enable();
    let me = lapic::id();
    check(T, me == 0, "the BSP's APIC ID is not 0");
    smp::hooks();
    smp::install_trampoline();
    for id in 1..cpus {
        smp::start(id);
    }
    let aps = cpus - 1;
    check(
        T,
        pm::wait(3000, || UP.load(Ordering::Acquire) == aps),
        "not every AP came up within 3 s",
    );
    let want = ((1u32 << cpus) - 1) & !1;
    check(
        T,
        IDS.load(Ordering::Acquire) == want,
        "the APs' APIC IDs are not 1..cpus",
    );
    let stage = |n: u32| (0..aps as usize).all(|i| STAGE[i].load(Ordering::Acquire) >= n);
    check(
        T,
        pm::wait(3000, || stage(1)),
        "an AP's own APIC timer did not fire",
    );
    for id in 1..cpus {
        lapic::ipi(id, u32::from(TO_AP));
    }
    io::sti();
    let answered = pm::wait(3000, || idt::count(TO_BSP) >= aps);
    io::cli();
    check(T, stage(2), "an AP did not get the BSP's IPI");
    check(T, answered, "the BSP did not get every AP's IPI");
}

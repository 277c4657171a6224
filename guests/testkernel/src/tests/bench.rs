//! `test=bench`: what a guest pays for the exits its VMM handles, in TSC
//! cycles as the guest sees them (`rdtsc` around each exiting
//! instruction; guests run with the host's TSC). Each figure is the median
//! of `ROUNDS` exits after `WARM_UP` unmeasured ones, with the smallest as
//! `<name>_min`; the lines are `bench: <name>=<cycles> cycles`, which
//! `cargo xtask bench` collects:
//! - `vmm_exit_cpuid`: CPUID, answered by the VMM's CPUID policy;
//! - `vmm_exit_pio`: IN from the 16550's scratch register, a port-I/O exit
//!   decoded by the CPU and dispatched on the VMM's port bus;
//! - `vmm_exit_mmio`: a read of the local APIC's TPR in xAPIC mode, a
//!   nested-paging fault the VMM resolves by walking the guest's page
//!   tables, decoding the instruction and emulating it against the APIC.

use crate::console::{check, Line};
use crate::dev::lapic;
use crate::io;

const T: &str = "bench";
const ROUNDS: usize = 1000;
const WARM_UP: usize = 100;
const UART_SCRATCH: u16 = 0x3f8 + 7;

pub fn run() {
    lapic::enable();
    measure("vmm_exit_cpuid", || {
        io::cpuid(0);
    });
    io::outb(UART_SCRATCH, 0x5a);
    measure("vmm_exit_pio", || {
        check(
            T,
            io::inb(UART_SCRATCH) == 0x5a,
            "the scratch register changed",
        );
    });
    lapic::write(lapic::TPR, 0x10);
    measure("vmm_exit_mmio", || {
        check(T, lapic::read(lapic::TPR) == 0x10, "the TPR changed");
    });
    lapic::write(lapic::TPR, 0);
}

/// Times `ROUNDS` calls of `exit` (each one exit) and prints the median
/// and the smallest.
fn measure(name: &str, mut exit: impl FnMut()) {
    for _ in 0..WARM_UP {
        exit();
    }
    let mut t = [0u64; ROUNDS];
    for slot in t.iter_mut() {
        let start = io::rdtsc();
        exit();
        *slot = io::rdtsc().wrapping_sub(start);
    }
    t.sort_unstable();
    print(name, "", t[ROUNDS / 2]);
    print(name, "_min", t[0]);
}

fn print(name: &str, suffix: &str, cycles: u64) {
    Line::new()
        .str("bench: ")
        .str(name)
        .str(suffix)
        .str("=")
        .dec(cycles)
        .str(" cycles")
        .print();
}

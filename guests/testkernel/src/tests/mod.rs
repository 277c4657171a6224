//! One module per `test=` name. Each returns when every check passed and
//! ends the run through `console::fail` otherwise.

pub mod bench;
pub mod chaos;
pub mod fwcfg;
pub mod ioapic;
pub mod lapic;
pub mod multiboot;
pub mod pit;
pub mod rtc;
pub mod serial;
pub mod smp;
pub mod spin;

use crate::console::Line;

/// Prints `testkernel: <test>: <what> <n> <unit>`.
pub fn report(test: &str, what: &str, n: u64, unit: &str) {
    Line::new()
        .str("testkernel: ")
        .str(test)
        .str(": ")
        .str(what)
        .str(" ")
        .dec(n)
        .str(unit)
        .print();
}

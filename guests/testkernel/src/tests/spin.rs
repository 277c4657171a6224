//! `test=spin`: prints a numbered line every 100 ms (by the PM timer) for
//! `secs=N` seconds (default 3): the bystander that must keep running
//! while the guest beside it misbehaves.

use crate::console::Line;
use crate::dev::pm;
use crate::multiboot::Info;

pub fn run(mb: &Info) {
    let secs = mb
        .arg(b"secs=")
        .and_then(|s| core::str::from_utf8(s).ok())
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(3);
    for i in 0..secs * 10 {
        pm::wait(100, || false);
        Line::new().str("testkernel: spin: ").dec(i).print();
    }
}

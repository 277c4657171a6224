//! `test=fwcfg`: QEMU's fw_cfg signature, interface ID, the CPU count and
//! the RAM size (which must agree with the Multiboot memory information),
//! and a well-formed file directory.

use super::report;
use crate::console::check;
use crate::dev::fwcfg;
use crate::multiboot::Info;

const T: &str = "fwcfg";

pub fn run(mb: &Info) {
    let mut sig = [0u8; 4];
    fwcfg::read(fwcfg::SIGNATURE, &mut sig);
    check(T, &sig == b"QEMU", "signature is not QEMU");
    check(
        T,
        fwcfg::read_le::<4>(fwcfg::ID) & 1 != 0,
        "no traditional interface in the ID",
    );
    let cpus = fwcfg::read_le::<2>(fwcfg::NB_CPUS);
    let max = fwcfg::read_le::<2>(fwcfg::MAX_CPUS);
    report(T, "cpus", cpus, "");
    check(T, cpus >= 1 && max >= cpus, "CPU counts implausible");
    let ram = fwcfg::read_le::<8>(fwcfg::RAM_SIZE);
    report(T, "ram", ram >> 20, " MiB");
    let upper = (mb.mem_upper_kib() << 10) + (1 << 20);
    check(
        T,
        ram >= upper && ram - upper < (1 << 20),
        "RAM size disagrees with the Multiboot memory information",
    );
    let mut count = [0u8; 4];
    fwcfg::read(fwcfg::FILE_DIR, &mut count);
    let n = u32::from_be_bytes(count);
    report(T, "files", u64::from(n), "");
    check(T, n < 4096, "file directory count implausible");
}

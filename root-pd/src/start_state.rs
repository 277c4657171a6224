//! Checks what the hypervisor gave the root PD at start against the HIP and
//! the ABI: its own PD, EC and SC; all RAM (with every right), ACPI tables
//! and device memory in the physical window; every port but the kernel's;
//! the interrupt semaphores; a quota. Prints one line saying it holds, or
//! each difference.

use abi::cap::{rights, root as sel, PHYS_WINDOW};
use abi::hip::{mem_kind, Hip};
use abi::{Crd, ObjType, Space, Status};
use user_rt::sys::{self, root};
use user_rt::Line;

fn fail(what: &str, got: Result<(Crd, Option<ObjType>), Status>) -> bool {
    let line = Line::new()
        .str("root-pd: start state: ")
        .str(what)
        .str(": ");
    match got {
        Ok((crd, kind)) => line
            .str("rights ")
            .hex(u64::from(crd.rights()))
            .str(", type ")
            .dec(kind.map_or(0, |k| k as u64)),
        Err(s) => line.str(s.name()),
    }
    .print();
    false
}

/// Whether `crd` (one unit) is held with exactly `rights` (and `kind`).
fn holds(what: &str, crd: Crd, rights: u8, kind: Option<ObjType>) -> bool {
    let got = sys::lookup(root::PD, crd);
    match got {
        Ok((c, k)) if c.rights() == rights && k == kind => true,
        _ => fail(what, got),
    }
}

/// Whether `crd` (one unit) holds nothing.
fn lacks(what: &str, crd: Crd) -> bool {
    let got = sys::lookup(root::PD, crd);
    match got {
        Err(Status::BadSelector) => true,
        _ => fail(what, got),
    }
}

/// Runs the checks; returns (MiB of RAM, MiB of device memory) if all hold.
pub fn check(hip: &Hip) -> Option<(u64, u64)> {
    let all = rights::ALL;
    let mut ok = holds(
        "own PD",
        Crd::obj(sel::PD, 0),
        rights::pd::CTRL | rights::pd::CREATE | rights::pd::MACHINE,
        Some(ObjType::Pd),
    );
    ok &= holds("own EC", Crd::obj(sel::EC, 0), all, Some(ObjType::Ec));
    ok &= holds("own SC", Crd::obj(sel::SC, 0), all, Some(ObjType::Sc));
    let sm = rights::sm::CTRL | rights::sm::UP | rights::sm::DOWN;
    for n in 0..hip.gsi_count + hip.msi_count {
        ok &= holds(
            "an interrupt semaphore",
            Crd::obj(sel::GSI_BASE + u64::from(n), 0),
            sm,
            Some(ObjType::Sm),
        );
    }
    ok &= lacks("the first free selector", Crd::obj(sel::FREE, 0));
    for (start, end) in sel::KERNEL_PORTS {
        ok &= lacks("a kernel port", Crd::new(Space::Io, start, 0, 0));
        ok &= lacks("a kernel port", Crd::new(Space::Io, end - 1, 0, 0));
        ok &= holds(
            "a port",
            Crd::new(Space::Io, end, 0, 0),
            rights::io::ACCESS,
            None,
        );
    }
    for port in [0, 0x60, 0x70, 0xcf8, 0xffff] {
        ok &= holds(
            "a port",
            Crd::new(Space::Io, port, 0, 0),
            rights::io::ACCESS,
            None,
        );
    }
    let (mut ram, mut device) = (0, 0);
    for m in hip.memory() {
        let (r, total) = match m.kind {
            mem_kind::USABLE | mem_kind::MODULE => (rights::mem::RWX, &mut ram),
            mem_kind::ACPI_RECLAIMABLE | mem_kind::ACPI_NVS => (rights::mem::RW, &mut 0),
            mem_kind::DEVICE => (rights::mem::RW, &mut device),
            _ => continue,
        };
        *total += m.size;
        let first = (PHYS_WINDOW + m.base.next_multiple_of(4096)) >> 12;
        let last = (PHYS_WINDOW + m.base + m.size - 1) >> 12;
        if first <= last {
            ok &= holds("window memory", Crd::mem(first, 0, 0), r, None);
            ok &= holds("window memory", Crd::mem(last, 0, 0), r, None);
        }
    }
    let hip_page = abi::ROOT_HIP_ADDRESS >> 12;
    ok &= holds(
        "the HIP page",
        Crd::mem(hip_page, 0, 0),
        rights::mem::READ,
        None,
    );
    match root::PD.quota() {
        Ok(q) if q.limit > q.used && q.used > 0 => {}
        _ => ok = fail("the quota", Err(Status::BadParameter)),
    }
    ok.then_some((ram >> 20, device >> 20))
}

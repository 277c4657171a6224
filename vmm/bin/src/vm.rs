//! Setting a guest up: its RAM loaded with the kernel, a PD holding its
//! guest-physical space, and per vCPU a handler EC with one portal per
//! exit, the vCPU itself, and the semaphore that wakes its handler.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8};

use abi::cap::rights;
use abi::vcpu::Exit;
use abi::Space;
use user_rt::loader::{layout, plan, BumpFrames, StartInfo};
use user_rt::start::entry_sp;
use user_rt::sys::{self, Crd, EcSpec, Mtd, Pd, Selector, Sm, Status};
use vmm::config::VmSpec;
use vmm::loader::{self, Guest, Module};
use vmm::mem::Ram;
use vmm::platform::{Config, Platform};

use crate::clock::Clock;
use crate::console::Prefixed;
use crate::handler;
use crate::lock::Lock;
use crate::shared::{run, Vcpu, Vmm};

/// Kernel memory the guest PD gets (its vCPUs, guest page tables).
const GUEST_QUOTA: u64 = 512;
/// Selectors of one vCPU's exit portals (a power of two ≥ the exit count).
const EVT_BLOCK: u64 = Exit::COUNT.next_power_of_two();
/// A handler's stack.
const STACK: u64 = 64 << 10;

/// What went wrong, for the console.
pub struct SetupError {
    pub what: &'static str,
    pub status: Option<Status>,
}

fn fail(what: &'static str) -> SetupError {
    SetupError { what, status: None }
}

trait Step<T> {
    fn step(self, what: &'static str) -> Result<T, SetupError>;
}

impl<T> Step<T> for Result<T, Status> {
    fn step(self, what: &'static str) -> Result<T, SetupError> {
        self.map_err(|s| SetupError {
            what,
            status: Some(s),
        })
    }
}

/// Allocation state of the setup.
pub struct Alloc {
    pub me: Pd,
    pub frames: BumpFrames,
    next_sel: Selector,
    next_va: u64,
}

impl Alloc {
    pub fn new(info: &StartInfo, me: Pd, frames: BumpFrames) -> Self {
        Self {
            me,
            frames,
            next_sel: info.free_sel,
            next_va: layout::FREE,
        }
    }

    /// `n` selectors (a power of two), aligned to `n`.
    pub fn sels(&mut self, n: u64) -> Selector {
        let s = self.next_sel.next_multiple_of(n);
        self.next_sel = s + n;
        s
    }

    pub fn sm(&mut self) -> Result<Sm, SetupError> {
        let s = self.sels(1);
        sys::create_sm(s, self.me, 0).step("create_sm")
    }

    /// A page of address space nothing is mapped at (for a UTCB).
    fn va(&mut self) -> u64 {
        self.next_va += 2 * plan::PAGE;
        self.next_va
    }
}

/// A memory item of the start info as a byte slice.
fn item(info: &'static StartInfo, name: &str) -> Option<&'static [u8]> {
    let (at, len) = info.mem(name)?;
    // SAFETY: root-pd mapped the item at `at` for `len` bytes for this
    // program's lifetime; items other than `guest` are read-only and
    // nothing writes them.
    Some(unsafe { core::slice::from_raw_parts(at as *const u8, len as usize) })
}

/// Builds the VMM for `spec`: loads the guest and creates its PD, vCPUs
/// (not started) and exit portals.
pub fn setup(
    info: &'static StartInfo,
    a: &mut Alloc,
    spec: &VmSpec,
    epoch_secs: u64,
) -> Result<Vmm, SetupError> {
    let (guest_at, guest_len) = info.mem("guest").ok_or(fail("no `guest` RAM item"))?;
    if guest_len < spec.mem {
        return Err(fail("the `guest` RAM item is smaller than mem="));
    }
    // SAFETY: the `guest` item is ours alone (read-write-execute) and from
    // here on only reached through `Ram`.
    let ram = Ram::new(unsafe {
        core::slice::from_raw_parts_mut(guest_at as *mut u8, spec.mem as usize)
    });
    let kernel = item(info, "kernel").ok_or(fail("no `kernel` item"))?;
    let mut modules = Vec::new();
    for (i, name) in spec.modules.iter().enumerate() {
        let key = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"];
        let data = key
            .get(i)
            .and_then(|k| item(info, k))
            .ok_or(fail("a module item is missing"))?;
        modules.push(Module {
            data,
            cmdline: name.as_bytes(),
        });
    }
    let guest = Guest {
        kernel,
        cmdline: spec.cmdline.as_bytes(),
        modules: &modules,
        ram: spec.mem,
    };
    let entry = loader::load(&ram, &guest).map_err(|e| fail(e.describe()))?;

    let gpd_sel = a.sels(1);
    let gpd = sys::create_pd(gpd_sel, a.me, GUEST_QUOTA).step("create_pd (guest)")?;
    for b in plan::blocks(guest_at / plan::PAGE, 0, spec.mem / plan::PAGE, 30 - 12) {
        let crd = Crd::mem(b.src, b.order, rights::mem::RWX);
        sys::delegate_guest(a.me, gpd, crd, b.dst).step("delegate_guest")?;
    }

    let clock = Clock::new(info.tsc_khz);
    let cfg = Config {
        cpus: spec.cpus,
        ram: spec.mem,
        tsc: clock.rate,
        epoch_secs,
    };
    let name = spec.name.clone();
    let platform = Platform::new(
        &cfg,
        alloc::boxed::Box::new(Prefixed { name: name.clone() }),
    );
    let first = spec.cpu.unwrap_or(0);
    let mut vcpus = Vec::new();
    for i in 0..spec.cpus as usize {
        let cpu = (first + i as u32) % info.cpu_count.max(1);
        vcpus.push(vcpu(a, gpd, i, cpu)?);
    }
    Ok(Vmm {
        name,
        platform: Lock::new(platform, a.sm()?),
        ram,
        clock,
        vcpus,
        entry,
        timer: a.sm()?,
        armed: AtomicU64::new(u64::MAX),
        stopped: AtomicBool::new(false),
        xcr0_mask: crate::host::xcr0_mask(),
    })
}

/// vCPU `i` on host CPU `cpu`: its handler EC, portals and the vCPU EC.
fn vcpu(a: &mut Alloc, gpd: Pd, i: usize, cpu: u32) -> Result<Vcpu, SetupError> {
    let stack = a
        .frames
        .take(STACK / plan::PAGE, plan::PAGE)
        .ok_or(fail("out of RAM for stacks"))?;
    let utcb = a.va();
    let spec = EcSpec::local(a.me, cpu, utcb, entry_sp(stack + STACK), 0);
    let hsel = a.sels(1);
    let handler_ec = sys::create_ec(hsel, &spec).step("create_ec (handler)")?;
    let base = a.sels(EVT_BLOCK);
    let entry = handler::entry as *const () as u64;
    for n in 0..Exit::COUNT {
        // Each exit brings only the state its handling uses.
        let exit = Exit::from_event(n).ok_or(fail("an exit number without an exit"))?;
        let m = Mtd(vmm::vcpu::mtd::fetch(exit));
        let pt = sys::create_pt(base + n, handler_ec, entry, m).step("create_pt")?;
        pt.set_id(handler::portal_id(i, n)).step("pt_ctrl")?;
    }
    let evt = EVT_BLOCK * (i as u64 + 1);
    let crd = Crd::new(Space::Obj, base, EVT_BLOCK.ilog2() as u8, rights::pt::CALL);
    sys::delegate(a.me, gpd, crd, evt).step("delegate portals")?;
    let vsel = a.sels(1);
    let ec = sys::create_vcpu(vsel, gpd, cpu, evt).step("create_vcpu")?;
    Ok(Vcpu {
        ec,
        wake: a.sm()?,
        utcb,
        run: AtomicU8::new(if i == 0 { run::RUNNING } else { run::ASLEEP }),
    })
}

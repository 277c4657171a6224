//! `vms=<file>`: start the guests a configuration file describes (see
//! `vmm::config`), one VMM program (`vmm-bin.elf`) per guest, and wait for
//! them as its `wait` lines say (and at its end).
//!
//! Each VMM gets (items of its start info): `self` (its PD, `CTRL|CREATE`),
//! `ram` ([`VMM_RAM`] for its heap and stacks), `guest` (the guest's RAM,
//! read-write-execute, 2 MiB-aligned), `kernel` and `m0`.. (the boot
//! modules the line names, read-only), `done` (a semaphore it counts up
//! when the guest has stopped), an equal share of root-pd's free
//! kernel-memory quota with the guests started after it before the next
//! `wait` (at most [`VMM_QUOTA`] pages), and as arguments its configuration
//! line rebuilt with the host CPU chosen (its `cpu=`, else guest number
//! `n` of the file on CPU `n mod CPUs`), then `epoch=<Unix time>`. When a
//! round of guests has ended, their RAM goes back to root-pd, zeroed.
//! Policy lives here: which CPUs, how much memory; the VMM only carries
//! out its line.

use abi::cap::{rights, Space, PHYS_WINDOW};
use abi::hip::{Hip, HipModule};
use abi::ObjType;
use alloc::vec::Vec;
use user_rt::loader::{
    layout, sel, BumpFrames, Code, LoadError, Loader, Mark, Platform, StartSpec,
};
use user_rt::sys::{self, root, Crd, Sm, Status};
use user_rt::Line;
use vmm::config::{self, Item, VmSpec};

/// The VMM's own RAM (heap, handler stacks).
const VMM_RAM: u64 = 4 << 20;
const VMM_QUOTA: u64 = 4096;
/// Kernel-memory pages root-pd keeps for itself when it shares out its
/// quota: the objects it creates for each VMM (PD, EC, SC, semaphore).
const ROOT_RESERVE: u64 = 64;
/// The VMM's timer thread runs above its vCPUs (see vmm-bin).
const PRIO: u8 = 30;
const STACK: u64 = 64 << 10;
/// root-pd's selectors for VMM number `k`: PD, EC, SC, done, in a block
/// of `2^SEL_ORDER`.
fn sels(k: usize) -> u64 {
    abi::cap::root::FREE + 64 + ((k as u64) << SEL_ORDER)
}
const SEL_ORDER: u8 = 3;
const V_DONE: u64 = sel::SELF + 1;

fn say(what: &str) -> Line {
    Line::new().str("root-pd: ").str(what)
}

/// The boot module whose command line starts with `name`.
fn module<'h>(hip: &'h Hip, name: &str) -> Option<&'h HipModule> {
    hip.modules().iter().find(|m| {
        let c = hip.string(m.cmdline);
        c.split(|&b| b == b' ').next() == Some(name.as_bytes())
    })
}

fn bytes(m: &HipModule) -> &'static [u8] {
    // SAFETY: boot modules are mapped in the physical window (the root PD's
    // start state); nothing writes them.
    unsafe { core::slice::from_raw_parts((PHYS_WINDOW + m.base) as *const u8, m.size as usize) }
}

struct Running {
    name: alloc::string::String,
    done: Sm,
    /// Its block of selectors ([`sels`]).
    sels: u64,
}

/// Runs the configuration `file` (a boot module).
pub fn run(hip: &Hip, frames: &mut BumpFrames, file: &[u8]) {
    let name = core::str::from_utf8(file).unwrap_or("?");
    let Some(m) = module(hip, name) else {
        say("no guest configuration module ").str(name).print();
        return;
    };
    let items = match config::parse(bytes(m)) {
        Ok(i) => i,
        Err(e) => {
            say("")
                .str(name)
                .str(":")
                .dec(e.line as u64)
                .str(": ")
                .str(e.what)
                .print();
            return;
        }
    };
    let epoch = crate::wallclock::unix_time();
    // Each round of guests (up to a `wait`) runs on RAM taken after this
    // mark and gets it back, scrubbed, when the round has ended.
    let mark = frames.mark();
    let mut running = Vec::new();
    for (k, item) in items.iter().enumerate() {
        match item {
            Item::Vm(spec) => {
                let share = items[k..]
                    .iter()
                    .take_while(|i| matches!(i, Item::Vm(_)))
                    .count() as u64;
                let n = items[..k]
                    .iter()
                    .filter(|i| matches!(i, Item::Vm(_)))
                    .count();
                match start(hip, frames, spec, k, n as u32, epoch, share) {
                    Ok(r) => running.push(r),
                    Err(Failure(what, status)) => {
                        // Whatever the start had made goes now.
                        destroy(sels(k));
                        say("cannot start guest ")
                            .str(&spec.name)
                            .str(": ")
                            .str(what)
                            .str(" ")
                            .str(status.map_or("", |s| s.name()))
                            .print();
                    }
                }
            }
            Item::Wait => wait(&mut running, frames, mark),
        }
    }
    wait(&mut running, frames, mark);
}

/// Waits for every running guest and destroys its VMM (and with it the
/// guest's PD and vCPUs), then takes back the round's RAM.
fn wait(running: &mut Vec<Running>, frames: &mut BumpFrames, mark: Mark) {
    for r in running.drain(..) {
        let _ = r.done.down();
        destroy(r.sels);
        say("guest ").str(&r.name).str(" ended").print();
    }
    // SAFETY: every VMM started since `mark` is destroyed, which revoked
    // and flushed all mappings of the RAM it and its guest had; root-pd
    // keeps no reference into that RAM (its heap lies before the frames).
    unsafe { frames.release_to(mark) };
}

/// Revokes the block of selectors of a VMM (PD, EC, SC, done): the PD's
/// destruction takes its guest's PD, vCPUs and memory with it.
fn destroy(block: u64) {
    let _ = sys::revoke(root::PD, Crd::new(Space::Obj, block, SEL_ORDER, 0), true);
}

/// Why a guest could not be started: what, and the kernel's status.
struct Failure(&'static str, Option<Status>);

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Self(e.describe(), e.status())
    }
}

/// Starts the VMM for `spec`, item `k` of the file and its guest number
/// `n`, with a `1/share` part of root-pd's free quota.
fn start(
    hip: &Hip,
    frames: &mut BumpFrames,
    spec: &VmSpec,
    k: usize,
    n: u32,
    epoch: u64,
    share: u64,
) -> Result<Running, Failure> {
    let find = |name: &str| match module(hip, name) {
        None => Err(Failure(
            "a boot module the guest line names is missing",
            None,
        )),
        Some(m) if m.base % 4096 != 0 => Err(Failure("a boot module is not page-aligned", None)),
        Some(m) => Ok(m),
    };
    let vmm = find("vmm-bin.elf")?;
    let kernel = find(&spec.kernel)?;
    let mut mods = Vec::new();
    for m in &spec.modules {
        mods.push(find(m)?);
    }
    if mods.len() > 8 {
        return Err(Failure("more than 8 modules", None));
    }
    let cpus = hip.cpus().len() as u32;
    // Without a `cpu=`, guests take the CPUs in turn.
    let cpu = spec.cpu.unwrap_or(n) % cpus.max(1);
    let no_ram = || Failure("not enough RAM left", None);
    let ram = frames.take(VMM_RAM / 4096, 2 << 20).ok_or_else(no_ram)?;
    let guest = frames.take(spec.mem / 4096, 2 << 20).ok_or_else(no_ram)?;
    let q = root::PD.quota().map_err(|s| Failure("pd_quota", Some(s)))?;
    let platform = Platform {
        cpu_count: cpus,
        tsc_khz: hip.tsc_khz,
        features: hip.features,
    };
    let s = sels(k);
    let done = sys::create_sm(s + 3, root::PD, 0).map_err(|e| Failure("create_sm", Some(e)))?;
    let free = (q.limit - q.used).saturating_sub(ROOT_RESERVE);
    let quota = (free / share.max(1)).min(VMM_QUOTA);
    let mut l = Loader::new(root::PD, frames, platform, s, quota)?;
    l.load_elf(bytes(vmm), Code::Copy)?;
    let mut args = Line::new()
        .str("vm ")
        .str(&spec.name)
        .str(" kernel=")
        .str(&spec.kernel);
    args = args
        .str(" cmdline=\"")
        .str(&spec.cmdline)
        .str("\" cpus=")
        .dec(u64::from(spec.cpus));
    args = args
        .str(" mem=")
        .dec(spec.mem)
        .str(" cpu=")
        .dec(u64::from(cpu));
    if !spec.modules.is_empty() {
        args = args.str(" modules=");
        for (i, m) in spec.modules.iter().enumerate() {
            args = args.str(if i > 0 { "," } else { "" }).str(m);
        }
    }
    let args = args.str("\nepoch=").dec(epoch);
    l.set_args(args.as_bytes())?;
    l.grant_self(sel::SELF)?;
    l.grant_mem("ram", ram, VMM_RAM, rights::mem::RW, layout::RAM)?;
    let mut at = layout::RAM + VMM_RAM;
    l.grant_mem("guest", guest, spec.mem, rights::mem::RWX, at)?;
    at += spec.mem;
    let names = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"];
    let all =
        core::iter::once(("kernel", kernel)).chain(names.iter().copied().zip(mods.iter().copied()));
    for (item, m) in all {
        at = at.next_multiple_of(2 << 20);
        l.grant_mem(item, PHYS_WINDOW + m.base, m.size, rights::mem::READ, at)?;
        at += m.size;
    }
    l.grant_cap("done", done.0, rights::sm::UP, V_DONE, ObjType::Sm)?;
    l.start(&StartSpec {
        ec_sel: s + 1,
        sc_sel: s + 2,
        cpu,
        prio: PRIO,
        quantum_us: 10_000,
        stack_bytes: STACK,
        evt_base: 0,
    })?;
    Ok(Running {
        name: spec.name.clone(),
        done,
        sels: s,
    })
}

//! `test`: start the native kernel test suite (the `ktest.elf` boot module)
//! in a child PD and wait until it says it is done.
//!
//! ktest gets (items of its start info, see `user_rt::loader`):
//! - `self`: its own PD capability (`CTRL|CREATE`) at `loader::sel::SELF`,
//!   so it can create and load PDs of its own;
//! - `ram`: [`KTEST_RAM`] bytes of root-pd's usable RAM, read-write at
//!   `loader::layout::RAM`, for its heap and the programs it loads;
//! - `guest`: [`KTEST_GUEST_RAM`] bytes of RAM with read, write and
//!   execute rights, right above `ram`, for the guests of its VM tests;
//! - `image`: its own ELF image, read-only at `loader::layout::IMAGE` plus
//!   the image's offset in its 1 GiB frame, to load copies of itself;
//! - `done`: a semaphore (`UP` only) it counts up when it has finished;
//! - `rtc`: ports 0x70–0x71, and `gsi8`: the semaphore of GSI 8 (all
//!   rights), for interrupt tests; `msi0`: the first MSI semaphore (all
//!   rights), to check the MSI address and data `AssignInt` returns;
//! - half of root-pd's free kernel-memory quota.

use abi::cap::rights;
use abi::cap::PHYS_WINDOW;
use abi::hip::{Hip, HipModule};
use abi::ObjType;
use user_rt::loader::{layout, sel, BumpFrames, Code, LoadError, Loader, Platform, StartSpec};
use user_rt::sys::{self, root, Sm};
use user_rt::Line;

/// RAM handed to ktest.
pub const KTEST_RAM: u64 = 64 << 20;
/// RAM handed to ktest for its test guests: read, write and execute (a
/// guest-physical mapping has at most the rights of its source).
pub const KTEST_GUEST_RAM: u64 = 4 << 20;
/// ktest's first EC: priority and quantum, stack.
const PRIO: u8 = 50;
const QUANTUM_US: u64 = 10_000;
const STACK: u64 = 256 << 10;

/// root-pd's selectors for what it makes for ktest.
const PD_SEL: u64 = abi::cap::root::FREE;
const EC_SEL: u64 = PD_SEL + 1;
const SC_SEL: u64 = PD_SEL + 2;
const DONE_SEL: u64 = PD_SEL + 3;
/// ktest's selectors for what it is granted.
const KT_DONE: u64 = sel::SELF + 1;
const KT_GSI8: u64 = sel::SELF + 2;
const KT_MSI0: u64 = sel::SELF + 3;

fn say(what: &str) {
    Line::new().str("root-pd: ").str(what).print();
}

/// Starts ktest with `mode` appended to its command line (`""`: the test
/// suite, `"bench"`: the benchmarks) and waits for it; says why if it
/// could not be started.
pub fn run(hip: &Hip, frames: &mut BumpFrames, mode: &str, quirk: Option<&[u8]>) {
    let Some(module) = hip
        .modules()
        .iter()
        .find(|m| hip.string(m.cmdline).starts_with(b"ktest.elf"))
    else {
        say("cannot start ktest: no ktest.elf module");
        return;
    };
    if module.base % 4096 != 0 {
        say("cannot start ktest: its module is not page-aligned");
        return;
    }
    match start(hip, frames, module, mode, quirk) {
        Ok(done) => {
            say("ktest started");
            match done.down() {
                Ok(()) => say("ktest finished"),
                Err(s) => Line::new()
                    .str("root-pd: waiting for ktest failed: ")
                    .str(s.name())
                    .print(),
            }
        }
        Err(e) => Line::new()
            .str("root-pd: cannot start ktest: ")
            .str(e.describe())
            .str(" ")
            .str(e.status().map_or("", |s| s.name()))
            .print(),
    }
}

fn start(
    hip: &Hip,
    frames: &mut BumpFrames,
    module: &HipModule,
    mode: &str,
    quirk: Option<&[u8]>,
) -> Result<Sm, LoadError> {
    let size = module.size;
    // SAFETY: boot modules are mapped in the physical window (the root PD's
    // start state); nothing writes them.
    let image = unsafe {
        core::slice::from_raw_parts((PHYS_WINDOW + module.base) as *const u8, size as usize)
    };
    let ram = frames
        .take(KTEST_RAM / 4096, 2 << 20)
        .ok_or(LoadError::NoMemory)?;
    let guest = frames
        .take(KTEST_GUEST_RAM / 4096, 2 << 20)
        .ok_or(LoadError::NoMemory)?;
    let q = root::PD
        .quota()
        .map_err(|s| LoadError::Kernel("pd_quota", s))?;
    let platform = Platform {
        cpu_count: hip.cpus().len() as u32,
        tsc_khz: hip.tsc_khz,
        features: hip.features,
    };
    let done =
        sys::create_sm(DONE_SEL, root::PD, 0).map_err(|s| LoadError::Kernel("create_sm", s))?;
    let mut l = Loader::new(root::PD, frames, platform, PD_SEL, (q.limit - q.used) / 2)?;
    l.load_elf(image, Code::Copy)?;
    let args = Line::new().bytes(hip.string(module.cmdline));
    let mut args = args.str(" ").str(mode);
    if let Some(q) = quirk {
        // An emulator's known defect the tests must step around (see
        // ktest's VM tests); passed on as given.
        args = args.str(" quirk=").bytes(q);
    }
    l.set_args(args.as_bytes())?;
    l.grant_self(sel::SELF)?;
    l.grant_mem("ram", ram, KTEST_RAM, rights::mem::RW, layout::RAM)?;
    let guest_at = layout::RAM + KTEST_RAM;
    l.grant_mem("guest", guest, KTEST_GUEST_RAM, rights::mem::RWX, guest_at)?;
    let image_at = layout::IMAGE + (module.base & ((1 << 30) - 1));
    l.grant_mem(
        "image",
        PHYS_WINDOW + module.base,
        size,
        rights::mem::READ,
        image_at,
    )?;
    l.grant_cap("done", done.0, rights::sm::UP, KT_DONE, ObjType::Sm)?;
    l.grant_io("rtc", 0x70, 1)?;
    if hip.gsi_count > 8 {
        l.grant_cap("gsi8", root::gsi(8).0, rights::ALL, KT_GSI8, ObjType::Sm)?;
    }
    if hip.msi_count > 0 {
        let msi0 = root::msi(hip, 0).0;
        l.grant_cap("msi0", msi0, rights::ALL, KT_MSI0, ObjType::Sm)?;
    }
    l.start(&StartSpec {
        ec_sel: EC_SEL,
        sc_sel: SC_SEL,
        cpu: 0,
        prio: PRIO,
        quantum_us: QUANTUM_US,
        stack_bytes: STACK,
        evt_base: 0,
    })?;
    Ok(done)
}

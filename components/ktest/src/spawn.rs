//! Sub-components: ktest loads copies of its own image (the `image` item
//! root-pd handed over) into new PDs with a role argument, so cross-PD tests
//! run against real, separate PDs. The copy's code is at the same addresses
//! as ours (one static image), so a parent may create ECs in the child that
//! enter the child's copy of a function it names.

use crate::check::Fail;
use crate::ctx::Ctx;
use user_rt::loader::{
    self, layout, BumpFrames, Child, Code, LoadError, Loader, Platform, StartSpec,
};
use user_rt::sys::Selector;
use user_rt::Line;

/// How to start a sub-component.
#[derive(Clone, Copy)]
pub struct Spawn<'a> {
    /// The role and further arguments, e.g. `role=server`.
    pub args: &'a str,
    pub cpu: u32,
    pub prio: u8,
    pub quota: u64,
    /// RAM mapped at `layout::RAM` (0: none).
    pub ram: u64,
    /// Grant the child its own PD capability at `loader::sel::SELF`.
    pub self_cap: bool,
    pub evt_base: Selector,
}

impl Default for Spawn<'_> {
    fn default() -> Self {
        Self {
            args: "",
            cpu: 0,
            prio: 60,
            quota: 256,
            ram: 1 << 20,
            self_cap: true,
            evt_base: 0,
        }
    }
}

/// Loads and starts a copy of ktest as `spec` says; `extra` may grant more
/// before it starts.
pub fn spawn(
    ctx: &mut Ctx,
    spec: &Spawn,
    extra: impl FnOnce(&mut Loader<BumpFrames>) -> Result<(), LoadError>,
) -> Result<Child, Fail> {
    let (pd, ec, sc) = (ctx.sel(), ctx.sel(), ctx.sel());
    let (base, size) = ctx.info.mem("image").ok_or(Fail::new("no image to load"))?;
    // SAFETY: root-pd maps the `image` item read-only for our lifetime and
    // nothing writes it.
    let image = unsafe { core::slice::from_raw_parts(base as *const u8, size as usize) };
    let platform = Platform {
        cpu_count: ctx.cpus,
        tsc_khz: ctx.tsc_khz,
        features: ctx.features,
    };
    let args = Line::new().str("ktest.elf ").str(spec.args);
    let me = ctx.me;
    let result = (|| {
        let mut l = Loader::new(me, &mut ctx.frames, platform, pd, spec.quota)?;
        l.load_elf(image, Code::Share)?;
        l.set_args(args.as_bytes())?;
        if spec.self_cap {
            l.grant_self(loader::sel::SELF)?;
        }
        if spec.ram > 0 {
            l.give_ram("ram", spec.ram, layout::RAM)?;
        }
        l.grant_mem("image", base, size, abi::cap::rights::mem::READ, base)?;
        extra(&mut l)?;
        l.start(&StartSpec {
            ec_sel: ec,
            sc_sel: sc,
            cpu: spec.cpu,
            prio: spec.prio,
            quantum_us: 10_000,
            stack_bytes: 64 << 10,
            evt_base: spec.evt_base,
        })
    })();
    result.map_err(|e| {
        Fail::from(
            Line::new()
                .str("spawning ")
                .str(spec.args)
                .str(": ")
                .str(e.describe())
                .str(" ")
                .str(e.status().map_or("", |s| s.name())),
        )
    })
}

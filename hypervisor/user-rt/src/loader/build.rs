//! [`Loader`]: building a child PD step by step — create it, map its image,
//! hand over capabilities, memory and ports (recorded in its start info),
//! then start its first EC. Every refusal names the call it came from.

use super::plan::{self, PAGE};
use super::{
    layout, sel, Child, Code, Frames, ItemKind, LoadError, Platform, StartInfo, StartSpec,
};
use crate::sys::{self, EcSpec, Pd};
use abi::cap::rights::mem;
use abi::{Crd, ObjType, Selector, Status};
use hv_core::elf;

/// Largest block the loader copies and delegates at once (64 KiB).
const COPY_ORDER: u8 = 4;
/// Largest block of RAM or stack handed over at once (2 MiB).
const RAM_ORDER: u8 = 9;

/// Names the call a refusal came from.
trait Step<T> {
    fn step(self, call: &'static str) -> Result<T, LoadError>;
}

impl<T> Step<T> for Result<T, Status> {
    fn step(self, call: &'static str) -> Result<T, LoadError> {
        self.map_err(|s| LoadError::Kernel(call, s))
    }
}

/// A child being built.
pub struct Loader<'f, F: Frames> {
    me: Pd,
    pd: Pd,
    frames: &'f mut F,
    info: &'f mut StartInfo,
    info_local: u64,
    entry: u64,
}

impl<'f, F: Frames> Loader<'f, F> {
    /// Creates the child PD at `pd_sel`, paid from `me` (which needs
    /// `CTRL|CREATE`), with `quota_pages` of quota.
    pub fn new(
        me: Pd,
        frames: &'f mut F,
        platform: Platform,
        pd_sel: Selector,
        quota_pages: u64,
    ) -> Result<Self, LoadError> {
        let info_local = frames.alloc(0).ok_or(LoadError::NoMemory)?;
        let pd = sys::create_pd(pd_sel, me, quota_pages).step("create_pd")?;
        let ptr = info_local as *mut StartInfo;
        // SAFETY: a fresh page of the caller's RAM, mapped read-write and
        // used by nothing else (the `Frames` contract); page-aligned and
        // large enough for a `StartInfo` (asserted in `start_info`).
        let info = unsafe {
            ptr.write(StartInfo::new());
            &mut *ptr
        };
        info.cpu_count = platform.cpu_count;
        info.tsc_khz = platform.tsc_khz;
        info.features = platform.features;
        Ok(Self {
            me,
            pd,
            frames,
            info,
            info_local,
            entry: 0,
        })
    }

    /// The child PD (the caller's capability).
    pub fn pd(&self) -> Pd {
        self.pd
    }

    /// The start info being filled in.
    pub fn info(&mut self) -> &mut StartInfo {
        self.info
    }

    /// Maps the segments of `image` in the child at their addresses, with
    /// their rights: copied into fresh pages (BSS zeroed), or, for
    /// read-only segments with [`Code::Share`], shared with the caller.
    pub fn load_elf(&mut self, image: &[u8], code: Code) -> Result<(), LoadError> {
        let exe = elf::parse(image).map_err(LoadError::Elf)?;
        let mut segs = [plan::NO_SEGMENT; plan::MAX_RUNS];
        let mut n = 0;
        for s in exe.segments() {
            *segs.get_mut(n).ok_or(LoadError::TooMany)? = s;
            n += 1;
        }
        let segs = &segs[..n];
        let (runs, count) = plan::runs(segs).ok_or(LoadError::TooMany)?;
        for run in &runs[..count] {
            if matches!(code, Code::Share) && run.rights & mem::WRITE == 0 {
                for b in plan::blocks(run.first, run.first, run.pages, 31) {
                    let crd = Crd::mem(b.src, b.order, run.rights);
                    sys::delegate(self.me, self.pd, crd, b.dst).step("delegate shared segment")?;
                }
                continue;
            }
            for b in plan::blocks(run.first, run.first, run.pages, COPY_ORDER) {
                let local = self.frames.alloc(b.order).ok_or(LoadError::NoMemory)?;
                copy_block(image, segs, local, b.dst * PAGE, PAGE << b.order);
                let crd = Crd::mem(local / PAGE, b.order, run.rights);
                sys::delegate(self.me, self.pd, crd, b.dst).step("delegate segment")?;
            }
        }
        self.entry = exe.entry;
        Ok(())
    }

    /// Sets the argument string.
    pub fn set_args(&mut self, args: &[u8]) -> Result<(), LoadError> {
        self.info
            .set_args(args)
            .then_some(())
            .ok_or(LoadError::TooMany)
    }

    fn record(
        &mut self,
        name: &str,
        kind: ItemKind,
        base: u64,
        size: u64,
    ) -> Result<(), LoadError> {
        self.info
            .push(name, kind, base, size)
            .then_some(())
            .ok_or(LoadError::TooMany)
    }

    /// Delegates the caller's capability `src` with `rights` (a mask) to
    /// selector `dst` of the child, recorded as item `name` of `kind`.
    pub fn grant_cap(
        &mut self,
        name: &str,
        src: Selector,
        rights: u8,
        dst: Selector,
        kind: ObjType,
    ) -> Result<(), LoadError> {
        sys::delegate(self.me, self.pd, Crd::obj(src, rights), dst).step("delegate capability")?;
        self.record(name, ItemKind::Cap, dst, kind as u64)
    }

    /// Gives the child its own PD capability (`CTRL|CREATE`) at `dst`, as
    /// item `self`.
    pub fn grant_self(&mut self, dst: Selector) -> Result<(), LoadError> {
        let r = abi::cap::rights::pd::CTRL | abi::cap::rights::pd::CREATE;
        self.grant_cap("self", self.pd.0, r, dst, ObjType::Pd)
    }

    /// Maps the caller's pages holding `bytes` bytes at `local` in the
    /// child at `dst` with `rights`, as item `name` of `bytes` bytes.
    pub fn grant_mem(
        &mut self,
        name: &str,
        local: u64,
        bytes: u64,
        rights: u8,
        dst: u64,
    ) -> Result<(), LoadError> {
        for b in plan::blocks(local / PAGE, dst / PAGE, bytes.div_ceil(PAGE), 31) {
            let crd = Crd::mem(b.src, b.order, rights);
            sys::delegate(self.me, self.pd, crd, b.dst).step("delegate memory")?;
        }
        self.record(name, ItemKind::Mem, dst, bytes)
    }

    /// Maps `bytes` of fresh RAM (not zeroed) read-write at `dst` in the
    /// child; recorded as item `name` unless it is empty.
    pub fn give_ram(&mut self, name: &str, bytes: u64, dst: u64) -> Result<(), LoadError> {
        let pages = bytes.div_ceil(PAGE);
        for b in plan::blocks(dst / PAGE, dst / PAGE, pages, RAM_ORDER) {
            let local = self.frames.alloc(b.order).ok_or(LoadError::NoMemory)?;
            let crd = Crd::mem(local / PAGE, b.order, mem::RW);
            sys::delegate(self.me, self.pd, crd, b.dst).step("delegate RAM")?;
        }
        if name.is_empty() {
            return Ok(());
        }
        self.record(name, ItemKind::Mem, dst, pages * PAGE)
    }

    /// Grants ports `port .. port + 2^order` (naturally aligned), as item
    /// `name`.
    pub fn grant_io(&mut self, name: &str, port: u64, order: u8) -> Result<(), LoadError> {
        sys::delegate(self.me, self.pd, Crd::io(port, order), port).step("delegate ports")?;
        self.record(name, ItemKind::Io, port, 1 << order)
    }

    /// Maps the stack and the start info and starts the first EC at the
    /// program's entry with `rsp` = [`layout::STACK_TOP`] and its UTCB at
    /// [`layout::UTCB`].
    pub fn start(mut self, spec: &StartSpec) -> Result<Child, LoadError> {
        let stack = spec.stack_bytes.div_ceil(PAGE) * PAGE;
        let l = &mut self;
        l.give_ram("", stack, layout::STACK_TOP - stack)?;
        l.info.cpu = spec.cpu;
        l.info.utcb = layout::UTCB;
        l.info.stack_top = layout::STACK_TOP;
        l.info.free_sel = sel::FREE;
        let crd = Crd::mem(l.info_local / PAGE, 0, mem::READ);
        sys::delegate(l.me, l.pd, crd, layout::START_INFO / PAGE).step("delegate start info")?;
        let ec = sys::create_ec(
            spec.ec_sel,
            &EcSpec::global(
                l.pd,
                spec.cpu,
                layout::UTCB,
                layout::STACK_TOP,
                spec.evt_base,
                l.entry,
            ),
        )
        .step("create_ec")?;
        let sc = sys::create_sc(spec.sc_sel, ec, spec.prio, spec.quantum_us).step("create_sc")?;
        Ok(Child { pd: l.pd, ec, sc })
    }
}

/// Fills the fresh block at `local` (`len` bytes, in the caller's space)
/// with what the program has at `[at, at + len)`: file bytes, else zeroes.
fn copy_block(image: &[u8], segs: &[elf::Segment], local: u64, at: u64, len: u64) {
    // SAFETY: a fresh block of the caller's RAM of `len` bytes, mapped
    // read-write and used by nothing else (the `Frames` contract).
    unsafe { core::ptr::write_bytes(local as *mut u8, 0, len as usize) };
    for s in segs {
        if let Some((to, from, bytes)) = plan::file_part(s, at, len) {
            let src = &image[from as usize..(from + bytes) as usize];
            // SAFETY: `file_part` keeps `to + bytes` inside the block (see
            // above); `src` is a checked slice of the image, which does not
            // overlap the fresh block.
            unsafe {
                core::ptr::copy_nonoverlapping(src.as_ptr(), (local + to) as *mut u8, src.len())
            };
        }
    }
}

//! Interrupts: the CMOS RTC's periodic interrupt (GSI 8) routed to its
//! semaphore with `AssignInt` arrives as ups, on either CPU, and stops when
//! masked; `AssignInt`'s refusals; the MSI address and data it returns.
//!
//! root-pd grants ktest the ports 0x70–0x71 (`rtc`), the GSI 8 semaphore
//! (`gsi8`) and the first MSI semaphore (`msi0`), all rights.

use super::kit::{self, rdtsc};
use crate::check::{eq, ok, refused, st, status, that, Fail, TResult};
use crate::ctx::Ctx;
use crate::suite::Test;
use abi::cap::rights::sm;
use abi::int_flags::{ACTIVE_LOW, LEVEL, MASK};
use abi::Crd;
use core::sync::atomic::{AtomicU64, Ordering::SeqCst};
use user_rt::sys::{self, Msi, Sm, Status};
use user_rt::{Line, Utcb};

pub const TESTS: &[Test] = &[
    ("irq_rtc_periodic", rtc_periodic),
    ("irq_assign_int_refusals", assign_refusals),
    ("irq_msi_address_and_data", msi),
];

/// The CMOS index and data ports.
const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;
pub(super) const REG_A: u8 = 0x0a;
pub(super) const REG_B: u8 = 0x0b;
pub(super) const REG_C: u8 = 0x0c;
/// Register B: periodic interrupt enable. Register C: interrupt request
/// and periodic flag.
pub(super) const PIE: u8 = 1 << 6;
const IRQF_PF: u8 = 0xc0;
/// Register A rate 9: 128 Hz. A period (7.8 ms) is far longer than a
/// wake-up, so each up finds a fresh flag in register C (QEMU's RTC raises
/// its line again each period even if C was not read).
pub(super) const RATE_128HZ: u8 = 9;

pub(super) fn cmos_read(reg: u8) -> u8 {
    let v: u8;
    // SAFETY: ports 0x70-0x71 are granted to ktest; selecting a CMOS
    // register and reading it touches nothing else.
    unsafe {
        core::arch::asm!("out dx, al", in("dx") CMOS_INDEX, in("al") reg, options(nomem, nostack));
        core::arch::asm!("in al, dx", in("dx") CMOS_DATA, out("al") v, options(nomem, nostack));
    }
    v
}

pub(super) fn cmos_write(reg: u8, v: u8) {
    // SAFETY: as above; ktest writes only registers A and B of the RTC.
    unsafe {
        core::arch::asm!("out dx, al", in("dx") CMOS_INDEX, in("al") reg, options(nomem, nostack));
        core::arch::asm!("out dx, al", in("dx") CMOS_DATA, in("al") v, options(nomem, nostack));
    }
}

/// The granted semaphore `name`; the test is skipped without it.
pub(super) fn granted(ctx: &Ctx, name: &str) -> Result<Sm, Fail> {
    ctx.info
        .cap(name)
        .map(|(sel, _)| Sm(sel))
        .ok_or_else(|| Fail::skip(Line::new().str("no ").str(name).str(" granted")))
}

/// Waits for `n` RTC interrupts on `irq`, acknowledging each; the TSC
/// time from the first to the last.
fn interrupts(ctx: &Ctx, irq: Sm, n: u64) -> Result<u64, Fail> {
    let mut first = 0;
    for i in 0..n {
        match irq.down_until(ctx.deadline(500)) {
            Ok(()) => {}
            Err(s) => {
                let why = Line::new().str("interrupt ").dec(i + 1).str(" of ").dec(n);
                return Err(Fail::from(why.str(": ").str(s.name())));
            }
        }
        if i == 0 {
            first = rdtsc();
        }
        let c = cmos_read(REG_C);
        if c & IRQF_PF != IRQF_PF {
            let why = Line::new()
                .str("after interrupt ")
                .dec(i + 1)
                .str(": register C ");
            return Err(Fail::from(
                why.hex(u64::from(c)).str(", want IRQF and PF (0xc0)"),
            ));
        }
    }
    Ok(rdtsc() - first)
}

fn rtc_periodic(ctx: &mut Ctx) -> TResult {
    let irq = granted(ctx, "gsi8")?;
    let (a, b) = (cmos_read(REG_A), cmos_read(REG_B));
    cmos_write(REG_A, (a & 0xf0) | RATE_128HZ);
    let result = rtc_rounds(ctx, irq, b);
    cmos_write(REG_B, b & !PIE);
    cmos_write(REG_A, a);
    cmos_read(REG_C);
    let _ = sys::assign_int(irq, 0, MASK);
    result
}

fn rtc_rounds(ctx: &Ctx, irq: Sm, b: u8) -> TResult {
    for cpu in 0..ctx.cpus.min(2) {
        let routed = ok("assign_int(gsi 8)", sys::assign_int(irq, cpu, 0))?;
        eq("a GSI has no MSI address", routed.address, 0)?;
        eq("nor MSI data", routed.data, 0)?;
        // Let an interrupt still on its way land, then start from 0.
        cmos_read(REG_C);
        ctx.sleep(2);
        cmos_read(REG_C);
        let _ = irq.down_zero_until(1);
        cmos_write(REG_B, b | PIE);
        // 6 interrupts at 128 Hz take about 39 ms; ups that do not come
        // from the RTC would come faster.
        let took = interrupts(ctx, irq, 6).map_err(|f| {
            Fail::from(
                Line::new()
                    .str("routed to CPU ")
                    .dec(u64::from(cpu))
                    .str(": ")
                    .bytes(f.line().as_bytes()),
            )
        })?;
        that("5 periods take at least 20 ms", took >= kit::ms(ctx, 20))?;
        cmos_write(REG_B, b & !PIE);
        cmos_read(REG_C);
    }
    // Masked, and the RTC stopped: no more ups.
    ok("mask", sys::assign_int(irq, 0, MASK))?;
    cmos_write(REG_B, b | PIE);
    cmos_read(REG_C);
    let _ = irq.down_zero_until(1);
    status(
        "no interrupt while masked",
        st(irq.down_until(ctx.deadline(30))),
        Status::Timeout,
    )
}

/// `Sm::down_zero` with a deadline (the wrapper has none).
pub(super) trait DownZeroUntil {
    fn down_zero_until(self, deadline: u64) -> Result<(), Status>;
}

impl DownZeroUntil for Sm {
    fn down_zero_until(self, deadline: u64) -> Result<(), Status> {
        let r = sys::req::sm_ctrl(self, abi::SmOp::DownZero, deadline).issue();
        r.status().into_result()
    }
}

fn assign_refusals(ctx: &mut Ctx) -> TResult {
    let irq = granted(ctx, "gsi8")?;
    let plain = ctx.sm(0)?;
    let no_ctrl = Sm(ctx.copy(irq.0, sm::UP | sm::DOWN)?);
    let me = ctx.me;
    let cpus = ctx.cpus;
    let a = |s: Sm, cpu: u32, flags: u64| st(sys::assign_int(s, cpu, flags));
    refused("plain semaphore", Status::WrongType, &[me], &[], || {
        a(plain, 0, 0)
    })?;
    status("a PD", a(Sm(me.0), 0, 0), Status::WrongType)?;
    status(
        "empty selector",
        a(Sm(ctx.sel()), 0, 0),
        Status::BadSelector,
    )?;
    let out = Sm(abi::cap::OBJ_SPACE_SELECTORS);
    status("selector out of range", a(out, 0, 0), Status::BadSelector)?;
    status("CPU not online", a(irq, cpus, 0), Status::BadCpu)?;
    status("CPU u32::MAX", a(irq, u32::MAX, 0), Status::BadCpu)?;
    status("undefined flag 8", a(irq, 0, 8), Status::BadParameter)?;
    status(
        "undefined flag 63",
        a(irq, 0, 1 << 63),
        Status::BadParameter,
    )?;
    status("without CTRL", a(no_ctrl, 0, MASK), Status::Denied)?;
    status(
        "bad CPU before a plain semaphore",
        a(plain, cpus, 0),
        Status::BadCpu,
    )?;
    status(
        "bad flags before missing CTRL",
        a(no_ctrl, 0, 8),
        Status::BadParameter,
    )?;
    // Plain arguments in argument order: the CPU (rsi) before the flags.
    status("bad CPU before bad flags", a(irq, cpus, 8), Status::BadCpu)?;
    // Every defined flag is accepted for a GSI (and the route stays masked).
    ok(
        "all flags",
        sys::assign_int(irq, 0, LEVEL | ACTIVE_LOW | MASK),
    )?;
    ok("edge, masked", sys::assign_int(irq, 0, MASK)).map(drop)
}

static APIC_ID: AtomicU64 = AtomicU64::new(u64::MAX);

/// The initial APIC ID of the executing CPU (CPUID leaf 1).
fn apic_id() -> u64 {
    let r = core::arch::x86_64::__cpuid(1);
    u64::from(r.ebx >> 24)
}

fn record_apic_id(_: &mut Utcb, _: u64) {
    APIC_ID.store(apic_id(), SeqCst);
}

/// Device vectors of the hypervisor (`arch::idt::vector::DEVICE_FIRST` up
/// to the timer's); the ABI does not name them.
const DEVICE_VECTORS: core::ops::Range<u64> = 0x30..0xec;

fn msi(ctx: &mut Ctx) -> TResult {
    let msi = granted(ctx, "msi0")?;
    let mut first: Option<Msi> = None;
    for cpu in 0..ctx.cpus.min(2) {
        APIC_ID.store(u64::MAX, SeqCst);
        let t = ctx.thread(cpu, 40, 0, record_apic_id, 0)?;
        ctx.join(&t, 500)?;
        let id = APIC_ID.load(SeqCst);
        let got = ok("assign_int(msi)", sys::assign_int(msi, cpu, 0))?;
        eq("MSI address", got.address, 0xfee0_0000 | id << 12)?;
        that(
            "MSI data: a device vector",
            DEVICE_VECTORS.contains(&got.data),
        )?;
        if let Some(f) = first {
            eq("the same vector on every CPU", got.data, f.data)?;
        }
        first = Some(got);
    }
    let masked = ok("assign_int(msi, MASK)", sys::assign_int(msi, 0, MASK))?;
    eq(
        "masked: same data",
        masked.data,
        first.map_or(0, |f| f.data),
    )?;
    let me = ctx.me;
    let caps = [(me, Crd::obj(msi.0, 0))];
    refused(
        "MSI with undefined flags",
        Status::BadParameter,
        &[me],
        &caps,
        || st(sys::assign_int(msi, 0, 16)),
    )
}

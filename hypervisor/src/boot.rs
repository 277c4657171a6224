//! The boot sequence of the boot CPU and of each application processor.
//!
//! What the boot loader said is copied into the kernel's hypervisor
//! information page (HIP) first (`boot_info.rs`); root-pd gets a copy of it.

use crate::arch::{apic::Lapic, cpu, gdt, idt, kernel_space, percpu, smp, syscall, timer};
use crate::vm::{backend, Backend};
use crate::{boot_info, fatal, mem, power, println, rootpd};
use abi::hip::{feature, Hip, HipCpu};
use core::sync::atomic::{AtomicUsize, Ordering};
use hv_core::acpi_info::Platform;
use hv_core::fmt::Bytes;
use hv_core::multiboot::{self, Protocol};
use hv_core::{cmdline, show};
use spin::{Mutex, Once};

/// The HIP as the kernel builds it; root-pd gets a copy.
static HIP: Mutex<Hip> = Mutex::new(Hip::new());
static FEATURES: Once<cpu::Features> = Once::new();
static ONLINE: AtomicUsize = AtomicUsize::new(0);

const KERNEL_STACK_PAGES: u64 = 8;
const IST_STACK_PAGES: u64 = 2;

extern "C" {
    static bsp_stack_top: u8;
}

fn stop(what: &str) -> ! {
    println!("HYPERVISOR FATAL: ", what);
    fatal::stop_machine()
}

/// Sets up the executing CPU: descriptor tables, per-CPU block, control
/// registers, SYSCALL, local APIC.
fn setup_cpu(index: usize, apic_id: u32, stack_top: u64) -> &'static mut percpu::PerCpu {
    let mut ist = [0u64; 3];
    for top in ist.iter_mut() {
        let Some(base) = mem::alloc_zeroed(IST_STACK_PAGES) else {
            stop("out of memory for CPU stacks")
        };
        *top = mem::phys_to_virt(base) + IST_STACK_PAGES * 4096;
    }
    // SAFETY: the slot belongs to this CPU, which is the one running this.
    let cpu = unsafe { percpu::prepare(index, apic_id) };
    percpu::install(cpu);
    cpu.kernel_stack_top = stack_top;
    gdt::load(cpu, stack_top, ist);
    idt::load();
    let features = FEATURES.get().copied().unwrap_or_else(cpu::detect);
    cpu::setup_control_registers(&features);
    crate::arch::fpu::init_cpu();
    syscall::init();
    crate::vm::backend::init_cpu(index, &features);
    cpu.lapic = Lapic::enable(features.x2apic);
    if cpu.lapic.is_none() {
        stop("the local APIC could not be enabled");
    }
    cpu
}

fn report_features(f: &cpu::Features) {
    let mut out = crate::console::lock();
    show!(
        &mut *out,
        "features: ",
        Bytes(&f.vendor),
        ", vmx+ept=",
        f.vmx_ept,
        " svm+npt=",
        f.svm_npt,
        " x2apic=",
        f.x2apic,
        " tsc-deadline=",
        f.tsc_deadline,
        " invariant-tsc=",
        f.invariant_tsc,
        "\n"
    );
}

pub fn boot_cpu(magic: u32, info_phys: u64) -> ! {
    println!("hypervisor: NOVA-style microhypervisor starting");
    crate::arch::pic::disable();
    let info = match multiboot::parse(magic, info_phys, &boot_info::IdentityMem) {
        Ok(i) => i,
        Err(_) => stop("no valid Multiboot boot information (magic or structure)"),
    };
    let protocol = if info.protocol == Protocol::Multiboot1 {
        "multiboot1"
    } else {
        "multiboot2"
    };
    println!(
        "hypervisor: booted by ",
        protocol,
        ", command line \"",
        Bytes(info.cmdline.as_bytes()),
        "\""
    );
    let debug_exit = cmdline::value(info.cmdline, "exit") == Some("debug");
    let rsdp = info.rsdp;
    let cmdline_fault = cmdline::value(info.cmdline, "fault") == Some("kernel");
    let kmem_mib: Option<u64> = cmdline::value(info.cmdline, "kmem").and_then(|v| v.parse().ok());
    let (frames, phys_end) = match boot_info::read(&info, &mut HIP.lock()) {
        Ok(v) => v,
        Err(why) => stop(why),
    };
    mem::init(frames);
    if kernel_space::build_and_activate(phys_end.next_multiple_of(1 << 21)).is_err() {
        stop("out of memory for the kernel page tables");
    }
    println!(
        "memory: ",
        mem::free_bytes() >> 20,
        " MiB free for the hypervisor's allocator"
    );

    let features = *FEATURES.call_once(cpu::detect);
    report_features(&features);
    let bsp_stack = &raw const bsp_stack_top as u64;
    let bsp_apic_id = setup_cpu(0, cpu::apic_id(), bsp_stack).apic_id;

    let platform = crate::platform::read_acpi(rsdp);
    power::init(power::Facts {
        pm1a_control: platform.as_ref().and_then(|p| p.pm1a_control),
        pm1b_control: platform.as_ref().and_then(|p| p.pm1b_control),
        s5: platform.as_ref().and_then(|p| p.s5),
        reset: platform.as_ref().and_then(|p| p.reset),
        debug_exit,
    });
    if let Some(p) = &platform {
        println!(
            "acpi: ",
            p.cpus().len(),
            " CPUs and ",
            p.ioapics().len(),
            " I/O APICs in the MADT, power-off ",
            if p.s5.is_some() && p.pm1a_control.is_some() {
                "available"
            } else {
                "unavailable"
            }
        );
    }

    let Some(lapic) = percpu::current().lapic.as_mut() else {
        stop("no local APIC")
    };
    timer::calibrate(lapic);
    let deadline = features.tsc_deadline;
    let ok = timer::self_test(lapic, deadline);
    println!(
        "timer: ",
        if deadline { "tsc-deadline" } else { "one-shot" },
        if ok { " ok" } else { " FAILED: no interrupt" },
        ", tsc ",
        timer::tsc_khz(),
        " kHz, apic timer ",
        timer::apic_khz(),
        " kHz, ",
        if lapic.is_x2apic() { "x2APIC" } else { "xAPIC" },
        " mode"
    );
    let x2apic = lapic.is_x2apic();
    if cmdline_fault {
        provoke_kernel_fault();
    }
    cpu_online(percpu::current(), ok);

    // Before the application processors, which test their timers in it.
    timer::use_deadline_mode(deadline);
    if let Some(p) = &platform {
        start_application_cpus(p, bsp_apic_id);
    }
    let mut hip = *HIP.lock();
    hip.features = feature_bits(&features, x2apic);
    hip.tsc_khz = timer::tsc_khz();
    hip.gsi_count = platform.as_ref().map_or(0, crate::platform::setup_ioapics);
    crate::sched::set_online_cpus(ONLINE.load(Ordering::SeqCst));
    let kernel_mmio = crate::platform::kernel_mmio(platform.as_ref());
    crate::handover::split_memory(&mut hip, kmem_mib, &kernel_mmio);
    rootpd::start(&mut hip);
    crate::idle()
}

/// `fault=kernel` on the command line: touch an unmapped address in ring 0,
/// so tests can watch the fatal-exception report and the machine stop.
fn provoke_kernel_fault() {
    println!("hypervisor: faulting on purpose (fault=kernel)");
    // SAFETY: not sound by design: the kernel tables map nothing in the user
    // half, so the read faults and the exception handler stops the machine;
    // nothing runs afterwards.
    unsafe { core::ptr::read_volatile(0x10 as *const u64) };
}

fn feature_bits(f: &cpu::Features, x2apic: bool) -> u64 {
    let mut bits = 0;
    for (on, bit) in [
        // The backend the hypervisor enabled, not merely what CPUID offers.
        (backend() == Backend::Vmx, feature::VMX_EPT),
        (backend() == Backend::Svm, feature::SVM_NPT),
        (x2apic, feature::X2APIC),
        (f.tsc_deadline, feature::TSC_DEADLINE),
        (f.invariant_tsc, feature::INVARIANT_TSC),
    ] {
        if on {
            bits |= bit;
        }
    }
    bits
}

/// Records the executing CPU in the HIP and says so (and if its timer
/// failed the self-test).
fn cpu_online(cpu: &percpu::PerCpu, timer_ok: bool) {
    {
        let mut hip = HIP.lock();
        let n = hip.cpu_count as usize;
        if let Some(slot) = hip.cpus.get_mut(n) {
            *slot = HipCpu {
                apic_id: cpu.apic_id,
                acpi_uid: 0,
            };
            hip.cpu_count += 1;
        }
    }
    ONLINE.fetch_add(1, Ordering::SeqCst);
    println!(
        "cpu ",
        cpu.index,
        ": online, apic id ",
        cpu.apic_id,
        if cpu.index == 0 { " (boot CPU)" } else { "" },
        if timer_ok {
            ""
        } else {
            ", timer FAILED: no interrupt"
        }
    );
}

fn start_application_cpus(platform: &Platform, bsp_apic_id: u32) {
    smp::install_trampoline();
    let Some(kernel_root) = kernel_space::root() else {
        return;
    };
    let mut index = 1;
    for c in platform.cpus().iter().filter(|c| c.apic_id != bsp_apic_id) {
        if index >= percpu::MAX_CPUS {
            println!(
                "smp: more than ",
                percpu::MAX_CPUS,
                " CPUs; the rest stay off"
            );
            break;
        }
        let Some(stack) = mem::alloc_zeroed(KERNEL_STACK_PAGES) else {
            println!("smp: out of memory for CPU stacks; the rest stay off");
            break;
        };
        let stack_top = mem::phys_to_virt(stack) + KERNEL_STACK_PAGES * 4096;
        let before = ONLINE.load(Ordering::SeqCst);
        let Some(lapic) = percpu::current().lapic.as_mut() else {
            return;
        };
        if !smp::start_cpu(lapic, c.apic_id, index, stack_top, kernel_root) {
            println!("smp: cpu with apic id ", c.apic_id, " did not start");
            continue;
        }
        // Wait until it has announced itself, so lines and HIP order follow
        // CPU numbers.
        let give_up = cpu::rdtsc() + timer::tsc_khz().max(1) * 1000;
        while ONLINE.load(Ordering::SeqCst) == before && cpu::rdtsc() < give_up {
            core::hint::spin_loop();
        }
        index += 1;
    }
}

pub fn application_cpu(index: usize, stack_top: u64) -> ! {
    smp::report_started();
    let cpu = setup_cpu(index, cpu::apic_id(), stack_top);
    let timer_ok = percpu::current()
        .lapic
        .as_mut()
        .is_some_and(|l| timer::self_test(l, timer::deadline_mode()));
    cpu_online(cpu, timer_ok);
    crate::idle()
}

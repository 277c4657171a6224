//! The local APIC of each CPU, through the `x2apic` crate, which picks x2APIC
//! mode where the CPU has it and the memory-mapped xAPIC otherwise.

use super::idt::vector;
use crate::mem;
use x2apic::lapic::{xapic_base, LocalApic, LocalApicBuilder, TimerDivide, TimerMode};
use x86_64::registers::model_specific::Msr;

const IA32_TSC_DEADLINE: u32 = 0x6E0;

/// This CPU's local APIC.
pub struct Lapic {
    apic: LocalApic,
    x2apic: bool,
}

impl Lapic {
    /// Enables the executing CPU's local APIC with the timer stopped.
    pub fn enable(x2apic: bool) -> Option<Self> {
        // SAFETY: reading IA32_APIC_BASE has no side effect.
        let base = unsafe { xapic_base() };
        let mut apic = LocalApicBuilder::new()
            .timer_vector(usize::from(vector::TIMER))
            .error_vector(usize::from(vector::APIC_ERROR))
            .spurious_vector(usize::from(vector::SPURIOUS))
            .timer_mode(TimerMode::OneShot)
            .timer_divide(TimerDivide::Div16)
            .timer_initial(0)
            .set_xapic_base(mem::phys_to_virt(base))
            .build()
            .ok()?;
        // SAFETY: the APIC registers are reachable (x2APIC MSRs, or the xAPIC
        // page through the direct map); enabling it with a stopped timer and
        // masked LINT pins delivers nothing until the kernel asks.
        unsafe { apic.enable() };
        // The crate unmasks the timer before it software-enables the APIC,
        // and while an APIC is software-disabled its LVT mask bits cannot
        // be cleared (SDM Vol. 3, "Local APIC State After It Has Been
        // Software Disabled"): an application processor, disabled since
        // INIT, would keep its timer masked for good (QEMU lets the unmask
        // through; Bochs and real CPUs do not). Unmask it again now.
        // SAFETY: as above; the timer's initial count is still 0, so
        // unmasking it delivers nothing yet.
        unsafe { apic.enable_timer() };
        Some(Self { apic, x2apic })
    }

    pub fn is_x2apic(&self) -> bool {
        self.x2apic
    }

    /// The ICR destination field: x2APIC takes the ID as is, xAPIC wants it
    /// in bits 24..31 of the high half.
    fn destination(&self, apic_id: u32) -> u32 {
        if self.x2apic {
            apic_id
        } else {
            apic_id << 24
        }
    }

    pub fn end_of_interrupt(&mut self) {
        // SAFETY: EOI only acknowledges the interrupt being serviced.
        unsafe { self.apic.end_of_interrupt() };
    }

    /// INIT to another CPU, the first step of starting it.
    pub fn send_init(&mut self, apic_id: u32) {
        let dest = self.destination(apic_id);
        // SAFETY: the target is an application processor that is not running
        // hypervisor code yet; INIT puts it in wait-for-SIPI.
        unsafe { self.apic.send_init_ipi(dest) };
    }

    /// Start-up IPI: the CPU begins in real mode at `page << 12`.
    pub fn send_startup(&mut self, apic_id: u32, page: u8) {
        let dest = self.destination(apic_id);
        // SAFETY: the trampoline was placed at `page` before this call.
        unsafe { self.apic.send_sipi(page, dest) };
    }

    /// A fixed interrupt with `vector` to the CPU with `apic_id`.
    pub fn send_fixed(&mut self, apic_id: u32, vector: u8) {
        let dest = self.destination(apic_id);
        // SAFETY: the vectors sent are the kernel's own IPI vectors, whose
        // handlers expect to be entered at any time.
        unsafe { self.apic.send_ipi(vector, dest) };
    }

    /// NMI to every other CPU (used to stop them on a fatal error).
    pub fn send_nmi_to_others(&mut self) {
        // SAFETY: the NMI handler of every CPU halts it when the machine is
        // stopping, which is the only time this is sent.
        unsafe {
            self.apic
                .send_nmi_all(x2apic::lapic::IpiAllShorthand::AllExcludingSelf)
        };
    }

    /// One-shot count-down of `count` ticks (divider 16).
    pub fn arm_one_shot(&mut self, count: u32) {
        // SAFETY: programming this CPU's timer only schedules its interrupt.
        unsafe {
            self.apic.set_timer_mode(TimerMode::OneShot);
            self.apic.set_timer_divide(TimerDivide::Div16);
            self.apic.set_timer_initial(count);
        }
    }

    /// Remaining ticks of the one-shot count-down.
    pub fn timer_current(&self) -> u32 {
        // SAFETY: reading the current count has no side effect.
        unsafe { self.apic.timer_current() }
    }

    /// An interrupt when the TSC reaches `deadline`.
    pub fn arm_tsc_deadline(&mut self, deadline: u64) {
        // SAFETY: only called when CPUID reports TSC-deadline mode; writing
        // the deadline MSR schedules this CPU's timer interrupt.
        unsafe {
            self.apic.set_timer_mode(TimerMode::TscDeadline);
            Msr::new(IA32_TSC_DEADLINE).write(deadline);
        }
    }
}

/// Sends `vector` to the CPU with index `cpu` from the executing CPU.
pub fn send_ipi(cpu: usize, vector: u8) {
    let apic_id = super::percpu::of(cpu).apic_id;
    if let Some(lapic) = super::percpu::current().lapic.as_mut() {
        lapic.send_fixed(apic_id, vector);
    }
}

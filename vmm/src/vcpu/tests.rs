//! [`handle`] driven with made-up exits over a real platform: what each
//! exit does to the state, what the guest gets injected, and which exits
//! stop the guest.

use super::*;
use crate::ctx::Stop;
use crate::loader::{entry_state, Entry};
use crate::mem::tests::ram;
use crate::mem::{GuestMemory, Ram};
use crate::platform::{Config, Console, Platform};
use crate::time::{Time, TscRate};
use abi::vcpu::{
    gpa, inj, intr_state, io, mtd as bits, request, Exit, VcpuState, VCPU_STATE_WORDS,
};
use alloc::boxed::Box;

const RAM: u64 = 1 << 20;
const CODE: u64 = 0x1000;
const IF: u64 = 1 << 9;
const LAPIC: u64 = 0xfee0_0000;

struct Quiet;

impl Console for Quiet {
    fn line(&mut self, _: &[u8]) {}
}

struct Vm {
    p: Platform,
    mem: Ram,
}

impl Vm {
    fn new(cpus: u32) -> Self {
        let cfg = Config {
            cpus,
            ram: RAM,
            tsc: TscRate::new(1_000_000),
            epoch_secs: 0,
        };
        Self {
            p: Platform::new(&cfg, Box::new(Quiet)),
            mem: ram(RAM as usize),
        }
    }

    /// Handles `exit` as the VMM does: on the part of `s` the exit's
    /// portal transfers, with the reply loading that part back into `s`.
    /// A handler that needed more would see zeros and fail its test.
    fn handle(&mut self, vcpu: u32, exit: Exit, s: &mut VcpuState) -> Outcome {
        let m = mtd::fetch(exit);
        let mut seen = s.masked(m);
        let out = self.handle_all(vcpu, exit, &mut seen);
        // The state goes back with the reply, after a wait if need be.
        if !matches!(out, Outcome::Stop(_)) {
            *s = merge(&s.masked(bits::ALL & !m), &seen.masked(m));
        }
        out
    }

    fn handle_all(&mut self, vcpu: u32, exit: Exit, s: &mut VcpuState) -> Outcome {
        let mut env = Env {
            platform: &mut self.p,
            mem: &self.mem,
            now: Time { ns: 0, tsc: 0 },
            vcpu,
            cpus: 2,
            host_cpuid: &|leaf, _| [leaf, 0, 0, 0],
            xcr0_mask: 0x7,
            ram: RAM,
        };
        handle(exit, s, &mut env)
    }

    /// Software-enables vCPU `v`'s local APIC and sends it a fixed
    /// self-IPI with `vector`.
    fn self_ipi(&mut self, v: u32, vector: u8) {
        let at = Time { ns: 0, tsc: 0 };
        self.p.mmio_write(at, v, LAPIC + 0xf0, 4, 0x1ff);
        self.p
            .mmio_write(at, v, LAPIC + 0x300, 4, (1 << 18) | u64::from(vector));
    }
}

/// Two states with no part in common, as one.
fn merge(a: &VcpuState, b: &VcpuState) -> VcpuState {
    let (a, b) = (a.to_words(), b.to_words());
    let mut w = [0; VCPU_STATE_WORDS];
    for (i, x) in w.iter_mut().enumerate() {
        *x = a[i] | b[i];
    }
    VcpuState::from_words(&w)
}

/// 32-bit protected mode at `CODE`, as the Multiboot loader leaves it,
/// with the exit's instruction length set.
fn state(inst_len: u64) -> VcpuState {
    let mut s = entry_state(&Entry {
        eip: CODE as u32,
        ebx: 0,
    });
    s.inst_len = inst_len;
    s
}

#[test]
fn hlt_right_after_sti_ends_the_shadow_so_the_waking_interrupt_comes_first() {
    let mut vm = Vm::new(1);
    let mut s = state(1);
    s.rflags |= IF;
    s.intr_state = intr_state::STI;
    assert_eq!(vm.handle(0, Exit::Hlt, &mut s), Outcome::Halt);
    assert_eq!(s.rip, CODE + 1);
    assert_eq!(s.intr_state & intr_state::STI, 0);
    // The interrupt that ends the HLT goes in at once, before the
    // instruction after HLT, not after an interrupt-window exit.
    vm.self_ipi(0, 0x40);
    assert_eq!(vm.handle(0, Exit::Recall, &mut s), Outcome::Resume);
    assert_eq!(s.inj, inj::VALID | 0x40);
    assert_eq!(s.requests, 0);
    assert_eq!(s.rip, CODE + 1);
}

#[test]
fn an_interrupt_waits_for_a_window_while_if_is_clear_or_a_shadow_holds() {
    let mut vm = Vm::new(1);
    vm.self_ipi(0, 0x41);
    let mut s = state(0);
    assert_eq!(vm.handle(0, Exit::Recall, &mut s), Outcome::Resume);
    assert_eq!((s.inj, s.requests), (0, request::INTR_WINDOW));
    s.rflags |= IF;
    s.intr_state = intr_state::MOV_SS;
    assert_eq!(vm.handle(0, Exit::Recall, &mut s), Outcome::Resume);
    assert_eq!((s.inj, s.requests), (0, request::INTR_WINDOW));
    s.intr_state = 0;
    assert_eq!(vm.handle(0, Exit::IntrWindow, &mut s), Outcome::Resume);
    assert_eq!((s.inj, s.requests), (inj::VALID | 0x41, 0));
}

#[test]
fn an_event_still_on_its_way_in_is_not_overwritten() {
    let mut vm = Vm::new(1);
    vm.self_ipi(0, 0x42);
    let mut s = state(0);
    s.rflags |= IF;
    let pf = inj::VALID | (inj::kind::EXCEPTION << 8) | 14;
    s.inj = pf;
    assert_eq!(vm.handle(0, Exit::Recall, &mut s), Outcome::Resume);
    assert_eq!((s.inj, s.requests), (pf, request::INTR_WINDOW));
}

#[test]
fn a_skipped_instruction_wraps_ip_in_real_mode() {
    let mut vm = Vm::new(1);
    let mut s = VcpuState {
        rip: 0xffff,
        inst_len: 2,
        ..VcpuState::default()
    };
    s.gpr[0] = 1;
    assert_eq!(vm.handle(0, Exit::Cpuid, &mut s), Outcome::Resume);
    assert_eq!(s.rip, 1);
}

#[test]
fn cpuid_answers_in_the_four_registers_and_moves_on() {
    let mut vm = Vm::new(1);
    let mut s = state(2);
    s.gpr[0] = 0;
    assert_eq!(vm.handle(0, Exit::Cpuid, &mut s), Outcome::Resume);
    assert_eq!(s.rip, CODE + 2);
    // Leaf 0 names the vendor from the host; the maximum leaf is capped.
    assert!(s.gpr[0] <= 0xd, "max leaf {:#x}", s.gpr[0]);
}

#[test]
fn narrow_port_reads_keep_the_rest_of_rax_and_wide_ones_zero_extend() {
    let mut vm = Vm::new(1);
    let mut s = state(1);
    s.gpr[0] = 0x1234_5678_9abc_def0;
    s.qual[0] = io::encode(0x250, 1, io::IN); // nothing there: all ones
    assert_eq!(vm.handle(0, Exit::Io, &mut s), Outcome::Resume);
    assert_eq!(s.gpr[0], 0x1234_5678_9abc_deff);
    s.qual[0] = io::encode(0x250, 4, io::IN);
    assert_eq!(vm.handle(0, Exit::Io, &mut s), Outcome::Resume);
    assert_eq!(s.gpr[0], 0xffff_ffff);
    assert_eq!(s.rip, CODE + 2);
}

#[test]
fn the_debug_exit_port_stops_the_guest_with_the_status() {
    let mut vm = Vm::new(1);
    let mut s = state(1);
    s.gpr[0] = 0x11;
    s.qual[0] = io::encode(0xf4, 4, 0);
    assert_eq!(
        vm.handle(0, Exit::Io, &mut s),
        Outcome::Stop(StopReason::Device(Stop::DebugExit(0x11)))
    );
}

#[test]
fn string_port_io_goes_through_the_emulator() {
    let mut vm = Vm::new(1);
    let mut s = state(1);
    vm.mem.write(CODE, &[0x6e]).unwrap(); // outsb
    vm.mem.write(0x2000, b"A").unwrap();
    s.gpr[6] = 0x2000;
    s.gpr[2] = 0x3f8;
    s.qual[0] = io::encode(0x3f8, 1, io::STRING);
    assert_eq!(vm.handle(0, Exit::Io, &mut s), Outcome::Resume);
    assert_eq!((s.rip, s.gpr[6]), (CODE + 1, 0x2001));
}

#[test]
fn mmio_is_emulated_against_the_device() {
    let mut vm = Vm::new(1);
    let mut s = state(2);
    vm.mem.write(CODE, &[0x89, 0x08]).unwrap(); // mov [eax], ecx
    s.gpr[0] = LAPIC + 0x80;
    s.gpr[1] = 0x20;
    s.qual = [LAPIC + 0x80, gpa::WRITE];
    assert_eq!(vm.handle(0, Exit::GpaFault, &mut s), Outcome::Resume);
    assert_eq!(s.rip, CODE + 2);
    let tpr = vm.p.mmio_read(Time { ns: 0, tsc: 0 }, 0, LAPIC + 0x80, 4);
    assert_eq!(tpr, 0x20);
}

#[test]
fn faults_inside_ram_and_fetches_from_mmio_stop_the_guest() {
    let mut vm = Vm::new(1);
    let mut s = state(0);
    s.qual = [0x5000, gpa::READ];
    let ram_fault = Outcome::Stop(StopReason::RamFault);
    assert_eq!(vm.handle(0, Exit::GpaFault, &mut s), ram_fault);
    s.qual = [LAPIC, gpa::EXEC];
    assert_eq!(vm.handle(0, Exit::GpaFault, &mut s), ram_fault);
}

#[test]
fn mmio_the_emulator_cannot_decode_stops_the_guest_with_the_fault() {
    let mut vm = Vm::new(1);
    let mut s = state(2);
    vm.mem.write(CODE, &[0x0f, 0xff]).unwrap(); // ud0 without ModRM
    s.qual = [LAPIC, gpa::READ];
    let out = vm.handle(0, Exit::GpaFault, &mut s);
    assert!(
        matches!(out, Outcome::Stop(StopReason::Emulation(_))),
        "{out:?}"
    );
    assert_eq!(s.rip, CODE);
}

#[test]
fn unknown_msrs_raise_gp_and_do_not_move_rip() {
    let mut vm = Vm::new(1);
    let gp = inj::VALID | inj::ERROR_VALID | (inj::kind::EXCEPTION << 8) | 13;
    for exit in [Exit::Rdmsr, Exit::Wrmsr] {
        let mut s = state(2);
        s.gpr[1] = 0xdead_0000;
        assert_eq!(vm.handle(0, exit, &mut s), Outcome::Resume);
        assert_eq!((s.inj, s.rip), (gp, CODE), "{exit:?}");
    }
}

#[test]
fn efer_reads_come_from_the_state_and_bad_writes_raise_gp() {
    let mut vm = Vm::new(1);
    let mut s = state(2);
    s.efer = 0x500;
    s.gpr[1] = 0xc000_0080;
    assert_eq!(vm.handle(0, Exit::Rdmsr, &mut s), Outcome::Resume);
    assert_eq!((s.gpr[0], s.gpr[2], s.rip), (0x500, 0, CODE + 2));
    s.gpr[0] = 1 << 20; // a reserved bit
    assert_eq!(vm.handle(0, Exit::Wrmsr, &mut s), Outcome::Resume);
    assert_eq!(s.inj & 0xff, 13);
    assert_eq!(s.efer, 0x500);
}

#[test]
fn xsetbv_takes_only_what_the_host_has_and_x87_always() {
    let mut vm = Vm::new(1);
    let mut s = state(3);
    s.gpr[0] = 0x3;
    assert_eq!(vm.handle(0, Exit::Xsetbv, &mut s), Outcome::Resume);
    assert_eq!((s.xcr0, s.rip, s.inj), (0x3, CODE + 3, 0));
    for bad in [0x2, 0x5, 0xf] {
        let mut s = state(3);
        s.gpr[0] = bad;
        assert_eq!(vm.handle(0, Exit::Xsetbv, &mut s), Outcome::Resume);
        assert_eq!((s.inj & 0xff, s.rip), (13, CODE), "xcr0 {bad:#x}");
    }
}

#[test]
fn vmcall_is_undefined_for_a_guest() {
    let mut vm = Vm::new(1);
    let mut s = state(3);
    assert_eq!(vm.handle(0, Exit::Vmcall, &mut s), Outcome::Resume);
    assert_eq!(
        (s.inj, s.rip),
        (inj::VALID | (inj::kind::EXCEPTION << 8) | 6, CODE)
    );
}

#[test]
fn what_the_vmm_cannot_handle_stops_the_guest() {
    let mut vm = Vm::new(1);
    let mut s = state(0);
    assert_eq!(
        vm.handle(0, Exit::TripleFault, &mut s),
        Outcome::Stop(StopReason::TripleFault)
    );
    for exit in [Exit::Unsupported, Exit::InvalidState, Exit::Exception(3)] {
        assert_eq!(
            vm.handle(0, exit, &mut s),
            Outcome::Stop(StopReason::Unhandled),
            "{exit:?}"
        );
    }
}

#[test]
fn only_the_first_vcpu_starts_the_others_wait_for_a_sipi() {
    let mut vm = Vm::new(2);
    let mut s = state(0);
    assert_eq!(vm.handle(0, Exit::Startup, &mut s), Outcome::Resume);
    assert_eq!(vm.handle(1, Exit::Startup, &mut s), Outcome::WaitSipi);
}

#[test]
fn an_init_ipi_sends_its_target_to_wait_for_a_sipi() {
    let mut vm = Vm::new(2);
    let at = Time { ns: 0, tsc: 0 };
    vm.p.mmio_write(at, 0, LAPIC + 0xf0, 4, 0x1ff);
    vm.p.mmio_write(at, 0, LAPIC + 0x310, 4, 1 << 24);
    vm.p.mmio_write(at, 0, LAPIC + 0x300, 4, (5 << 8) | (1 << 14));
    let mut s = state(0);
    assert_eq!(vm.handle(1, Exit::Recall, &mut s), Outcome::WaitSipi);
    assert_eq!(vm.handle(0, Exit::Recall, &mut s), Outcome::Resume);
}

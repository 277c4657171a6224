//! Leaving the machine: ACPI S5 power-off through the FADT, reset through the
//! FADT reset register (then port 0xCF9, then the keyboard controller), and
//! QEMU's debug-exit port when the command line says `exit=debug`, so tests
//! get a status out of the emulator.

use crate::arch::timer::delay_us;
use crate::{mem, println};
use abi::Status;
use hv_core::acpi_info::{AddressSpace, Gas};
use spin::Once;
use x86_64::instructions::port::Port;

/// Port of QEMU's `isa-debug-exit` device; QEMU exits with `(value << 1) | 1`.
const DEBUG_EXIT_PORT: u16 = 0xF4;
pub const DEBUG_EXIT_SUCCESS: u8 = 0x10;
pub const DEBUG_EXIT_FAILURE: u8 = 0x11;
const SLP_EN: u16 = 1 << 13;

/// What the FADT (and the DSDT's `\_S5`) say about power control.
#[derive(Clone, Copy, Default)]
pub struct Facts {
    pub pm1a_control: Option<Gas>,
    pub pm1b_control: Option<Gas>,
    pub s5: Option<(u8, u8)>,
    pub reset: Option<(Gas, u8)>,
    pub debug_exit: bool,
}

static FACTS: Once<Facts> = Once::new();

pub fn init(facts: Facts) {
    FACTS.call_once(|| facts);
}

fn facts() -> Facts {
    FACTS.get().copied().unwrap_or_default()
}

fn write_gas(gas: Gas, value: u16) {
    match gas.space {
        // SAFETY: the FADT names this port as the power-management control
        // (or reset) register; writing it is the requested action.
        AddressSpace::SystemIo => unsafe {
            if gas.bit_width == 8 {
                Port::<u8>::new(gas.address as u16).write(value as u8);
            } else {
                Port::<u16>::new(gas.address as u16).write(value);
            }
        },
        // SAFETY: as above for a memory-mapped register, reached through the
        // direct map (which covers all of the first 4 GiB and all RAM).
        AddressSpace::SystemMemory => unsafe {
            let va = mem::phys_to_virt(gas.address);
            if gas.bit_width == 8 {
                (va as *mut u8).write_volatile(value as u8);
            } else {
                (va as *mut u16).write_volatile(value);
            }
        },
    }
}

/// Writes `code` to the debug-exit port if the command line asked for it.
/// On QEMU with the device this does not return.
pub fn debug_exit(code: u8) {
    if facts().debug_exit {
        // SAFETY: the user asked for the debug-exit device at this port.
        unsafe { Port::<u8>::new(DEBUG_EXIT_PORT).write(code) };
    }
}

/// Powers off; returns a status only if nothing worked.
pub fn power_off() -> Status {
    println!("hypervisor: power off");
    crate::arch::serial::flush();
    debug_exit(DEBUG_EXIT_SUCCESS);
    let f = facts();
    let (Some(pm1a), Some((typ_a, typ_b))) = (f.pm1a_control, f.s5) else {
        println!("hypervisor: power off is not possible: no PM1 control block or no \\_S5 in ACPI");
        return Status::Unsupported;
    };
    write_gas(pm1a, u16::from(typ_a & 7) << 10 | SLP_EN);
    if let Some(pm1b) = f.pm1b_control {
        write_gas(pm1b, u16::from(typ_b & 7) << 10 | SLP_EN);
    }
    delay_us(100_000);
    println!("hypervisor: the machine did not power off");
    Status::Unsupported
}

/// Resets the machine; returns a status only if nothing worked.
pub fn reboot() -> Status {
    println!("hypervisor: reboot");
    crate::arch::serial::flush();
    if let Some((gas, value)) = facts().reset {
        write_gas(gas, u16::from(value));
        delay_us(50_000);
    }
    // SAFETY: 0xCF9 is the reset control register of PC chipsets and 0x64
    // the keyboard controller's command port (0xFE pulses the reset line);
    // both are the documented fallbacks for resetting a PC.
    unsafe {
        Port::<u8>::new(0xCF9).write(0x02);
        delay_us(10);
        Port::<u8>::new(0xCF9).write(0x06);
        delay_us(50_000);
        Port::<u8>::new(0x64).write(0xFE);
    }
    delay_us(100_000);
    println!("hypervisor: the machine did not reset");
    Status::Unsupported
}

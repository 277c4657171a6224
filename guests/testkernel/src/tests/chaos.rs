//! `test=chaos`: a hostile guest. It writes pseudo-random values to every
//! I/O port and to every register of the interrupt controllers' MMIO pages
//! and to unbacked physical addresses, then drops its IDT and jumps into
//! random bytes. Nothing of this may take down its VMM or disturb another
//! guest; the VMM must report how this one ended.
//!
//! Skipped ports: the ones whose documented job is to end the VM (debug
//! exit 0xf4, the i8042 command port 0x64, ACPI PM1a control 0x604, reset
//! control 0xcf9), since ending early would skip the rest of the test.

use crate::console::{say, Line};
use crate::io::{inb, mmio_read, mmio_write, outb, outl};

const SKIP: [u16; 5] = [0xf4, 0x64, 0x604, 0x605, 0xcf9];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: cheap and good enough for garbage.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A page of random bytes to execute.
#[repr(align(4096))]
struct Page(#[allow(dead_code)] [u8; 4096]);
static mut CODE: Page = Page([0; 4096]);

pub fn run() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for port in 0..=0xffffu16 {
        if SKIP.contains(&port) {
            continue;
        }
        let v = rng.next();
        let dword = port & !3;
        match v & 3 {
            0 => outb(port, v as u8),
            1 if !SKIP.iter().any(|&s| s & !3 == dword) => outl(dword, (v >> 8) as u32),
            _ => {
                inb(port);
            }
        }
    }
    // The UART got nonsense too (loopback, DLAB): set it up again to report.
    crate::console::init();
    say("chaos: every port written");
    for base in [0xfec0_0000u64, 0xfee0_0000] {
        for off in (0..0x1000).step_by(4) {
            let v = rng.next();
            if v & 1 == 0 {
                mmio_write(base + off, (v >> 32) as u32);
            } else {
                mmio_read(base + off);
            }
        }
    }
    for addr in [
        0xc000_0000u64,
        0xd000_0000,
        0xfed0_0000,
        0xfeb0_0000,
        0xfff0_0000,
    ] {
        mmio_write(addr, rng.next() as u32);
        mmio_read(addr + 4);
    }
    say("chaos: every MMIO register written");
    let code = (&raw mut CODE).cast::<u8>();
    for i in 0..4096 {
        // SAFETY: inside CODE, this test's own page; nothing else uses it.
        unsafe { code.add(i).write(rng.next() as u8) };
    }
    Line::new()
        .str("testkernel: chaos: jumping into random bytes")
        .print();
    let null_idt = [0u16; 5];
    // SAFETY: deliberately not sound: the point is to execute garbage with
    // no IDT, so the first exception becomes a triple fault.
    unsafe {
        core::arch::asm!(
            "lidt [{idt}]",
            "jmp {code}",
            idt = in(reg) null_idt.as_ptr(),
            code = in(reg) code,
            options(noreturn)
        )
    }
}

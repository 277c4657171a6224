//! The interrupt descriptor table: 256 gates to 16-byte stubs that push
//! the vector and enter [`isr`]. Exceptions end the run with a report;
//! interrupts count per vector and run the hook a test installed.
//!
//! Each CPU loads the same table; counts are shared atomics, so a test on
//! the BSP sees what an AP received.

use crate::console::{exit, Line, FAIL};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

core::arch::global_asm!(
    r#"
    .section .text.isr, "ax"
    .p2align 4
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .p2align 4
    push $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

isr_common:
    push %rax
    push %rcx
    push %rdx
    push %rbx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    mov 80(%rsp), %rdi
    lea 88(%rsp), %rsi
    mov %rsp, %rbx
    and $-16, %rsp
    call isr
    mov %rbx, %rsp
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rbx
    pop %rdx
    pop %rcx
    pop %rax
    add $8, %rsp
    iretq
"#,
    options(att_syntax)
);

extern "C" {
    fn isr_stubs();
}

#[repr(C, align(16))]
struct Idt([u64; 512]);

static mut IDT: Idt = Idt([0; 512]);

/// Interrupts seen per vector.
pub static COUNT: [AtomicU32; 256] = [const { AtomicU32::new(0) }; 256];
/// Per vector, a `fn(u8)` a test installed (0: none).
static HOOK: [AtomicUsize; 256] = [const { AtomicUsize::new(0) }; 256];

/// Fills the table (once, on the BSP).
pub fn init() {
    let base = isr_stubs as *const () as u64;
    for v in 0..256u64 {
        let stub = base + 16 * v;
        let lo = (stub & 0xffff) | (0x08 << 16) | (0x8e00 << 32) | ((stub >> 16) & 0xffff) << 48;
        // SAFETY: only the BSP writes the table, before any CPU loads it.
        unsafe {
            let idt = &raw mut IDT;
            (*idt).0[2 * v as usize] = lo;
            (*idt).0[2 * v as usize + 1] = stub >> 32;
        }
    }
}

/// Loads the table on this CPU.
pub fn load() {
    let ptr: [u16; 5] = {
        let base = &raw const IDT as u64;
        [
            4095,
            base as u16,
            (base >> 16) as u16,
            (base >> 32) as u16,
            (base >> 48) as u16,
        ]
    };
    // SAFETY: the table is static and filled by `init`; every gate points
    // at a stub.
    unsafe { core::arch::asm!("lidt [{}]", in(reg) ptr.as_ptr(), options(nostack)) };
}

/// Installs `hook` for `vector` (called after the count goes up).
pub fn hook(vector: u8, f: fn(u8)) {
    HOOK[vector as usize].store(f as usize, Ordering::Release);
}

/// Interrupts counted for `vector` so far.
pub fn count(vector: u8) -> u32 {
    COUNT[vector as usize].load(Ordering::Acquire)
}

const NAMES: [&str; 20] = [
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF?", "#TS", "#NP", "#SS",
    "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM",
];

/// Called by the stubs with the vector and the interrupt frame (error code
/// first for exceptions that push one).
#[no_mangle]
extern "C" fn isr(vector: u64, frame: *const u64) {
    let v = vector as usize & 0xff;
    if v < 32 {
        let has_code = matches!(v, 8 | 10..=14 | 17 | 21 | 29 | 30);
        // SAFETY: the CPU pushed at least the error code (if any), RIP, CS
        // and RFLAGS at `frame`.
        let (code, rip) = unsafe {
            if has_code {
                (*frame, *frame.add(1))
            } else {
                (0, *frame)
            }
        };
        let cr2: u64;
        // SAFETY: reads CR2.
        unsafe { core::arch::asm!("mov {}, cr2", out(reg) cr2, options(nomem, nostack)) };
        Line::new()
            .str("testkernel: exception ")
            .str(NAMES.get(v).copied().unwrap_or("?"))
            .str(" at rip ")
            .hex(rip)
            .str(" code ")
            .hex(code)
            .str(" cr2 ")
            .hex(cr2)
            .print();
        exit(FAIL);
    }
    COUNT[v].fetch_add(1, Ordering::AcqRel);
    let h = HOOK[v].load(Ordering::Acquire);
    if h != 0 {
        // SAFETY: only `hook` stores here, and it stores `fn(u8)` pointers.
        let f: fn(u8) = unsafe { core::mem::transmute::<usize, fn(u8)>(h) };
        f(v as u8);
    }
}

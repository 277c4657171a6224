//! Instructions that fault on purpose, in assembly so their addresses and
//! registers are known. The recoverable probes put their recovery address
//! in `rcx` before the faulting instruction; an exception handler that
//! wants to skip the fault sets `rip` = `rcx` and `rax` = [`MARK`] | vector,
//! so the probe returns that instead of its normal result.

/// Marks a value a handler made up for a skipped fault.
pub const MARK: u64 = 0xfa17_0000_0000_0000;
/// Bytes of `lea rcx, [rip + x]`: the faulting instruction of a
/// recoverable probe is at the probe's address plus this.
pub const LEA_LEN: u64 = 7;

core::arch::global_asm!(
    ".pushsection .text.ktest_probes, \"ax\", @progbits",
    // u64 probe_read(u64 addr)
    ".globl ktest_probe_read",
    "ktest_probe_read:",
    "lea rcx, [rip + 2f]",
    "mov rax, qword ptr [rdi]",
    "2: ret",
    // u64 probe_write(u64 addr, u64 value): 0 when written
    ".globl ktest_probe_write",
    "ktest_probe_write:",
    "lea rcx, [rip + 2f]",
    "mov qword ptr [rdi], rsi",
    "xor eax, eax",
    "2: ret",
    // u64 probe_in(u64 port): the byte read
    ".globl ktest_probe_in",
    "ktest_probe_in:",
    "lea rcx, [rip + 2f]",
    "mov edx, edi",
    "xor eax, eax",
    "in al, dx",
    "2: ret",
    // u64 probe_out(u64 port, u64 byte): 0 when written
    ".globl ktest_probe_out",
    "ktest_probe_out:",
    "lea rcx, [rip + 2f]",
    "mov edx, edi",
    "mov eax, esi",
    "out dx, al",
    "xor eax, eax",
    "2: ret",
    // u64 probe_div0(void): divides by zero
    ".globl ktest_probe_div0",
    "ktest_probe_div0:",
    "lea rcx, [rip + 2f]",
    "xor edx, edx",
    "mov eax, 1",
    "xor r8d, r8d",
    "div r8d",
    "2: ret",
    // u64 probe_cli(void): a privileged instruction
    ".globl ktest_probe_cli",
    "ktest_probe_cli:",
    "lea rcx, [rip + 2f]",
    "cli",
    "xor eax, eax",
    "2: ret",
    // u64 probe_ud(u64 rax): ud2 with rax set; returns 1 if resumed after it
    ".globl ktest_probe_ud",
    "ktest_probe_ud:",
    "mov rax, rdi",
    "ud2",
    "mov eax, 1",
    "ret",
    // u64 probe_bp(void): int3; returns 7 if resumed after it
    ".globl ktest_probe_bp",
    "ktest_probe_bp:",
    "int3",
    "mov eax, 7",
    "ret",
    // u64 probe_flags(void): ud2, then returns rflags as resumed
    ".globl ktest_probe_flags",
    "ktest_probe_flags:",
    "lea rcx, [rip + 2f]",
    "ud2",
    "2: pushfq",
    "pop rax",
    "ret",
    ".popsection",
);

extern "C" {
    fn ktest_probe_read(addr: u64) -> u64;
    fn ktest_probe_write(addr: u64, value: u64) -> u64;
    fn ktest_probe_in(port: u64) -> u64;
    fn ktest_probe_out(port: u64, byte: u64) -> u64;
    fn ktest_probe_div0() -> u64;
    fn ktest_probe_cli() -> u64;
    fn ktest_probe_ud(rax: u64) -> u64;
    fn ktest_probe_bp() -> u64;
    fn ktest_probe_flags() -> u64;
}

// SAFETY (every probe below): the assembly follows the C ABI (it clobbers
// only rax, rcx, rdx, r8 and flags, which are caller-saved) and touches no
// memory but the address it is given, which the caller means to probe: a
// fault there is what the probe is for, and is either resumed by this EC's
// handler or ends the EC.

/// Reads the `u64` at `addr`.
pub fn read(addr: u64) -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_read(addr) }
}

/// Writes `value` to `addr`; 0 if it was written.
pub fn write(addr: u64, value: u64) -> u64 {
    // SAFETY: see above; the caller owns or means to probe `addr`.
    unsafe { ktest_probe_write(addr, value) }
}

/// `in al, dx` from `port`.
pub fn port_in(port: u64) -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_in(port) }
}

/// `out dx, al` to `port`; 0 if it was written.
pub fn port_out(port: u64, byte: u64) -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_out(port, byte) }
}

/// Divides by zero (#DE).
pub fn div0() -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_div0() }
}

/// `cli` in ring 3 (#GP).
pub fn cli() -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_cli() }
}

/// `ud2` (#UD) with `rax` = `rax`; 1 if resumed after the `ud2`.
pub fn ud(rax: u64) -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_ud(rax) }
}

/// `int3` (#BP); 7 if resumed after it.
pub fn bp() -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_bp() }
}

/// `ud2`, then the flags as resumed (at the recovery address).
pub fn flags() -> u64 {
    // SAFETY: see above.
    unsafe { ktest_probe_flags() }
}

/// Where the `ud2` of [`ud`] is (after a 3-byte `mov rax, rdi`), for
/// checking the RIP an exception reports.
pub fn ud_addr() -> u64 {
    ktest_probe_ud as *const () as u64 + 3
}

/// Where the `int3` of [`bp`] is.
pub fn bp_addr() -> u64 {
    ktest_probe_bp as *const () as u64
}

/// Where [`read`] starts (its load is [`LEA_LEN`] bytes in).
pub fn read_addr() -> u64 {
    ktest_probe_read as *const () as u64
}

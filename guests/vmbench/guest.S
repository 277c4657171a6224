# vmbench: the guest of ktest's VM-exit benchmarks (components/ktest/src/bench_vm.rs).
#
# GNU assembler AT&T syntax, assembled inside ktest with
# `global_asm!(include_str!(...), options(att_syntax))`. The VMM copies the
# bytes between vmbench_guest_start and vmbench_guest_end into guest RAM and
# starts the vCPU there in 64-bit mode (its own identity page tables,
# interrupts off until phase 2); the code is position-independent. Arguments, in the
# registers the VMM sets at start:
#   rdi  CPUID rounds          rsi  where their TSC deltas go (8 bytes each)
#   rdx  where the gaps go     rcx  how many gaps fit there
#   r8   how long to look for gaps, in TSC cycles
#
# 1. CPUID round trips: each CPUID exits to the VMM (a stub that only skips
#    it); the guest stores the TSC delta around each one, then OUTs to
#    VB_PORT_CPUID_DONE.
# 2. Bounces: the guest reads the TSC in a tight loop. The smallest delta
#    of its first 1000 iterations is the loop's own time; from then on
#    every delta above 8 times that is a gap in which the CPU left the
#    guest without the VMM seeing it (the host timer's interrupts). It
#    stores the gaps until the space is full or the time is up, then OUTs
#    to VB_PORT_BOUNCE_DONE with the loop's own time in rax and the end of
#    the stored gaps in r9.
#
# No braces anywhere in this file: global_asm! would read them as operands.

.set VB_PORT_CPUID_DONE, 0xb0
.set VB_PORT_BOUNCE_DONE, 0xb1
.set VB_CALIBRATION_ROUNDS, 1000

# rax = the 64-bit TSC (clobbers rdx).
.macro vb_tsc
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
.endm

.pushsection .rodata.vmbench_guest, "a", @progbits
.balign 16
.globl vmbench_guest_start
.globl vmbench_guest_end

vmbench_guest_start:
    .code64
    mov %rdx, %r9
    mov %rcx, %r10
    mov %rdi, %r12
1:
    lfence
    vb_tsc
    mov %rax, %r11
    xor %eax, %eax
    cpuid
    vb_tsc
    sub %r11, %rax
    mov %rax, (%rsi)
    add $8, %rsi
    dec %r12
    jnz 1b
    out %al, $VB_PORT_CPUID_DONE

    # Interrupts on for the bounces (none is ever injected): real CPUs leave
    # the guest for host interrupts whatever its IF, Bochs 2.7 only when the
    # guest runs with IF set.
    sti
    vb_tsc
    mov %rax, %r11
    mov $-1, %r12
    mov $VB_CALIBRATION_ROUNDS, %ecx
2:
    vb_tsc
    mov %rax, %rbx
    sub %r11, %rbx
    mov %rax, %r11
    cmp %r12, %rbx
    cmovb %rbx, %r12
    dec %ecx
    jnz 2b
    lea (, %r12, 8), %r13
    mov %r11, %r14
3:
    vb_tsc
    mov %rax, %rbx
    sub %r11, %rbx
    mov %rax, %r11
    cmp %r13, %rbx
    jbe 4f
    mov %rbx, (%r9)
    add $8, %r9
    dec %r10
    jz 5f
4:
    mov %rax, %rbx
    sub %r14, %rbx
    cmp %r8, %rbx
    jb 3b
5:
    mov %r12, %rax
    out %al, $VB_PORT_BOUNCE_DONE
    jmp 5b
vmbench_guest_end:
    .code64
.popsection

# vmtest: the guest of ktest's VM-exit test (components/ktest/src/tests/vm*.rs).
#
# A freestanding "kernel" in GNU assembler AT&T syntax, assembled inside
# ktest with `global_asm!(include_str!(...), options(att_syntax))` (LLVM's
# integrated assembler; GNU as accepts it too). It is never executed where
# it is linked: the test VMM copies the bytes between vmtest_guest_start and
# vmtest_guest_end to guest-physical VT_LOAD, and those between
# vmtest_reset_start and vmtest_reset_end to the reset vector 0xffff0. The
# 16- and 32-bit code therefore names addresses as
# (label - vmtest_guest_start + VT_LOAD); the 64-bit code is RIP-relative.
#
# Guest-physical layout (the VMM builds it; ktest's vm_guest.rs mirrors the
# numbers):
#   0x0000_0000 .. 0x001f_ffff  RAM, 2 MiB, read/write/execute
#     0x0000_0800  VT_DATA: words the interrupt handlers write
#     0x0000_1000  VT_LOAD: this image
#     0x0000_9000  VT_STACK: top of the stack in every mode
#     0x0001_0000  page tables (VT_PML4, VT_PDPT, two PDs), then the VT_IDT
#     0x000f_fff0  the reset stub
#   0x0020_0000  one page delegated on its own (VT_REVOCABLE): revoked and
#                mapped again during the run
#   0x4000_0000  nothing (VT_MMIO): accesses exit as GpaFault and are emulated
#
# The run: each numbered step below triggers one exit (or a few) whose
# payload the VMM checks, or checks what the VMM answered. A failed guest
# check writes its step number to VT_PORT_FAIL and stops. Requests to the VMM
# are one-byte OUTs of an ASK_* code to VT_PORT_ASK. The run ends in a triple
# fault.
#
# No braces anywhere in this file: global_asm! would read them as operands.

.set VT_LOAD, 0x1000
.set VT_DATA, 0x800
.set VT_STACK, 0x9000
.set VT_PML4, 0x10000
.set VT_PDPT, 0x11000
.set VT_PD0, 0x12000
.set VT_PD1, 0x13000
.set VT_IDT, 0x14000
.set VT_IDT_VECTORS, 0x41
.set VT_REVOCABLE, 0x200000
.set VT_MMIO, 0x40000000

.set VT_PORT_HELLO, 0x80
.set VT_PORT_IN, 0x81
.set VT_PORT_ASK, 0x82
.set VT_PORT_FAIL, 0x83

.set VT_IN_VALUE, 0x5a
.set VT_CPUID_LEAF, 0x40000000
.set VT_CPUID_MAGIC, 0x53544d56
.set VT_BACKEND_VMX, 1
.set VT_BACKEND_SVM, 2
.set VT_FEAT_XSAVE, 1
.set VT_FEAT_RDTSCP, 2
.set VT_MSR_READ, 0x40000123
.set VT_MSR_WRITE, 0x40000124
.set VT_RDMSR_LO, 0x55667788
.set VT_RDMSR_HI, 0x11223344
.set VT_WRMSR_LO, 0xddeeff00
.set VT_WRMSR_HI, 0x99aabbcc
.set VT_VMCALL_IN, 0x7663616c
.set VT_VMCALL_OUT, 0x600d600d
.set VT_RDTSC_LO, 0x3456789a
.set VT_RDTSC_HI, 0x12
.set VT_RDTSCP_LO, 0x56789abc
.set VT_RDTSCP_HI, 0x34
.set VT_TSC_AUX, 0x77
.set VT_GP_ERROR, 0x5a58
.set VT_INTR_VECTOR, 0x40
.set VT_MMIO_READ, 0xd00df00dcafebeef
.set VT_MMIO_WRITE, 0x0123456789abcdef
.set VT_REVOCABLE_VALUE, 0x5eed000000000001

.set VT_ASK_TSC, 1
.set VT_ASK_CR4, 2
.set VT_ASK_UD, 3
.set VT_ASK_GP, 4
.set VT_ASK_INTR, 5
.set VT_ASK_NMI, 6
.set VT_ASK_REVOKE, 7
.set VT_ASK_SPIN, 8
.set VT_ASK_END, 9

# VT_DATA words
.set VT_D_BACKEND, VT_DATA + 0
.set VT_D_FEATURES, VT_DATA + 8
.set VT_D_GP_COUNT, VT_DATA + 16
.set VT_D_GP_ERROR, VT_DATA + 24
.set VT_D_INTR, VT_DATA + 32
.set VT_D_NMI, VT_DATA + 40

# After a comparison: go on if equal, otherwise report `step` and stop.
.macro vt_expect_eq step
    je .Lok\@
    mov $\step, %al
    out %al, $VT_PORT_FAIL
    jmp .
.Lok\@:
.endm

.macro vt_ask code
    mov $\code, %al
    out %al, $VT_PORT_ASK
.endm

# A 64-bit interrupt gate for `vector` to `handler` (64-bit code only).
.macro vt_gate vector, handler
    lea \handler(%rip), %rax
    mov $(VT_IDT + \vector * 16), %rdi
    mov %ax, (%rdi)
    movw $0x18, 2(%rdi)
    movw $0x8e00, 4(%rdi)
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
.endm

.pushsection .rodata.vmtest_guest, "a", @progbits
.balign 16
.globl vmtest_guest_start
.globl vmtest_guest_end
.globl vmtest_reset_start
.globl vmtest_reset_end

vmtest_guest_start:
    .code16
# Real mode, CS = 0 (the reset stub jumped here).
vmtest_entry16:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $VT_STACK, %sp
    # 1: OUT of a word to port 0x80 (the guest's idea of VT_LOAD).
    mov $VT_LOAD, %ax
    out %ax, $VT_PORT_HELLO
    # 2: IN of a byte; the VMM answers VT_IN_VALUE.
    in $VT_PORT_IN, %al
    cmp $VT_IN_VALUE, %al
    vt_expect_eq 2
    # 3: CPUID of the hypervisor leaf: magic, backend, features.
    mov $VT_CPUID_LEAF, %eax
    cpuid
    cmp $VT_CPUID_MAGIC, %edx
    vt_expect_eq 3
    movl %ebx, VT_D_BACKEND
    movl %ecx, VT_D_FEATURES
    cmp $VT_BACKEND_VMX, %ebx
    je 1f
    cmp $VT_BACKEND_SVM, %ebx
    vt_expect_eq 3
1:
    # 4: protected mode.
    lgdtl vmtest_gdt_ptr - vmtest_guest_start + VT_LOAD
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $(vmtest_entry32 - vmtest_guest_start + VT_LOAD)

    .code32
vmtest_entry32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $VT_STACK, %esp
    # Identity page tables: 2 MiB pages for the first GiB and the first
    # 2 MiB of the second (VT_MMIO lies there).
    cld
    mov $VT_PML4, %edi
    xor %eax, %eax
    mov $(5 * 4096 / 4), %ecx
    rep stosl
    movl $(VT_PDPT | 3), VT_PML4
    movl $(VT_PD0 | 3), VT_PDPT
    movl $(VT_PD1 | 3), VT_PDPT + 8
    mov $VT_PD0, %edi
    mov $0x83, %eax
    mov $512, %ecx
1:
    mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 1b
    movl $(VT_MMIO | 0x83), VT_PD1
    mov %cr4, %eax
    or $0x20, %eax
    mov %eax, %cr4
    # EFER.LME: WRMSR of EFER exits; the VMM writes efer.
    mov $0xc0000080, %ecx
    mov $0x100, %eax
    xor %edx, %edx
    wrmsr
    mov $VT_PML4, %eax
    mov %eax, %cr3
    mov %cr0, %eax
    or $0x80000000, %eax
    mov %eax, %cr0
    ljmp $0x18, $(vmtest_entry64 - vmtest_guest_start + VT_LOAD)

    .code64
vmtest_entry64:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $VT_STACK, %rsp
    vt_gate 2, vmtest_isr_nmi
    vt_gate 13, vmtest_isr_gp
    vt_gate VT_INTR_VECTOR, vmtest_isr_intr
    lidt vmtest_idt_ptr(%rip)
    # 5: HLT.
    hlt
    # 6: RDMSR of an MSR no CPU has; the VMM answers.
    mov $VT_MSR_READ, %ecx
    rdmsr
    cmp $VT_RDMSR_LO, %eax
    vt_expect_eq 6
    cmp $VT_RDMSR_HI, %edx
    vt_expect_eq 6
    # 7: WRMSR; the VMM checks rcx, rdx, rax.
    mov $VT_MSR_WRITE, %ecx
    mov $VT_WRMSR_LO, %eax
    mov $VT_WRMSR_HI, %edx
    wrmsr
    # 8: VMCALL (Intel) or VMMCALL (AMD).
    mov $VT_VMCALL_IN, %eax
    cmpl $VT_BACKEND_VMX, VT_D_BACKEND
    jne 1f
    vmcall
    jmp 2f
1:
    vmmcall
2:
    cmp $VT_VMCALL_OUT, %rax
    vt_expect_eq 8
    # 9: XSETBV of x87|SSE (the VMM loads xcr0), then XGETBV sees it.
    testl $VT_FEAT_XSAVE, VT_D_FEATURES
    jz 1f
    mov %cr4, %rax
    or $(1 << 18), %rax
    mov %rax, %cr4
    xor %ecx, %ecx
    mov $3, %eax
    xor %edx, %edx
    xsetbv
    xor %ecx, %ecx
    xgetbv
    cmp $3, %eax
    vt_expect_eq 9
1:
    # 10-12: PAUSE, RDTSC and RDTSCP exit (the VMM's intercepts).
    pause
    rdtsc
    cmp $VT_RDTSC_LO, %eax
    vt_expect_eq 11
    cmp $VT_RDTSC_HI, %edx
    vt_expect_eq 11
    testl $VT_FEAT_RDTSCP, VT_D_FEATURES
    jz 1f
    rdtscp
    cmp $VT_RDTSCP_LO, %eax
    vt_expect_eq 12
    cmp $VT_RDTSCP_HI, %edx
    vt_expect_eq 12
    cmp $VT_TSC_AUX, %ecx
    vt_expect_eq 12
1:
    # 13: no RDTSC intercept, a TSC offset of 2^60: a native RDTSC shows it.
    vt_ask VT_ASK_TSC
    rdtsc
    cmp $(1 << 28), %edx
    jae 1f
    mov $13, %al
    out %al, $VT_PORT_FAIL
    jmp .
1:
    # 14: a CR4 write with the CR4_WRITE intercept (sets PGE).
    vt_ask VT_ASK_CR4
    mov %cr4, %rax
    or $0x80, %rax
    mov %rax, %cr4
    mov %cr4, %rbx
    and $0x80, %rbx
    cmp $0x80, %rbx
    vt_expect_eq 14
    # 15: UD2 with the #UD intercept.
    vt_ask VT_ASK_UD
    ud2
    # 16: the VMM injects #GP(VT_GP_ERROR) as it resumes us.
    vt_ask VT_ASK_GP
    cmpq $1, VT_D_GP_COUNT
    vt_expect_eq 16
    cmpq $VT_GP_ERROR, VT_D_GP_ERROR
    vt_expect_eq 16
    # 17: interrupt window: asked with interrupts off, opened by STI; the
    # VMM injects VT_INTR_VECTOR.
    cli
    vt_ask VT_ASK_INTR
    sti
1:
    cmpq $0, VT_D_INTR
    je 1b
    cli
    cmpq $1, VT_D_INTR
    vt_expect_eq 17
    # 18: NMI window; the VMM injects an NMI.
    vt_ask VT_ASK_NMI
1:
    cmpq $0, VT_D_NMI
    je 1b
    cmpq $1, VT_D_NMI
    vt_expect_eq 18
    # 19: a read and a write of VT_MMIO, emulated by the VMM.
    mov $VT_MMIO, %ebx
    mov (%rbx), %rax
    mov $VT_MMIO_READ, %rcx
    cmp %rcx, %rax
    vt_expect_eq 19
    mov $VT_MMIO_WRITE, %rcx
    mov %rcx, 8(%rbx)
    # 20: the revocable page reads fine; the VMM revokes it; the next read
    # exits, the VMM maps it again, and the read is retried.
    mov $VT_REVOCABLE, %ebx
    mov (%rbx), %rax
    mov $VT_REVOCABLE_VALUE, %rcx
    cmp %rcx, %rax
    vt_expect_eq 20
    vt_ask VT_ASK_REVOKE
    mov (%rbx), %rax
    mov $VT_REVOCABLE_VALUE, %rcx
    cmp %rcx, %rax
    vt_expect_eq 20
    # 21: spin until the VMM's main EC recalls us (the handler skips the
    # loop). Interrupts are on while spinning: on real CPUs host interrupts
    # leave the guest whatever its IF, but Bochs 2.7 keeps them masked for
    # a guest entered with IF clear, and the recall's IPI would never arrive.
    vt_ask VT_ASK_SPIN
    sti
vmtest_spin:
    jmp vmtest_spin
    cli
    # 22: instructions the hypervisor does not virtualize.
    invd
    mov $0x20000, %eax
    cmpl $VT_BACKEND_VMX, VT_D_BACKEND
    jne 1f
    vmxon (%rax)
    jmp 2f
1:
    vmrun
2:
    # 23: no exception intercepts, an empty VT_IDT: #UD becomes a triple
    # fault.
    vt_ask VT_ASK_END
    lidt vmtest_null_idt(%rip)
    ud2
    jmp .

vmtest_isr_gp:
    push %rax
    mov 8(%rsp), %rax
    mov %rax, VT_D_GP_ERROR
    incq VT_D_GP_COUNT
    pop %rax
    add $8, %rsp
    iretq

vmtest_isr_nmi:
    incq VT_D_NMI
    iretq

vmtest_isr_intr:
    incq VT_D_INTR
    iretq

.balign 8
vmtest_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
vmtest_gdt_end:
vmtest_gdt_ptr:
    .word vmtest_gdt_end - vmtest_gdt - 1
    .long vmtest_gdt - vmtest_guest_start + VT_LOAD
.balign 8
vmtest_idt_ptr:
    .word VT_IDT_VECTORS * 16 - 1
    .quad VT_IDT
.balign 8
vmtest_null_idt:
    .word 0
    .quad 0
vmtest_guest_end:

# Copied to guest-physical 0xffff0, where the CPU starts (CS 0xf000, base
# 0xf0000, IP 0xfff0).
.balign 16
vmtest_reset_start:
    .code16
    ljmp $0, $(vmtest_entry16 - vmtest_guest_start + VT_LOAD)
vmtest_reset_end:
    .code64
.popsection

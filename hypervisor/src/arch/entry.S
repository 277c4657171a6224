/*
 * Kernel entries: one 16-byte stub per interrupt vector, a common path that
 * saves the registers into an `arch::frame::Frame` and calls Rust, and the
 * SYSCALL entry. GS holds the user s base in user mode and the per-CPU block
 * in the kernel; SWAPGS switches on every crossing.
 */
.section .text.entry, "ax"

.balign 16
.global vector_stubs
vector_stubs:
    .set vi, 0
    .rept 256
    .balign 16
    /* The CPU pushes an error code for these vectors; push a zero for the rest. */
    .if (vi == 8) || (vi == 10) || (vi == 11) || (vi == 12) || (vi == 13) || (vi == 14) || (vi == 17) || (vi == 21) || (vi == 29) || (vi == 30)
    .else
    push 0
    .endif
    push vi
    jmp interrupt_common
    .set vi, vi + 1
    .endr

interrupt_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    test byte ptr [rsp + 18 * 8], 3         /* CS of the interrupted code */
    jz 1f
    swapgs
    /* An interrupt gate keeps the user's RFLAGS.AC, which would switch SMAP
       off in the kernel; SYSCALL clears it through FMASK. */
    pushfq
    and dword ptr [rsp], ~(1 << 18)
    popfq
1:  cld
    mov rdi, rsp
    call interrupt_dispatch
    test byte ptr [rsp + 18 * 8], 3
    jz interrupt_pop
    swapgs
interrupt_pop:
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                             /* vector, error code */
    iretq

/*
 * SYSCALL: RCX = user RIP, R11 = user RFLAGS, interrupts masked by FMASK.
 * Per-CPU block: [gs:8] kernel stack top, [gs:16] scratch for the user RSP.
 * The registers are saved as a whole `Frame` (vector 256 marks a syscall),
 * so an EC's state has one layout however it entered. `syscall_dispatch`
 * never returns: it leaves through `exit_sysret` or `exit_iret`.
 */
.global syscall_entry
syscall_entry:
    swapgs
    mov gs:[16], rsp
    mov rsp, gs:[8]
    push 0x1b                               /* SS: user data */
    push qword ptr gs:[16]                  /* RSP */
    push r11                                /* RFLAGS */
    push 0x23                               /* CS: user code */
    push rcx                                /* RIP */
    push 0                                  /* error code */
    push 256                                /* vector: syscall */
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    call syscall_dispatch
    ud2

/*
 * Leaves for user mode with the registers of the `Frame` at RDI, through
 * IRETQ: every register is restored.
 */
.global exit_iret
exit_iret:
    mov rsp, rdi
    swapgs
    jmp interrupt_pop

/*
 * Leaves for user mode with the registers of the `Frame` at RDI, through
 * SYSRETQ: RCX and R11 take the RIP and RFLAGS, as after a syscall. The
 * caller has checked that RIP is canonical (the SYSRET pitfall).
 */
.global exit_sysret
exit_sysret:
    mov rsp, rdi
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    mov rcx, [rsp + 16]                     /* RIP */
    mov r11, [rsp + 32]                     /* RFLAGS */
    mov rsp, [rsp + 40]                     /* RSP */
    swapgs
    sysretq

/*
 * Entering an Intel guest: `vmx_enter(launched)`. The vCPU's general
 * registers are at [gs:24] (16 qwords by x86 register number, then the
 * guest's CR2, which the VMCS does not hold). The exit arrives at `vmx_exit`
 * with the host state from the VMCS: RSP at this CPU's kernel stack top and
 * the host GS base, so the guest registers go straight back to the vCPU.
 * An entry the CPU refuses falls through to `vmx_entry_failed`.
 *
 * STI right before VMLAUNCH/VMRESUME: its one-instruction shadow covers the
 * entry, so no interrupt is taken in the host before it (the exit clears
 * IF again). Real CPUs do not need it (external interrupts exit whatever
 * the guest's IF), but Bochs re-evaluates interrupt masking only when IF
 * changes, and would otherwise never interrupt a guest that keeps IF clear.
 * After a failed entry one interrupt may come in before CLI; the per-CPU
 * `vm_window` flag makes its handler return without scheduling.
 */
.section .text, "ax"
.global vmx_enter
vmx_enter:
    mov rax, gs:[24]
    mov rcx, [rax + 16 * 8]
    mov cr2, rcx
    test rdi, rdi
    mov rcx, [rax + 1 * 8]
    mov rdx, [rax + 2 * 8]
    mov rbx, [rax + 3 * 8]
    mov rbp, [rax + 5 * 8]
    mov rsi, [rax + 6 * 8]
    mov rdi, [rax + 7 * 8]
    mov r8, [rax + 8 * 8]
    mov r9, [rax + 9 * 8]
    mov r10, [rax + 10 * 8]
    mov r11, [rax + 11 * 8]
    mov r12, [rax + 12 * 8]
    mov r13, [rax + 13 * 8]
    mov r14, [rax + 14 * 8]
    mov r15, [rax + 15 * 8]
    mov rax, [rax]
    jnz 1f
    sti
    vmlaunch
    cli
    jmp 2f
1:  sti
    vmresume
    cli
2:  mov rsp, gs:[8]
    call vmx_entry_failed
    ud2

.global vmx_exit
vmx_exit:
    push rax
    mov rax, gs:[24]
    mov [rax + 1 * 8], rcx
    mov [rax + 2 * 8], rdx
    mov [rax + 3 * 8], rbx
    mov [rax + 5 * 8], rbp
    mov [rax + 6 * 8], rsi
    mov [rax + 7 * 8], rdi
    mov [rax + 8 * 8], r8
    mov [rax + 9 * 8], r9
    mov [rax + 10 * 8], r10
    mov [rax + 11 * 8], r11
    mov [rax + 12 * 8], r12
    mov [rax + 13 * 8], r13
    mov [rax + 14 * 8], r14
    mov [rax + 15 * 8], r15
    pop rcx
    mov [rax], rcx
    mov rcx, cr2
    mov [rax + 16 * 8], rcx
    call vm_exit_dispatch
    ud2

/*
 * Entering an AMD guest. The per-CPU block gives the vCPU's general
 * registers ([gs:24], 16 qwords by x86 register number), the host's VMLOAD
 * area ([gs:32]) and the VMCB ([gs:40]). VMLOAD installs the guest's FS, GS,
 * TR, LDTR and system-call MSRs, so after the exit GS is the guest's until
 * the host area is loaded again: everything the exit path needs before that
 * is kept on the stack. VMRUN restores the host RSP, RAX, RFLAGS and control
 * registers itself. Physical interrupts stay held (GIF clear) until STGI and
 * are then taken only in the exit path's window (`vm::run`), since CLI comes
 * first. The exit continues in `vm_exit_dispatch` on a fresh kernel stack.
 */
.section .text, "ax"
.global svm_enter
svm_enter:
    push qword ptr gs:[32]
    push qword ptr gs:[24]
    mov rax, [rsp]
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
    mov rax, gs:[40]
    clgi
    sti
    vmload rax
    vmrun rax
    vmsave rax
    push rdi
    mov rdi, [rsp + 8]
    mov [rdi + 1 * 8], rcx
    mov [rdi + 2 * 8], rdx
    mov [rdi + 3 * 8], rbx
    mov [rdi + 5 * 8], rbp
    mov [rdi + 6 * 8], rsi
    mov [rdi + 8 * 8], r8
    mov [rdi + 9 * 8], r9
    mov [rdi + 10 * 8], r10
    mov [rdi + 11 * 8], r11
    mov [rdi + 12 * 8], r12
    mov [rdi + 13 * 8], r13
    mov [rdi + 14 * 8], r14
    mov [rdi + 15 * 8], r15
    pop rax
    mov [rdi + 7 * 8], rax
    add rsp, 8
    pop rax
    vmload rax
    cli
    stgi
    mov rsp, gs:[8]
    call vm_exit_dispatch
    ud2

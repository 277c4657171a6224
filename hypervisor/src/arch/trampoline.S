/*
 * Application-processor start-up code. The boot CPU copies it to physical
 * TRAMPOLINE (page-aligned, below 1 MiB) and fills in the parameter block at
 * its end; a start-up IPI then runs it in real mode. It switches to long mode
 * on the boot page tables and jumps to `ap_entry` in the kernel image.
 */
.set TRAMPOLINE, 0x8000

.section .rodata.trampoline, "a"
.global trampoline_start
.global trampoline_end
.global trampoline_params
trampoline_start:
.code16
    cli
    cld
    xor ax, ax
    mov ds, ax
    lgdt [TR_GDTR]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    /* ljmp 0x08:trampoline32 */
    .byte 0x66, 0xEA
    .long (trampoline32 - trampoline_start + TRAMPOLINE)
    .short 0x08

.code32
trampoline32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, (1 << 5) | (1 << 7)             /* PAE, PGE */
    mov cr4, eax
    mov eax, [TR_PARAMS + 0]  /* CR3: the boot PML4 */
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, (1 << 8) | (1 << 11)            /* LME, NXE */
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)           /* PG, WP */
    mov cr0, eax
    /* ljmp 0x18:trampoline64 */
    .byte 0xEA
    .long (trampoline64 - trampoline_start + TRAMPOLINE)
    .short 0x18

.code64
trampoline64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rdx, [TR_PARAMS + 8]
    mov rdi, [TR_PARAMS + 16]
    mov rsi, [TR_PARAMS + 24]
    /* The stack lives in the direct map, which only the kernel tables map:
       switch to them from the image in the top 2 GiB, mapped by both. */
    mov rax, offset ap_entry_asm
    jmp rax

.balign 8
trampoline_gdt:
    .quad 0
    .quad 0x00CF9A000000FFFF                /* 0x08: 32-bit code */
    .quad 0x00CF92000000FFFF                /* 0x10: data */
    .quad 0x00AF9A000000FFFF                /* 0x18: 64-bit code */
trampoline_gdtr:
    .short trampoline_gdtr - trampoline_gdt - 1
    .long (trampoline_gdt - trampoline_start + TRAMPOLINE)

.balign 8
/* Filled by the boot CPU: boot CR3, stack top, CPU index, kernel CR3. */
trampoline_params:
    .quad 0, 0, 0, 0
trampoline_end:

/* Where the parts above land once copied to TRAMPOLINE. */
.set TR_GDTR, trampoline_gdtr - trampoline_start + TRAMPOLINE
.set TR_PARAMS, trampoline_params - trampoline_start + TRAMPOLINE

.section .text.ap_entry, "ax"
ap_entry_asm:
    mov cr3, rsi
    mov rsp, rdx
    mov rsi, rdx
    call ap_entry
    ud2

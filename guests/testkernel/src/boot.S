# The test kernel's boot path, in AT&T syntax for global_asm! (LLVM's
# integrated assembler). No braces anywhere: global_asm! reads them as
# operands.
#
# The loader enters _start32 in 32-bit protected mode with paging off,
# EAX = 0x2BADB002 and EBX = the Multiboot information (Multiboot 1, 3.2).
# We identity-map the first 4 GiB with 2 MiB pages (the top GiB uncached:
# it holds the IOAPIC and LAPIC pages), enter long mode and call
# kmain(magic, info) on the boot stack.
#
# Application processors start in real mode at the SIPI page AP_PAGE,
# where the BSP copied ap_tramp_start..ap_tramp_end; they take the same
# path through protected mode into long mode and call ap_main(index) on
# a stack of their own.

.set MB_MAGIC, 0x1BADB002
# Bit 1: memory information wanted; bit 16: the address fields below are
# valid (the "a.out kludge"), so the loader needs no ELF reader.
.set MB_FLAGS, 0x00010002
.set AP_PAGE, 0x8000
.set STACK_BYTES, 0x10000
.set MAX_APS, 7

.section .multiboot, "a"
.p2align 2
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header
    .long __load_start
    .long __load_end
    .long __bss_end
    .long _start32

.section .text._start32, "ax"
.code32
.globl _start32
_start32:
    cli
    mov %eax, boot_magic
    mov %ebx, boot_info
    mov $(boot_stack + STACK_BYTES), %esp
    # PML4[0] -> PDPT; PDPT[0..3] -> the four PDs.
    mov $pdpt, %eax
    or $3, %eax
    mov %eax, pml4
    mov $pds, %eax
    or $3, %eax
    mov $pdpt, %edi
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $0x1000, %eax
    add $8, %edi
    loop 1b
    # 2048 PD entries: present, writable, 2 MiB; the last GiB PCD|PWT.
    mov $pds, %edi
    xor %ebx, %ebx
    mov $0x83, %eax
2:  mov %eax, %edx
    cmp $1536, %ebx
    jb 3f
    or $0x18, %edx
3:  mov %edx, (%edi)
    movl $0, 4(%edi)
    add $0x200000, %eax
    add $8, %edi
    inc %ebx
    cmp $2048, %ebx
    jne 2b
    call enter_long_mode32
    ljmp $0x08, $long_entry

# Shared by the BSP and the APs: PAE, EFER.LME and NXE, paging on, our GDT.
enter_long_mode32:
    mov $pml4, %eax
    mov %eax, %cr3
    # PAE, and OSFXSR|OSXMMEXCPT: compiled code may use SSE.
    mov %cr4, %eax
    or $0x620, %eax
    mov %eax, %cr4
    mov $0xC0000080, %ecx
    rdmsr
    or $0x900, %eax
    wrmsr
    # PG and PE on; EM off, MP on (SSE usable).
    mov %cr0, %eax
    and $0xfffffffb, %eax
    or $0x80000003, %eax
    mov %eax, %cr0
    lgdt gdt_ptr
    ret

.code64
long_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $(boot_stack + STACK_BYTES), %rsp
    xor %ebp, %ebp
    mov boot_magic(%rip), %edi
    mov boot_info(%rip), %esi
    call kmain
4:  hlt
    jmp 4b

ap_long_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    mov $1, %eax
    lock xadd %eax, ap_next(%rip)
    cmp $MAX_APS, %eax
    jae 4b
    mov %eax, %edi
    inc %eax
    shl $16, %rax
    lea ap_stacks(%rip), %rsp
    add %rax, %rsp
    xor %ebp, %ebp
    call ap_main
    jmp 4b

# The AP trampoline, copied to AP_PAGE: addresses inside it are
# AP_PAGE + (label - ap_tramp_start).
.globl ap_tramp_start
.globl ap_tramp_end
.code16
ap_tramp_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl (ap_gdt_ptr - ap_tramp_start)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x18, $(AP_PAGE + ap_tramp32 - ap_tramp_start)
.code32
ap_tramp32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $(AP_PAGE + 0x1000), %esp
    mov $enter_long_mode32, %eax
    call *%eax
    ljmp $0x08, $ap_long_entry
.p2align 2
ap_gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt
ap_tramp_end:

.section .rodata.gdt, "a"
.p2align 3
gdt:
    .quad 0
    .quad 0x00af9a000000ffff    # 0x08: 64-bit code
    .quad 0x00cf92000000ffff    # 0x10: data, 4 GiB
    .quad 0x00cf9a000000ffff    # 0x18: 32-bit code
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt

.section .data.boot, "aw"
.p2align 2
boot_magic: .long 0
boot_info: .long 0
ap_next: .long 0

.section .bss.boot, "aw", @nobits
.p2align 12
pml4: .skip 0x1000
pdpt: .skip 0x1000
pds: .skip 0x4000
boot_stack: .skip STACK_BYTES
ap_stacks: .skip STACK_BYTES * MAX_APS

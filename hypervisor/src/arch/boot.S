/*
 * First instructions: from the loader s 32-bit protected mode to 64-bit code
 * in the top 2 GiB. The Multiboot 1 header (with a.out-kludge addresses, so
 * QEMU s -kernel loader takes this ELF64 file) and the Multiboot 2 header (for
 * GRUB) both lead here with EAX = magic and EBX = boot information.
 *
 * The boot page tables identity-map the first 4 GiB (all boot information and
 * modules lie there, their pointers are 32-bit) and map the top 2 GiB onto the
 * first 2 GiB. Application processors use them too, until they load the
 * kernel s own tables.
 */

.section .boot.header, "a"
.balign 8
mb1_header:
    .long 0x1BADB002
    .long 0x00010003                        /* page-aligned modules, memory map, addresses valid */
    .long 0x100000000 - 0x1BADB002 - 0x00010003
    .long mb1_header                        /* header_addr */
    .long __image_start                     /* load_addr */
    .long __load_end                        /* load_end_addr */
    .long __image_end                       /* bss_end_addr */
    .long boot_entry32                      /* entry_addr */

.balign 8
mb2_header:
    .long 0xE85250D6
    .long 0                                 /* i386 protected mode */
    .long mb2_header_end - mb2_header
    .long 0x100000000 - 0xE85250D6 - (mb2_header_end - mb2_header)
    .short 6, 0                             /* module alignment: page-aligned modules */
    .long 8
    .short 0, 0                             /* end */
    .long 8
mb2_header_end:

.section .boot.text, "ax"
.code32
.global boot_entry32
boot_entry32:
    cli
    cld
    mov edi, eax
    mov esi, ebx

    /* Long mode and NX are required; say so on COM1 if they are missing. */
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jnc no_long_mode
    bt edx, 20
    jnc no_long_mode

    mov eax, cr4
    or eax, (1 << 5) | (1 << 7)             /* PAE, PGE */
    mov cr4, eax
    mov eax, offset boot_pml4
    mov cr3, eax
    mov ecx, 0xC0000080                     /* EFER */
    rdmsr
    or eax, (1 << 8) | (1 << 11)            /* LME, NXE */
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | 1       /* PG, WP, PE */
    mov cr0, eax
    lgdt [boot_gdtr]
    /* ljmp 0x08:boot_entry64 */
    .byte 0xEA
    .long boot_entry64
    .short 0x08

no_long_mode:
    mov esi, offset no_long_mode_msg
    mov dx, 0x3F8
1:  lodsb
    test al, al
    jz 2f
    out dx, al
    jmp 1b
2:  hlt
    jmp 2b

.code64
boot_entry64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov edi, edi                            /* zero-extend magic and info */
    mov esi, esi
    mov rsp, offset bsp_stack_top
    mov rax, offset kernel_entry_bsp
    call rax
3:  hlt
    jmp 3b

.section .boot.data, "aw"
no_long_mode_msg:
    .asciz "HYPERVISOR FATAL: this CPU lacks 64-bit long mode or NX\r\n"

.balign 8
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                /* 0x08: 64-bit code */
    .quad 0x00CF92000000FFFF                /* 0x10: data */
boot_gdt_end:
boot_gdtr:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt

.balign 4096
.global boot_pml4
boot_pml4:
    .quad boot_pdpt_low + 3
    .fill 510, 8, 0
    .quad boot_pdpt_high + 3
boot_pdpt_low:
    .quad boot_pd + 0x0000 + 3
    .quad boot_pd + 0x1000 + 3
    .quad boot_pd + 0x2000 + 3
    .quad boot_pd + 0x3000 + 3
    .fill 508, 8, 0
boot_pdpt_high:
    .fill 510, 8, 0
    .quad boot_pd + 0x0000 + 3
    .quad boot_pd + 0x1000 + 3
boot_pd:
    .set boot_pd_index, 0
    .rept 2048
    .quad (boot_pd_index << 21) | 0x83      /* 2 MiB, present, writable */
    .set boot_pd_index, boot_pd_index + 1
    .endr

/* The boot CPU s kernel stack. */
.section .bss.bsp_stack, "aw", @nobits
.balign 4096
    .skip 65536
.global bsp_stack_top
bsp_stack_top:

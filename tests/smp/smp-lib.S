/*
 * What the bare-metal -smp guests (smp-start.S, smp-count.S) share, included
 * at their end: printing, the pauses of the start-up sequence, waiting for
 * the APs, the AP trampoline (copied to TRAMPOLINE, entered in real mode by
 * the SIPI: SDM vol. 3A, 8.4.4.2, it jumps to the including file's ap_pm32),
 * the GDT and IDT registers and the reset vector.
 */
    .code32
/* install_trampoline: the AP trampoline at TRAMPOLINE and the gdtr it loads
 * at GDTR_LOW, both below 1 MiB where real mode reaches them */
install_trampoline:
    movw $gdt_end - gdt_rom - 1, GDTR_LOW
    movl $GDT_ADDR, GDTR_LOW + 2
    mov $ap_tramp, %esi
    mov $TRAMPOLINE, %edi
    mov $ap_tramp_end - ap_tramp, %ecx
    rep movsb
    ret

/* print_val: the string at ESI, then EAX in hex and a newline */
print_val:
    call puts32
    call hex32
    mov $s_nl, %esi
    jmp puts32

/* a pause between the IPIs of the start-up sequence */
delay:
    mov $200000, %ecx
1:  pause
    loop 1b
    ret

/* wait_for: until the dword at EDI reaches EDX, or 20 million turns */
wait_for:
    mov $20000000, %ecx
1:  cmp %edx, (%edi)
    jae 2f
    pause
    loop 1b
2:  ret

/* --- the APs --- */
    .code16
ap_tramp:                       /* copied to TRAMPOLINE, runs at 0800:0000 */
    cli
    xor %ax, %ax
    mov %ax, %ds
    lgdtl GDTR_LOW
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $0x08, $ap_pm32
ap_tramp_end:

    .code32
STR s_nl, "\n"

    GDT_FLAT32

    RESET_VECTOR

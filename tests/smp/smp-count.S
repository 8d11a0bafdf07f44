/*
 * vCPUs busy across a snapshot or a migration (tests/check-smp.sh), on bare
 * metal (a -bios image built with tests/system-guest/lib.S and image.ld, as
 * smp-start.S). The BSP sends INIT to all excluding self and a SIPI to the AP
 * with APIC ID 1 only (Intel SDM vol. 3A, 8.4.4.1 and 10.6.1 ICR), prints
 * "phase 1" and spins until an NMI (the monitor's nmi, to the BSP) sets S_GO:
 * meanwhile AP 1 counts in ECX and in memory, the other APs wait for their
 * SIPI. That is where the test saves or migrates the machine. Then the BSP
 * sends a SIPI to all excluding self (AP 1, running, ignores it: SDM 8.4.2;
 * the others start). Each AP checks its register count against its memory
 * count, then runs a fixed number of steps of a linear congruential
 * generator seeded with its APIC ID, adds them to a shared LOCK'ed total, and
 * halts. The BSP prints each AP's result: the same output with or without a
 * snapshot or migration between the phases. Assembled with -DGO_BY_KEY, the
 * BSP polls the 8042 for a key (the monitor's sendkey) instead of the NMI,
 * so that no interrupt handler runs (hosts whose KVM cannot IRET).
 */
#include "common.h"

#define LAPIC      0xfee00000
#define ICR_LO     (LAPIC + 0x300)
#define ICR_HI     (LAPIC + 0x310)
#define TRAMPOLINE 0x8000           /* SIPI vector 0x08 */
#define GDTR_LOW   0x0f00           /* a gdtr copy the trampoline reaches with DS = 0 */
#define S_STARTED  0x600            /* APs that reached protected mode */
#define S_DONE     0x604            /* APs finished */
#define S_TOTAL    0x608            /* steps of all APs (LOCK ADD) */
#define S_GO       0x60c            /* set by the BSP's NMI handler */
#define S_NM1      0x610            /* CPUs - 1 (fw_cfg) */
#define S_EARLY    0x614            /* APs started before the SIPI to all */
#define S_IDS      0x640            /* per APIC ID: 1 once started */
#define S_SPIN     0x680            /* per APIC ID: spins counted in memory */
#define S_MATCH    0x6c0            /* per APIC ID: 1 if ECX = the memory count */
#define S_HASH     0x700            /* per APIC ID: the generator's last value */
#define AP_STACKS  0x4000
#ifdef GO_BY_KEY
#define STEPS      5000             /* LOCK'ed steps are slow on a nested host's KVM */
#else
#define STEPS      100000
#endif

    .section .text.start, "ax"
    .code16
    .globl start
start:
    GUEST_START
    ENTER_PM32
    call set_exc_gates32
    mov $2, %edi
    mov $nmi_handler, %eax
    mov $0x8e, %edx
    call set_gate32
    lidt idtr
    call install_trampoline
    xor %eax, %eax
    mov $S_STARTED, %edi
    mov $(S_HASH + 64 - S_STARTED) / 4, %ecx
    rep stosl
    /* CPUs from fw_cfg key 0x05 (QEMU docs/specs/fw_cfg.rst) */
    mov $0x05, %ax
    mov $0x510, %dx
    out %ax, %dx
    mov $0x511, %dx
    in %dx, %al
    movzbl %al, %eax
    dec %eax
    mov %eax, S_NM1
    mov $s_aps, %esi
    call print_val
    movl $0x1ff, LAPIC + 0xf0
    movl $0, ICR_HI
    movl $0x000c4500, ICR_LO    /* INIT to all excluding self */
    call delay
    cmpl $0, S_NM1
    je 3f
    movl $0x01000000, ICR_HI    /* SIPI to APIC ID 1, physical */
    movl $0x00004600 | (TRAMPOLINE >> 12), ICR_LO
    mov $S_STARTED, %edi
    mov $1, %edx
    call wait_for
3:  mov $s_phase1, %esi
    call puts32
#ifdef GO_BY_KEY
    /* the monitor's sendkey: the 8042's output buffer full (status bit 0),
     * polled with interrupts off (for hosts whose KVM cannot IRET) */
1:  in $0x64, %al
    test $1, %al
    jnz 6f
    pause
    jmp 1b
6:  in $0x60, %al
    movl $1, S_GO
#else
1:  cmpl $0, S_GO               /* the monitor's NMI */
    jne 2f
    pause
    jmp 1b
#endif
2:  mov S_STARTED, %eax
    mov %eax, S_EARLY
    mov $s_phase2, %esi
    call puts32
    cmpl $0, S_NM1
    je 3f
    EQ32 S_EARLY, $1, one-ap-before-sipi-all
3:
    movl $0, ICR_HI
    movl $0x000c4600 | (TRAMPOLINE >> 12), ICR_LO
    call delay
    movl $0x000c4600 | (TRAMPOLINE >> 12), ICR_LO
    mov $S_DONE, %edi
    mov S_NM1, %edx
    call wait_for
    EQ32 S_DONE, S_NM1, aps-done
    mov $1, %ebx
4:  cmpl $0, S_IDS(, %ebx, 4)
    je 5f
    mov $s_ap, %esi
    call puts32
    mov %ebx, %eax
    call hex32
    mov $s_match, %esi
    call puts32
    mov S_MATCH(, %ebx, 4), %eax
    call hex32
    mov $s_hash, %esi
    call puts32
    mov S_HASH(, %ebx, 4), %eax
    call hex32
    mov $s_nl, %esi
    call puts32
    mov S_MATCH(, %ebx, 4), %edi
    EQ32 %edi, $1, ap-register-count-matches-memory
5:  inc %ebx
    cmp $16, %ebx
    jb 4b
    mov $s_total, %esi
    mov S_TOTAL, %eax
    call print_val
    mov S_NM1, %ebx
    imul $STEPS, %ebx
    EQ32 S_TOTAL, %ebx, total-steps
    jmp exit32

nmi_handler:
    movl $1, S_GO
    iret

/* --- the APs (from the trampoline in smp-lib.S) --- */
    .code32
ap_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov LAPIC + 0x20, %ebx
    shr $24, %ebx               /* APIC ID */
    mov %ebx, %esp
    shl $8, %esp
    add $AP_STACKS + 0x100, %esp
    lidt idtr
    movl $1, S_IDS(, %ebx, 4)
    lock incl S_STARTED
    /* until the BSP's NMI: count in ECX and in memory */
    xor %ecx, %ecx
1:  cmpl $0, S_GO
    jne 2f
    inc %ecx
    incl S_SPIN(, %ebx, 4)
    jmp 1b
2:  xor %eax, %eax
    cmp S_SPIN(, %ebx, 4), %ecx
    sete %al
    mov %eax, S_MATCH(, %ebx, 4)
    /* the generator (Numerical Recipes' constants), seeded with the APIC ID */
    mov %ebx, %eax
    mov $STEPS, %ecx
3:  imul $1664525, %eax
    add $1013904223, %eax
    lock incl S_TOTAL
    loop 3b
    mov %eax, S_HASH(, %ebx, 4)
    lock incl S_DONE
4:  cli
    hlt
    jmp 4b

STR s_aps, "aps "
STR s_phase1, "phase 1\n"
STR s_phase2, "phase 2\n"
STR s_ap, "ap "
STR s_match, " count match "
STR s_hash, " hash "
STR s_total, "total "

#include "smp-lib.S"

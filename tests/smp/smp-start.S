/*
 * Multi-processor start-up on bare metal (a -bios image, built with
 * tests/system-guest/lib.S and image.ld): the BSP reads the CPU count from
 * fw_cfg (FW_CFG_NB_CPUS, QEMU docs/specs/fw_cfg.rst) and CMOS 0x5F, and its
 * topology from CPUID leaf 1; it wakes the APs with INIT, SIPI,
 * SIPI to all excluding self (Intel SDM vol. 3A, 8.4.4.1 "Typical BSP
 * Initialization Sequence", 10.6.1 ICR): each AP starts in real mode at
 * 0800:0000 (SIPI vector 8), enters protected mode, records its APIC ID (the
 * APIC's ID register and CPUID.1:EBX[31:24]) and counts itself with LOCK XADD,
 * then waits with interrupts on. The BSP then sends a fixed IPI to all
 * excluding self, a fixed IPI in logical flat mode to APIC 1 only, an NMI in
 * physical mode to the AP with the highest APIC ID and a self IPI, and checks who took them.
 * Its serial output is the same on QEMU 7.2 with the same -smp (tests/check-smp.sh).
 * Assembled with -DSTARTUP_ONLY it stops after the start-up (no IPI handlers
 * run; the APs halt with interrupts off), for hosts whose KVM cannot run an
 * interrupt handler's IRET (tests/check-kvm.sh).
 */
#include "common.h"

#define LAPIC      0xfee00000
#define ICR_LO     (LAPIC + 0x300)
#define ICR_HI     (LAPIC + 0x310)
#define TRAMPOLINE 0x8000           /* SIPI vector 0x08 */
#define GDTR_LOW   0x0f00           /* a gdtr copy the trampoline reaches with DS = 0 */
#define S_COUNT    0x600            /* the APs' LOCK XADD counter */
#define S_READY    0x604            /* APs waiting with interrupts on */
#define S_IPI40    0x608            /* fixed IPIs to all excluding self taken */
#define S_IPI41    0x60c            /* logical-mode IPIs taken, and by whom */
#define S_WHO41    0x610
#define S_NMI      0x614
#define S_WHONMI   0x618
#define S_SELF     0x61c
#define S_NM1      0x620            /* CPUs - 1 (fw_cfg) */
#define S_MAXID    0x624            /* the highest AP APIC ID */
#define S_IDS      0x640            /* per APIC ID: 0x10000 | CPUID id << 8 | APIC id */
#define AP_STACKS  0x4000           /* AP with APIC ID n: stack top 0x4100 + n * 0x100 */

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
    mov $0x40, %edi
    mov $ipi40_handler, %eax
    call set_gate32
    mov $0x41, %edi
    mov $ipi41_handler, %eax
    call set_gate32
    mov $0x42, %edi
    mov $self_handler, %eax
    call set_gate32
    lidt idtr
    call install_trampoline
    xor %eax, %eax
    mov $S_COUNT, %edi
    mov $(S_IDS + 64 - S_COUNT) / 4, %ecx
    rep stosl

    /* what the firmware interfaces say: fw_cfg key 0x05, CMOS 0x5F */
    mov $0x05, %ax
    mov $0x510, %dx
    out %ax, %dx
    mov $0x511, %dx
    in %dx, %al
    movzbl %al, %ebx
    in %dx, %al
    movzbl %al, %eax
    shl $8, %eax
    or %eax, %ebx
    mov $s_fwcfg, %esi
    mov %ebx, %eax
    call print_val
    dec %ebx
    mov %ebx, S_NM1
    mov $0x5f, %al
    out %al, $0x70
    in $0x71, %al
    movzbl %al, %eax
    mov $s_cmos, %esi
    call print_val
    mov $1, %eax
    cpuid
    mov %ebx, %eax
    shr $16, %eax
    mov $s_cpuid1, %esi
    call print_val
    mov %edx, %eax
    shr $28, %eax
    and $1, %eax
    mov $s_htt, %esi
    call print_val
    movl $0x1ff, LAPIC + 0xf0   /* BSP APIC software-enabled */
    mov LAPIC + 0x20, %eax
    shr $24, %eax
    EQ32 %eax, $0, bsp-apic-id-0

    /* INIT, SIPI, SIPI to all excluding self */
    movl $0, ICR_HI
    movl $0x000c4500, ICR_LO
    call delay
    movl $0x000c4600 | (TRAMPOLINE >> 12), ICR_LO
    call delay
    movl $0x000c4600 | (TRAMPOLINE >> 12), ICR_LO
    mov $S_READY, %edi
    mov S_NM1, %edx
    call wait_for
    EQ32 S_COUNT, S_NM1, ap-count
    EQ32 S_READY, S_NM1, aps-ready
    /* the APs by APIC ID (IDs may skip numbers: -smp 6,sockets=2,cores=3) */
    mov $1, %ebx
2:  cmpl $0, S_IDS(, %ebx, 4)
    je 5f
    mov %ebx, S_MAXID
    mov $s_ap, %esi
    call puts32
    mov %ebx, %eax
    call hex32
    mov $s_sp, %esi
    call puts32
    mov S_IDS(, %ebx, 4), %eax
    call hex32
    mov $s_nl, %esi
    call puts32
5:  inc %ebx
    cmp $16, %ebx
    jb 2b
#ifdef STARTUP_ONLY
    jmp exit32
#endif
3:
    /* a fixed IPI to all excluding self */
    movl $0x000c0040, ICR_LO
    mov $S_IPI40, %edi
    mov S_NM1, %edx
    call wait_for
    EQ32 S_IPI40, S_NM1, ipi-all-but-self
    /* a self IPI (shorthand 01) */
    movl $0x00040042, ICR_LO
    sti
    mov $S_SELF, %edi
    mov $1, %edx
    call wait_for
    cli
    EQ32 S_SELF, $1, ipi-self
    cmpl $1, S_NM1
    jb 4f
    /* logical flat mode: destination 0x02 is the AP with APIC ID 1 (its LDR) */
    movl $0x02000000, ICR_HI
    movl $0x00000841, ICR_LO
    mov $S_IPI41, %edi
    mov $1, %edx
    call wait_for
    call delay
    EQ32 S_IPI41, $1, ipi-logical-count
    EQ32 S_WHO41, $1, ipi-logical-to-apic-1
    /* an NMI to the AP with the highest APIC ID, physical mode */
    mov S_MAXID, %eax
    shl $24, %eax
    mov %eax, ICR_HI
    movl $0x00000400, ICR_LO
    mov $S_NMI, %edi
    mov $1, %edx
    call wait_for
    EQ32 S_NMI, $1, nmi-count
    EQ32 S_WHONMI, S_MAXID, nmi-to-last-ap
4:  jmp exit32

/* --- the APs (from the trampoline in smp-lib.S) --- */
    .code32
ap_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $1, %eax
    cpuid
    shr $24, %ebx
    mov %ebx, %edi              /* CPUID's initial APIC ID */
    mov LAPIC + 0x20, %ebx
    shr $24, %ebx               /* the APIC's ID register */
    mov %ebx, %esp
    shl $8, %esp
    add $AP_STACKS + 0x100, %esp
    shl $8, %edi
    or %ebx, %edi
    or $0x10000, %edi
    mov %edi, S_IDS(, %ebx, 4)
    mov $1, %eax
    lock xadd %eax, S_COUNT
    lidt idtr
    movl $0xffffffff, LAPIC + 0xe0  /* DFR: flat model */
    mov %ebx, %ecx
    mov $0x01000000, %eax
    shl %cl, %eax
    mov %eax, LAPIC + 0xd0      /* LDR: bit n for APIC ID n */
    movl $0x1ff, LAPIC + 0xf0
    lock incl S_READY
#ifdef STARTUP_ONLY
1:  cli
#else
1:  sti
#endif
    hlt
    jmp 1b

ipi40_handler:
    lock incl S_IPI40
    movl $0, LAPIC + 0xb0
    iret

ipi41_handler:
    push %eax
    mov LAPIC + 0x20, %eax
    shr $24, %eax
    mov %eax, S_WHO41
    lock incl S_IPI41
    movl $0, LAPIC + 0xb0
    pop %eax
    iret

nmi_handler:
    push %eax
    mov LAPIC + 0x20, %eax
    shr $24, %eax
    mov %eax, S_WHONMI
    lock incl S_NMI
    pop %eax
    iret

self_handler:
    lock incl S_SELF
    movl $0, LAPIC + 0xb0
    iret

STR s_fwcfg, "fw_cfg cpus "
STR s_cmos, "cmos 5f "
STR s_cpuid1, "cpuid 1 ebx[31:16] "
STR s_htt, "cpuid 1 htt "
STR s_ap, "ap "
STR s_sp, " "

#include "smp-lib.S"

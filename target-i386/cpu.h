/*
 * The x86 CPU state and the front end's interface (Intel SDM vol. 1 ch. 3,
 * vol. 3A ch. 2). One struct per CPU, passed explicitly; generated code reaches it
 * through the env pointer.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "accel/tcg/exec.h"
#include "accel/tcg/cputlb.h"

/*
 * A CPU model (-cpu NAME): the identity CPUID reports and the instruction-set
 * extensions it has (features). qemu64, as QEMU's default, is an AMD vendor
 * and family 15 (QEMU's signature) with QEMU's qemu64 features, so guests take
 * the same vendor paths as under QEMU; max is AMD family 6 as QEMU's TCG max,
 * with every extension implemented; quetzal reports our own vendor (which
 * Linux runs with its generic code, but glibc reads no features of) with the
 * same extensions.
 */
/*
 * Instruction-set extensions beyond what every model has (SSE..SSSE3, POPCNT,
 * LZCNT): a model without one reports its CPUID bit clear and raises #UD for
 * its instructions, as such a CPU would. Bit numbers of X86CPUModel.features.
 */
enum {
    X86_FEAT_SSE41,       /* CPUID.1:ECX.SSE4_1[19] */
    X86_FEAT_SSE42,       /* CPUID.1:ECX.SSE4_2[20] (PCMPxSTRx, PCMPGTQ, CRC32) */
    X86_FEAT_AES,         /* CPUID.1:ECX.AESNI[25] */
    X86_FEAT_PCLMULQDQ,   /* CPUID.1:ECX.PCLMULQDQ[1] */
    X86_FEAT_MOVBE,       /* CPUID.1:ECX.MOVBE[22] */
    X86_FEAT_BMI1,        /* CPUID.(7,0):EBX.BMI1[3] (VEX-encoded) */
    X86_FEAT_BMI2,        /* CPUID.(7,0):EBX.BMI2[8] */
    X86_FEAT_ADX,         /* CPUID.(7,0):EBX.ADX[19] (ADCX, ADOX) */
    X86_FEAT_SHA,         /* CPUID.(7,0):EBX.SHA[29] */
    X86_FEAT_XSAVE,       /* CPUID.1:ECX.XSAVE[26], with XSAVEOPT and XSAVEC (leaf 0xD) */
    X86_FEAT_AVX,         /* CPUID.1:ECX.AVX[28] (translate-vex.c, translate-avx.c) */
    X86_FEAT_AVX2,        /* CPUID.(7,0):EBX.AVX2[5] */
    X86_FEAT_FMA,         /* CPUID.1:ECX.FMA[12] (FMA3) */
    X86_FEAT_F16C,        /* CPUID.1:ECX.F16C[29] (VCVTPH2PS, VCVTPS2PH) */
};

typedef struct X86CPUModel {
    const char *name;
    char vendor[13];         /* CPUID.0: EBX, EDX, ECX */
    uint32_t signature;      /* CPUID.1:EAX, and EDX after RESET */
    char brand[48];          /* CPUID.80000002h-80000004h */
    uint32_t features;       /* 1 << X86_FEAT_*: the extensions it has */
} X86CPUModel;
/* the model called name (up to a ',' in it), NULL when unknown; NULL name:
 * default. QEMU's feature options after it (",+sse4.1,-aes,sha-ni=on") give
 * a copy with those extensions (X86_FEAT_*) added or removed; an option it
 * does not know makes the name unknown. */
const X86CPUModel *x86_cpu_model_find(const char *name);
/* frees a copy x86_cpu_model_find made for feature options (the table's own
 * models stay) */
void x86_cpu_model_free(const X86CPUModel *model);

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* Exceptions (Intel SDM vol. 3A, 6.3.1) and user-mode events */
#define EXCP00_DIVZ   0
#define EXCP01_DB     1
#define EXCP03_INT3   3
#define EXCP04_INTO   4
#define EXCP05_BOUND  5
#define EXCP06_ILLOP  6
#define EXCP02_NMI    2
#define EXCP07_PREX   7
#define EXCP08_DBLE   8
#define EXCP0A_TSS    10
#define EXCP0B_NOSEG  11
#define EXCP0C_STACK  12
#define EXCP0D_GPF    13
#define EXCP0E_PAGE   14
#define EXCP10_COPR   16
#define EXCP11_ALGN   17
#define EXCP13_XMM    19
#define EXCP_SYSCALL  0x100   /* SYSCALL instruction (user mode handles it) */
#define EXCP_INT80    0x101   /* INT 0x80 (i386 Linux system call) */

/* MMU indexes (system mode; accel/tcg/cputlb.h): CPL 0-2 accesses and the
 * implicit supervisor accesses (descriptor tables, TSS, IDT) use MMU_KERNEL_IDX,
 * CPL 3 MMU_USER_IDX. With paging off both map linear = physical. */
#define MMU_KERNEL_IDX 0
#define MMU_USER_IDX   1

/* hflags: the mode bits translated code depends on (part of the TB key) */
#define HF_CS64     (1u << 0)   /* 64-bit code segment (long mode) */
#define HF_CS32     (1u << 1)   /* 32-bit default operand/address size */
#define HF_SS32     (1u << 2)
#define HF_LMA      (1u << 3)
#define HF_CPL_SHIFT 4          /* 2 bits */
#define HF_CPL_MASK  (3u << HF_CPL_SHIFT)
/* system mode (Intel SDM vol. 3A, 2.5, 3.4.5, 6.8.3); user mode sets none of these
 * except what x86_cpu_reset_user sets */
#define HF_PE       (1u << 6)   /* CR0.PE */
#define HF_ADDSEG   (1u << 7)   /* legacy mode and DS/ES/SS base not all zero: add bases */
#define HF_VM       (1u << 8)   /* EFLAGS.VM (virtual-8086 mode) */
#define HF_INHIBIT_IRQ (1u << 9) /* interrupt shadow after STI / MOV SS / POP SS */
#define HF_TF       (1u << 10)  /* EFLAGS.TF: single-step, one instruction per block */
#define HF_IOPL_SHIFT 11        /* 2 bits: EFLAGS.IOPL */
#define HF_SYSTEM   (1u << 13)  /* system mode: SYSCALL/INT/privileged ops are real */
#define HF_PG       (1u << 14)  /* CR0.PG */
#define HF_OSFXSR   (1u << 15)  /* CR4.OSFXSR */
#define HF_EM_TS    (1u << 16)  /* CR0.EM or CR0.TS: FPU/SSE ops raise #NM/#UD */
#define HF_AVX_EN   (1u << 17)  /* CR4.OSXSAVE and XCR0 has SSE and AVX: VEX allowed */

typedef struct SegmentCache {
    uint32_t selector;
    uint64_t base;
    uint32_t limit;
    uint32_t flags;
} SegmentCache;

typedef union XMMReg {
    uint8_t  b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
    float    s[4];
    double   d[2];
} XMMReg;

typedef struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip;
    /* RFLAGS without the arithmetic flags, which live lazily in cc_* */
    uint64_t eflags;
    /* lazy condition codes: see target-i386/cc_helper.c for what each cc_op keeps */
    uint64_t cc_dst, cc_src, cc_src2;
    uint64_t cc_rot;                 /* last rotate's result, when cc_op has CC_OP_ROT */
    uint32_t cc_op;
    int32_t df;                      /* +1 or -1, from EFLAGS.DF */
    uint32_t hflags;
    SegmentCache segs[6];
    XMMReg xmm_regs[16];
    /* scratch XMM registers 16-18 for the VEX forms of SSE operations
     * (translate-vex.c): right after xmm_regs, so register numbers reach them */
    XMMReg vex_scratch[3];
    XMMReg ymmh_regs[16];            /* bits 255:128 of YMM0-15 (AVX; VEX.128 writes zero them) */
    uint32_t mxcsr;
    uint16_t fpuc, fpus;             /* x87 control and status (fpus without TOP) */
    /* x87 register stack (Intel SDM vol. 1, 8.1): physical registers as host
     * long double, which on x86-64 hosts is the same 80-bit extended format */
    long double fpregs[8];
    uint32_t fpstt;                  /* TOP: physical index of ST(0) */
    uint8_t fptags[8];               /* 1 = empty */
    /* the last non-control x87 instruction (SDM vol. 1, 8.1.8-8.1.10),
     * recorded by translate-x87.c: its offset in CS and CS selector, its
     * opcode bits 10:0, and for a memory operand its offset and selector */
    uint64_t fpip, fpdp;
    uint16_t fpcs, fpds, fpop;
    uint64_t cr[5];                  /* CR0, (CR1), CR2, CR3, CR4 */
    /* descriptor tables: Linux user mode builds a GDT in guest memory for
     * set_thread_area (Intel SDM vol. 3A, 3.5.1); MOV Sreg reads it */
    SegmentCache gdt;
    SegmentCache ldt;
    /* --- system mode (Intel SDM vol. 3A): the architectural state a snapshot or
     * KVM reads and writes --- */
    SegmentCache idt;                /* base, limit */
    SegmentCache tr;
    uint64_t efer;
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc_offset;             /* guest TSC = host-derived steady TSC + offset */
    uint64_t tsc_aux;
    uint64_t misc_enable;
    uint64_t spec_ctrl;
    uint64_t mtrr_cap_def_type;      /* IA32_MTRR_DEF_TYPE */
    uint64_t mtrr_fixed[11];
    uint64_t amd_perf[8];            /* AMD PerfEvtSel0-3, PerfCtr0-3 (no counting) */
    uint64_t amd_hwcr;
    uint64_t mtrr_var[16];           /* base/mask pairs, 8 ranges */
    uint64_t xcr0;
    uint64_t dr[8];
    uint32_t a20_mask_bit;           /* 0: A20 forced low (addresses & ~(1 << 20)) */
    uint64_t a20_mask;               /* ~0 or ~(1 << 20) */
    int exception_is_int;            /* INT n/INT3/INTO: software interrupt */
    uint64_t exception_next_rip;     /* rip after a software interrupt */
    int old_exception;               /* for #DF detection, -1 none */
    bool triple_fault;
    /* what the machine wires in (hw/): the INTR acknowledge cycle and the MSRs the
     * local APIC owns; NULL without an APIC/PIC */
    const struct X86BoardHooks *board;
    void *board_opaque;
    /* this CPU's place in the machine (-smp), kept across reset: its initial
     * APIC ID and its package's cores and threads per core (CPUID leaves 1,
     * 0xB and 0x80000008 report them; 0 counts mean 1) */
    uint32_t apic_id;
    uint16_t nr_cores, nr_threads;
    /* exception being raised */
    int error_code;
    uint64_t fault_addr;             /* guest address of a memory fault */
    CPUExec *exec;                   /* back pointer, for helpers that leave the loop */
    /* the translator's TCG globals for the TCGContext it last used (translate.c) */
    struct X86Globals *tcg_globals;
    /* --- system mode, added by the system helpers --- */
    uint64_t cr8;                    /* task priority without an APIC (board cr8_*) */
    bool nmi_blocked;                /* an NMI handler runs until the next IRET */
    FILE *int_log;                   /* -d int: each delivered event, or NULL */
    FILE *mmu_log;                   /* -d mmu: each page walk, or NULL */
    const X86CPUModel *model;        /* kept across reset */
    /* the softmmu TLB (accel/tcg/cputlb.h); kept last: reset clears what is before it */
    CPUTLB tlb;
} CPUX86State;

/* the model (default when none was chosen) has extension feature (X86_FEAT_*) */
static inline bool x86_cpu_has(const CPUX86State *env, int feature)
{
    const X86CPUModel *model = env->model ? env->model : x86_cpu_model_find(NULL);
    return model->features >> feature & 1;
}

/* CPUID.1:ECX and CPUID.(7,0):EBX bits of the model's extensions (helper.c) */
uint32_t x86_cpuid_extension_ecx(const CPUX86State *env);
uint32_t x86_cpuid_leaf7_ebx(const CPUX86State *env);

/* Control registers, EFER, RFLAGS (Intel SDM vol. 3A, 2.5, 2.2.1; vol. 1, 3.4.3) */
#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_ET  (1u << 4)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_AM  (1u << 18)
#define CR0_NW  (1u << 29)
#define CR0_CD  (1u << 30)
#define CR0_PG  (1u << 31)
#define CR4_VME (1u << 0)
#define CR4_PVI (1u << 1)
#define CR4_TSD (1u << 2)
#define CR4_DE  (1u << 3)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_MCE (1u << 6)
#define CR4_PGE (1u << 7)
#define CR4_PCE (1u << 8)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define EFL_TF   0x00000100u
#define EFL_IF   0x00000200u
#define EFL_DF   0x00000400u
#define EFL_IOPL 0x00003000u
#define EFL_NT   0x00004000u
#define EFL_RF   0x00010000u
#define EFL_VM   0x00020000u
#define EFL_AC   0x00040000u
#define EFL_VIF  0x00080000u
#define EFL_VIP  0x00100000u
#define EFL_ID   0x00200000u

/* SegmentCache.flags holds the descriptor's high dword masked with 0x00f0ff00
 * (Intel SDM vol. 3A, 3.4.5): type in bits 11:8, S, DPL, P, AVL, L, D/B, G */
#define DESC_A       (1u << 8)
#define DESC_W       (1u << 9)     /* data: writable; code: readable (DESC_R) */
#define DESC_R       (1u << 9)
#define DESC_E       (1u << 10)    /* data: expand-down; code: conforming (DESC_C) */
#define DESC_C       (1u << 10)
#define DESC_CS      (1u << 11)    /* code segment */
#define DESC_TYPE_SHIFT 8
#define DESC_TYPE_MASK (15u << 8)
#define DESC_S       (1u << 12)    /* code/data (not system) */
#define DESC_DPL_SHIFT 13
#define DESC_P       (1u << 15)
#define DESC_L       (1u << 21)
#define DESC_B       (1u << 22)
#define DESC_G       (1u << 23)

extern const TargetTranslateOps x86_translate_ops;
/* frees what the translator attached to env (its TCG globals), before env goes */
void x86_translate_release(CPUX86State *env);

/* What a machine provides to its CPUs (hw/pc.c fills it). */
typedef struct X86BoardHooks {
    /* INTA cycle: the vector of the highest-priority pending interrupt (the
     * controller marks it in service), or -1 when none is pending any more */
    int (*get_interrupt)(void *opaque);
    /* MSRs owned by the board (IA32_APIC_BASE 0x1b, TSC_DEADLINE 0x6e0, x2APIC
     * range): true when handled */
    bool (*rdmsr)(void *opaque, uint32_t msr, uint64_t *value);
    bool (*wrmsr)(void *opaque, uint32_t msr, uint64_t value);
    /* nanoseconds of the machine clock (for the steady TSC) */
    int64_t (*clock_ns)(void *opaque);
    /* triple fault or a reset the CPU asked for */
    void (*request_reset)(void *opaque, const char *why);
    /* I/O ports (IN/OUT/INS/OUTS after the IOPL/bitmap checks) */
    uint32_t (*io_read)(void *opaque, uint16_t port, unsigned size);
    void (*io_write)(void *opaque, uint16_t port, uint32_t value, unsigned size);
    /* MOV to/from CR8: the local APIC's TPR[7:4] (SDM vol. 3A, 10.8.6.1);
     * NULL: CR8 is a plain register */
    void (*cr8_write)(void *opaque, uint64_t value);
    uint64_t (*cr8_read)(void *opaque);
    /* PAUSE: the CPU spins waiting for another (-smp round robin: its turn
     * ends); NULL: a no-op */
    void (*pause)(void *opaque);
    /* FERR#: with CR0.NE = 0 a waiting x87 instruction found an unmasked
     * exception pending (SDM vol. 1, 8.7, D.2.1); the PC latches it on
     * IRQ 13 until a write to port F0h. NULL: not wired */
    void (*ferr)(void *opaque);
} X86BoardHooks;

/* TSC frequency the guest sees (CPUID leaf 0x15/0x16 report it). */
#define X86_TSC_HZ 2000000000ull

/* Power-on / RESET state (Intel SDM vol. 3A, 9.1.1: CS.base 0xFFFF0000, IP 0xFFF0). */
void x86_cpu_reset(CPUX86State *env);
/* Makes env a system-mode CPU on as (call after cpu_exec_new). */
void x86_cpu_init_system(CPUX86State *env, AddressSpace *as);
/* Recomputes hflags from CR0/CR4/EFER/segments/EFLAGS after a change. */
void x86_update_hflags(CPUX86State *env);
/* Sets the level of the INTR pin (CPU_INTERRUPT_HARD) / raises NMI. */
void x86_cpu_set_intr(CPUX86State *env, int level);
void x86_cpu_nmi(CPUX86State *env);
/* The A20 gate (port 0x92 bit 1, 8042 output port bit 1). */
void x86_cpu_set_a20(CPUX86State *env, bool enabled);
/* Logs the register state (-d cpu, int, cpu_reset, 'info registers'). */
void x86_cpu_dump_state(CPUX86State *env, FILE *out);
/* MMU index of the current privilege level (code fetches, CPL-checked data) */
int x86_cpu_mmu_index(const CPUX86State *env);
/* System-mode CPUID leaves (misc_helper.c): false where the user-mode answer
 * stands; and the steady TSC (#GP with CR4.TSD at CPL > 0) */
bool x86_cpuid_system(CPUX86State *env, uint32_t leaf, uint32_t sub, uint32_t out[4]);
uint64_t x86_read_tsc(CPUX86State *env, uintptr_t ra);
/* the system-mode hooks of x86_translate_ops (misc_helper.c) */
bool x86_ops_tlb_fill(void *env, uint64_t vaddr, unsigned size, int access_type,
                      int mmu_idx, bool probe, uintptr_t ra);
int x86_ops_code_mmu_index(void *env);
void x86_ops_do_interrupt(void *env);
bool x86_ops_exec_interrupt(void *env, int interrupt_request);
bool x86_ops_has_work(void *env, int interrupt_request);

/* Reset to the state of a fresh user-mode process in 64-bit or 32-bit mode. */
void x86_cpu_reset_user(CPUX86State *env, bool long_mode);
/* Full RFLAGS (computing the lazy arithmetic flags) and the reverse. */
uint64_t x86_cpu_get_eflags(CPUX86State *env);
void x86_cpu_set_eflags(CPUX86State *env, uint64_t eflags);
/* CPUID of leaf EAX (subleaf ECX) into EAX, EBX, ECX, EDX (Intel SDM vol. 2A,
 * CPUID); user mode also reads leaf 1 for AT_HWCAP. */
void helper_cpuid(CPUX86State *env);
/* PAUSE in system mode: tells the board (X86BoardHooks.pause) */
void helper_pause(CPUX86State *env);
/* Raises guest exception intno from a helper: restores state at host_pc
 * (the helper's return address, GETPC()) and leaves generated code. */
void x86_raise_exception(CPUX86State *env, int intno, int error_code, uintptr_t host_pc)
    __attribute__((noreturn));

#define GETPC() ((uintptr_t)__builtin_return_address(0))
/* TargetTranslateOps.user_fault: #PF at addr from a helper's guest access */
void x86_user_fault(void *env, uint64_t addr, int access_type, uintptr_t ra)
    __attribute__((noreturn));

#endif

/*
 * The x86 CPU state and the front end's interface (Intel SDM vol. 1 ch. 3,
 * vol. 3A ch. 2). One struct per CPU, passed explicitly; generated code reaches it
 * through the env pointer.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include <stdbool.h>
#include <stdint.h>
#include "accel/tcg/exec.h"

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
#define EXCP0D_GPF    13
#define EXCP0E_PAGE   14
#define EXCP10_COPR   16
#define EXCP11_ALGN   17
#define EXCP13_XMM    19
#define EXCP_SYSCALL  0x100   /* SYSCALL instruction (user mode handles it) */
#define EXCP_INT80    0x101   /* INT 0x80 (i386 Linux system call) */

/* hflags: the mode bits translated code depends on (part of the TB key) */
#define HF_CS64     (1u << 0)   /* 64-bit code segment (long mode) */
#define HF_CS32     (1u << 1)   /* 32-bit default operand/address size */
#define HF_SS32     (1u << 2)
#define HF_LMA      (1u << 3)
#define HF_CPL_SHIFT 4          /* 2 bits */

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
    uint32_t mxcsr;
    uint16_t fpuc, fpus;             /* x87 control and status (fpus without TOP) */
    /* x87 register stack (Intel SDM vol. 1, 8.1): physical registers as host
     * long double, which on x86-64 hosts is the same 80-bit extended format */
    long double fpregs[8];
    uint32_t fpstt;                  /* TOP: physical index of ST(0) */
    uint8_t fptags[8];               /* 1 = empty */
    uint64_t cr[5];                  /* for system mode later */
    /* descriptor tables: Linux user mode builds a GDT in guest memory for
     * set_thread_area (Intel SDM vol. 3A, 3.5.1); MOV Sreg reads it */
    SegmentCache gdt;
    SegmentCache ldt;
    /* exception being raised */
    int error_code;
    uint64_t fault_addr;             /* guest address of a memory fault */
    CPUExec *exec;                   /* back pointer, for helpers that leave the loop */
    /* the translator's TCG globals for the TCGContext it last used (translate.c) */
    struct X86Globals *tcg_globals;
} CPUX86State;

extern const TargetTranslateOps x86_translate_ops;

/* Reset to the state of a fresh user-mode process in 64-bit or 32-bit mode. */
void x86_cpu_reset_user(CPUX86State *env, bool long_mode);
/* Full RFLAGS (computing the lazy arithmetic flags) and the reverse. */
uint64_t x86_cpu_get_eflags(CPUX86State *env);
void x86_cpu_set_eflags(CPUX86State *env, uint64_t eflags);
/* CPUID of leaf EAX (subleaf ECX) into EAX, EBX, ECX, EDX (Intel SDM vol. 2A,
 * CPUID); user mode also reads leaf 1 for AT_HWCAP. */
void helper_cpuid(CPUX86State *env);
/* Raises guest exception intno from a helper: restores state at host_pc
 * (the helper's return address, GETPC()) and leaves generated code. */
void x86_raise_exception(CPUX86State *env, int intno, int error_code, uintptr_t host_pc)
    __attribute__((noreturn));

#define GETPC() ((uintptr_t)__builtin_return_address(0))

#endif

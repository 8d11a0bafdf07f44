/*
 * C helpers called from translated x86 code: exceptions, division, CPUID,
 * RDTSC, segment loads and the wide compare-exchanges.
 */
#include <string.h>
#include <time.h>
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"

void x86_raise_exception(CPUX86State *env, int intno, int error_code, uintptr_t host_pc)
{
    env->error_code = error_code;
    env->exception_is_int = 0;
    env->exec->exception_index = intno;
    if (host_pc) {
        cpu_loop_exit_restore(env->exec, host_pc);
    }
    cpu_loop_exit(env->exec);
}

/* User mode: a C helper's guest access (cpu_ld_mmu/cpu_st_mmu: gathers,
 * masked moves) found the page unmapped or without the right: a #PF at that
 * address, which linux-user turns into SIGSEGV with si_addr = addr, as it
 * does for generated code's own accesses (TargetTranslateOps.user_fault). */
void x86_user_fault(void *opaque_env, uint64_t addr, int access_type, uintptr_t ra)
{
    CPUX86State *env = opaque_env;
    env->fault_addr = addr;
    x86_raise_exception(env, EXCP0E_PAGE, access_type == MMU_DATA_STORE ? 6 : 4, ra);
}

/* rip and cc_op were stored by the translated code before the call */
void helper_raise_exception(CPUX86State *env, uint32_t excp)
{
    x86_raise_exception(env, excp, 0, 0);
}

void helper_raise_page_fault(CPUX86State *env, uint64_t addr)
{
    env->fault_addr = addr;
    /* error code: instruction fetch, user mode (SDM vol. 3A, 4.7) */
    x86_raise_exception(env, EXCP0E_PAGE, 0x14, 0);
}

/* host pointer to len bytes of guest memory at addr, or a page fault. System
 * mode goes through the softmmu (the access must stay within one page of RAM:
 * callers access at most 16 bytes, naturally aligned or checked by them; an
 * MMIO or page-crossing operand raises #GP(0) rather than crash). */
void *x86_guest_memory(CPUX86State *env, uint64_t addr, unsigned len, int flags,
                          uintptr_t host_pc)
{
    if (env->hflags & HF_SYSTEM) {
        int idx = x86_cpu_mmu_index(env);
        void *p;
        if (flags & PAGE_WRITE) {
            p = cpu_probe_access(env->exec, addr, len, MMU_DATA_STORE, idx, host_pc);
        } else {
            p = cpu_probe_access(env->exec, addr, len, MMU_DATA_LOAD, idx, host_pc);
        }
        if (!p) {
            x86_raise_exception(env, EXCP0D_GPF, 0, host_pc);
        }
        return p;
    }
    if (!page_check_range(env->exec, addr, len, flags)) {
        env->fault_addr = addr;
        x86_raise_exception(env, EXCP0E_PAGE, (flags & PAGE_WRITE) ? 6 : 4, host_pc);
    }
    return (void *)(cpu_exec_guest_base(env->exec) + (uintptr_t)addr);
}

/*
 * len bytes between guest memory at addr and buf, with the rights of the
 * current privilege level: the multi-byte operands of the x87 and CMPXCHG8B/16B
 * helpers. In system mode an operand may cross a page or lie in MMIO or ROM
 * (then byte by byte through the softmmu); a store checks both ends of the
 * operand before it writes a byte, so a fault leaves memory unchanged.
 */
void x86_guest_read(CPUX86State *env, uint64_t addr, void *buf, unsigned len, uintptr_t ra)
{
    if (env->hflags & HF_SYSTEM) {
        int idx = x86_cpu_mmu_index(env);
        void *p = cpu_probe_access(env->exec, addr, len, MMU_DATA_LOAD, idx, ra);
        if (p) {
            memcpy(buf, p, len);
            return;
        }
        for (unsigned i = 0; i < len; i++) {
            ((uint8_t *)buf)[i] = cpu_ld_mmu(env->exec, addr + i, MO_8 | MO_MMUIDX(idx), ra);
        }
        return;
    }
    memcpy(buf, x86_guest_memory(env, addr, len, PAGE_READ, ra), len);
}

/* system mode: raises the write fault of either end of [addr, addr + len) */
static void probe_store(CPUX86State *env, uint64_t addr, unsigned len, uintptr_t ra)
{
    int idx = x86_cpu_mmu_index(env);

    cpu_probe_access(env->exec, addr, 1, MMU_DATA_STORE, idx, ra);
    cpu_probe_access(env->exec, addr + len - 1, 1, MMU_DATA_STORE, idx, ra);
}

void x86_guest_write(CPUX86State *env, uint64_t addr, const void *buf, unsigned len,
                     uintptr_t ra)
{
    if (env->hflags & HF_SYSTEM) {
        int idx = x86_cpu_mmu_index(env);
        void *p = cpu_probe_access(env->exec, addr, len, MMU_DATA_STORE, idx, ra);
        if (p) {
            memcpy(p, buf, len);
            return;
        }
        probe_store(env, addr, len, ra);
        for (unsigned i = 0; i < len; i++) {
            cpu_st_mmu(env->exec, addr + i, ((const uint8_t *)buf)[i], MO_8 | MO_MMUIDX(idx), ra);
        }
        return;
    }
    memcpy(x86_guest_memory(env, addr, len, PAGE_WRITE, ra), buf, len);
}

/* ---------------------------------------------------------------- division */

/*
 * DIV/IDIV (SDM vol. 2A): dividend AX, DX:AX, EDX:EAX or RDX:RAX; #DE for a
 * zero divisor or a quotient that does not fit.
 */
void helper_divq(CPUX86State *env, uint64_t divisor, uint32_t ot)
{
    unsigned bits = 8u << ot;
    uint64_t mask = ot == MO_64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
    unsigned __int128 dividend, q;
    uint64_t r;

    divisor &= mask;
    if (divisor == 0) {
        x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
    }
    if (ot == MO_64 && env->regs[R_EDX] == 0) {
        uint64_t dividend = env->regs[R_EAX];
        env->regs[R_EAX] = dividend / divisor;
        env->regs[R_EDX] = dividend % divisor;
        return;
    }
    if (ot == MO_32) {
        /* the common case, without 128-bit arithmetic */
        uint64_t wide = (env->regs[R_EDX] & mask) << 32 | (env->regs[R_EAX] & mask);
        uint64_t quotient = wide / divisor;
        if (quotient > mask) {
            x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
        }
        env->regs[R_EAX] = quotient;
        env->regs[R_EDX] = wide % divisor;
        return;
    }
    if (ot == MO_8) {
        dividend = env->regs[R_EAX] & 0xffff;
    } else {
        dividend = ((unsigned __int128)(env->regs[R_EDX] & mask) << bits) |
                   (env->regs[R_EAX] & mask);
    }
    q = dividend / divisor;
    r = (uint64_t)(dividend % divisor);
    if (q > mask) {
        x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
    }
    if (ot == MO_8) {
        env->regs[R_EAX] = (env->regs[R_EAX] & ~(uint64_t)0xffff) | (uint64_t)q | r << 8;
    } else if (ot == MO_16) {
        env->regs[R_EAX] = (env->regs[R_EAX] & ~mask) | (uint64_t)q;
        env->regs[R_EDX] = (env->regs[R_EDX] & ~mask) | r;
    } else {
        env->regs[R_EAX] = (uint64_t)q;
        env->regs[R_EDX] = r;
    }
}

void helper_idivq(CPUX86State *env, uint64_t divisor, uint32_t ot)
{
    unsigned bits = 8u << ot;
    uint64_t mask = ot == MO_64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
    __int128 dividend, q, r, d;
    __int128 min = -((__int128)1 << (bits - 1)), max = ((__int128)1 << (bits - 1)) - 1;

    d = (int64_t)(divisor << (64 - bits)) >> (64 - bits);
    if (d == 0) {
        x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
    }
    if (ot == MO_8) {
        dividend = (int16_t)env->regs[R_EAX];
    } else {
        unsigned __int128 u = ((unsigned __int128)(env->regs[R_EDX] & mask) << bits) |
                              (env->regs[R_EAX] & mask);
        /* sign-extend the 2*bits-wide dividend */
        dividend = (__int128)(u << (128 - 2 * bits)) >> (128 - 2 * bits);
    }
    if (dividend == (__int128)((unsigned __int128)1 << 127) && d == -1) {
        x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
    }
    q = dividend / d;
    r = dividend % d;
    if (q < min || q > max) {
        x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
    }
    if (ot == MO_8) {
        env->regs[R_EAX] = (env->regs[R_EAX] & ~(uint64_t)0xffff) |
                           ((uint64_t)q & 0xff) | ((uint64_t)r & 0xff) << 8;
    } else if (ot == MO_16) {
        env->regs[R_EAX] = (env->regs[R_EAX] & ~mask) | ((uint64_t)q & mask);
        env->regs[R_EDX] = (env->regs[R_EDX] & ~mask) | ((uint64_t)r & mask);
    } else {
        env->regs[R_EAX] = (uint64_t)q & mask;
        env->regs[R_EDX] = (uint64_t)r & mask;
    }
}

/* ---------------------------------------------------------------- CPUID, RDTSC */

/* CPUID feature bits (SDM vol. 2A, CPUID, tables 3-10, 3-11) */
#define CPUID_FPU    (1u << 0)
#define CPUID_TSC    (1u << 4)
#define CPUID_CX8    (1u << 8)
#define CPUID_CMOV   (1u << 15)
#define CPUID_MMX    (1u << 23)
#define CPUID_FXSR   (1u << 24)
#define CPUID_SSE    (1u << 25)
#define CPUID_SSE2   (1u << 26)
#define CPUID_EXT_SSE3    (1u << 0)
#define CPUID_EXT_SSSE3   (1u << 9)
#define CPUID_EXT_CX16    (1u << 13)
#define CPUID_EXT_POPCNT  (1u << 23)
#define CPUID_EXT_PCLMULQDQ (1u << 1)
#define CPUID_EXT_SSE41   (1u << 19)
#define CPUID_EXT_SSE42   (1u << 20)
#define CPUID_EXT_MOVBE   (1u << 22)
#define CPUID_EXT_AES     (1u << 25)
#define CPUID_EXT_XSAVE   (1u << 26)
#define CPUID_EXT_OSXSAVE (1u << 27)
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_LM      (1u << 29)
#define CPUID_EXT3_LAHF_LM (1u << 0)
#define CPUID_EXT3_ABM     (1u << 5)

/* CPUID.1:ECX bits of the model's extensions (X86_FEAT_*) */
uint32_t x86_cpuid_extension_ecx(const CPUX86State *env)
{
    static const uint32_t bits[] = {
        [X86_FEAT_SSE41] = CPUID_EXT_SSE41, [X86_FEAT_SSE42] = CPUID_EXT_SSE42,
        [X86_FEAT_AES] = CPUID_EXT_AES, [X86_FEAT_PCLMULQDQ] = CPUID_EXT_PCLMULQDQ,
        [X86_FEAT_MOVBE] = CPUID_EXT_MOVBE, [X86_FEAT_XSAVE] = CPUID_EXT_XSAVE,
        [X86_FEAT_FMA] = 1u << 12, [X86_FEAT_AVX] = 1u << 28, [X86_FEAT_F16C] = 1u << 29,
    };
    uint32_t ecx = 0;
    for (int i = 0; i < (int)(sizeof(bits) / sizeof(bits[0])); i++) {
        ecx |= x86_cpu_has(env, i) ? bits[i] : 0;
    }
    ecx |= x86_osxsave(env) ? CPUID_EXT_OSXSAVE : 0;   /* CR4.OSXSAVE (xsave_helper.c) */
    return ecx;
}

uint32_t x86_cpuid_leaf7_ebx(const CPUX86State *env)
{
    return (x86_cpu_has(env, X86_FEAT_BMI1) ? 1u << 3 : 0) |
           (x86_cpu_has(env, X86_FEAT_AVX2) ? 1u << 5 : 0) |
           (x86_cpu_has(env, X86_FEAT_BMI2) ? 1u << 8 : 0) |
           (x86_cpu_has(env, X86_FEAT_ADX) ? 1u << 19 : 0) |
           (x86_cpu_has(env, X86_FEAT_SHA) ? 1u << 29 : 0);
}

static void cpuid_string(const char *text, uint32_t *a, uint32_t *b, uint32_t *c)
{
    memcpy(a, text, 4);
    memcpy(b, text + 4, 4);
    memcpy(c, text + 8, 4);
}

void helper_cpuid(CPUX86State *env)
{
    const X86CPUModel *model = env->model ? env->model : x86_cpu_model_find(NULL);
    const char *brand = model->brand;
    uint32_t leaf = env->regs[R_EAX], a = 0, b = 0, c = 0, d = 0, sys[4];

    if ((env->hflags & HF_SYSTEM) &&
        x86_cpuid_system(env, leaf, (uint32_t)env->regs[R_ECX], sys)) {
        env->regs[R_EAX] = sys[0];
        env->regs[R_EBX] = sys[1];
        env->regs[R_ECX] = sys[2];
        env->regs[R_EDX] = sys[3];
        return;
    }

    switch (leaf) {
    case 0:
        a = x86_cpu_has(env, X86_FEAT_XSAVE) ? 0xd : 7;
        cpuid_string(model->vendor, &b, &d, &c);
        break;
    case 1:
        a = model->signature;
        b = 0x00000800;     /* CLFLUSH line size 8 * 8 bytes */
        c = CPUID_EXT_SSE3 | CPUID_EXT_SSSE3 | CPUID_EXT_CX16 | CPUID_EXT_POPCNT |
            x86_cpuid_extension_ecx(env);
        d = CPUID_FPU | CPUID_TSC | CPUID_CX8 | CPUID_CMOV | CPUID_MMX | CPUID_SSE | CPUID_SSE2 |
            CPUID_FXSR | (1u << 19) /* CLFSH */;
        break;
    case 7:
        /* subleaf 0: EAX = the last subleaf (0) */
        b = (uint32_t)env->regs[R_ECX] == 0 ? x86_cpuid_leaf7_ebx(env) : 0;
        break;
    case 0xd: {
        uint32_t out[4];
        x86_cpuid_xsave(env, (uint32_t)env->regs[R_ECX], out);
        a = out[0], b = out[1], c = out[2], d = out[3];
        break;
    }
    case 0x80000000:
        a = 0x80000004;
        break;
    case 0x80000001:
        c = CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM;
        d = CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_LM;
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
        const char *p = brand + (leaf - 0x80000002) * 16;
        memcpy(&a, p, 4);
        memcpy(&b, p + 4, 4);
        memcpy(&c, p + 8, 4);
        memcpy(&d, p + 12, 4);
        break;
    }
    default:
        /* leaves 2..7 and unknown leaves: nothing advertised */
        break;
    }
    env->regs[R_EAX] = a;
    env->regs[R_EBX] = b;
    env->regs[R_ECX] = c;
    env->regs[R_EDX] = d;
}

void helper_rdtsc(CPUX86State *env)
{
    struct timespec ts;
    uint64_t ns;

    if (env->hflags & HF_SYSTEM) {
        ns = x86_read_tsc(env, GETPC());
        env->regs[R_EAX] = (uint32_t)ns;
        env->regs[R_EDX] = ns >> 32;
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    env->regs[R_EAX] = (uint32_t)ns;
    env->regs[R_EDX] = ns >> 32;
}

/* ---------------------------------------------------------------- CMPXCHG8B/16B */

/*
 * The operand of CMPXCHG8B/16B is written whatever the comparison gives (SDM
 * vol. 2A, CMPXCHG8B: written back unchanged when unequal), so it is read with
 * write access and faults as a write. One CPU and no guest threads: nothing
 * comes between the read and the write.
 */
static void read_for_write(CPUX86State *env, uint64_t addr, void *buf, unsigned len,
                           uintptr_t ra)
{
    if (env->hflags & HF_SYSTEM) {
        probe_store(env, addr, len, ra);
    } else {
        x86_guest_memory(env, addr, len, PAGE_READ | PAGE_WRITE, ra);
    }
    x86_guest_read(env, addr, buf, len, ra);
}

/* SDM vol. 2A, CMPXCHG8B/CMPXCHG16B: compare rDX:rAX with memory; ZF reports
 * the result; 16B needs a 16-byte aligned operand (#GP otherwise) */
void helper_cmpxchg8b(CPUX86State *env, uint64_t addr)
{
    uint64_t old, expected, flags = x86_cc_compute_all(env);

    if (!(env->hflags & HF_CS64)) {
        addr = (uint32_t)addr;
    }
    read_for_write(env, addr, &old, 8, GETPC());
    expected = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];
    if (old == expected) {
        uint64_t v = (env->regs[R_ECX] << 32) | (uint32_t)env->regs[R_EBX];
        x86_guest_write(env, addr, &v, 8, GETPC());
        flags |= CC_Z;
    } else {
        env->regs[R_EAX] = (uint32_t)old;
        env->regs[R_EDX] = old >> 32;
        flags &= ~(uint64_t)CC_Z;
    }
    env->cc_src = flags;
    env->cc_op = CC_OP_EFLAGS;
}

void helper_cmpxchg16b(CPUX86State *env, uint64_t addr)
{
    uint64_t old[2], flags = x86_cc_compute_all(env);

    if (addr & 15) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    read_for_write(env, addr, old, 16, GETPC());
    if (old[0] == env->regs[R_EAX] && old[1] == env->regs[R_EDX]) {
        uint64_t v[2] = { env->regs[R_EBX], env->regs[R_ECX] };
        x86_guest_write(env, addr, v, 16, GETPC());
        flags |= CC_Z;
    } else {
        env->regs[R_EAX] = old[0];
        env->regs[R_EDX] = old[1];
        flags &= ~(uint64_t)CC_Z;
    }
    env->cc_src = flags;
    env->cc_op = CC_OP_EFLAGS;
}

/* ---------------------------------------------------------------- decimal arithmetic */

static uint64_t bcd_result_flags(uint8_t al)
{
    return (al == 0 ? CC_Z : 0) | (al & 0x80 ? CC_S : 0) |
           ((__builtin_popcount(al) & 1) ? 0 : CC_P);
}

/*
 * DAA, DAS, AAA, AAS, AAM, AAD (legacy modes; SDM vol. 2A, each
 * instruction's operation section). op is the opcode byte, imm the AAM/AAD base.
 */
void helper_bcd(CPUX86State *env, uint32_t op, uint32_t imm)
{
    uint64_t flags = x86_cc_compute_all(env);
    bool cf = flags & CC_C, af = flags & CC_A;
    uint8_t al = env->regs[R_EAX], ah = env->regs[R_EAX] >> 8, old_al = al;
    uint64_t out = flags & CC_O;

    switch (op) {
    case 0x27:   /* DAA */
    case 0x2f:   /* DAS */
        cf = false;
        if ((al & 0xf) > 9 || af) {
            bool carry = op == 0x27 ? al > 0xf9 : al < 6;
            al = op == 0x27 ? al + 6 : al - 6;
            cf = (flags & CC_C) || carry;
            out |= CC_A;
        }
        if (old_al > 0x99 || (flags & CC_C)) {
            al = op == 0x27 ? al + 0x60 : al - 0x60;
            cf = true;
        } else if (op == 0x27) {
            cf = false;      /* DAA clears CF here; DAS keeps the first step's */
        }
        out |= (cf ? CC_C : 0) | bcd_result_flags(al);
        break;
    case 0x37:   /* AAA */
    case 0x3f:   /* AAS */
        if ((al & 0xf) > 9 || af) {
            if (op == 0x37) {
                uint16_t ax = (uint16_t)(ah << 8 | al) + 0x106;
                ah = ax >> 8;
                al = ax;
            } else {
                /* SDM vol. 2A, AAS: AX = AX - 6, then AH = AH - 1 */
                uint16_t ax = (uint16_t)(ah << 8 | al) - 6;
                ah = (ax >> 8) - 1;
                al = ax;
            }
            out = CC_A | CC_C;
        } else {
            out = 0;
        }
        al &= 0xf;
        out |= bcd_result_flags(al);
        break;
    case 0xd4:   /* AAM */
        if (imm == 0) {
            x86_raise_exception(env, EXCP00_DIVZ, 0, GETPC());
        }
        ah = al / imm;
        al = al % imm;
        out = bcd_result_flags(al);
        break;
    default:     /* 0xd5 AAD */
        al = (uint8_t)(al + ah * imm);
        ah = 0;
        out = bcd_result_flags(al);
        break;
    }
    env->regs[R_EAX] = (env->regs[R_EAX] & ~(uint64_t)0xffff) | (uint64_t)ah << 8 | al;
    env->cc_src = out;
    env->cc_op = CC_OP_EFLAGS;
}

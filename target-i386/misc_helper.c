/*
 * Privileged and miscellaneous system instructions (Intel SDM vol. 3A: 2.5
 * control registers, 2.6 XCR0, 4.10.4 TLB invalidation, 9.8.5 IA-32e mode
 * activation, 17.2 debug registers, 11.11 MTRRs, 11.12 PAT, 17.17 the TSC;
 * vol. 1 19.5 the I/O permission bitmap; vol. 2 MOV CRn/DRn, RDMSR, WRMSR,
 * RDTSC(P), RDPID, CPUID, HLT, IN/OUT, LGDT/LIDT/SGDT/SIDT, LMSW, CLTS, WBINVD;
 * vol. 4 the architectural MSRs).
 *
 * The system-mode CPU model is honest: CPUID advertises only what the emulator
 * does (no VME, MCE/MCA, PSE-36, XSAVE, x2APIC, TSC deadline, SMEP/SMAP).
 */
#include <string.h>
#include <time.h>
#include "target-i386/sys_helper.h"
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"

static int cpl(const CPUX86State *env)
{
    return (env->hflags & HF_CPL_MASK) >> HF_CPL_SHIFT;
}

static void __attribute__((noreturn)) gp0(CPUX86State *env, uintptr_t ra)
{
    x86_raise_exception(env, EXCP0D_GPF, 0, ra);
}

static void require_cpl0(CPUX86State *env, uintptr_t ra)
{
    if (cpl(env) != 0) {
        gp0(env, ra);
    }
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* ---------------------------------------------------------------- control registers */

#define CR4_VALID (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | \
                   CR4_OSXMMEXCPT)

static void write_cr0(CPUX86State *env, uint64_t v, uintptr_t ra)
{
    uint64_t old = env->cr[0];

    if (v >> 32) {
        gp0(env, ra);
    }
    v |= CR0_ET;
    if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD))) {
        gp0(env, ra);
    }
    if ((v & CR0_PG) && !(old & CR0_PG) && (env->efer & EFER_LME)) {
        /* IA-32e mode activation (SDM vol. 3A, 9.8.5): needs PAE, not from a 64-bit CS */
        if (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L)) {
            gp0(env, ra);
        }
        env->efer |= EFER_LMA;
    }
    if (!(v & CR0_PG) && (old & CR0_PG) && (env->efer & EFER_LMA)) {
        if (env->hflags & HF_CS64) {
            gp0(env, ra);
        }
        env->efer &= ~(uint64_t)EFER_LMA;
    }
    env->cr[0] = v;
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) {
        tlb_flush(env->exec);
    }
    x86_update_hflags(env);
}

static void write_cr4(CPUX86State *env, uint64_t v, uintptr_t ra)
{
    uint64_t old = env->cr[4];

    /* CR4.OSXSAVE is writable when the model has XSAVE (SDM vol. 3A, 2.5) */
    uint64_t valid = CR4_VALID | (x86_cpu_has(env, X86_FEAT_XSAVE) ? CR4_OSXSAVE : 0);

    if (v & ~valid) {
        gp0(env, ra);
    }
    if ((env->efer & EFER_LMA) && !(v & CR4_PAE)) {
        gp0(env, ra);
    }
    env->cr[4] = v;
    if ((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE)) {
        tlb_flush(env->exec);
    }
    x86_update_hflags(env);
}

void helper_write_crN(CPUX86State *env, uint32_t reg, uint64_t value)
{
    uintptr_t ra = GETPC();

    require_cpl0(env, ra);
    switch (reg) {
    case 0:
        write_cr0(env, value, ra);
        break;
    case 2:
        env->cr[2] = value;
        break;
    case 3:
        if ((env->hflags & HF_LMA) && (value >> 52)) {
            gp0(env, ra);
        }
        env->cr[3] = (env->hflags & HF_LMA) ? value : (uint32_t)value;
        if (env->cr[4] & CR4_PGE) {
            tlb_flush_nonglobal(env->exec);      /* SDM vol. 3A, 4.10.4.1 */
        } else {
            tlb_flush(env->exec);
        }
        break;
    case 4:
        write_cr4(env, value, ra);
        break;
    case 8:
        if (value & ~0xfull) {
            gp0(env, ra);
        }
        if (env->board && env->board->cr8_write) {
            env->board->cr8_write(env->board_opaque, value);
        } else {
            env->cr8 = value;
        }
        break;
    default:
        x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
    }
}

uint64_t helper_read_crN(CPUX86State *env, uint32_t reg)
{
    uintptr_t ra = GETPC();

    require_cpl0(env, ra);
    switch (reg) {
    case 0: case 2: case 3: case 4:
        return env->cr[reg];
    case 8:
        if (env->board && env->board->cr8_read) {
            return env->board->cr8_read(env->board_opaque);
        }
        return env->cr8;
    default:
        x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
    }
}

/* LMSW loads CR0 bits 3:0 and cannot clear PE (SDM vol. 2A, LMSW) */
void helper_lmsw(CPUX86State *env, uint32_t value)
{
    uintptr_t ra = GETPC();
    uint64_t v = (env->cr[0] & ~0xeull) | (value & 0xf);

    require_cpl0(env, ra);
    write_cr0(env, v, ra);
}

void helper_clts(CPUX86State *env)
{
    require_cpl0(env, GETPC());
    env->cr[0] &= ~(uint64_t)CR0_TS;
    x86_update_hflags(env);
}

/* ---------------------------------------------------------------- debug registers */

/* DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD (SDM vol. 3A, 17.2.2) */
static uint32_t dr_index(CPUX86State *env, uint32_t reg, uintptr_t ra)
{
    require_cpl0(env, ra);
    if (reg == 4 || reg == 5) {
        if (env->cr[4] & CR4_DE) {
            x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
        }
        reg += 2;
    }
    if (reg > 7) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
    }
    return reg;
}

void helper_set_dr(CPUX86State *env, uint32_t reg, uint64_t value)
{
    uintptr_t ra = GETPC();

    reg = dr_index(env, reg, ra);
    if (reg >= 6 && (value >> 32)) {
        gp0(env, ra);
    }
    if (reg == 6) {
        value = (value & 0xe00f) | 0xffff0ff0;
    } else if (reg == 7) {
        value = (value & ~0xd000ull) | 0x400;
    }
    env->dr[reg] = value;
}

uint64_t helper_get_dr(CPUX86State *env, uint32_t reg)
{
    return env->dr[dr_index(env, reg, GETPC())];
}

/* ---------------------------------------------------------------- TSC and MSRs */

/* the steady TSC: machine clock in ns scaled to X86_TSC_HZ, plus the offset */
static uint64_t read_tsc(CPUX86State *env)
{
    int64_t ns;

    if (env->board && env->board->clock_ns) {
        ns = env->board->clock_ns(env->board_opaque);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    return (uint64_t)((unsigned __int128)(uint64_t)ns * X86_TSC_HZ / 1000000000u) +
           env->tsc_offset;
}

/* RDTSC in system mode (helper_rdtsc calls this when HF_SYSTEM) */
uint64_t x86_read_tsc(CPUX86State *env, uintptr_t ra)
{
    if ((env->cr[4] & CR4_TSD) && cpl(env) != 0) {
        gp0(env, ra);
    }
    return read_tsc(env);
}

#define MSR_TSC             0x10
#define MSR_APIC_BASE       0x1b
#define MSR_SPEC_CTRL       0x48
#define MSR_PRED_CMD        0x49
#define MSR_UCODE_REV       0x8b
#define MSR_MTRRCAP         0xfe
#define MSR_ARCH_CAP        0x10a
#define MSR_SYSENTER_CS     0x174
#define MSR_SYSENTER_ESP    0x175
#define MSR_SYSENTER_EIP    0x176
#define MSR_MISC_ENABLE     0x1a0
#define MSR_MTRR_VAR        0x200      /* 0x200..0x20f base/mask pairs */
#define MSR_PAT             0x277
#define MSR_XSS             0xda0      /* IA32_XSS (SDM vol. 1, 13.3) */
/* AMD family 10h-17h BKDG: legacy performance counters, SYSCFG, HWCR */
#define MSR_AMD_PERF_BASE   0xc0010000
#define MSR_AMD_SYSCFG      0xc0010010
#define MSR_AMD_HWCR        0xc0010015
#define MSR_AMD_INT_PENDING 0xc0010055   /* interrupt pending message: no C1E */
#define MSR_MTRR_DEF_TYPE   0x2ff
#define MSR_EFER            0xc0000080u
#define MSR_STAR            0xc0000081u
#define MSR_LSTAR           0xc0000082u
#define MSR_CSTAR           0xc0000083u
#define MSR_FMASK           0xc0000084u
#define MSR_FS_BASE         0xc0000100u
#define MSR_GS_BASE         0xc0000101u
#define MSR_KERNEL_GS_BASE  0xc0000102u
#define MSR_TSC_AUX         0xc0000103u

/* IA32_ARCH_CAPABILITIES: RDCL_NO, SKIP_L1DFL_VMENTRY, SSB_NO, MDS_NO,
 * PSCHANGE_MC_NO, TAA_NO: an emulator has none of these side channels */
#define ARCH_CAP_VALUE 0x179ull
/* MTRRcap: 8 variable ranges, fixed ranges, write-combining (SDM vol. 3A, 11.11.1) */
#define MTRRCAP_VALUE 0x508ull

/* the fixed-range MTRR MSRs in mtrr_fixed[] order (SDM vol. 3A, table 11-9) */
static const uint32_t mtrr_fixed_msrs[11] = {
    0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
};

/* the MSRs of the AMD vendor exist only on a model that reports it */
static bool amd_vendor(const CPUX86State *env)
{
    return env->model && !memcmp(env->model->vendor, "AuthenticAMD", 12);
}

static uint64_t *msr_slot(CPUX86State *env, uint32_t msr)
{
    switch (msr) {
    case MSR_SYSENTER_CS: return &env->sysenter_cs;
    case MSR_SYSENTER_ESP: return &env->sysenter_esp;
    case MSR_SYSENTER_EIP: return &env->sysenter_eip;
    case MSR_STAR: return &env->star;
    case MSR_LSTAR: return &env->lstar;
    case MSR_CSTAR: return &env->cstar;
    case MSR_FMASK: return &env->fmask;
    case MSR_FS_BASE: return &env->segs[R_FS].base;
    case MSR_GS_BASE: return &env->segs[R_GS].base;
    case MSR_KERNEL_GS_BASE: return &env->kernel_gs_base;
    case MSR_TSC_AUX: return &env->tsc_aux;
    case MSR_PAT: return &env->pat;
    case MSR_MISC_ENABLE: return &env->misc_enable;
    case MSR_SPEC_CTRL: return &env->spec_ctrl;
    case MSR_MTRR_DEF_TYPE: return &env->mtrr_cap_def_type;
    default:
        break;
    }
    if (msr >= MSR_MTRR_VAR && msr < MSR_MTRR_VAR + 16) {
        return &env->mtrr_var[msr - MSR_MTRR_VAR];
    }
    if (amd_vendor(env) && msr >= MSR_AMD_PERF_BASE && msr < MSR_AMD_PERF_BASE + 8) {
        return &env->amd_perf[msr - MSR_AMD_PERF_BASE];
    }
    if (amd_vendor(env) && msr == MSR_AMD_HWCR) {
        return &env->amd_hwcr;
    }
    for (unsigned i = 0; i < 11; i++) {
        if (mtrr_fixed_msrs[i] == msr) {
            return &env->mtrr_fixed[i];
        }
    }
    return NULL;
}

/* MSR read: false when the MSR does not exist (#GP) */
static bool read_msr(CPUX86State *env, uint32_t msr, uint64_t *v)
{
    uint64_t *slot = msr_slot(env, msr);

    if (slot) {
        *v = *slot;
        return true;
    }
    switch (msr) {
    case MSR_TSC: *v = read_tsc(env); return true;
    case MSR_EFER: *v = env->efer; return true;
    case MSR_UCODE_REV: *v = 0; return true;
    case MSR_MTRRCAP: *v = MTRRCAP_VALUE; return true;
    case MSR_ARCH_CAP: *v = ARCH_CAP_VALUE; return true;
    case MSR_XSS: *v = 0; return x86_has_xsaves(env);
    default:
        break;
    }
    if (amd_vendor(env) && (msr == MSR_AMD_SYSCFG || msr == MSR_AMD_INT_PENDING)) {
        *v = 0;                 /* SYSCFG: no fixed-MTRR DRAM bits, no TOM2, no SME */
        return true;
    }
    return env->board && env->board->rdmsr && env->board->rdmsr(env->board_opaque, msr, v);
}

static bool write_efer(CPUX86State *env, uint64_t v)
{
    const uint64_t valid = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;

    if ((v & ~valid) || (((v ^ env->efer) & EFER_LME) && (env->cr[0] & CR0_PG))) {
        return false;
    }
    v = (v & ~(uint64_t)EFER_LMA) | (env->efer & EFER_LMA);   /* LMA is read-only */
    if ((v ^ env->efer) & EFER_NXE) {
        tlb_flush(env->exec);
    }
    env->efer = v;
    x86_update_hflags(env);
    return true;
}

/* MSR write: false for a missing MSR or an invalid value (#GP) */
static bool write_msr(CPUX86State *env, uint32_t msr, uint64_t v)
{
    uint64_t *slot;

    switch (msr) {
    case MSR_TSC:
        env->tsc_offset = v - (read_tsc(env) - env->tsc_offset);
        return true;
    case MSR_EFER:
        return write_efer(env, v);
    case MSR_UCODE_REV: case MSR_PRED_CMD:
        return true;
    case MSR_XSS:
        /* no supervisor state component: any bit set is reserved */
        return x86_has_xsaves(env) && v == 0;
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
    case MSR_LSTAR: case MSR_CSTAR: case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP:
        if (!canonical(v)) {
            return false;
        }
        break;
    case MSR_TSC_AUX:
        if (v >> 32) {
            return false;
        }
        break;
    case MSR_MISC_ENABLE:
        v = (v & ~1ull) | 1;     /* fast strings stays on */
        break;
    default:
        break;
    }
    slot = msr_slot(env, msr);
    if (slot) {
        *slot = v;
        return true;
    }
    return env->board && env->board->wrmsr && env->board->wrmsr(env->board_opaque, msr, v);
}

void helper_rdmsr(CPUX86State *env)
{
    uintptr_t ra = GETPC();
    uint64_t v;

    require_cpl0(env, ra);
    if (!read_msr(env, (uint32_t)env->regs[R_ECX], &v)) {
        gp0(env, ra);
    }
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
}

void helper_wrmsr(CPUX86State *env)
{
    uintptr_t ra = GETPC();
    uint64_t v = (env->regs[R_EDX] << 32) | (uint32_t)env->regs[R_EAX];

    require_cpl0(env, ra);
    if (!write_msr(env, (uint32_t)env->regs[R_ECX], v)) {
        gp0(env, ra);
    }
}

/* RDPMC (SDM vol. 2B): at CPL 0 or with CR4.PCE; ECX names a counter. Only
 * the AMD models have counters (PerfCtr0-3, which hold what was written). */
void helper_rdpmc(CPUX86State *env)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];

    if ((cpl(env) != 0 && !(env->cr[4] & CR4_PCE)) || !amd_vendor(env) || index > 3) {
        gp0(env, GETPC());
    }
    env->regs[R_EAX] = (uint32_t)env->amd_perf[4 + index];
    env->regs[R_EDX] = (uint32_t)(env->amd_perf[4 + index] >> 32) & 0xffff;
}

void helper_rdtscp(CPUX86State *env)
{
    uint64_t tsc = x86_read_tsc(env, GETPC());

    env->regs[R_EAX] = (uint32_t)tsc;
    env->regs[R_EDX] = tsc >> 32;
    env->regs[R_ECX] = (uint32_t)env->tsc_aux;
}

uint64_t helper_rdpid(CPUX86State *env)
{
    return env->tsc_aux;
}

/* XGETBV/XSETBV: xsave_helper.c */

/* ---------------------------------------------------------------- CPUID */

#define CPUID_SYS_EDX 0x0789bb7du   /* FPU DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV
                                       PAT CLFSH MMX FXSR SSE SSE2 */
#define CPUID_EXT2_SYS 0x2c100800u  /* SYSCALL NX PDPE1GB RDTSCP LM */

/* CPUID in system mode; false for leaves the user-mode answer covers */
static uint32_t cpu_cores(const CPUX86State *env) { return env->nr_cores ? env->nr_cores : 1; }
static uint32_t cpu_threads(const CPUX86State *env) { return env->nr_threads ? env->nr_threads : 1; }

/* bits of the APIC ID that number n things (SDM vol. 3A, 8.9.1) */
static uint32_t id_bits(uint32_t n)
{
    return n <= 1 ? 0 : 32 - __builtin_clz(n - 1);
}

/* CPUID leaf 0xB, extended topology (SDM vol. 2A, CPUID; vol. 3A, 8.9.2):
 * level 0 SMT, level 1 core; EAX the shift to the next level's ID, EBX the
 * logical processors at this level, ECX level | type << 8, EDX x2APIC ID. */
static void cpuid_topology(const CPUX86State *env, uint32_t sub, uint32_t out[4])
{
    uint32_t t = cpu_threads(env), c = cpu_cores(env);
    out[3] = env->apic_id;
    out[2] = sub & 0xff;
    if (sub == 0) {
        out[0] = id_bits(t);
        out[1] = t;
        out[2] |= 1u << 8;
    } else if (sub == 1) {
        out[0] = id_bits(t) + id_bits(c);
        out[1] = t * c;
        out[2] |= 2u << 8;
    }
}

bool x86_cpuid_system(CPUX86State *env, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(uint32_t));
    switch (leaf) {
    case 1: {
        /* EBX: initial APIC ID in 31:24, logical processors per package in
         * 23:16 with EDX.HTT when more than one (0 otherwise, as QEMU),
         * CLFLUSH 8 * 8 bytes */
        uint32_t per_pkg = cpu_cores(env) * cpu_threads(env);
        out[0] = (env->model ? env->model : x86_cpu_model_find(NULL))->signature;
        out[1] = env->apic_id << 24 | (per_pkg > 1 ? per_pkg << 16 : 0) | 0x0800;
        out[2] = (1u << 0) | (1u << 9) | (1u << 13) | (1u << 23);   /* SSE3 SSSE3 CX16 POPCNT */
        out[2] |= x86_cpuid_extension_ecx(env);
        out[3] = CPUID_SYS_EDX | (per_pkg > 1 ? 1u << 28 : 0);
        return true;
    }
    case 0xb:
        cpuid_topology(env, sub, out);
        return true;
    case 7:
        out[3] = sub == 0 ? (1u << 29) : 0;  /* IA32_ARCH_CAPABILITIES */
        out[1] = sub == 0 ? x86_cpuid_leaf7_ebx(env) : 0;
        return true;
    case 0x80000000:
        out[0] = 0x80000008;
        return true;
    case 0x80000001:
        out[2] = (1u << 0) | (1u << 5);     /* LAHF_LM ABM */
        out[3] = CPUID_EXT2_SYS;
        return true;
    case 0x80000007:
        out[3] = 1u << 8;                   /* invariant TSC */
        return true;
    case 0x80000008:
        out[0] = 0x3028;                    /* 48-bit linear, 40-bit physical */
        /* AMD APM vol. 3, E.4.7: ECX[7:0] NC, logical processors per package - 1 */
        out[2] = cpu_cores(env) * cpu_threads(env) - 1;
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- HLT, I/O, tables */

void helper_pause(CPUX86State *env)
{
    if (env->board && env->board->pause) {
        env->board->pause(env->board_opaque);
    }
}

void helper_hlt(CPUX86State *env, uint32_t next_eip_addend)
{
    require_cpl0(env, GETPC());
    env->rip += next_eip_addend;
    x86_cpu_halt(env);
}

void x86_cpu_halt(CPUX86State *env)
{
    env->hflags &= ~HF_INHIBIT_IRQ;
    cpu_set_halted(env->exec, true);
    env->exec->exception_index = EXCP_HLT;
    cpu_loop_exit(env->exec);
}

/* I/O permission (SDM vol. 1, 19.5.1-2): CPL <= IOPL, else the TSS bitmap */
void helper_check_io(CPUX86State *env, uint32_t port, uint32_t size)
{
    uintptr_t ra = GETPC();
    int iopl = (env->eflags & EFL_IOPL) >> 12, type = (env->tr.flags >> DESC_TYPE_SHIFT) & 15;
    uint32_t base, bits, mask = ((1u << size) - 1) << (port & 7);

    if (!(env->cr[0] & CR0_PE) || (!(env->eflags & EFL_VM) && cpl(env) <= iopl)) {
        return;
    }
    if ((type != 9 && type != 11) || !(env->tr.flags & DESC_P) || env->tr.limit < 103) {
        gp0(env, ra);
    }
    base = cpu_ld_mmu(env->exec, env->tr.base + 0x66, MO_16 | MO_MMUIDX(MMU_KERNEL_IDX), ra);
    if (base + (port >> 3) + 1 > env->tr.limit) {
        gp0(env, ra);
    }
    bits = cpu_ld_mmu(env->exec, env->tr.base + base + (port >> 3),
                      MO_16 | MO_MMUIDX(MMU_KERNEL_IDX), ra);
    if (bits & mask) {
        gp0(env, ra);
    }
}

/* size in bytes (1, 2, 4); without a board, ports read all-ones */
uint32_t helper_in(CPUX86State *env, uint32_t port, uint32_t size)
{
    uint32_t all = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

    if (!env->board || !env->board->io_read) {
        return all;
    }
    return env->board->io_read(env->board_opaque, port & 0xffff, size) & all;
}

void helper_out(CPUX86State *env, uint32_t port, uint32_t value, uint32_t size)
{
    uint32_t all = size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

    if (env->board && env->board->io_write) {
        env->board->io_write(env->board_opaque, port & 0xffff, value & all, size);
    }
}

static void load_table_reg(CPUX86State *env, SegmentCache *t, uint64_t addr, uint32_t ot,
                           uintptr_t ra)
{
    int idx = x86_cpu_mmu_index(env);
    uint32_t limit;
    uint64_t base;

    require_cpl0(env, ra);
    limit = cpu_ld_mmu(env->exec, addr, MO_16 | MO_MMUIDX(idx), ra);
    if (env->hflags & HF_CS64) {
        base = cpu_ld_mmu(env->exec, addr + 2, MO_64 | MO_MMUIDX(idx), ra);
    } else {
        base = cpu_ld_mmu(env->exec, addr + 2, MO_32 | MO_MMUIDX(idx), ra);
        if (ot == MO_16) {
            base &= 0xffffff;
        }
    }
    t->limit = limit;
    t->base = base;
}

void helper_lgdt(CPUX86State *env, uint64_t addr, uint32_t ot)
{
    load_table_reg(env, &env->gdt, addr, ot, GETPC());
}

void helper_lidt(CPUX86State *env, uint64_t addr, uint32_t ot)
{
    load_table_reg(env, &env->idt, addr, ot, GETPC());
}

static void store_table_reg(CPUX86State *env, const SegmentCache *t, uint64_t addr,
                            uintptr_t ra)
{
    int idx = x86_cpu_mmu_index(env);

    cpu_st_mmu(env->exec, addr, t->limit & 0xffff, MO_16 | MO_MMUIDX(idx), ra);
    if (env->hflags & HF_CS64) {
        cpu_st_mmu(env->exec, addr + 2, t->base, MO_64 | MO_MMUIDX(idx), ra);
    } else {
        cpu_st_mmu(env->exec, addr + 2, (uint32_t)t->base, MO_32 | MO_MMUIDX(idx), ra);
    }
}

void helper_sgdt(CPUX86State *env, uint64_t addr)
{
    store_table_reg(env, &env->gdt, addr, GETPC());
}

void helper_sidt(CPUX86State *env, uint64_t addr)
{
    store_table_reg(env, &env->idt, addr, GETPC());
}

void helper_wbinvd(CPUX86State *env)
{
    require_cpl0(env, GETPC());
}

/* ---------------------------------------------------------------- TargetTranslateOps hooks */

bool x86_ops_tlb_fill(void *env, uint64_t vaddr, unsigned size, int access_type,
                      int mmu_idx, bool probe, uintptr_t ra)
{
    return x86_cpu_tlb_fill(env, vaddr, size, access_type, mmu_idx, probe, ra);
}

int x86_ops_code_mmu_index(void *env)
{
    return x86_cpu_mmu_index(env);
}

void x86_ops_do_interrupt(void *env)
{
    x86_cpu_do_interrupt(env);
}

bool x86_ops_exec_interrupt(void *env, int interrupt_request)
{
    return x86_cpu_exec_interrupt(env, interrupt_request);
}

/* a halted CPU wakes for an NMI, or for INTR when IF is set (SDM vol. 2A, HLT) */
bool x86_ops_has_work(void *opaque, int interrupt_request)
{
    CPUX86State *env = opaque;

    return (interrupt_request & CPU_INTERRUPT_NMI) ||
           ((interrupt_request & CPU_INTERRUPT_HARD) && (env->eflags & EFL_IF));
}

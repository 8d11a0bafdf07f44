/*
 * The XSAVE feature set (Intel SDM vol. 1, ch. 13): XCR0 and its validity
 * rules, CPUID leaf 0xD, XGETBV/XSETBV, and XSAVE, XSAVEOPT, XSAVEC, XSAVES,
 * XRSTOR and XRSTORS on the x87 (component 0), SSE (1) and AVX YMM_Hi128 (2)
 * state, in the standard and the compacted format. No supervisor state
 * component exists: IA32_XSS (misc_helper.c) is always 0, so XSAVES and
 * XRSTORS work on XCR0's components (13.11, 13.12).
 *
 * XINUSE (13.6) is computed from the state: a component is in use when it
 * differs from its initial configuration, which the SDM allows (a processor
 * "may" keep XINUSE[i] = 1 for a component in its initial configuration).
 * XSAVEOPT does not use the modified optimization (13.9 makes it optional).
 * The x87 last-instruction pointers (FOP, FIP, FCS, FDP, FDS) go as FXSAVE
 * and FXRSTOR take them (fpu_helper.c: only with an unmasked exception
 * pending, as on AMD processors), in the 64-bit form for XSAVE64/XRSTOR64.
 */
#include <string.h>
#include "target-i386/translate.h"
#include "target-i386/sse_helper.h"
#include "target-i386/xsave_helper.h"

#define FCW_INIT   0x037f     /* x87 initial configuration (13.6; FNINIT) */
#define FCW_KEPT   0x1f3f     /* FCW bits an XRSTOR loads (SDM vol. 1, 8.1.5) */
#define FCW_ONE    0x0040
#define MXCSR_INIT 0x1f80
#define FSW_TOP    0x3800u
#define FSW_ES_B   0x8080u    /* exception summary and busy */

static void put16(uint8_t *b, unsigned off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, unsigned off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint16_t get16(const uint8_t *b, unsigned off) { uint16_t v; memcpy(&v, b + off, 2); return v; }
static uint32_t get32(const uint8_t *b, unsigned off) { uint32_t v; memcpy(&v, b + off, 4); return v; }
static uint64_t get64(const uint8_t *b, unsigned off) { uint64_t v; memcpy(&v, b + off, 8); return v; }

static bool all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- XCR0, CPUID */

uint64_t x86_xcr0_supported(const CPUX86State *env)
{
    return XSTATE_X87 | XSTATE_SSE | (x86_cpu_has(env, X86_FEAT_AVX) ? XSTATE_YMM : 0);
}

bool x86_has_xsaves(const CPUX86State *env)
{
    return x86_cpu_has(env, X86_FEAT_XSAVE);
}

bool x86_osxsave(const CPUX86State *env)
{
    if (!x86_cpu_has(env, X86_FEAT_XSAVE)) {
        return false;
    }
    return (env->hflags & HF_SYSTEM) ? (env->cr[4] & CR4_OSXSAVE) != 0 : true;
}

uint64_t x86_xcr0(const CPUX86State *env)
{
    if (env->hflags & HF_SYSTEM) {
        return env->xcr0;
    }
    return x86_osxsave(env) ? x86_xcr0_supported(env) : XSTATE_X87;
}

bool x86_vex_allowed(const CPUX86State *env, uint32_t tb_flags)
{
    if (tb_flags & HF_SYSTEM) {
        return (tb_flags & HF_AVX_EN) != 0;
    }
    return x86_osxsave(env) && (x86_xcr0(env) & (XSTATE_SSE | XSTATE_YMM)) ==
                               (XSTATE_SSE | XSTATE_YMM);
}

/* bytes of an XSAVE area holding the components of mask (both formats: the
 * only extended component is YMM, at 576 in either) */
static uint32_t xsave_size(uint64_t mask)
{
    return (mask & XSTATE_YMM) ? XSAVE_MAX_SIZE : XSAVE_YMM_OFFSET;
}

/*
 * CPUID leaf 0xD (SDM vol. 2A, CPUID, table 3-8): sub-leaf 0 the supported
 * XCR0 bits and area sizes (EBX for XCR0 as it is, ECX for all supported);
 * sub-leaf 1 XSAVEOPT (bit 0), XSAVEC (bit 1) and XSAVES (bit 3), no XGETBV
 * with ECX = 1, EBX the compacted size of what XCR0 | IA32_XSS enables, and
 * ECX/EDX the IA32_XSS bits supported (none); sub-leaf 2 the YMM component's
 * size and standard-format offset.
 */
void x86_cpuid_xsave(const CPUX86State *env, uint32_t sub, uint32_t out[4])
{
    uint64_t supported = x86_xcr0_supported(env);

    memset(out, 0, 4 * sizeof(uint32_t));
    if (!x86_cpu_has(env, X86_FEAT_XSAVE)) {
        return;
    }
    switch (sub) {
    case 0:
        out[0] = (uint32_t)supported;
        out[1] = xsave_size(x86_xcr0(env));
        out[2] = xsave_size(supported);
        break;
    case 1:
        out[0] = 3 | (x86_has_xsaves(env) ? 8 : 0);
        out[1] = xsave_size(x86_xcr0(env));
        break;
    case 2:
        if (supported & XSTATE_YMM) {
            out[0] = XSAVE_YMM_SIZE;
            out[1] = XSAVE_YMM_OFFSET;
        }
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------- XGETBV, XSETBV */

/* XGETBV (SDM vol. 2C): #UD without CR4.OSXSAVE, #GP(0) for an XCR other than
 * XCR0 (ECX = 1 exists only with CPUID.(0DH,1):EAX[2], not offered) */
void helper_xgetbv(CPUX86State *env)
{
    if (!x86_osxsave(env)) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, GETPC());
    }
    if ((uint32_t)env->regs[R_ECX] != 0) {
        x86_raise_exception(env, EXCP0D_GPF, 0, GETPC());
    }
    uint64_t xcr0 = x86_xcr0(env);
    env->regs[R_EAX] = (uint32_t)xcr0;
    env->regs[R_EDX] = (uint32_t)(xcr0 >> 32);
}

/* XSETBV (SDM vol. 2C; vol. 1, 13.3): #UD without CR4.OSXSAVE, then #GP(0) at
 * CPL > 0, for ECX other than 0, for a bit the processor does not support,
 * with bit 0 (x87) clear, or with AVX (bit 2) set and SSE (bit 1) clear */
void helper_xsetbv(CPUX86State *env)
{
    uintptr_t ra = GETPC();
    uint64_t value = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);

    if (!x86_osxsave(env)) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
    }
    if ((env->hflags & HF_CPL_MASK) || !(env->hflags & HF_SYSTEM) ||
        (uint32_t)env->regs[R_ECX] != 0 || (value & ~x86_xcr0_supported(env)) ||
        !(value & XSTATE_X87) || ((value & XSTATE_YMM) && !(value & XSTATE_SSE))) {
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
    env->xcr0 = value;
    x86_update_hflags(env);       /* HF_AVX_EN; the translator ends the block */
}

/* ---------------------------------------------------------------- the components */

/* XINUSE (13.6): the initial configurations of x87, SSE and YMM state;
 * compacted adds MXCSR != 1F80H to SSE state, as XSAVEC does on the host */
static uint64_t xinuse(CPUX86State *env, bool compacted)
{
    uint64_t used = 0;
    bool x87 = env->fpuc != FCW_INIT || (env->fpus & ~FSW_TOP) || (env->fpstt & 7);
    for (int i = 0; i < 8; i++) {
        x87 |= !env->fptags[i] || !all_zero(&env->fpregs[i], 10);
    }
    used |= x87 ? XSTATE_X87 : 0;
    used |= !all_zero(env->xmm_regs, sizeof(env->xmm_regs)) ||
            (compacted && env->mxcsr != MXCSR_INIT) ? XSTATE_SSE : 0;
    used |= !all_zero(env->ymmh_regs, sizeof(env->ymmh_regs)) ? XSTATE_YMM : 0;
    return used;
}

/* registers 8-15 exist in 64-bit mode only: elsewhere their XMM and YMM
 * fields are neither written nor loaded (SDM vol. 1, 13.5.2, 13.5.3) */
static int nb_xmm(const CPUX86State *env)
{
    return (env->hflags & HF_CS64) ? 16 : 8;
}

/* x87 state: bytes 23:0 and 159:32 (13.5.1); the reserved bytes 5 and 79:10
 * of each register slot as the processor writes them */
static void save_x87(CPUX86State *env, uint8_t *img, bool w64)
{
    uint8_t tags = 0;
    memset(img, 0, 24);
    put16(img, 0, env->fpuc);
    put16(img, 2, (uint16_t)helper_fnstsw(env));
    put16(img, 6, (uint16_t)helper_fx_pointer(env, 0));
    put64(img, 8, helper_fx_pointer(env, w64 ? 3 : 1));
    put64(img, 16, helper_fx_pointer(env, w64 ? 4 : 2));
    for (int i = 0; i < 8; i++) {
        tags |= (uint8_t)(!env->fptags[i] << i);
        memset(img + 32 + 16 * i, 0, 16);
        memcpy(img + 32 + 16 * i, &env->fpregs[(env->fpstt + i) & 7], 10);
    }
    img[4] = tags;
}

static void load_x87(CPUX86State *env, const uint8_t *img, bool w64)
{
    uint16_t fsw = get16(img, 2);
    /* FCW reserved bits: 6 reads as 1, 7 and 15:13 as 0 (as the host stores them) */
    env->fpuc = (get16(img, 0) & FCW_KEPT) | FCW_ONE;
    /* FSW.ES and B follow the unmasked exception flags (SDM vol. 1, 8.1.3.5) */
    fsw &= ~FSW_ES_B;
    fsw |= (fsw & ~env->fpuc & 0x3f) ? FSW_ES_B : 0;
    env->fpus = fsw & ~FSW_TOP;
    env->fpstt = (fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        long double value = 0;
        env->fptags[i] = !((img[4] >> i) & 1);   /* abridged: bit i is physical reg i */
        memcpy(&value, img + 32 + 16 * i, 10);
        env->fpregs[(env->fpstt + i) & 7] = value;
    }
    helper_fx_load_pointers(env, get16(img, 6), get64(img, 8), get64(img, 16), w64);
}

static void init_x87(CPUX86State *env)
{
    helper_fninit(env);
    memset(env->fpregs, 0, sizeof(env->fpregs));
}

static void save_mxcsr(CPUX86State *env, uint8_t *img)
{
    put32(img, 24, env->mxcsr);
    put32(img, 28, MXCSR_WRITABLE);
}

/* ---------------------------------------------------------------- XSAVE* */

/*
 * XSAVE (13.7) writes every component of RFBM and XSTATE_BV[i] = XINUSE[i]
 * for those, keeping the other XSTATE_BV bits and the rest of the header;
 * MXCSR goes with RFBM[1] or RFBM[2]. XSAVEOPT (13.9) skips the components
 * in their initial configuration (MXCSR still written). XSAVEC (13.10) skips
 * them too, writes XSTATE_BV = XINUSE & RFBM and XCOMP_BV = RFBM | bit 63,
 * and writes MXCSR only with SSE state.
 */
void x86_xsave_image(CPUX86State *env, uint8_t *img, uint64_t rfbm, int kind)
{
    bool w64 = kind & XSAVE_W64;
    kind &= ~XSAVE_W64;
    bool compacted = kind == XSAVE_C, init_opt = kind != XSAVE_STD;
    uint64_t used = xinuse(env, compacted);
    uint64_t save = init_opt ? rfbm & used : rfbm;

    helper_sse_sync_mxcsr(env);
    if (compacted) {
        put64(img, XSAVE_HEADER_OFFSET, rfbm & used);
        put64(img, XSAVE_HEADER_OFFSET + 8, rfbm | XCOMP_BV_COMPACT);
    } else {
        uint64_t bv = get64(img, XSAVE_HEADER_OFFSET);
        put64(img, XSAVE_HEADER_OFFSET, (bv & ~rfbm) | (used & rfbm));
    }
    if (save & XSTATE_X87) {
        save_x87(env, img, w64);
    }
    if (compacted ? (save & XSTATE_SSE) : (rfbm & (XSTATE_SSE | XSTATE_YMM))) {
        save_mxcsr(env, img);
    }
    if (save & XSTATE_SSE) {
        memcpy(img + 160, env->xmm_regs, 16 * nb_xmm(env));
    }
    if (save & XSTATE_YMM) {
        memcpy(img + XSAVE_YMM_OFFSET, env->ymmh_regs, 16 * nb_xmm(env));
    }
}

/*
 * The header rules of XRSTOR (13.8.1, 13.8.2): #GP when the standard form's
 * XSTATE_BV has a bit XCR0 lacks or bytes 23:8 of the header are not zero;
 * when the compacted form's XCOMP_BV has a bit XCR0 lacks, XSTATE_BV has one
 * XCOMP_BV lacks, or bytes 63:16 are not zero; and for an MXCSR it would load
 * with a reserved bit set.
 */
static bool xrstor_header_ok(const uint8_t *img, uint64_t rfbm, uint64_t xcr0)
{
    uint64_t bv = get64(img, XSAVE_HEADER_OFFSET), comp = get64(img, XSAVE_HEADER_OFFSET + 8);
    const uint8_t *header = img + XSAVE_HEADER_OFFSET;

    if (comp & XCOMP_BV_COMPACT) {
        if ((comp & ~XCOMP_BV_COMPACT & ~xcr0) || (bv & ~(comp & ~XCOMP_BV_COMPACT)) ||
            !all_zero(header + 16, 48)) {
            return false;
        }
        return !((rfbm & bv & XSTATE_SSE) && (get32(img, 24) & ~MXCSR_WRITABLE));
    }
    if ((bv & ~xcr0) || !all_zero(header + 8, 16)) {
        return false;
    }
    return !((rfbm & (XSTATE_SSE | XSTATE_YMM)) && (get32(img, 24) & ~MXCSR_WRITABLE));
}

/*
 * XRSTOR (13.8): for each component of RFBM, load it when XSTATE_BV has it,
 * else set its initial configuration. MXCSR: the standard form loads it with
 * RFBM[1] or RFBM[2] whatever XSTATE_BV says; the compacted form only with
 * SSE state, and sets 1F80H when RFBM[1] = 1 and XSTATE_BV[1] = 0.
 */
bool x86_xrstor_image(CPUX86State *env, const uint8_t *img, uint64_t rfbm, bool w64)
{
    uint64_t bv = get64(img, XSAVE_HEADER_OFFSET);
    bool compacted = get64(img, XSAVE_HEADER_OFFSET + 8) & XCOMP_BV_COMPACT;

    if (!xrstor_header_ok(img, rfbm, x86_xcr0(env))) {
        return false;
    }
    if (rfbm & XSTATE_X87) {
        if (bv & XSTATE_X87) {
            load_x87(env, img, w64);
        } else {
            init_x87(env);
        }
    }
    if (compacted ? (rfbm & XSTATE_SSE) : (rfbm & (XSTATE_SSE | XSTATE_YMM))) {
        uint32_t mxcsr = get32(img, 24);
        helper_ldmxcsr(env, compacted && !(bv & XSTATE_SSE) ? MXCSR_INIT : mxcsr);
    }
    if (rfbm & XSTATE_SSE) {
        if (bv & XSTATE_SSE) {
            memcpy(env->xmm_regs, img + 160, 16 * nb_xmm(env));
        } else {
            memset(env->xmm_regs, 0, 16 * nb_xmm(env));
        }
    }
    if (rfbm & XSTATE_YMM) {
        if (bv & XSTATE_YMM) {
            memcpy(env->ymmh_regs, img + XSAVE_YMM_OFFSET, 16 * nb_xmm(env));
        } else {
            memset(env->ymmh_regs, 0, 16 * nb_xmm(env));
        }
    }
    return true;
}

void x86_xstate_init(CPUX86State *env)
{
    init_x87(env);
    helper_ldmxcsr(env, MXCSR_INIT);
    memset(env->xmm_regs, 0, sizeof(env->xmm_regs));
    memset(env->ymmh_regs, 0, sizeof(env->ymmh_regs));
}

/* ---------------------------------------------------------------- the instructions */

/* the faults every member checks first (SDM vol. 2C, XSAVE "Protected Mode
 * Exceptions"): #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP(0) for an area
 * not 64-byte aligned */
static uint64_t xsave_start(CPUX86State *env, uint64_t addr, uintptr_t ra)
{
    if (!x86_osxsave(env)) {
        x86_raise_exception(env, EXCP06_ILLOP, 0, ra);
    }
    if ((env->hflags & HF_SYSTEM) && (env->cr[0] & CR0_TS)) {
        x86_raise_exception(env, EXCP07_PREX, 0, ra);
    }
    if (addr & 63) {
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
    return ((uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32)) & x86_xcr0(env);
}

/* the write fault of the area comes before anything is read or written */
static void probe_area_write(CPUX86State *env, uint64_t addr, uint32_t len, uintptr_t ra)
{
    if (env->hflags & HF_SYSTEM) {
        int idx = x86_cpu_mmu_index(env);
        cpu_probe_access(env->exec, addr, 1, MMU_DATA_STORE, idx, ra);
        cpu_probe_access(env->exec, addr + len - 1, 1, MMU_DATA_STORE, idx, ra);
    } else {
        x86_guest_memory(env, addr, len, PAGE_WRITE, ra);
    }
}

/* XSAVES and XRSTORS: #GP(0) outside CPL 0 (SDM vol. 2C, XSAVES, XRSTORS) */
static void supervisor_only(CPUX86State *env, uintptr_t ra)
{
    if (!(env->hflags & HF_SYSTEM) || (env->hflags & HF_CPL_MASK)) {
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
}

/* XSAVES (13.11) saves as XSAVEC with RFBM = EDX:EAX & (XCR0 | IA32_XSS),
 * IA32_XSS being 0; the modified optimization is not used */
void helper_xsave(CPUX86State *env, uint64_t addr, uint32_t kind)
{
    uintptr_t ra = GETPC();
    uint64_t rfbm = xsave_start(env, addr, ra);

    if ((kind & ~XSAVE_W64) == XSAVE_S) {
        supervisor_only(env, ra);
        kind = XSAVE_C | (kind & XSAVE_W64);
    }
    uint32_t len = xsave_size(rfbm);
    uint8_t img[XSAVE_MAX_SIZE];

    probe_area_write(env, addr, len, ra);
    x86_guest_read(env, addr, img, len, ra);
    x86_xsave_image(env, img, rfbm, (int)kind);
    x86_guest_write(env, addr, img, len, ra);
}

void helper_xrstor(CPUX86State *env, uint64_t addr, uint32_t kind)
{
    uintptr_t ra = GETPC();
    uint64_t rfbm = xsave_start(env, addr, ra);
    uint8_t img[XSAVE_MAX_SIZE];

    if ((kind & ~XSAVE_W64) == XSAVE_RSTORS) {
        supervisor_only(env, ra);
    }
    x86_guest_read(env, addr, img, XSAVE_YMM_OFFSET, ra);
    /* XRSTORS takes only the compacted format (13.12) */
    if ((kind & ~XSAVE_W64) == XSAVE_RSTORS &&
        !(get64(img, XSAVE_HEADER_OFFSET + 8) & XCOMP_BV_COMPACT)) {
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
    if (rfbm & get64(img, XSAVE_HEADER_OFFSET) & XSTATE_YMM) {
        x86_guest_read(env, addr + XSAVE_YMM_OFFSET, img + XSAVE_YMM_OFFSET, XSAVE_YMM_SIZE, ra);
    }
    if (!x86_xrstor_image(env, img, rfbm, kind & XSAVE_W64)) {
        x86_raise_exception(env, EXCP0D_GPF, 0, ra);
    }
}

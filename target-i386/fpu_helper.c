/*
 * x87 FPU helpers (Intel SDM vol. 1, chapter 8; vol. 2A-2D instruction
 * pages). Registers are host long doubles: x86-64 hosts compute in the same
 * 80-bit extended format, so arithmetic is done natively. Exceptions set
 * their status flags; unmasked ones leave the operands (IE, ZE, DE), store
 * nothing to memory (stores) or deliver the bias-adjusted result (OE, UE on
 * a register), and FSW.ES makes the next waiting instruction take #MF
 * (SDM vol. 1, 8.5, 8.7). The operations
 * that must be exact without a host x87 go through the soft-float
 * interface of x87-soft.h: FPREM/FPREM1 (x87-rem.c), FSCALE, FXTRACT and
 * the transcendental instructions (x87-transc.c; on x86 hosts the latter
 * run the host instruction, which the tests compare it with).
 */
#include <fenv.h>
#include <math.h>
#include <string.h>
#include "target-i386/sys_helper.h"
#include "target-i386/translate.h"
#include "target-i386/xsave_helper.h"
#include "target-i386/x87-soft.h"

/* status word bits (SDM vol. 1, 8.1.3) */
#define FPUS_IE  0x0001
#define FPUS_ZE  0x0004
#define FPUS_SF  0x0040
#define FPUS_ES  0x0080
#define FPUS_C0  0x0100
#define FPUS_C1  0x0200
#define FPUS_C2  0x0400
#define FPUS_C3  0x4000
#define FPUS_CC  (FPUS_C0 | FPUS_C1 | FPUS_C2 | FPUS_C3)

static unsigned phys(const CPUX86State *env, unsigned i)
{
    return (env->fpstt + i) & 7;
}

/* register values and the portable soft-float interface (x87-soft.h) */
static X87Float to_soft(long double v)
{
    X87Float f;

    memcpy(&f.mant, &v, 8);
    memcpy(&f.se, (char *)&v + 8, 2);
    return f;
}

static long double from_soft(X87Float f)
{
    long double v = 0;

    memcpy(&v, &f.mant, 8);
    memcpy((char *)&v + 8, &f.se, 2);
    return v;
}

static void stack_fault(CPUX86State *env, bool overflow)
{
    env->fpus |= FPUS_IE | FPUS_SF;
    env->fpus = (env->fpus & ~FPUS_C1) | (overflow ? FPUS_C1 : 0);
}

/* ST(i), or the QNaN indefinite with a stack underflow when empty */
static long double st(CPUX86State *env, unsigned i)
{
    unsigned p = phys(env, i);

    if (env->fptags[p]) {
        stack_fault(env, false);
        return -NAN;
    }
    return env->fpregs[p];
}

/*
 * An unmasked invalid-operation, zero-divide or denormal exception leaves
 * the registers and TOP as they were (SDM vol. 1, 8.5: the pre-computation
 * exceptions). Such a flag set now was set by the current instruction: one
 * pending before it would have raised #MF first (translate-x87.c).
 */
#define FPUS_PRECOMP (FPUS_IE | FPUS_ZE | 0x02)     /* IE ZE DE */

static bool unmasked_precomputation(const CPUX86State *env)
{
    return (env->fpus & ~env->fpuc & FPUS_PRECOMP) != 0;
}

/* the flags of a soft-float or host operation that ran on with IE, ZE or
 * DE masked: when the guest has that one unmasked the instruction stopped
 * there, so the post-computation flags (OE UE PE) and C1 do not appear */
static uint16_t precomputation_only(const CPUX86State *env, uint16_t flags)
{
    return (flags & ~env->fpuc & FPUS_PRECOMP) ? flags & FPUS_PRECOMP : flags;
}

static void set_st(CPUX86State *env, unsigned i, long double v)
{
    unsigned p = phys(env, i);

    if (unmasked_precomputation(env)) {
        return;
    }

    env->fpregs[p] = v;
    env->fptags[p] = 0;
}

static void push(CPUX86State *env, long double v)
{
    unsigned top = (env->fpstt - 1) & 7;

    /* C1 = 0 unless the stack overflows (SDM vol. 2A, FLD, FLD1...) */
    env->fpus &= ~FPUS_C1;
    if (!env->fptags[top]) {
        stack_fault(env, true);
        v = -NAN;
    }
    if (unmasked_precomputation(env)) {
        return;
    }
    env->fpstt = top;
    env->fpregs[top] = v;
    env->fptags[top] = 0;
}

/* FPTAN, FSINCOS, FXTRACT replace ST(0) and push: with no free register
 * both become the indefinite (masked stack overflow, SDM vol. 1, 8.5.1.1) */
static bool replace_and_push_overflows(CPUX86State *env)
{
    if (env->fptags[(env->fpstt - 1) & 7]) {
        return false;
    }
    set_st(env, 0, -NAN);
    push(env, -NAN);
    return true;
}

void helper_fpop(CPUX86State *env)
{
    if (unmasked_precomputation(env)) {
        return;
    }
    env->fptags[env->fpstt & 7] = 1;
    env->fpstt = (env->fpstt + 1) & 7;
}

/*
 * Host floating-point state around one guest operation: the guest rounding
 * mode going in, the guest exception flags coming out (SDM vol. 1, 8.1.3.1).
 * `fields` names the control-word fields the operation honours: the rounding
 * control always, the precision control only for FADD/FSUB/FMUL/FDIV/FSQRT
 * and their variants (SDM vol. 1, 8.1.5.2; conversions, FRNDINT and the
 * transcendental instructions ignore it).
 * On x86 hosts long double arithmetic runs on the host x87 unit, whose
 * control and status words have the guest's layout, so the guest fields are
 * loaded into the host control word (cheaper than <fenv.h>, which also
 * switches the SSE unit): the host then rounds exactly as the guest would,
 * to 24, 53 or 64 bits with the 15-bit exponent range kept.
 */
#define FPUC_RC  0x0c00   /* rounding control (SDM vol. 1, 8.1.5.3) */
#define FPUC_PC  0x0300   /* precision control (SDM vol. 1, 8.1.5.2) */
#define FPUC_MASKS 0x003f /* IM DM ZM OM UM PM: only host_arith runs with them */
#define COMMA ,

#if defined(__x86_64__) || defined(__i386__)
/* values pinned to the x87 stack at this point of the instruction stream */
#define ORDER_BARRIER2(a, b) __asm__ volatile("" : "+t"(a), "+u"(b))
#define ORDER_BARRIER1(a) __asm__ volatile("" : "+t"(a))

/* the host control word for the guest fields (the host keeps 64-bit
 * precision and all exceptions masked outside fp_begin/fp_end) */
static uint16_t host_cw(const CPUX86State *env, uint16_t cw, unsigned fields)
{
    return (uint16_t)((cw & ~(FPUC_RC | FPUC_PC | fields)) | (FPUC_PC & ~fields) |
                      (env->fpuc & fields));
}

static int fp_begin(const CPUX86State *env, unsigned fields)
{
    uint16_t cw, want, sw;

    /* clearing the host flags is only needed when they hold one the guest
     * does not have yet (the guest flags are sticky) */
    __asm__ volatile("fnstsw %0\n\tfnstcw %1" : "=m"(sw), "=m"(cw));
    if (sw & 0x3f & ~env->fpus) {
        __asm__ volatile("fnclex");
    }
    want = host_cw(env, cw, fields);
    if (want != cw) {
        __asm__ volatile("fldcw %0" : : "m"(want));
    }
    return cw;
}

static void fp_end(CPUX86State *env, int saved, unsigned fields)
{
    uint16_t sw, cw = saved;

    __asm__ volatile("fnstsw %0" : "=m"(sw));
    if (sw & 0x80) {
        __asm__ volatile("fnclex");    /* FLDCW would take the host's #MF */
    }
    if (host_cw(env, cw, fields) != cw) {
        __asm__ volatile("fldcw %0" : : "m"(cw));
    }
    env->fpus |= sw & 0x3d;   /* IE ZE OE UE PE (host denormal flags aside) */
}

/* fp_end for host_arith, which read the status word itself: the control
 * word alone goes back */
static void fp_end_cw(CPUX86State *env, int saved, unsigned fields)
{
    uint16_t cw = saved;

    if (host_cw(env, cw, fields) != cw) {
        __asm__ volatile("fldcw %0" : : "m"(cw));
    }
}
#else
#define ORDER_BARRIER2(a, b) __asm__ volatile("" : "+m"(a), "+m"(b))
#define ORDER_BARRIER1(a) __asm__ volatile("" : "+m"(a))

/* rounding mode of the control word (SDM vol. 1, 8.1.5.3) */
static int host_rounding(const CPUX86State *env)
{
    static const int modes[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    return modes[(env->fpuc >> 10) & 3];
}

/* precision control is not honoured here: that needs a soft-float
 * implementation (hosts other than x86) */
static int fp_begin(const CPUX86State *env, unsigned fields)
{
    int saved = fegetround();

    (void)fields;
    feclearexcept(FE_ALL_EXCEPT);
    fesetround(host_rounding(env));
    return saved;
}

static void fp_end(CPUX86State *env, int saved, unsigned fields)
{
    int raised = fetestexcept(FE_ALL_EXCEPT);

    (void)fields;
    fesetround(saved);
    env->fpus |= (raised & FE_INVALID ? FPUS_IE : 0) | (raised & FE_DIVBYZERO ? FPUS_ZE : 0) |
                 (raised & FE_OVERFLOW ? 0x08 : 0) | (raised & FE_UNDERFLOW ? 0x10 : 0) |
                 (raised & FE_INEXACT ? 0x20 : 0);
}

static void fp_end_cw(CPUX86State *env, int saved, unsigned fields)
{
    fp_end(env, saved, fields);
}
#endif

static long double from_bits(uint64_t bits, uint32_t kind)
{
    switch (kind) {
    case FP_F32: {
        float f;
        uint32_t b = bits;
        memcpy(&f, &b, 4);
        return f;
    }
    case FP_F64: {
        double d;
        memcpy(&d, &bits, 8);
        return d;
    }
    case FP_I16:
        return (int16_t)bits;
    case FP_I32:
        return (int32_t)bits;
    default:
        return (int64_t)bits;
    }
}

/* m32fp/m64fp operands of FLD and the arithmetic rows: a denormal raises
 * DE, an SNaN IE (it converts to a QNaN; SDM vol. 2A, FLD, FADD) */
static void memory_operand_flags(CPUX86State *env, uint64_t bits, uint32_t kind)
{
    if (kind == FP_F32 || kind == FP_F64) {
        unsigned frac_bits = kind == FP_F32 ? 23 : 52, exp_bits = kind == FP_F32 ? 8 : 11;
        uint64_t frac = bits & ((1ull << frac_bits) - 1);
        uint64_t exp = (bits >> frac_bits) & ((1ull << exp_bits) - 1);
        if (!exp && frac) {
            env->fpus |= 0x02;    /* DE */
        } else if (exp == (1ull << exp_bits) - 1 && frac && !(frac >> (frac_bits - 1))) {
            env->fpus |= FPUS_IE;
        }
    }
}

void helper_fld_bits(CPUX86State *env, uint64_t bits, uint32_t kind)
{
    memory_operand_flags(env, bits, kind);
    push(env, from_bits(bits, kind));
}

/* FIST/FISTP/FISTTP: out of range or NaN stores the integer indefinite
 * and reports IE alone (no PE, C1 = 0, as the hardware does) */
static uint64_t to_integer(CPUX86State *env, long double value, unsigned bits, bool truncate)
{
    long double limit = ldexpl(1.0L, bits - 1);
    volatile long double v = value, rounded;
    uint16_t before = env->fpus;
    long double r;
    int saved;

    saved = fp_begin(env, FPUC_RC);
    rounded = truncate ? truncl(v) : rintl(v);
    fp_end(env, saved, FPUC_RC);
    r = rounded;
    if (isnan(r) || r >= limit || r < -limit) {
        env->fpus = before | FPUS_IE;
        return (uint64_t)1 << (bits - 1);
    }
    if (r != v) {
        env->fpus |= 0x20;    /* PE, and C1 when rounded up in magnitude */
        env->fpus |= fabsl(r) > fabsl(v) ? FPUS_C1 : 0;
    }
    return (uint64_t)(int64_t)r;
}

/*
 * FST m32fp/m64fp with the underflow exception unmasked: whether the value
 * rounded to the destination's precision with an unbounded exponent is
 * tiny (SDM vol. 1, 4.9.1.5; unmasked, an exact tiny result signals too).
 * Scaling by 2^200 is exact in the extended format and brings the value
 * into the destination's normal range, where the host rounds it.
 */
static bool store_tiny(CPUX86State *env, long double v, uint32_t kind)
{
    long double min = kind == FP_F32 ? 0x1p-126L : 0x1p-1022L;
    volatile long double scaled = v * 0x1p200L;
    volatile long double r;
    uint16_t flags = env->fpus;
    int saved;

    if (v == 0 || isnan(v) || fabsl(v) >= min) {
        return false;
    }
    saved = fp_begin(env, FPUC_RC);
    r = kind == FP_F32 ? (long double)(float)scaled : (long double)(double)scaled;
    fp_end(env, saved, FPUC_RC);
    env->fpus = flags;
    return fabsl(r) < min * 0x1p200L;
}

/* the conversion of FST/FSTP m32fp/m64fp under the guest rounding control */
static uint64_t to_float_bits(CPUX86State *env, volatile long double *in, uint32_t kind,
                              long double *stored)
{
    uint64_t bits;
    int saved = fp_begin(env, FPUC_RC);

    if (kind == FP_F32) {
        volatile float f = (float)*in;
        float copy;
        uint32_t b;
        fp_end(env, saved, FPUC_RC);
        copy = f;
        memcpy(&b, &copy, 4);
        *stored = copy;
        return b;
    }
    volatile double d = (double)*in;
    double copy;
    fp_end(env, saved, FPUC_RC);
    copy = d;
    memcpy(&bits, &copy, 8);
    *stored = copy;
    return bits;
}

/*
 * FST/FSTP/FIST/FISTP/FISTTP to memory: the value to store. An unmasked
 * invalid operation, overflow or underflow stores nothing and leaves the
 * stack as it was (SDM vol. 1, 4.9.2, 8.5.4, 8.5.5: for a memory
 * destination the handler sees the unchanged source); overflow and
 * underflow then report their flag alone. The caller (translate-x87.c)
 * skips the store when it finds one of those flags set and unmasked.
 */
uint64_t helper_fst_bits(CPUX86State *env, uint32_t kind, uint32_t pop)
{
    /* volatile keeps the conversions between the rounding-mode switches */
    volatile long double v = st(env, 0);
    uint64_t bits;
    long double stored = v;
    uint16_t before;

    /* C1: the value was rounded up in magnitude (SDM vol. 1, 8.1.3.3) */
    env->fpus &= ~FPUS_C1;
    before = env->fpus;

    switch (kind) {
    case FP_F32: case FP_F64:
        bits = to_float_bits(env, &v, kind, &stored);
        if ((env->fpus & 0x08) && !(env->fpuc & 0x08)) {
            env->fpus = before | 0x08;     /* unmasked overflow */
            return bits;
        }
        if (!(env->fpuc & 0x10) && store_tiny(env, v, kind)) {
            env->fpus = before | 0x10;     /* unmasked underflow */
            return bits;
        }
        break;
    case FP_I16: case FP_I16_TRUNC:
        bits = to_integer(env, v, 16, kind == FP_I16_TRUNC);
        break;
    case FP_I32: case FP_I32_TRUNC:
        bits = to_integer(env, v, 32, kind == FP_I32_TRUNC);
        break;
    default:
        bits = to_integer(env, v, 64, kind == FP_I64_TRUNC);
        break;
    }
    if (fabsl(stored) > fabsl(v)) {
        env->fpus |= FPUS_C1;
    }
    if (pop) {
        helper_fpop(env);
    }
    return bits;
}

void helper_fldt(CPUX86State *env, uint64_t addr)
{
    long double v = 0;

    x86_guest_read(env, addr, &v, 10, GETPC());
    push(env, v);
}

/* FSTP m80 (always pops) */
void helper_fstt(CPUX86State *env, uint64_t addr)
{
    long double v = st(env, 0);

    if (unmasked_precomputation(env)) {
        return;         /* an empty ST(0) with IE unmasked: nothing stored */
    }
    x86_guest_write(env, addr, &v, 10, GETPC());
    helper_fpop(env);
}

/*
 * FBLD/FBSTP: 18-digit packed BCD (SDM vol. 1, 4.7; vol. 2A, FBLD, FBSTP):
 * bytes 0-8 hold two digits each, the less significant in the low nibble,
 * byte 0 the least significant; bit 7 of byte 9 is the sign, the rest of
 * byte 9 is ignored on load and stored as zero.
 */
#define BCD_DIGITS 18

/* FBLD: the conversion is exact (10^18 < 2^63). Digits above 9 are
 * undefined in the SDM; they are weighted like valid digits here. */
void helper_fbld(CPUX86State *env, uint64_t addr)
{
    uint8_t p[10];
    uint64_t value = 0;
    long double v;

    x86_guest_read(env, addr, p, 10, GETPC());
    for (int i = BCD_DIGITS / 2 - 1; i >= 0; i--) {
        value = value * 10 + (p[i] >> 4);
        value = value * 10 + (p[i] & 15);
    }
    v = (long double)value;
    push(env, p[9] & 0x80 ? -v : v);
}

/* FBSTP: ST(0) rounded by the rounding control (C1 when rounded up in
 * magnitude); a NaN, an infinity or a result of more than 18 digits is an
 * invalid operation whose masked response stores the packed BCD
 * indefinite (FFFF C000 0000 0000 0000) and sets IE alone (the hardware
 * reports no PE with it); unmasked, nothing is stored nor popped */
void helper_fbstp(CPUX86State *env, uint64_t addr)
{
    volatile long double in = st(env, 0), out;
    uint8_t p[10] = { 0 };
    uint16_t before = env->fpus & ~FPUS_C1;
    int saved = fp_begin(env, FPUC_RC);
    long double r;

    out = rintl(in);
    fp_end(env, saved, FPUC_RC);    /* PE when inexact, from the host */
    r = out;
    if (isnan(r) || fabsl(r) >= 1e18L) {
        env->fpus = before | FPUS_IE;
        if (unmasked_precomputation(env)) {
            return;
        }
        p[9] = p[8] = 0xff;
        p[7] = 0xc0;
    } else {
        env->fpus = (env->fpus & ~FPUS_C1) | (fabsl(r) > fabsl(in) ? FPUS_C1 : 0);
        uint64_t value = (uint64_t)fabsl(r);
        for (int i = 0; i < BCD_DIGITS / 2; i++, value /= 100) {
            p[i] = (uint8_t)(value % 10 | (value / 10 % 10) << 4);
        }
        p[9] = signbit(r) ? 0x80 : 0;    /* -0.3 stores -0 */
    }
    x86_guest_write(env, addr, p, 10, GETPC());
    helper_fpop(env);
}

/* ---------------------------------------------------------------- arithmetic */

/* IE and DE of a comparison (SDM vol. 2A, FCOM/FUCOM/FCOMI/FTST): unsupported
 * encodings and SNaNs always raise IE, QNaNs only for the signalling forms
 * (quiet: FUCOM, FUCOMI); denormals raise DE when no NaN is involved */
static void compare_flags(CPUX86State *env, long double a, long double b, bool quiet)
{
    X87Float fa = to_soft(a), fb = to_soft(b);
    int ka = x87_classify(fa), kb = x87_classify(fb);
    bool nan = ka >= X87_K_QNAN || kb >= X87_K_QNAN;

    if (ka == X87_K_INVALID || kb == X87_K_INVALID || ka == X87_K_SNAN || kb == X87_K_SNAN ||
        (nan && !quiet)) {
        env->fpus |= FPUS_IE;
    } else if (!nan && ((!(fa.se & 0x7fff) && fa.mant) || (!(fb.se & 0x7fff) && fb.mant))) {
        env->fpus |= 0x02;    /* DE */
    }
}

/* C3/C2/C0 of a comparison (SDM vol. 2A, FCOM table 3-21) */
static void compare(CPUX86State *env, long double a, long double b, bool quiet)
{
    uint16_t cc;

    compare_flags(env, a, b, quiet);
    if (unmasked_precomputation(env)) {
        return;      /* an unmasked IE or DE leaves the condition codes */
    }
    if (isunordered(a, b)) {
        cc = FPUS_C3 | FPUS_C2 | FPUS_C0;
    } else if (a > b) {
        cc = 0;
    } else if (a < b) {
        cc = FPUS_C0;
    } else {
        cc = FPUS_C3;
    }
    env->fpus = (env->fpus & ~FPUS_CC) | cc;
}

#if defined(__x86_64__) || defined(__i386__)
/* one host instruction on ST(0) = a, ST(1) = b, with the status word read
 * right after it: its C1 says whether the result was rounded up (SDM
 * vol. 1, 8.1.3.3), which no C expression reports. It runs under the guest's
 * exception masks, so an unmasked exception gets the hardware's response
 * (ST(0) kept, or the exponent-adjusted result of 8.5.4/8.5.5); an FNCLEX
 * right after (only then: it is slow) keeps the host from taking the #MF. */
#define HOST_INSN(insn) \
    __asm__ volatile(insn "\n\tfnstsw %%ax\n\ttestb $0x80, %%al\n\tjz 1f\n\tfnclex\n1:" \
                     : "=t"(r), "=u"(other), "=a"(sw) : "0"(a), "1"(b) : "cc")

static long double host_arith(unsigned op, long double a, long double b, uint16_t *flags)
{
    long double r, other;
    uint16_t sw;

    switch (op) {
    case 0: HOST_INSN("fadd %%st(1), %%st"); break;
    case 1: HOST_INSN("fmul %%st(1), %%st"); break;
    case 4: HOST_INSN("fsub %%st(1), %%st"); break;
    case 5: HOST_INSN("fsubr %%st(1), %%st"); break;
    case 6: HOST_INSN("fdiv %%st(1), %%st"); break;
    case 8: HOST_INSN("fsqrt"); break;
    case 9: HOST_INSN("frndint"); break;
    default: HOST_INSN("fdivr %%st(1), %%st"); break;
    }
    (void)other;
    *flags = sw & (FPUS_C1 | 0x3f);    /* DE too: register operands are extended */
    return r;
}
#else
/* without a host x87, C1 (rounded up) is not reported: 0, and the exception
 * masks are not honoured (the flags come from <fenv.h> in fp_end) */
static long double host_arith(unsigned op, long double a, long double b, uint16_t *flags)
{
    *flags = 0;
    switch (op) {
    case 0: return a + b;
    case 1: return a * b;
    case 4: return a - b;
    case 5: return b - a;
    case 6: return a / b;
    case 8: return sqrtl(a);
    case 9: return rintl(a);
    default: return b / a;
    }
}
#endif

/* op: ModRM reg field of D8/DC: 0 add, 1 mul, 2 com, 3 comp, 4 sub, 5 subr,
 * 6 div, 7 divr; 8 FSQRT and 9 FRNDINT of a; a is the destination operand */
static long double arith(CPUX86State *env, unsigned op, long double a, long double b)
{
    long double r;
    uint16_t flags;
    unsigned fields = (op == 9 ? FPUC_RC : FPUC_RC | FPUC_PC) | FPUC_MASKS;
    int saved = fp_begin(env, fields);

    /* the empty asm statements keep the operation between the mode switches */
    ORDER_BARRIER2(a, b);
    r = host_arith(op, a, b, &flags);
    ORDER_BARRIER1(r);
    fp_end_cw(env, saved, fields);
    env->fpus = (env->fpus & ~FPUS_C1) | flags;
    return r;
}

void helper_farith_mem(CPUX86State *env, uint32_t op, uint64_t bits, uint32_t kind)
{
    long double a = st(env, 0), b = from_bits(bits, kind);

    memory_operand_flags(env, bits, kind);
    if (unmasked_precomputation(env)) {
        return;      /* SNaN or denormal operand, unmasked: nothing more */
    }
    if (op == 2 || op == 3) {
        compare(env, a, b, false);
        if (op == 3) {
            helper_fpop(env);
        }
        return;
    }
    set_st(env, 0, arith(env, op, a, b));
}

/* D8 (to_sti = 0): ST(0) = ST(0) op ST(i); DC/DE (to_sti = 1):
 * ST(i) = ST(i) op ST(0), where the encoding swaps SUB/SUBR and DIV/DIVR */
void helper_farith_reg(CPUX86State *env, uint32_t op, uint32_t index, uint32_t to_sti)
{
    if (!to_sti) {
        set_st(env, 0, arith(env, op, st(env, 0), st(env, index)));
    } else {
        unsigned swapped = op >= 4 ? op ^ 1 : op;
        set_st(env, index, arith(env, swapped, st(env, index), st(env, 0)));
    }
}

/* FCOM; FUCOM with FCOM_QUIET in index */
void helper_fcom(CPUX86State *env, uint32_t index)
{
    compare(env, st(env, 0), st(env, index & 7), index & FCOM_QUIET);
}

/* FCOMI/FUCOMI: ZF, PF, CF (SDM vol. 2A, FCOMI table 3-23); C0, C2, C3
 * stay */
uint64_t helper_fcomi(CPUX86State *env, uint32_t index)
{
    long double a = st(env, 0), b = st(env, index & 7);

    env->fpus &= ~FPUS_C1;
    compare_flags(env, a, b, index & FCOM_QUIET);
    if (isunordered(a, b)) {
        return CC_Z | CC_P | CC_C;
    }
    return a > b ? 0 : a < b ? CC_C : CC_Z;
}

void helper_fcmov(CPUX86State *env, uint32_t index, uint64_t cond)
{
    if (cond) {
        set_st(env, 0, st(env, index));
    }
}

void helper_fld_sti(CPUX86State *env, uint32_t index)
{
    push(env, st(env, index));
}

void helper_fst_sti(CPUX86State *env, uint32_t index)
{
    env->fpus &= ~FPUS_C1;
    set_st(env, index, st(env, 0));
}

/* FXCH, FST ST(i), FCHS, FABS, FINCSTP, FDECSTP: C1 = 0 (stack faults set
 * it again in st()); SDM vol. 2A, each instruction's FPU flags */
void helper_fxch(CPUX86State *env, uint32_t index)
{
    env->fpus &= ~FPUS_C1;
    long double a = st(env, 0), b = st(env, index);

    set_st(env, 0, b);
    set_st(env, index, a);
}

void helper_ffree(CPUX86State *env, uint32_t index)
{
    env->fptags[phys(env, index)] = 1;
}

/* ---------------------------------------------------------------- D9 E0..FF */

/* C2 of FSIN/FCOS/FPTAN/FSINCOS: the operand is out of range (|x| >= 2^63),
 * the instruction leaves it in place (SDM vol. 2A, FSIN) */
static bool trig_out_of_range(X87Float x)
{
    return x87_classify(x) == X87_K_FINITE && (x.se & 0x7fff) >= 0x3fff + 63;
}

#if (defined(__x86_64__) || defined(__i386__)) && !defined(X87_PORTABLE)
/*
 * The transcendental instructions on an x86 host: the host instruction
 * under the guest rounding control, so results, C1 and the exception flags
 * match the host CPU bit for bit (the CPUs do not round these exactly: an
 * AMD family 19h host differs from correct rounding on about 3% of F2XM1,
 * FYL2X and FYL2XP1 operands). Other hosts use the portable evaluation of
 * x87-transc.c (correctly rounded; the trigonometric ones reduce by the
 * CPUs' 66-bit pi), which tests/x87 judges against the host's (an x86
 * build chooses that path with --extra-cflags=-DX87_PORTABLE; it gives the
 * masked response of an unmasked overflow or underflow). r[0] is the result
 * for ST(0) after the instruction, r[1] for ST(1) (FPTAN, FSINCOS).
 */
#define HOST_OP(insn, outputs, inputs, clobber) \
    __asm__ volatile("fnstcw %[old]\n\tfldcw %[cw]\n\tfnclex\n\t" insn "\n\t" \
                     "fnstsw %[sw]\n\tfnclex\n\tfldcw %[old]" \
                     : outputs, [old] "=m"(old), [sw] "=m"(sw) : [cw] "m"(cw), inputs clobber)

static uint16_t transcendental(CPUX86State *env, unsigned modrm, X87Float x, X87Float y,
                               X87Float r[2])
{
    long double a = from_soft(x), b = from_soft(y), r0 = 0, r1 = 0;
    /* the guest's overflow and underflow masks: unmasked, the host
     * delivers the bias-adjusted result (SDM vol. 1, 8.5.4, 8.5.5) and
     * leaves ES set, which the FNCLEX after FNSTSW clears before FLDCW */
    uint16_t sw = 0, old, cw = 0x367 | (env->fpuc & (FPUC_RC | 0x18));

    switch (modrm) {
    case 0xf0: HOST_OP("f2xm1", "=t"(r0), "0"(a), ); break;
    case 0xfe: HOST_OP("fsin", "=t"(r0), "0"(a), ); break;
    case 0xff: HOST_OP("fcos", "=t"(r0), "0"(a), ); break;
    case 0xf1: HOST_OP("fyl2x", "=t"(r0), "0"(a) COMMA "u"(b), : "st(1)"); break;
    case 0xf9: HOST_OP("fyl2xp1", "=t"(r0), "0"(a) COMMA "u"(b), : "st(1)"); break;
    case 0xf3: HOST_OP("fpatan", "=t"(r0), "0"(a) COMMA "u"(b), : "st(1)"); break;
    case 0xf2: HOST_OP("fptan", "=t"(r0) COMMA "=u"(r1), "0"(a), ); break;
    default: HOST_OP("fsincos", "=t"(r0) COMMA "=u"(r1), "0"(a), ); break;
    }
    r[0] = to_soft(r0);
    r[1] = to_soft(r1);
    return sw & (FPUS_C1 | FPUS_C2 | 0x3f);
}
#else
static uint16_t transcendental(CPUX86State *env, unsigned modrm, X87Float x, X87Float y,
                               X87Float r[2])
{
    unsigned rc = (env->fpuc >> 10) & 3;
    uint16_t flags = 0;

    switch (modrm) {
    case 0xf0: r[0] = x87_f2xm1(x, rc, &flags); return flags;
    case 0xf1: r[0] = x87_fyl2x(x, y, rc, &flags); return flags;
    case 0xf9: r[0] = x87_fyl2xp1(x, y, rc, &flags); return flags;
    case 0xf3: r[0] = x87_fpatan(x, y, rc, &flags); return flags;
    default: break;
    }
    /* x87_trig: r[0] = sin/tan, r[1] = cos/1.0; here r[0] is ST(0) */
    static const uint8_t ops[4] = { 0, 1, 3, 2 };   /* FE FF F2 FB */
    X87Float t[2];
    x87_trig(x, ops[modrm == 0xfe ? 0 : modrm == 0xff ? 1 : modrm == 0xf2 ? 2 : 3], rc, t,
             &flags);
    r[0] = modrm == 0xfe || modrm == 0xff ? t[0] : t[1];
    r[1] = t[0];
    return flags;
}
#endif

/* F2XM1, FSIN, FCOS (ST(0) = f(ST(0))); FYL2X, FYL2XP1, FPATAN
 * (ST(1) = f(ST(0), ST(1)), pop); FPTAN, FSINCOS (ST(0) = f(ST(0)), then a
 * push); C0 and C3 are undefined and left as they were */
static void transcendental_op(CPUX86State *env, unsigned modrm)
{
    bool two_in = modrm == 0xf1 || modrm == 0xf9 || modrm == 0xf3;
    bool two_out = modrm == 0xf2 || modrm == 0xfb;
    bool trig = two_out || modrm == 0xfe || modrm == 0xff;
    X87Float x = to_soft(st(env, 0)), y = two_in ? to_soft(st(env, 1)) : x;
    X87Float r[2] = { { 0, 0 }, { 0, 0 } };
    uint16_t flags;

    if (trig && trig_out_of_range(x)) {
        env->fpus = (env->fpus & ~FPUS_C1) | FPUS_C2;
        return;
    }
    if (two_out && replace_and_push_overflows(env)) {
        return;
    }
    flags = precomputation_only(env, transcendental(env, modrm, x, y, r));
    env->fpus |= flags & FPUS_PRECOMP;    /* before set_st */
    if (two_out) {
        set_st(env, 0, from_soft(r[1]));
        push(env, from_soft(r[0]));
    } else {
        set_st(env, two_in ? 1 : 0, from_soft(r[0]));
    }
    env->fpus = (env->fpus & ~(FPUS_C1 | (trig ? FPUS_C2 : 0))) | (flags & (FPUS_C1 | 0x3f)) |
                (trig ? flags & FPUS_C2 : 0);
    if (two_in) {
        helper_fpop(env);
    }
}

/* FXAM classes (SDM vol. 2A, FXAM table 3-46), from the raw encoding:
 * unsupported encodings are class 000, pseudo-denormals denormal */
static void examine(CPUX86State *env)
{
    unsigned p = phys(env, 0);
    X87Float v = to_soft(env->fpregs[p]);
    uint16_t cc = (v.se & 0x8000) ? FPUS_C1 : 0;

    if (env->fptags[p]) {
        cc |= FPUS_C3 | FPUS_C0;
    } else {
        switch (x87_classify(v)) {
        case X87_K_INVALID: break;
        case X87_K_QNAN: case X87_K_SNAN: cc |= FPUS_C0; break;
        case X87_K_INF: cc |= FPUS_C2 | FPUS_C0; break;
        case X87_K_ZERO: cc |= FPUS_C3; break;
        default: cc |= (v.se & 0x7fff) ? FPUS_C2 : FPUS_C3 | FPUS_C2; break;
        }
    }
    env->fpus = (env->fpus & ~FPUS_CC) | cc;
}

/* FPREM/FPREM1 (x87-rem.c: exact; tiny with UE unmasked, bias-adjusted) */
static void partial_remainder(CPUX86State *env, bool ieee)
{
    X87Float r;
    uint16_t mask, sw = x87_fprem(to_soft(st(env, 0)), to_soft(st(env, 1)), ieee,
                                  ~env->fpuc & X87_UE, &r, &mask);

    if (sw & ~env->fpuc & FPUS_PRECOMP) {
        env->fpus |= sw & FPUS_PRECOMP;   /* unmasked IE/DE: CC kept */
        return;
    }
    env->fpus = (env->fpus & ~mask) | (sw & (mask | 0x3f));
    set_st(env, 0, from_soft(r));
}

static void unary(CPUX86State *env, uint32_t modrm)
{
    long double x = st(env, 0);

    switch (modrm) {
    case 0xe0: set_st(env, 0, -x); env->fpus &= ~FPUS_C1; break;         /* FCHS */
    case 0xe1: set_st(env, 0, fabsl(x)); env->fpus &= ~FPUS_C1; break;   /* FABS */
    case 0xe4: compare(env, x, 0.0L, false); break;            /* FTST */
    case 0xf0: transcendental_op(env, modrm); break;           /* F2XM1 */
    case 0xfa: set_st(env, 0, arith(env, 8, x, x)); break;   /* FSQRT */
    case 0xfc: set_st(env, 0, arith(env, 9, x, x)); break;   /* FRNDINT */
    case 0xfe: case 0xff: transcendental_op(env, modrm); break;  /* FSIN, FCOS */
    default: break;
    }
}

void helper_fmisc(CPUX86State *env, uint32_t modrm)
{
    /* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (SDM vol. 2A, FLD1...) */
    static const long double constants[7] = {
        1.0L, 3.321928094887362347870319429489390175865L, 1.442695040888963407359924681001892137L,
        3.141592653589793238462643383279502884L, 0.301029995663981195213738894724493027L,
        0.693147180559945309417232121458176568L, 0.0L,
    };

    /* whether the 64-bit round-to-nearest value of each constant lies above
     * the exact one: the other rounding controls then take the neighbour
     * below (above) it (SDM vol. 1, 8.3.8: the constants honour RC) */
    static const int8_t nearest_above[7] = { 0, 0, 1, 1, 1, 1, 0 };
    if (modrm >= 0xe8 && modrm <= 0xee) {
        unsigned i = modrm - 0xe8, rc = (env->fpuc >> 10) & 3;
        X87Float c = to_soft(constants[i]);
        if (i >= 1 && i <= 5) {
            if (nearest_above[i] && (rc == 1 || rc == 3)) {
                c.mant--;
            } else if (!nearest_above[i] && rc == 2) {
                c.mant++;
            }
        }
        push(env, from_soft(c));
        return;
    }
    switch (modrm) {
    case 0xe5: examine(env); return;
    case 0xd0: return;                                          /* FNOP */
    case 0xf6: case 0xf7:                                      /* FDECSTP, FINCSTP */
        env->fpstt = (env->fpstt + (modrm == 0xf6 ? 7 : 1)) & 7;
        env->fpus &= ~FPUS_C1;
        return;
    case 0xf8: partial_remainder(env, false); return;          /* FPREM */
    case 0xf5: partial_remainder(env, true); return;           /* FPREM1 */
    case 0xf1:                                                 /* FYL2X */
    case 0xf9:                                                 /* FYL2XP1 */
        transcendental_op(env, modrm);
        return;
    case 0xf3: case 0xf2: case 0xfb:                          /* FPATAN, FPTAN, FSINCOS */
        transcendental_op(env, modrm);
        return;
    case 0xf4: {                                               /* FXTRACT */
        X87Float e, m;
        uint16_t flags = 0;
        if (replace_and_push_overflows(env)) {
            return;
        }
        x87_fxtract(to_soft(st(env, 0)), &e, &m, &flags);
        env->fpus |= precomputation_only(env, flags) & 0x3f;   /* before set_st */
        set_st(env, 0, from_soft(e));
        push(env, from_soft(m));
        return;
    }
    case 0xfd: {                                               /* FSCALE */
        uint16_t flags = 0;
        X87Float r = x87_fscale(to_soft(st(env, 0)), to_soft(st(env, 1)),
                                (env->fpuc >> 10) & 3, ~env->fpuc & (X87_OE | X87_UE),
                                &flags);
        flags = precomputation_only(env, flags);
        env->fpus = (env->fpus & ~FPUS_C1) | (flags & (X87_C1 | 0x3f));
        set_st(env, 0, from_soft(r));
        return;
    }
    default:
        unary(env, modrm);
        return;
    }
}

/* ---------------------------------------------------------------- control */

/* an exception flag whose mask bit is clear (SDM vol. 1, 8.1.3.5) */
static bool unmasked_pending(const CPUX86State *env)
{
    return (env->fpus & ~env->fpuc & 0x3f) != 0;
}

/* the status word: TOP from fpstt, ES and B from the pending exceptions
 * (B mirrors ES since the 387; the stored bits are not kept) */
uint64_t helper_fnstsw(CPUX86State *env)
{
    return (env->fpus & ~0xb880u) | (env->fpstt & 7) << 11 |
           (unmasked_pending(env) ? 0x8080u : 0);
}

/*
 * FWAIT and the waiting x87 instructions found an unmasked exception
 * pending (translate-x87.c; env->rip is the instruction): #MF with CR0.NE
 * set. With NE clear (SDM vol. 1, 8.7, D.2.1) the processor asserts FERR#,
 * which the PC routes to IRQ 13 (the board's ferr hook), and waits at the
 * instruction for an interrupt, as HLT does; the instruction runs again
 * after the handler (which clears the exception). Without the hook the
 * exception stays pending and the instruction runs.
 */
void helper_fwait(CPUX86State *env)
{
    if (!unmasked_pending(env)) {
        return;
    }
    if ((env->hflags & HF_SYSTEM) && !(env->cr[0] & CR0_NE)) {
        if (!env->board || !env->board->ferr) {
            return;
        }
        env->board->ferr(env->board_opaque);
        x86_cpu_halt(env);
    }
    x86_raise_exception(env, EXCP10_COPR, 0, GETPC());
}

void helper_fninit(CPUX86State *env)
{
    env->fpuc = 0x37f;
    env->fpus = 0;
    env->fpstt = 0;
    memset(env->fptags, 1, sizeof(env->fptags));
    env->fpip = env->fpdp = 0;       /* FNINIT clears the pointers and FOP */
    env->fpcs = env->fpds = env->fpop = 0;
}

/*
 * The pointer fields of FXSAVE and XSAVE (SDM vol. 1, table 10-2; 13.5.1):
 * field 0 FOP; 1 and 2 FIP and FDP as the 32-bit forms store them (offset
 * in bits 31:0, selector in 47:32); 3 and 4 the 64-bit forms (REX.W). An
 * AMD processor saves them only while an unmasked exception is pending
 * (FSW.ES = 1; AMD APM vol. 4, FXSAVE), zero otherwise, as this host does.
 */
uint64_t helper_fx_pointer(CPUX86State *env, uint32_t field)
{
    if (!unmasked_pending(env)) {
        return 0;
    }
    switch (field) {
    case 0: return env->fpop;
    case 1: return (uint32_t)env->fpip | (uint64_t)env->fpcs << 32;
    case 2: return (uint32_t)env->fpdp | (uint64_t)env->fpds << 32;
    case 3: return env->fpip;
    default: return env->fpdp;
    }
}

/* FXRSTOR and XRSTOR, after FCW and FSW: the pointers load only with an
 * unmasked exception pending, else they clear (AMD APM vol. 4, FXRSTOR) */
void helper_fx_load_pointers(CPUX86State *env, uint64_t fop, uint64_t fip, uint64_t fdp,
                             uint32_t w64)
{
    if (!unmasked_pending(env)) {
        fop = fip = fdp = 0;
    }
    env->fpop = fop & 0x7ff;
    env->fpip = w64 ? fip : (uint32_t)fip;
    env->fpcs = w64 ? 0 : (uint16_t)(fip >> 32);
    env->fpdp = w64 ? fdp : (uint32_t)fdp;
    env->fpds = w64 ? 0 : (uint16_t)(fdp >> 32);
}

/* the 16-bit tag word: 00 valid, 01 zero, 10 special, 11 empty */
static uint16_t full_tag_word(const CPUX86State *env)
{
    uint16_t tags = 0;

    for (int i = 0; i < 8; i++) {
        unsigned tag;
        long double v = env->fpregs[i];
        if (env->fptags[i]) {
            tag = 3;
        } else if (v == 0) {
            tag = 1;
        } else if (!isnormal(v)) {
            tag = 2;
        } else {
            tag = 0;
        }
        tags |= tag << (2 * i);
    }
    return tags;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* the pointers in the protected-mode layouts (SDM vol. 1, figures 8-9 and
 * 8-10): 32-bit FIP, FCS | FOP << 16, FDP, FDS at 12..27; 16-bit FIP, FCS,
 * FDP, FDS at 6..13 (no FOP) */
static void put_pointers(const CPUX86State *env, uint8_t *p, unsigned step)
{
    if (step == 4) {
        put16(p + 12, (uint16_t)env->fpip);
        put16(p + 14, (uint16_t)(env->fpip >> 16));
        put16(p + 16, env->fpcs);
        put16(p + 18, env->fpop & 0x7ff);
        put16(p + 20, (uint16_t)env->fpdp);
        put16(p + 22, (uint16_t)(env->fpdp >> 16));
        put16(p + 24, env->fpds);
        put16(p + 26, 0xffff);
    } else {
        put16(p + 6, (uint16_t)env->fpip);
        put16(p + 8, env->fpcs);
        put16(p + 10, (uint16_t)env->fpdp);
        put16(p + 12, env->fpds);
    }
}

static void get_pointers(CPUX86State *env, const uint8_t *p, unsigned step)
{
    if (step == 4) {
        env->fpip = get16(p + 12) | (uint32_t)get16(p + 14) << 16;
        env->fpcs = get16(p + 16);
        env->fpop = get16(p + 18) & 0x7ff;
        env->fpdp = get16(p + 20) | (uint32_t)get16(p + 22) << 16;
        env->fpds = get16(p + 24);
    } else {
        env->fpip = get16(p + 6);
        env->fpcs = get16(p + 8);
        env->fpop = 0;
        env->fpdp = get16(p + 10);
        env->fpds = get16(p + 12);
    }
}

/*
 * The pointers in the real-address and virtual-8086 mode layouts (SDM vol.
 * 1, figures 8-10 and 8-12): FIP and FDP are linear addresses (segment
 * selector * 16 + offset), FOP beside FIP's high bits. 32-bit: FIP[15:0] at
 * 12, FIP[31:16] in bits 27:12 of the dword at 16 with FOP in bits 10:0,
 * FDP[15:0] at 20, FDP[31:16] in bits 27:12 at 24. 16-bit: FIP[15:0] at 6,
 * FIP[19:16] in bits 15:12 of the word at 8 with FOP, FDP[15:0] at 10,
 * FDP[19:16] in bits 15:12 at 12.
 */
static void put_real_pointers(const CPUX86State *env, uint8_t *p, unsigned step)
{
    uint32_t fip = ((uint32_t)env->fpcs << 4) + (uint32_t)env->fpip;
    uint32_t fdp = ((uint32_t)env->fpds << 4) + (uint32_t)env->fpdp;
    uint32_t fop = env->fpop & 0x7ff;

    if (step == 4) {
        put16(p + 12, fip & 0xffff);
        put16(p + 14, 0xffff);
        put16(p + 16, (fip >> 16 & 0xf) << 12 | fop);
        put16(p + 18, fip >> 20 & 0xfff);
        put16(p + 20, fdp & 0xffff);
        put16(p + 22, 0xffff);
        put16(p + 24, (fdp >> 16 & 0xf) << 12);
        put16(p + 26, fdp >> 20 & 0xfff);
    } else {
        put16(p + 6, fip & 0xffff);
        put16(p + 8, (fip >> 16 & 0xf) << 12 | fop);
        put16(p + 10, fdp & 0xffff);
        put16(p + 12, (fdp >> 16 & 0xf) << 12);
    }
}

/* FLDENV/FRSTOR there: the linear addresses become the offsets, the
 * selectors 0 (so a real-mode store gives them back) */
static void get_real_pointers(CPUX86State *env, const uint8_t *p, unsigned step)
{
    if (step == 4) {
        uint32_t hi_ip = get16(p + 16) | (uint32_t)get16(p + 18) << 16;
        uint32_t hi_dp = get16(p + 24) | (uint32_t)get16(p + 26) << 16;
        env->fpip = get16(p + 12) | (hi_ip >> 12 & 0xffff) << 16;
        env->fpop = hi_ip & 0x7ff;
        env->fpdp = get16(p + 20) | (hi_dp >> 12 & 0xffff) << 16;
    } else {
        env->fpip = get16(p + 6) | (uint32_t)(get16(p + 8) >> 12) << 16;
        env->fpop = get16(p + 8) & 0x7ff;
        env->fpdp = get16(p + 10) | (uint32_t)(get16(p + 12) >> 12) << 16;
    }
    env->fpcs = env->fpds = 0;
}

/* real-address or virtual-8086 mode: the real layouts (FSTENV, "In
 * virtual-8086 mode, the real mode layouts are used") */
static bool real_layout(const CPUX86State *env)
{
    return (env->hflags & HF_SYSTEM) && (!(env->cr[0] & CR0_PE) || (env->eflags & EFL_VM));
}

/*
 * FNSTENV/FLDENV/FNSAVE/FRSTOR (op 0..3 in the low byte; bit 8: 16-bit
 * operand size). Protected-mode layouts of SDM vol. 1, figures 8-9/8-11,
 * real-mode ones of figures 8-10/8-12 (28 or 14 bytes), then for
 * FNSAVE/FRSTOR the eight registers ST(0)..ST(7).
 */
void helper_fenv(CPUX86State *env, uint64_t addr, uint32_t op_size)
{
    unsigned op = op_size & 0xff;
    unsigned env_size = (op_size & 0x100) ? 14 : 28, step = env_size / 7;
    unsigned len = env_size + (op >= 2 ? 80 : 0);
    uint8_t p[28 + 80];

    if (op == 0 || op == 2) {
        memset(p, 0, env_size);
        put16(p, env->fpuc);
        put16(p + step, helper_fnstsw(env));
        put16(p + 2 * step, full_tag_word(env));
        if (step == 4) {
            put16(p + 2, 0xffff);
            put16(p + 6, 0xffff);
            put16(p + 10, 0xffff);
        }
        if (real_layout(env)) {
            put_real_pointers(env, p, step);
        } else {
            put_pointers(env, p, step);
        }
        if (op == 2) {
            for (unsigned i = 0; i < 8; i++) {
                memcpy(p + env_size + 10 * i, &env->fpregs[phys(env, i)], 10);
            }
        }
        x86_guest_write(env, addr, p, len, GETPC());
        if (op == 2) {
            helper_fninit(env);
        } else {
            /* FNSTENV masks all exceptions afterwards (SDM vol. 2A, FSTENV) */
            env->fpuc |= 0x3f;
        }
        return;
    }
    x86_guest_read(env, addr, p, len, GETPC());
    env->fpuc = p[0] | p[1] << 8;
    {
        uint16_t status = p[step] | p[step + 1] << 8;
        uint16_t tags = p[2 * step] | p[2 * step + 1] << 8;
        env->fpus = status & ~0x3800u;
        env->fpstt = (status >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            env->fptags[i] = ((tags >> (2 * i)) & 3) == 3;
        }
    }
    if (real_layout(env)) {
        get_real_pointers(env, p, step);
    } else {
        get_pointers(env, p, step);
    }
    if (op == 3) {
        for (unsigned i = 0; i < 8; i++) {
            long double v = 0;
            memcpy(&v, p + env_size + 10 * i, 10);
            env->fpregs[phys(env, i)] = v;
        }
    }
}

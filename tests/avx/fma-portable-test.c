/*
 * The portable C of the FMA3 and F16C helpers (fma()/fmaf() under <fenv.h>,
 * the half-precision conversions; what hosts without those instructions run)
 * against this host's own VFMADD../VCVTPH2PS/VCVTPS2PH, which the same
 * helpers use on x86 hosts: the same random operands (NaNs, infinities,
 * denormals, +-0, values near the underflow threshold), random rounding,
 * DAZ, FTZ and, in one case out of four, unmasked exceptions (#XM: the flags
 * and the exception must agree, nothing written). Results and MXCSR compared
 * bit for bit. Prints "N passed, N failed" ("skipped: why" without the host
 * instructions).
 * Usage: fma-portable-test [COUNT]
 */
#include <setjmp.h>
#include "target-i386/avx_helper.h"
#include "target-i386/sse_helper.h"
#include "tests/avx/guest-avx2-state.h"

/* the portable objects, built with their helpers renamed */
void helper_fma_portable(CPUX86State *env, uint32_t desc, uint32_t op);
void helper_vcvtph2ps_portable(CPUX86State *env, uint32_t desc);
void helper_vcvtps2ph_portable(CPUX86State *env, uint32_t desc);

static jmp_buf raise_target;

void x86_raise_exception(CPUX86State *env, int intno, int error_code, uintptr_t host_pc)
{
    (void)env, (void)error_code, (void)host_pc;
    longjmp(raise_target, intno);
}

typedef void Call(CPUX86State *env, uint32_t desc, uint32_t op);

static void call_fma_host(CPUX86State *env, uint32_t desc, uint32_t op)
{
    helper_fma(env, desc, op);
}

static void call_fma_soft(CPUX86State *env, uint32_t desc, uint32_t op)
{
    helper_fma_portable(env, desc, op);
}

static void call_f16c_host(CPUX86State *env, uint32_t desc, uint32_t op)
{
    (op ? helper_vcvtps2ph : helper_vcvtph2ps)(env, desc);
}

static void call_f16c_soft(CPUX86State *env, uint32_t desc, uint32_t op)
{
    (op ? helper_vcvtps2ph_portable : helper_vcvtph2ps_portable)(env, desc);
}

/* runs call on env; the exception number (0: none) */
static int run(Call *call, CPUX86State *env, uint32_t desc, uint32_t op)
{
    volatile int raised = setjmp(raise_target);
    if (!raised) {
        call(env, desc, op);
    }
    return raised;
}

static const char *const kinds[] = { "madd", "msub", "nmadd", "nmsub", "maddsub", "msubadd" };

int main(int argc, char **argv)
{
    if (!__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c")) {
        printf("skipped: this host has no FMA or F16C instructions to compare with\n");
        return 0;
    }
    unsigned count = argc > 1 ? (unsigned)atoi(argv[1]) : 20000, passed = 0, failed = 0;
    static CPUX86State base, host, soft;
    random_state = 12345;
    for (unsigned n = 0; n < count; n++) {
        for (int r = 0; r < 3; r++) {
            for (int q = 0; q < 4; q++) {
                base.xmm_regs[r].q[q & 1] = q < 2 ? random_quad() : base.xmm_regs[r].q[q & 1];
                if (q >= 2) {
                    base.ymmh_regs[r].q[q - 2] = random_quad();
                }
            }
        }
        uint64_t x = next_random();
        base.mxcsr = 0x1f80 | (uint32_t)(x & 3) << 13 | ((x & 4) ? 0x40 : 0) |
                     ((x & 8) ? 0x8000 : 0);
        if ((x & 0x30) == 0) {
            base.mxcsr &= ~((uint32_t)(x >> 8) & 0x3f) << 7;     /* unmasked exceptions */
        }
        bool f16c = (x >> 16) % 8 == 0, l = (x >> 20) & 1;
        uint32_t op, desc;
        if (f16c) {
            op = (x >> 21) & 1;
            desc = AVX_DESC(0, 1, 2, l, (x >> 24) & 7, 0);
        } else {
            unsigned kind = (unsigned)(x >> 24) % 6, scalar = kind < 4 && ((x >> 28) & 1);
            op = FMA_OP((unsigned)(x >> 32) % 3, kind, (x >> 36) & 1, scalar);
            desc = AVX_DESC(0, 1, 2, l, 0, 0);
        }
        host = base;
        soft = base;
        int e1 = run(f16c ? call_f16c_host : call_fma_host, &host, desc, op);
        int e2 = run(f16c ? call_f16c_soft : call_fma_soft, &soft, desc, op);
        bool same = e1 == e2 && host.mxcsr == soft.mxcsr &&
                    !memcmp(host.xmm_regs, soft.xmm_regs, sizeof(host.xmm_regs)) &&
                    !memcmp(host.ymmh_regs, soft.ymmh_regs, sizeof(host.ymmh_regs));
        if (same) {
            passed++;
            continue;
        }
        if (failed++ < 10) {
            printf("FAIL: %s op %s%u%s%s l=%d mxcsr %08x: exception %d/%d mxcsr %08x/%08x\n",
                   f16c ? "f16c" : "fma", f16c ? (op ? "ps2ph" : "ph2ps") : kinds[(op >> 2) & 7],
                   f16c ? (unsigned)AVX_IMM(desc) : 132 + 81 * (op & 3) - 63 * ((op & 3) == 2),
                   f16c ? "" : (op & 32) ? "pd" : "ps", (op & 64) ? " scalar" : "", l,
                   base.mxcsr, e1, e2, host.mxcsr, soft.mxcsr);
            for (int r = 0; r < 3; r++) {
                printf("  in  %d: %016llx %016llx %016llx %016llx\n", r,
                       (unsigned long long)base.ymmh_regs[r].q[1],
                       (unsigned long long)base.ymmh_regs[r].q[0],
                       (unsigned long long)base.xmm_regs[r].q[1],
                       (unsigned long long)base.xmm_regs[r].q[0]);
            }
            printf("  host 0: %016llx %016llx %016llx %016llx\n",
                   (unsigned long long)host.ymmh_regs[0].q[1], (unsigned long long)host.ymmh_regs[0].q[0],
                   (unsigned long long)host.xmm_regs[0].q[1], (unsigned long long)host.xmm_regs[0].q[0]);
            printf("  soft 0: %016llx %016llx %016llx %016llx\n",
                   (unsigned long long)soft.ymmh_regs[0].q[1], (unsigned long long)soft.ymmh_regs[0].q[0],
                   (unsigned long long)soft.xmm_regs[0].q[1], (unsigned long long)soft.xmm_regs[0].q[0]);
        }
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed != 0;
}

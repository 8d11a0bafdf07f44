/*
 * XSAVE family vs the host CPU (Intel SDM vol. 1, ch. 13): random x87, SSE and
 * AVX state loaded by XRSTOR (standard or compacted, random XSTATE_BV, so
 * components start in their initial configuration or not), a second XRSTOR
 * with a random requested-feature bitmap, then XSAVE, XSAVEOPT or XSAVEC
 * (and their REX.W forms) with another random bitmap into an area filled
 * with a random byte, and a full XSAVE of the resulting state. Both areas are
 * printed byte for byte, so untouched bytes count too. Then the headers and
 * operands XRSTOR refuses (#GP: SIGSEGV with its frame's xstate printed),
 * misaligned areas, XGETBV and CPUID leaf 0xD.
 *
 * Not compared, because the host and the model legitimately differ:
 * MXCSR_MASK (bytes 31:28; each side checks it equals its own FXSAVE's), the
 * XCR0 bits above 2 (the host enables PKRU), and in signal frames bytes
 * 463:416 (XSAVE does not write them: Linux leaves the stack's old bytes)
 * and the software bytes 511:464 (the sizes differ); FOP/FIP/FDP are kept zero in the loaded state (Quetzal
 * does not track the x87 last-instruction pointers).
 * Usage: guest-xsave SEED
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define AREA 832
static uint8_t base[AREA] __attribute__((aligned(64)));
static uint8_t img[AREA + 64] __attribute__((aligned(64)));
static uint8_t out[AREA + 64] __attribute__((aligned(64)));
static uint8_t full[AREA] __attribute__((aligned(64)));
static uint8_t clean[AREA] __attribute__((aligned(64)));
static uint32_t own_mask;
static uint64_t rng;
static sigjmp_buf fault_jmp;
static int frame_wanted;      /* the state at the fault is the test's own */

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }

/* prints the area, MXCSR_MASK shown as "mask" when it is this side's own */
static void dump(const char *what, const uint8_t *a)
{
    uint32_t m;
    memcpy(&m, a + 28, 4);
    printf("%s:", what);
    for (int i = 0; i < AREA; i++) {
        if (i >= 28 && i < 32 && m == own_mask) {
            if (i == 28) {
                printf(" mask");
            }
            continue;
        }
        printf("%s%02x", i % 32 ? "" : " ", a[i]);
    }
    printf("\n");
}

/* a random area: x87 with zero pointers, a valid MXCSR, header bv/xcomp */
static void random_area(uint8_t *a, uint64_t bv, uint64_t xcomp)
{
    for (int i = 0; i < AREA; i++) {
        a[i] = (uint8_t)next();
    }
    memset(a + 6, 0, 18);
    uint32_t mxcsr = (uint32_t)next() & 0xffff;
    memcpy(a + 24, &mxcsr, 4);
    memset(a + 512, 0, 64);
    put64(a, 512, bv);
    put64(a, 520, xcomp);
}

#ifdef __x86_64__
#define RSTOR(w) w ? "xrstor64" : "xrstor"
#else
#define RSTOR(w) "xrstor"
#endif

/* XRSTOR base (all of x87|SSE|AVX), XRSTOR img with m1, op with m2 into out,
 * XSAVE of everything into full, then the initial state back */
#define SEQUENCE(op) \
    __asm__ volatile("mov $7, %%eax; xor %%edx, %%edx; xrstor %0\n\t" \
                     "mov %5, %%eax; mov %6, %%edx; xrstor %1\n\t" \
                     "mov %7, %%eax; mov %8, %%edx; " op " %2\n\t" \
                     "mov $7, %%eax; xor %%edx, %%edx; xsave %3\n\t" \
                     "xrstor %4" \
                     : "+m"(base), "+m"(img), "+m"(out), "+m"(full), "+m"(clean) \
                     : "m"(m1lo), "m"(m1hi), "m"(m2lo), "m"(m2hi) : "eax", "edx", "memory")

static void run(int kind, uint64_t rfbm1, uint64_t rfbm2)
{
    uint32_t m1lo = (uint32_t)rfbm1, m1hi = (uint32_t)(rfbm1 >> 32);
    uint32_t m2lo = (uint32_t)rfbm2, m2hi = (uint32_t)(rfbm2 >> 32);
    switch (kind) {
    case 0: SEQUENCE("xsave"); break;
    case 1: SEQUENCE("xsaveopt"); break;
    case 2: SEQUENCE("xsavec"); break;
#ifdef __x86_64__
    case 3: SEQUENCE("xsave64"); break;
    case 4: SEQUENCE("xsaveopt64"); break;
    case 5: SEQUENCE("xsavec64"); break;
#endif
    }
}

/* one random case: the two areas printed */
static void random_case(int n)
{
#ifdef __x86_64__
    int kind = (int)(next() % 6);
#else
    int kind = (int)(next() % 3);
#endif
    random_area(base, 7, 0);
    uint64_t bv = next() & 7;
    int compact = (int)(next() & 1);
    random_area(img, bv, compact ? (bv | (next() & 7) | (1ull << 63)) : 0);
    uint64_t rfbm1 = next() & 7, rfbm2 = next() & 7;
    memset(out, (int)(uint8_t)next(), sizeof(out));
    run(kind, rfbm1, rfbm2);
    printf("case %d kind %d bv %llx compact %d rfbm %llx %llx\n", n, kind,
           (unsigned long long)bv, compact, (unsigned long long)rfbm1, (unsigned long long)rfbm2);
    dump(" saved", out);
    dump(" state", full);
}

/* --- faults: SIGSEGV (#GP) with the frame's XSAVE area printed --- */

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;
#ifndef __x86_64__
    uint16_t magic;
    memcpy(&magic, fp + 110, 2);
    printf(" fsave magic %04x", magic);
    fp += 112;                  /* struct _fpstate_32: the FXSAVE image follows */
#endif
    uint32_t magic1, xstate_size, magic2;
    uint64_t features, bv;
    memcpy(&magic1, fp + 464, 4);
    memcpy(&features, fp + 472, 8);
    memcpy(&xstate_size, fp + 480, 4);
    memcpy(&magic2, fp + xstate_size, 4);
    memcpy(&bv, fp + 512, 8);
    printf(" signal %d code %d uc_flags %lx magic %08x %08x features %llx bv %llx\n", sig,
           info->si_code, (unsigned long)uc->uc_flags & 1, magic1, magic2,
           (unsigned long long)features & 7, (unsigned long long)bv & 7);
    uint8_t area[AREA];
    if (!frame_wanted) {
        siglongjmp(fault_jmp, 1);
    }
    memcpy(area, fp, AREA);
    memset(area + 416, 0, 96);  /* XSAVE leaves 463:416 as the stack held them */
    bv &= 7;                    /* the host's XSTATE_BV also has PKRU (bit 9) */
    memcpy(area + 512, &bv, 8);
    dump(" frame", area);
    siglongjmp(fault_jmp, 1);
}

/* op on area with RFBM 7 after XRSTOR of base: "ok" and the state, or the fault */
#define FAULT_CASE(op, area) \
    __asm__ volatile("mov $7, %%eax; xor %%edx, %%edx; xrstor %0\n\t" \
                     op " %1\n\t" \
                     "xsave %2\n\t" \
                     "xrstor %3" \
                     : "+m"(base), "+m"(area), "+m"(full), "+m"(clean) :: "eax", "edx", "memory")

static void fault_case(const char *name, int op, int offset)
{
    printf("fault %s offset %d\n", name, offset);
    frame_wanted = 0;
    if (sigsetjmp(fault_jmp, 1)) {
        return;
    }
    uint8_t *a = out + offset;
    frame_wanted = 1;
    switch (op) {
    case 0: FAULT_CASE("xrstor", *(uint8_t (*)[AREA])a); break;
    case 1: FAULT_CASE("xsave", *(uint8_t (*)[AREA])a); break;
    case 2: FAULT_CASE("xsaveopt", *(uint8_t (*)[AREA])a); break;
    case 3: FAULT_CASE("xsavec", *(uint8_t (*)[AREA])a); break;
    }
    dump(" ok", full);
}

/* the header and MXCSR rules of XRSTOR (13.8.1, 13.8.2) */
static void header_cases(void)
{
    /* components no XCR0 of Linux enables: MPX (3, 4; Linux dropped it),
     * PT, PASID, CET (8, 10..12; supervisor states, IA32_XSS only) -- not
     * AVX-512's 5..7 or PKRU's 9, which a host may have in XCR0 though the
     * model does not */
    static const int foreign_bit[] = { 3, 4, 8, 10, 11, 12 };
    static const int misaligned[] = { 8, 16, 32, 48 };
    static const char *const ops[] = { "xrstor", "xsave", "xsaveopt", "xsavec" };
    random_area(base, 7, 0);
    for (int op = 0; op < 4; op++) {
        for (int i = 0; i < 4; i++) {
            random_area(out + misaligned[i], 7, 0);
            fault_case(ops[op], op, misaligned[i]);
        }
    }
    for (int round = 0; round < 6; round++) {
        uint64_t bv = next() & 7, comp = bv | (next() & 7) | (1ull << 63);
        int byte = (int)(next() % 64);
        uint32_t bad_mxcsr = (uint32_t)next() & 0xffff;
        bad_mxcsr |= 1u << (16 + 2 * (int)(next() % 8));      /* bit 16, 18, ..., 30 */
        char name[64];
        random_area(out, bv | (1ull << foreign_bit[next() % 6]), 0);
        fault_case("std-bv-unsupported", 0, 0);
        random_area(out, 1ull << 63 | bv, 0);
        fault_case("std-bv-bit63", 0, 0);
        random_area(out, bv, 0);
        out[512 + 8 + byte % 56] = (uint8_t)(1 + next() % 255);
        snprintf(name, sizeof(name), "std-header-byte-%d", 8 + byte % 56);
        fault_case(name, 0, 0);
        random_area(out, bv, 0);
        memcpy(out + 24, &bad_mxcsr, 4);
        fault_case("std-mxcsr-reserved", 0, 0);
        random_area(out, bv | 4, comp & ~(uint64_t)4);
        fault_case("compact-bv-not-in-xcomp", 0, 0);
        random_area(out, bv, comp | (1ull << foreign_bit[next() % 6]));
        fault_case("compact-xcomp-unsupported", 0, 0);
        random_area(out, bv, comp);
        out[512 + 16 + byte % 48] = (uint8_t)(1 + next() % 255);
        snprintf(name, sizeof(name), "compact-header-byte-%d", 16 + byte % 48);
        fault_case(name, 0, 0);
        random_area(out, bv, comp);
        memcpy(out + 24, &bad_mxcsr, 4);
        fault_case("compact-mxcsr-reserved", 0, 0);
        random_area(out, bv, comp);
        fault_case("compact-ok", 0, 0);
    }
}

static uint64_t xgetbv(uint32_t ecx)
{
    uint32_t a, d;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(ecx));
    return a | (uint64_t)d << 32;
}

static void xcr_and_cpuid(void)
{
    unsigned a, b, c, d, a0, b0, c0, d0;
    __cpuid(1, a, b, c, d);
    printf("cpuid 1 ecx xsave %u osxsave %u\n", c >> 26 & 1, c >> 27 & 1);
    printf("xgetbv 0: %llx (bits 2:0)\n", (unsigned long long)xgetbv(0) & 7);
    __cpuid_count(0xd, 0, a0, b0, c0, d0);
    printf("cpuid d.0 eax %x size for xcr0 >= %d: %d, max >= that: %d\n", a0 & 7, AREA,
           b0 >= AREA, c0 >= b0);
    __cpuid_count(0xd, 1, a, b, c, d);
    printf("cpuid d.1 xsaveopt %u xsavec %u compacted size >= %d: %d\n", a & 1, a >> 1 & 1,
           AREA, b >= AREA);
    __cpuid_count(0xd, 2, a, b, c, d);
    printf("cpuid d.2 ymm size %u offset %u flags %x\n", a, b, c);
    printf("xgetbv 2:\n");
    if (!sigsetjmp(fault_jmp, 1)) {
        xgetbv(2);
        printf(" no fault\n");
    }
    printf("xsetbv at CPL 3:\n");
    if (!sigsetjmp(fault_jmp, 1)) {
        __asm__ volatile("xsetbv" :: "a"(7), "d"(0), "c"(0));
        printf(" no fault\n");
    }
}

int main(int argc, char **argv)
{
    uint8_t fx[512] __attribute__((aligned(16)));
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    rng = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) + 1 : 1);
    __asm__ volatile("fxsave %0" : "=m"(fx));
    memcpy(&own_mask, fx + 28, 4);
    memset(clean, 0, sizeof(clean));
    clean[24] = 0x80;
    clean[25] = 0x1f;       /* MXCSR 1F80H; XSTATE_BV 0: everything initial */
    xcr_and_cpuid();
    for (int n = 0; n < 150; n++) {
        random_case(n);
    }
    header_cases();
    return 0;
}

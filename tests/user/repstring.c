/* REP MOVS and REP STOS of bytes, words and doublewords, which the translator
 * runs eight bytes at a time with 64- and 32-bit addressing
 * (target-i386/translate-ctl.c, gen_rep_chunks): every length to 40 elements
 * at every alignment (also with the 67 prefix in 64-bit mode), copies
 * that overlap by every distance both ways, DF = 1, and copies into a guard
 * page: the SIGSEGV handler takes rCX, rSI, rDI and the bytes written before
 * the fault, which must be the CPU's (the element-by-element result). Printed
 * values are compared with a native run (tests/check-user.sh). */
#include "flag-hash.h"

#define BUF 512
static unsigned char src[BUF], dst[BUF];

static void fill(void)
{
    for (int i = 0; i < BUF; i++) {
        src[i] = (unsigned char)(i * 7 + 3);
        dst[i] = (unsigned char)(i * 13 + 1);
    }
}

static void mix_buf(const unsigned char *p, int n)
{
    for (int i = 0; i < n; i += (int)sizeof(ulong)) {
        ulong v;
        memcpy(&v, p + i, sizeof(v));
        mix(v);
    }
}

/* one REP MOVS/STOS of size sz (1, 2, 4) with count n; rCX rSI rDI after */
static void rep(int stos, int sz, ulong n, void *d, const void *s, ulong a, int down)
{
    ulong c = n, si = (ulong)s, di = (ulong)d;
    if (down) {
        __asm__ volatile("std");
    }
#define ONE(insn) __asm__ volatile("rep " insn : "+c"(c), "+S"(si), "+D"(di) : "a"(a) : "memory")
    if (stos) {
        if (sz == 1) ONE("stosb"); else if (sz == 2) ONE("stosw"); else ONE("stosl");
    } else {
        if (sz == 1) ONE("movsb"); else if (sz == 2) ONE("movsw"); else ONE("movsl");
    }
#undef ONE
    __asm__ volatile("cld");
    mix(c);
    mix(si - (ulong)s);
    mix(di - (ulong)d);
}

#ifdef __x86_64__
/* the same with 32-bit addressing (prefix 67): ECX, ESI and EDI, whose upper
 * halves (set here) a nonzero count zeroes; the buffers are below 4 GiB in a
 * static program */
static void rep_a32(int stos, int sz, ulong n, void *d, const void *s, ulong a)
{
    ulong c = n | 1UL << 40, si = (ulong)s | 1UL << 36, di = (ulong)d | 1UL << 37;
#define ONE(insn) __asm__ volatile("addr32 rep " insn : "+c"(c), "+S"(si), "+D"(di) : "a"(a) : "memory")
    if (stos) {
        if (sz == 1) ONE("stosb"); else if (sz == 2) ONE("stosw"); else ONE("stosl");
    } else {
        if (sz == 1) ONE("movsb"); else if (sz == 2) ONE("movsw"); else ONE("movsl");
    }
#undef ONE
    mix(c);
    mix(si - (ulong)s);
    mix(di - (ulong)d);
}

static void lengths_a32(void)
{
    unsigned n = 0;
    for (int stos = 0; stos < 2; stos++) {
        for (int sz = 1; sz <= 4; sz *= 2) {
            for (int len = 0; len <= 40; len += 3) {
                for (int al = 0; al < 8; al += 3) {
                    fill();
                    rep_a32(stos, sz, (ulong)len, dst + 64 + al, src + 64 + (al * 3) % 8,
                            (ulong)0x1122334455667788ULL);
                    mix_buf(dst, BUF);
                    fill();
                    rep_a32(0, sz, (ulong)len, src + 200 + al - 4, src + 200, 0);
                    mix_buf(src, BUF);
                    n += 2;
                }
            }
        }
    }
    report("addr32 rep movs/stos", n);
}
#endif

static void lengths(void)
{
    unsigned n = 0;
    for (int stos = 0; stos < 2; stos++) {
        for (int sz = 1; sz <= 4; sz *= 2) {
            for (int len = 0; len <= 40; len++) {
                for (int al = 0; al < 8; al++) {
                    fill();
                    rep(stos, sz, (ulong)len, dst + 64 + al, src + 64 + (al * 3) % 8,
                        (ulong)0x1122334455667788ULL, 0);
                    mix_buf(dst, BUF);
                    n++;
                }
            }
        }
    }
    report("rep movs/stos lengths", n);
}

/* source and destination in one buffer, d bytes apart (both ways), and DF = 1 */
static void overlaps(void)
{
    unsigned n = 0;
    for (int sz = 1; sz <= 4; sz *= 2) {
        for (int d = -20; d <= 20; d++) {
            for (int len = 1; len <= 48; len += 5) {
                fill();
                rep(0, sz, (ulong)len, src + 200 + d, src + 200, 0, 0);
                mix_buf(src, BUF);
                fill();
                rep(0, sz, (ulong)len, src + 300 + d, src + 300, 0, 1);
                mix_buf(src, BUF);
                n += 2;
            }
        }
    }
    report("rep movs overlaps, DF=1", n);
}

#ifdef __x86_64__
#define R_CX REG_RCX
#define R_SI REG_RSI
#define R_DI REG_RDI
#else
#define R_CX REG_ECX
#define R_SI REG_ESI
#define R_DI REG_EDI
#endif

static sigjmp_buf back;
static volatile ulong at_fault[3];

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)info;
    at_fault[0] = (ulong)uc->uc_mcontext.gregs[R_CX];
    at_fault[1] = (ulong)uc->uc_mcontext.gregs[R_SI];
    at_fault[2] = (ulong)uc->uc_mcontext.gregs[R_DI];
    siglongjmp(back, 1);
}

/* one copy or fill that runs into the guard page at edge + off; the
 * destination runs into it, or (from, MOVS) the source does */
static __attribute__((noinline)) void fault_once(int stos, int sz, unsigned char *at, int from)
{
    unsigned char *volatile edge = at;
    at_fault[0] = at_fault[1] = at_fault[2] = 0;
    if (!sigsetjmp(back, 1)) {
        if (from && !stos) {
            rep(0, sz, 40, src + 8, edge, 0, 0);
        } else {
            rep(stos, sz, 40, edge, src + 8, 0xa5a5a5a5UL, 0);
        }
    }
    mix(at_fault[0]);
    mix(at_fault[1] - (ulong)(from && !stos ? edge : src + 8));
    mix(at_fault[2] - (ulong)(from && !stos ? src + 8 : edge));
}

/* copies and fills that run into a PROT_NONE page (from every offset before it) */
static void faults(void)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *m = guarded_pages(page, on_segv);
    unsigned n = 0;
    for (int stos = 0; stos < 2; stos++) {
        for (int sz = 1; sz <= 4; sz *= 2) {
            for (int off = 1; off <= 24; off++) {
                for (int from = 0; from < 2; from++) {
                    memset(m + page - 64, 0x5a, 64);
                    fill();
                    fault_once(stos, sz, m + page - off, from);
                    mix_buf(m + page - 64, 64);
                    mix_buf(src, 64);
                    n++;
                }
            }
        }
    }
    signal(SIGSEGV, SIG_DFL);
    munmap(m, 2 * page);
    report("rep movs/stos into a guard page", n);
}

int main(void)
{
    lengths();
#ifdef __x86_64__
    lengths_a32();
#endif
    overlaps();
    faults();
    return 0;
}

/*
 * Guest program for the SSE suite: the XMM state a signal handler sees when a
 * fault or a signal lands in the middle of a run of vector instructions
 * (which an emulator may keep in host registers or carry out inline).
 *
 * Part 1, synchronous: each case runs a short chain of SSE2 (and, with an
 * argument "avx", AVX/FMA3) arithmetic in inline assembly whose Nth memory
 * operand lies on a PROT_NONE page. The SIGSEGV handler prints every XMM
 * register (and the YMM upper halves when the frame has them, Linux's
 * XSAVE layout), MXCSR, the fault address relative to the buffer and which
 * instruction faulted, from the signal's ucontext (Linux ABI: uc_mcontext
 * fpregs, the FXSAVE image, SDM vol. 1, 10.5.1), then leaves with
 * siglongjmp. Operands include denormals, so the DE flag's state at the fault
 * is compared too. Native and emulated output must be equal.
 *
 * Part 2, asynchronous: a loop of integer vector additions keeps
 * xmm0..xmm5 in lock step while SIGALRM (setitimer) interrupts it; the handler
 * checks that the interrupted state is one an instruction boundary inside the
 * loop can have (the registers the loop has passed hold k + 1, the others k,
 * none else; outside the loop, e.g. between two of its PXORs, another state is
 * right: such a signal is counted but not checked) and
 * the program prints only whether every check held, so the output does not
 * depend on timing.
 */
#define _GNU_SOURCE     /* REG_RIP */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf back;
static unsigned char *area;     /* one read/write page, then a PROT_NONE page */
static long page;
static int with_avx;

/* the fault sites, labels in the assembly below */
extern char vf_sse_a[], vf_sse_b[], vf_sse_c[], vf_avx_a[], vf_avx_b[];

static const char *site_name(uintptr_t pc)
{
    static const struct { const char *name; char *at; } sites[] = {
        { "sse_a", vf_sse_a }, { "sse_b", vf_sse_b }, { "sse_c", vf_sse_c },
        { "avx_a", vf_avx_a }, { "avx_b", vf_avx_b },
    };
    for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
        if ((uintptr_t)sites[i].at == pc) {
            return sites[i].name;
        }
    }
    return "elsewhere";
}

/* the YMM upper halves of an XSAVE frame, or NULL (Linux: fpstate followed by
 * the XSAVE header; FP_XSTATE_MAGIC1 in the software-reserved bytes) */
static const uint8_t *ymm_high(const ucontext_t *uc)
{
    const uint8_t *fx = (const uint8_t *)uc->uc_mcontext.fpregs;
    uint32_t magic;
    memcpy(&magic, fx + 464, 4);
    if (magic != 0x46505853u) {
        return NULL;
    }
    uint64_t xstate_bv;
    memcpy(&xstate_bv, fx + 512, 8);
    return (xstate_bv & 4) ? fx + 576 : NULL;
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    const ucontext_t *uc = context;
    const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    (void)sig;
    printf("  fault at %s, address area+%ld\n", site_name((uintptr_t)uc->uc_mcontext.gregs[REG_RIP]),
           (long)((unsigned char *)info->si_addr - area));
    printf("  mxcsr %08x\n", fp->mxcsr);
    const uint8_t *high = with_avx ? ymm_high(uc) : NULL;
    for (int r = 0; r < 16; r++) {
        printf("  xmm%-2d %08x%08x%08x%08x", r, fp->_xmm[r].element[3], fp->_xmm[r].element[2],
               fp->_xmm[r].element[1], fp->_xmm[r].element[0]);
        if (high) {
            uint64_t h[2];
            memcpy(h, high + 16 * r, 16);
            printf(" high %016llx%016llx", (unsigned long long)h[1], (unsigned long long)h[0]);
        }
        printf("\n");
    }
    siglongjmp(back, 1);
}

/* doubles: ordinary values, denormals, a negative zero, a huge one */
static const double seeds[8] __attribute__((aligned(32))) = {
    1.5, -2.25, 4.9406564584124654e-320, -0.0, 3.0e300, 7.0, 1.0e-310, 0.125,
};
/* every register's starting value (32 bytes each), and MXCSR's (flags clear) */
static double init[16][4] __attribute__((aligned(32)));
static const unsigned mxcsr_start = 0x1f80;

static void fill_init(void)
{
    for (int r = 0; r < 16; r++) {
        for (int i = 0; i < 4; i++) {
            init[r][i] = seeds[(r * 3 + i) % 8] * (r + 1);
        }
    }
}

/* MXCSR, then every register from init: LOAD(n) loads register n */
#define START(LOAD) "ldmxcsr %[mxcsr]\n\t" LOAD(0) LOAD(1) LOAD(2) LOAD(3) LOAD(4) LOAD(5) \
    LOAD(6) LOAD(7) LOAD(8) LOAD(9) LOAD(10) LOAD(11) LOAD(12) LOAD(13) LOAD(14) LOAD(15)
#define SSE_LOAD(n) "movupd " #n "*32(%[init]), %%xmm" #n "\n\t"
#define AVX_LOAD(n) "vmovupd " #n "*32(%[init]), %%ymm" #n "\n\t"
#define ALL_XMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
    "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* which: 0 faults at the first memory operand of the chain, 1 the second,
 * 2 the store */
static void sse_chain(int which)
{
    unsigned char *ok = area + page - 64, *bad = area + page;
    unsigned char *m0 = which == 0 ? bad : ok, *m1 = which == 1 ? bad : ok + 16;
    unsigned char *m2 = which == 2 ? bad : ok + 32;
    memcpy(ok, seeds, 48);
    __asm__ volatile(
        START(SSE_LOAD)
        "mulpd %%xmm2, %%xmm1\n\t"
        "addpd %%xmm1, %%xmm3\n\t"
        "movapd %%xmm3, %%xmm4\n\t"
        "subpd %%xmm2, %%xmm4\n\t"
        ".globl vf_sse_a\nvf_sse_a:\n\t"
        "addpd (%[m0]), %%xmm1\n\t"
        "mulsd %%xmm1, %%xmm2\n\t"
        "divpd %%xmm3, %%xmm1\n\t"
        "sqrtpd %%xmm4, %%xmm5\n\t"
        ".globl vf_sse_b\nvf_sse_b:\n\t"
        "movapd (%[m1]), %%xmm6\n\t"
        "maxpd %%xmm6, %%xmm1\n\t"
        "paddq %%xmm1, %%xmm6\n\t"
        ".globl vf_sse_c\nvf_sse_c:\n\t"
        "movups %%xmm6, (%[m2])\n\t"
        : : [m0] "r"(m0), [m1] "r"(m1), [m2] "r"(m2), [init] "r"(init),
            [mxcsr] "m"(mxcsr_start)
        : ALL_XMM, "memory");
}

__attribute__((target("avx2,fma"))) static void avx_chain(int which)
{
    unsigned char *ok = area + page - 64, *bad = area + page - 16;
    unsigned char *m0 = which == 0 ? bad : ok, *m1 = which == 1 ? bad : ok + 16;
    memcpy(ok, seeds, 64);
    __asm__ volatile(
        START(AVX_LOAD)
        "vmulpd %%ymm1, %%ymm1, %%ymm2\n\t"
        "vfmadd231pd %%ymm1, %%ymm2, %%ymm3\n\t"
        "vaddpd %%xmm3, %%xmm1, %%xmm4\n\t"
        ".globl vf_avx_a\nvf_avx_a:\n\t"
        "vaddpd (%[m0]), %%ymm3, %%ymm5\n\t"
        "vfmadd213pd %%ymm5, %%ymm1, %%ymm2\n\t"
        ".globl vf_avx_b\nvf_avx_b:\n\t"
        "vmulpd (%[m1]), %%ymm2, %%ymm6\n\t"
        : : [m0] "r"(m0), [m1] "r"(m1), [init] "r"(init), [mxcsr] "m"(mxcsr_start)
        : ALL_XMM, "memory");
}

static void part1(void)
{
    struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
    sigaction(SIGSEGV, &sa, NULL);
    int cases = with_avx ? 5 : 3;
    for (volatile int c = 0; c < cases; c++) {
        printf("case %d\n", c);
        if (sigsetjmp(back, 1) == 0) {
            if (c < 3) {
                sse_chain(c);
            } else {
                avx_chain(c - 3);
            }
            printf("  no fault\n");
        }
    }
    signal(SIGSEGV, SIG_DFL);
}

static volatile sig_atomic_t ticks, checked, bad_states;

/* the lock-step loop of part 2, labels in its assembly */
extern char vf_loop_begin[], vf_loop_end[];

/* xmm0..xmm5 hold k in their low quadword, each one added 1 in turn: at any
 * instruction boundary the first j registers hold k + 1 and the rest k */
static void on_alarm(int sig, siginfo_t *info, void *context)
{
    const ucontext_t *uc = context;
    const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    (void)sig;
    (void)info;
    ticks = ticks + 1;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (pc < (uintptr_t)vf_loop_begin || pc >= (uintptr_t)vf_loop_end) {
        return;
    }
    checked = checked + 1;
    uint64_t v[6];
    for (int r = 0; r < 6; r++) {
        v[r] = (uint64_t)fp->_xmm[r].element[1] << 32 | fp->_xmm[r].element[0];
    }
    for (int r = 1; r < 6; r++) {
        if (v[r] == v[0] - 1) {
            for (int q = r; q < 6; q++) {
                if (v[q] != v[0] - 1) {
                    bad_states = bad_states + 1;
                }
            }
            break;
        }
        if (v[r] != v[0]) {
            bad_states = bad_states + 1;
            break;
        }
    }
}

/* one round of the lock-step loop (not inlined: its labels must appear once) */
static __attribute__((noinline)) void lock_step_round(void)
{
    __asm__ volatile(
        "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
        "pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
        "pcmpeqd %%xmm7, %%xmm7\n\tpsrlq $63, %%xmm7\n\t"
        "mov $100000, %%ecx\n"
        ".globl vf_loop_begin\nvf_loop_begin:\n\t"
        "paddq %%xmm7, %%xmm0\n\tpaddq %%xmm7, %%xmm1\n\tpaddq %%xmm7, %%xmm2\n\t"
        "paddq %%xmm7, %%xmm3\n\tpaddq %%xmm7, %%xmm4\n\tpaddq %%xmm7, %%xmm5\n\t"
        "dec %%ecx\n\tjnz vf_loop_begin\n"
        ".globl vf_loop_end\nvf_loop_end:\n\t"
        : : : "ecx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm7", "cc");
}

static void part2(void)
{
    struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | SA_RESTART };
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    for (int round = 0; round < 2000 && ticks < 20; round++) {
        lock_step_round();
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    printf("async: %s\n", checked == 0 ? "no signal arrived inside the loop" :
           bad_states == 0 ? "every interrupted state was an instruction boundary's" :
           "an interrupted state no instruction boundary has");
}

int main(int argc, char **argv)
{
    with_avx = argc > 1 && strcmp(argv[1], "avx") == 0;
    page = sysconf(_SC_PAGESIZE);
    area = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED || mprotect(area + page, (size_t)page, PROT_NONE) != 0) {
        perror("guest-vec-fault: mmap");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    fill_init();
    part1();
    part2();
    return 0;
}

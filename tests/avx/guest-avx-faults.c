/*
 * Guest program of check-avx: the fault rules of the AVX/AVX2/FMA3 forms
 * that the random snippets of guest-avx2 cannot show. Run natively and under
 * quetzal-x86_64 -cpu max,+avx,+avx2,+fma,+f16c: outputs must match.
 *  - VMASKMOVPS/PD, VPMASKMOVD/Q: masked-off elements on a PROT_NONE page do
 *    not fault, loads or stores (SDM vol. 2B, VMASKMOV "Operation" notes);
 *    a set one does, at its own address (si_addr).
 *  - gathers: a faulting element leaves the elements before it loaded and
 *    their mask elements cleared, the mask made all-ones/zeros (the signal
 *    frame's XMM registers); #UD when destination, mask and index overlap;
 *    67h gathers with an FS override (32-bit effective address, FS base at
 *    full width).
 *  - #UD for VEX.L=0 VPERMD/VPERMQ (VEX.W0 VPERMQ is #UD by the SDM, which
 *    the emulator follows, but runs on AMD hosts: not compared); #GP for a
 *    misaligned VMOVNTDQ.
 *  - FMA3 with invalid unmasked: SIGFPE, destination unchanged, MXCSR.IE set.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int last_signal, last_code;
static volatile uintptr_t last_addr;
static uint8_t *guard;
static uint32_t frame_xmm[16][4];
static uint32_t frame_mxcsr;

static volatile uint64_t fs_to_restore;   /* gather_fs: FS's own base while FS is moved */

static void handler(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    if (fs_to_restore) {
        long rc;
        __asm__ volatile("syscall" : "=a"(rc) : "a"(158), "D"(0x1002), "S"(fs_to_restore)
                         : "rcx", "r11", "memory");         /* ARCH_SET_FS */
        fs_to_restore = 0;
    }
    last_signal = sig;
    last_code = info->si_code;
    last_addr = (uintptr_t)info->si_addr;
    if (uc->uc_mcontext.fpregs) {
        memcpy(frame_xmm, uc->uc_mcontext.fpregs->_xmm, sizeof(frame_xmm));
        frame_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    }
    siglongjmp(env, 1);
}

static void report(const char *what)
{
    if (last_signal == SIGSEGV && last_addr == 0) {
        printf("%s: SIGSEGV at 0 (code %d)\n", what, last_code);
    } else if (last_signal == SIGSEGV) {
        printf("%s: SIGSEGV at guard%+ld\n", what, (long)(last_addr - (uintptr_t)guard));
    } else if (last_signal == SIGFPE) {
        /* si_code (FPE_FLTINV natively) is linux-user's, not compared */
        printf("%s: SIGFPE\n", what);
    } else if (last_signal) {
        printf("%s: signal %d code %d\n", what, last_signal, last_code);
    } else {
        printf("%s: no fault\n", what);
    }
}

#define TRY(what, code) \
    do { \
        last_signal = 0; \
        if (!sigsetjmp(env, 1)) { \
            code; \
        } \
        report(what); \
    } while (0)

static void print_ymm(const char *name, const uint32_t *v, int n)
{
    printf("  %s", name);
    for (int i = 0; i < n; i++) {
        printf(" %08x", v[i]);
    }
    printf("\n");
}

static void masked_moves(void)
{
    uint32_t out[8], mask_low[8] = { ~0u, ~0u, ~0u, ~0u, 0, 0, 0, 0 };
    uint32_t mask_5[8] = { ~0u, 0, 0, 0, 0, ~0u, 0, 0 }, src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint8_t *at = guard - 16;            /* elements 4-7 on the PROT_NONE page */
    memset(out, 0xee, sizeof(out));
    TRY("vmaskmovps load, masked-off elements on the guard page",
        __asm__ volatile("vmovdqu %1, %%ymm1\n\tvmaskmovps (%2), %%ymm1, %%ymm2\n\t"
                         "vmovdqu %%ymm2, %0" : "=m"(out) : "m"(mask_low), "r"(at)
                         : "xmm1", "xmm2", "memory"));
    print_ymm("result", out, 8);
    TRY("vmaskmovps load, element 5 on the guard page",
        __asm__ volatile("vmovdqu %0, %%ymm1\n\tvmaskmovps (%1), %%ymm1, %%ymm2"
                         : : "m"(mask_5), "r"(at) : "xmm1", "xmm2", "memory"));
    TRY("vpmaskmovd store, masked-off elements on the guard page",
        __asm__ volatile("vmovdqu %0, %%ymm1\n\tvmovdqu %1, %%ymm2\n\t"
                         "vpmaskmovd %%ymm2, %%ymm1, (%2)"
                         : : "m"(mask_low), "m"(src), "r"(at) : "xmm1", "xmm2", "memory"));
    print_ymm("memory", (const uint32_t *)at, 4);
    TRY("vmaskmovpd store, element 2 on the guard page",
        __asm__ volatile("vmovdqu %0, %%ymm1\n\tvmovdqu %1, %%ymm2\n\t"
                         "vmaskmovpd %%ymm2, %%ymm1, (%2)"
                         : : "m"(mask_5), "m"(src), "r"(at) : "xmm1", "xmm2", "memory"));
    uint64_t qmask[4] = { 0, 0, 0, 1ull << 63 };
    TRY("vpmaskmovq load, only element 3 (guard)",
        __asm__ volatile("vmovdqu %0, %%ymm1\n\tvpmaskmovq (%1), %%ymm1, %%ymm2"
                         : : "m"(qmask), "r"(guard - 24) : "xmm1", "xmm2", "memory"));
    uint32_t zero_mask[8] = { 0 };
    TRY("vmaskmovps load, all masked off, on the guard page",
        __asm__ volatile("vmovdqu %1, %%ymm1\n\tvmaskmovps (%2), %%ymm1, %%ymm2\n\t"
                         "vmovdqu %%ymm2, %0" : "=m"(out) : "m"(zero_mask), "r"(guard)
                         : "xmm1", "xmm2", "memory"));
    print_ymm("result", out, 8);
}

static void gathers(void)
{
    /* element 2's index points at the guard page; 0, 1, 3 inside */
    int32_t *table = (int32_t *)(guard - 64);
    for (int i = 0; i < 16; i++) {
        table[i] = 100 + i;
    }
    int32_t index[4] = { 3, 7, 16, 1 };
    uint32_t mask[4] = { 0x80000000u, 0x7fffffffu, 0xffffffffu, 0x80000001u };
    uint32_t dest[4] = { 0xd0, 0xd1, 0xd2, 0xd3 };
    memset(frame_xmm, 0, sizeof(frame_xmm));
    TRY("vpgatherdd, element 2 faults",
        __asm__ volatile("vmovdqu %0, %%xmm1\n\tvmovdqu %1, %%xmm2\n\tvmovdqu %2, %%xmm3\n\t"
                         "vpgatherdd %%xmm2, (%3,%%xmm1,4), %%xmm3"
                         : : "m"(index), "m"(mask), "m"(dest), "r"(table)
                         : "xmm1", "xmm2", "xmm3", "memory"));
    print_ymm("mask (xmm2)", frame_xmm[2], 4);
    print_ymm("dest (xmm3)", frame_xmm[3], 4);
    index[2] = 2;
    uint32_t out[4], out_mask[4];
    TRY("vpgatherdd, no fault",
        __asm__ volatile("vmovdqu %2, %%xmm1\n\tvmovdqu %3, %%xmm2\n\tvmovdqu %4, %%xmm3\n\t"
                         "vpgatherdd %%xmm2, (%5,%%xmm1,4), %%xmm3\n\t"
                         "vmovdqu %%xmm3, %0\n\tvmovdqu %%xmm2, %1"
                         : "=m"(out), "=m"(out_mask)
                         : "m"(index), "m"(mask), "m"(dest), "r"(table)
                         : "xmm1", "xmm2", "xmm3", "memory"));
    print_ymm("dest", out, 4);
    print_ymm("mask", out_mask, 4);
    /* vpgatherdd xmm1, [rax+xmm1*4], xmm2: destination = index */
    TRY("vpgatherdd with destination = index",
        __asm__ volatile(".byte 0xc4, 0xe2, 0x69, 0x90, 0x0c, 0x88" : : "a"(table) : "xmm1",
                         "memory"));
    /* vpgatherdd xmm1, [rax+xmm3*4], xmm1: destination = mask */
    TRY("vpgatherdd with destination = mask",
        __asm__ volatile(".byte 0xc4, 0xe2, 0x71, 0x90, 0x0c, 0x98" : : "a"(table) : "xmm1",
                         "memory"));
    /* a register operand instead of VSIB: vpgatherdd xmm1, xmm3(mod 3), xmm2 */
    TRY("vpgatherdd with a register operand",
        __asm__ volatile(".byte 0xc4, 0xe2, 0x69, 0x90, 0xcb" : : : "xmm1"));
}

/* 67h gathers with an FS override (SDM vol. 1, 3.3.7): the effective
 * address is cut to 32 bits, then FS's base is added at full width. FS
 * points for a moment at a page above 4 GiB (arch_prctl through a raw
 * system call, no libc meanwhile); base 0 and base FFFFFFF0H with indexes
 * 4-7 both reach FS:0-15, compared with the page's contents */
static void gather_fs(void)
{
    uint32_t low[4], wrapped[4], *page;
    uint64_t saved_fs;
    static const uint32_t idx_low[4] = { 0, 1, 2, 3 }, idx_wrap[4] = { 4, 5, 6, 7 };
    page = mmap((void *)0x500000000000ull, 4096, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page == MAP_FAILED) {
        printf("67h gather from FS: no page above 4 GiB\n");
        return;
    }
    for (int i = 0; i < 4; i++) {
        page[i] = 0x11111111u * (unsigned)(i + 1);
    }
    long rc;
    __asm__ volatile("syscall" : "=a"(rc) : "a"(158), "D"(0x1003), "S"(&saved_fs)
                     : "rcx", "r11", "memory");             /* ARCH_GET_FS */
    if (rc) {
        printf("67h gather from FS: ARCH_GET_FS failed\n");
        return;
    }
    last_signal = 0;
    fs_to_restore = saved_fs;
    if (!sigsetjmp(env, 1)) {
        __asm__ volatile("mov $158, %%eax\n\tmov $0x1002, %%edi\n\tmov %4, %%rsi\n\tsyscall\n\t"
                         "vmovdqu %2, %%xmm1\n\tvpcmpeqd %%xmm2, %%xmm2, %%xmm2\n\t"
                         "vpxor %%xmm0, %%xmm0, %%xmm0\n\txor %%eax, %%eax\n\t"
                         "vpgatherdd %%xmm2, %%fs:(%%eax, %%xmm1, 4), %%xmm0\n\tvmovdqu %%xmm0, %0\n\t"
                         "vmovdqu %3, %%xmm1\n\tvpcmpeqd %%xmm2, %%xmm2, %%xmm2\n\t"
                         "mov $0xfffffff0, %%eax\n\t"
                         "vpgatherdd %%xmm2, %%fs:(%%eax, %%xmm1, 4), %%xmm0\n\tvmovdqu %%xmm0, %1\n\t"
                         "mov $158, %%eax\n\tmov $0x1002, %%edi\n\tmov %5, %%rsi\n\tsyscall"
                         : "=m"(low), "=m"(wrapped) : "m"(idx_low), "m"(idx_wrap), "r"(page),
                           "r"(saved_fs)
                         : "rax", "rdi", "rsi", "rcx", "r11", "xmm0", "xmm1", "xmm2", "memory");
    }
    fs_to_restore = 0;
    if (last_signal) {
        printf("67h gather from FS: signal %d\n", last_signal);
        munmap(page, 4096);
        return;
    }
    printf("67h gather from FS: base 0 %s, wrapped base %s\n",
           memcmp(low, page, 16) ? "differs" : "matches",
           memcmp(wrapped, page, 16) ? "differs" : "matches");
    munmap(page, 4096);
}

static void undefined_forms(void)
{
    TRY("vpermd with VEX.L=0", __asm__ volatile(".byte 0xc4, 0xe2, 0x71, 0x36, 0xd3" : : : "xmm2"));
    TRY("vpermq with VEX.L=0", __asm__ volatile(".byte 0xc4, 0xe3, 0xf9, 0x00, 0xd1, 0x1b" : : : "xmm2"));
    TRY("vpsrlw ymm with imm8 /1 (undefined)",
        __asm__ volatile(".byte 0xc5, 0xed, 0x71, 0xc9, 0x03" : : : "xmm2"));
    TRY("vmaskmovps with a register operand",
        __asm__ volatile(".byte 0xc4, 0xe2, 0x71, 0x2c, 0xd3" : : : "xmm2"));
    static uint8_t buf[96] __attribute__((aligned(32)));
    TRY("vmovntdq to a misaligned address",
        __asm__ volatile("vmovntdq %%ymm0, (%0)" : : "r"(buf + 16) : "memory"));
}

static void fma_exception(void)
{
    uint32_t a[4] = { 0x7f800001u, 0x3f800000u, 0, 0 }, one[4] = { 0x3f800000u, 0x3f800000u, 0, 0 };
    uint32_t dest[4] = { 0x40000000u, 0x40400000u, 0x12345678u, 0 };
    unsigned csr = 0x1f80 & ~0x80u;       /* invalid unmasked */
    memset(frame_xmm, 0, sizeof(frame_xmm));
    TRY("vfmadd231ps with an SNaN, invalid unmasked",
        __asm__ volatile("vmovdqu %0, %%xmm1\n\tvmovdqu %1, %%xmm2\n\tvmovdqu %2, %%xmm3\n\t"
                         "ldmxcsr %3\n\tvfmadd231ps %%xmm1, %%xmm2, %%xmm3"
                         : : "m"(a), "m"(one), "m"(dest), "m"(csr)
                         : "xmm1", "xmm2", "xmm3", "memory"));
    print_ymm("dest (xmm3)", frame_xmm[3], 4);
    printf("  mxcsr %08x\n", frame_mxcsr);
    unsigned reset = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(reset));
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    long page = sysconf(_SC_PAGESIZE);
    uint8_t *area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    if (area == MAP_FAILED) {
        return 1;
    }
    guard = area + page;
    mprotect(guard, page, PROT_NONE);
    setvbuf(stdout, NULL, _IONBF, 0);
    masked_moves();
    gathers();
    gather_fs();
    undefined_forms();
    fma_exception();
    return 0;
}

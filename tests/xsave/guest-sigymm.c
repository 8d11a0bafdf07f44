/*
 * YMM registers across a signal handler, as Linux handles them
 * (arch/x86/kernel/fpu/signal.c): the handler starts with the initial FPU
 * state, finds the interrupted YMM registers in its frame's XSAVE area (the
 * offset CPUID.(0DH,2):EBX gives), and sigreturn restores what the frame then
 * holds. Three rounds: the handler changes register 3 in the frame; clears
 * XSTATE_BV's AVX bit (the upper halves come back zero); spoils the first
 * magic word (only the FXSAVE part is restored). Output compared with native.
 */
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef __x86_64__
#define NREG 16
#define FSAVE_HEADER 0
#else
#define NREG 8
#define FSAVE_HEADER 112        /* struct _fpstate_32 starts with the FSAVE part */
#endif

static uint8_t before[16][32], after[16][32], live[16][32], junk[16][32];
static int round_number;
static unsigned ymm_offset;

#define R8(op, base) op " " base "+0(%0)\n\t" op " " base "+32(%0)\n\t"
#define LOAD(i, p) "vmovdqu " #i "*32(%" p "), %%ymm" #i "\n\t"
#define STORE(i, p) "vmovdqu %%ymm" #i ", " #i "*32(%" p ")\n\t"
#ifdef __x86_64__
#define ALL(M, p) M(0, p) M(1, p) M(2, p) M(3, p) M(4, p) M(5, p) M(6, p) M(7, p) \
                  M(8, p) M(9, p) M(10, p) M(11, p) M(12, p) M(13, p) M(14, p) M(15, p)
#else
#define ALL(M, p) M(0, p) M(1, p) M(2, p) M(3, p) M(4, p) M(5, p) M(6, p) M(7, p)
#endif

static void print_regs(const char *what, uint8_t regs[16][32])
{
    printf("%s:\n", what);
    for (int r = 0; r < NREG; r++) {
        printf(" ymm%-2d ", r);
        for (int i = 31; i >= 0; i--) {
            printf("%02x", regs[r][i]);
        }
        printf("\n");
    }
}

static void handler(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    uint8_t *fx = (uint8_t *)uc->uc_mcontext.fpregs + FSAVE_HEADER;
    uint8_t frame[16][32];
    uint32_t magic1, mxcsr;
    uint16_t fcw;
    uint64_t bv;
    (void)sig;
    (void)info;
    __asm__ volatile(ALL(STORE, "0") :: "r"(live) : "memory");
    __asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
    print_regs("registers in the handler", live);
    printf("handler mxcsr %08x fcw %04x\n", mxcsr, fcw);
    memcpy(&magic1, fx + 464, 4);
    memcpy(&bv, fx + 512, 8);
    printf("frame magic1 %08x xstate_bv & 7 = %llx uc_flags & 1 = %lx\n", magic1,
           (unsigned long long)bv & 7, (unsigned long)uc->uc_flags & 1);
    for (int r = 0; r < NREG; r++) {
        memcpy(frame[r], fx + 160 + 16 * r, 16);
        memcpy(frame[r] + 16, fx + ymm_offset + 16 * r, 16);
    }
    print_regs("registers in the frame", frame);
    switch (round_number) {
    case 0:                     /* change YMM3 in the frame */
        for (int i = 0; i < 16; i++) {
            fx[160 + 16 * 3 + i] ^= 0xff;
            fx[ymm_offset + 16 * 3 + i] ^= 0x55;
        }
        break;
    case 1:                     /* AVX state in its initial configuration */
        bv &= ~(uint64_t)4;
        memcpy(fx + 512, &bv, 8);
        break;
    case 2:                     /* no XSAVE frame: FXSAVE part only */
        magic1 ^= 1;
        memcpy(fx + 464, &magic1, 4);
        break;
    }
    /* clobber the live registers: sigreturn must bring the frame's back */
    __asm__ volatile(ALL(LOAD, "0") :: "r"(junk) : "memory");
}

int main(void)
{
    unsigned a, b, c, d;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    __cpuid_count(0xd, 2, a, b, c, d);
    ymm_offset = b;
    for (int r = 0; r < 16; r++) {
        for (int i = 0; i < 32; i++) {
            before[r][i] = (uint8_t)(r * 37 + i * 11 + 1);
            junk[r][i] = (uint8_t)(0xa5 ^ i);
        }
    }
    for (round_number = 0; round_number < 3; round_number++) {
        printf("round %d\n", round_number);
        long pid = getpid();
#ifdef __x86_64__
        __asm__ volatile(ALL(LOAD, "[in]")
                         "mov $62, %%eax\n\tmov %[pid], %%rdi\n\tmov $10, %%esi\n\tsyscall\n\t"
                         ALL(STORE, "[out]")
                         :: [in] "r"(before), [out] "r"(after), [pid] "r"(pid)
                         : "rax", "rdi", "rsi", "rcx", "r11", "memory");
#else
        __asm__ volatile(ALL(LOAD, "[in]")
                         "push %%ebx\n\tmov %[pid], %%ebx\n\tmov $37, %%eax\n\t"
                         "mov $10, %%ecx\n\tint $0x80\n\tpop %%ebx\n\t"
                         ALL(STORE, "[out]")
                         :: [in] "S"(before), [out] "D"(after), [pid] "m"(pid)
                         : "eax", "ecx", "memory");
#endif
        print_regs("registers after sigreturn", after);
    }
    return 0;
}

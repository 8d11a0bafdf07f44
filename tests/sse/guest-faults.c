/*
 * Guest program for the SSE suite: instructions that must fault. A misaligned
 * MOVDQA/MOVAPS/PADDB memory operand raises #GP (SIGSEGV), an SSE opcode with
 * no register form raises #UD (SIGILL), LDMXCSR with a reserved bit raises #GP.
 * Prints the signal each case got; native and emulated outputs must match.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf recover;

static void on_signal(int signo)
{
    siglongjmp(recover, signo);
}

static unsigned char buffer[64] __attribute__((aligned(16)));

static void misaligned_movdqa(void)
{
    __asm__ volatile("movdqa (%0), %%xmm0" : : "r"(buffer + 1) : "xmm0", "memory");
}

static void misaligned_movaps_store(void)
{
    __asm__ volatile("movaps %%xmm0, (%0)" : : "r"(buffer + 8) : "memory");
}

static void misaligned_paddb(void)
{
    __asm__ volatile("paddb (%0), %%xmm0" : : "r"(buffer + 4) : "xmm0", "memory");
}

static void aligned_movdqa(void)
{
    __asm__ volatile("movdqa (%0), %%xmm0" : : "r"(buffer + 16) : "xmm0", "memory");
}

static void unaligned_movdqu(void)
{
    __asm__ volatile("movdqu (%0), %%xmm0" : : "r"(buffer + 3) : "xmm0", "memory");
}

static void movlpd_register_form(void)
{
    /* 66 0F 12 with mod = 3 (MOVLPD xmm, xmm) does not exist */
    __asm__ volatile(".byte 0x66, 0x0f, 0x12, 0xc1");
}

static void movntdq_register_form(void)
{
    __asm__ volatile(".byte 0x66, 0x0f, 0xe7, 0xc1");
}

static void ldmxcsr_reserved(void)
{
    static unsigned value __attribute__((aligned(4))) = 0x11f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(value));
}

static void ldmxcsr_valid(void)
{
    static unsigned value = 0x1f80, readback;
    __asm__ volatile("ldmxcsr %1\n\tstmxcsr %0" : "=m"(readback) : "m"(value));
}

int main(void)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        { "misaligned movdqa", misaligned_movdqa },
        { "misaligned movaps store", misaligned_movaps_store },
        { "misaligned paddb", misaligned_paddb },
        { "aligned movdqa", aligned_movdqa },
        { "unaligned movdqu", unaligned_movdqu },
        { "movlpd register form", movlpd_register_form },
        { "movntdq register form", movntdq_register_form },
        { "ldmxcsr reserved bit", ldmxcsr_reserved },
        { "ldmxcsr valid", ldmxcsr_valid },
    };
    signal(SIGSEGV, on_signal);
    signal(SIGILL, on_signal);
    signal(SIGBUS, on_signal);
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int signo = sigsetjmp(recover, 1);
        if (signo == 0) {
            cases[i].run();
        }
        printf("%-24s %s\n", cases[i].name, signo ? strsignal(signo) : "no signal");
    }
    return 0;
}

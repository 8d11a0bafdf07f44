/*
 * Unmasked floating-point exceptions and the SIGFPE Linux sends for them
 * (arch/x86/kernel/traps.c math_error, fpu__exception_code): for #MF the
 * status word's flags not masked by the control word, for #XM MXCSR's;
 * si_code FPE_FLTINV, FLTDIV, FLTOVF, FLTUND (also for denormal), FLTRES
 * in that order of priority; si_addr the instruction taking the fault
 * (for x87 the next waiting instruction, FWAIT or another x87 one, not the
 * one that raised the flag; marked 9: here, si_addr printed relative to
 * it); trap number 16 or 19; the status word and
 * MXCSR the handler sees in its frame. Printed for a native/emulated
 * comparison. Usage: guest-sigfpe
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static sigjmp_buf escape;
static volatile uintptr_t fault_at;
static uint16_t cw;
static uint32_t mxcsr;
static float fzero = 0.0f, fone = 1.0f, fthree = 3.0f, fhuge = 1e38f, ftiny = 1e-38f;
static uint32_t fdenormal_bits = 1;
static long double lhuge = 1e4000L, ltiny = 1e-4000L;

static void on_sigfpe(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
#ifdef __x86_64__
    long trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    unsigned sw = uc->uc_mcontext.fpregs->swd, fcw = uc->uc_mcontext.fpregs->cwd;
    unsigned mx = uc->uc_mcontext.fpregs->mxcsr;
#else
    long trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    unsigned sw = uc->uc_mcontext.fpregs->sw & 0xffff, fcw = uc->uc_mcontext.fpregs->cw & 0xffff;
    unsigned mx = 0;
#endif
    printf("  sig=%d code=%d at=%+ld trapno=%ld sw=%04x cw=%04x mxcsr=%04x\n", sig, si->si_code,
           (long)((uintptr_t)si->si_addr - fault_at), trapno, sw, fcw, mx);
    siglongjmp(escape, 1);
}

#ifdef __x86_64__
#define MARK "lea 9f(%%rip), %%rax\n\tmov %%rax, %[at]\n\t"
#else
#define MARK "movl $9f, %[at]\n\t"
#endif

/* x87: control word, the raising sequence, then the instruction marked 9: */
#define X87(name, control, raise, waiting) do { \
    printf("%s\n", name); \
    cw = (control); \
    if (!sigsetjmp(escape, 1)) { \
        __asm__ volatile(MARK "fninit\n\tfldcw %[cw]\n\t" raise "\n\t9: " waiting "\n\tfninit" \
                         : [at] "=m"(fault_at) \
                         : [cw] "m"(cw), [z] "m"(fzero), [o] "m"(fone), [t] "m"(fthree), \
                           [h] "m"(lhuge), [s] "m"(ltiny), [d] "m"(fdenormal_bits) \
                         : "eax", "xmm1", "memory"); \
        printf("  no signal\n"); \
    } \
    __asm__ volatile("fninit"); \
} while (0)

/* SSE: MXCSR, then the instruction marked 9: raises the exception itself */
#define SSE(name, csr, insn) do { \
    printf("%s\n", name); \
    mxcsr = (csr); \
    if (!sigsetjmp(escape, 1)) { \
        __asm__ volatile("ldmxcsr %[m]\n\tmovss %[o], %%xmm0\n\t" MARK "9: " insn "\n\t" \
                         : [at] "=m"(fault_at) \
                         : [m] "m"(mxcsr), [z] "m"(fzero), [o] "m"(fone), [t] "m"(fthree), \
                           [h] "m"(fhuge), [s] "m"(ftiny), [d] "m"(fdenormal_bits) \
                         : "eax", "xmm0", "memory"); \
        printf("  no signal\n"); \
    } \
    mxcsr = 0x1f80; \
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr)); \
} while (0)

static void x87_cases(void)
{
    X87("x87 invalid 0/0", 0x37e, "fldz\n\tfldz\n\tfdivrp", "fwait");
    X87("x87 zero divide", 0x37b, "fld1\n\tfdivs %[z]", "fwait");
    X87("x87 overflow", 0x377, "fldt %[h]\n\tfmul %%st(0), %%st", "fwait");
    X87("x87 underflow", 0x36f, "fldt %[s]\n\tfmul %%st(0), %%st", "fwait");
    X87("x87 precision", 0x35f, "fld1\n\tfdivs %[t]", "fwait");
    X87("x87 denormal", 0x37d, "fld1\n\tfadds %[d]", "fwait");
    X87("x87 stack underflow", 0x37e, "fadd %%st(1), %%st", "fwait");
    X87("x87 next insn", 0x37b, "fld1\n\tfdivs %[z]", "fld1");
    X87("x87 fnstsw no wait", 0x37b, "fld1\n\tfdivs %[z]\n\tfnstsw %%ax", "fwait");
    X87("x87 zero+precision", 0x35b, "fld1\n\tfdivs %[t]\n\tfdivs %[z]", "fwait");
    X87("x87 masked", 0x37f, "fld1\n\tfdivs %[z]", "fwait");
    X87("x87 unmask later", 0x37f, "fld1\n\tfdivs %[z]\n\tmovw $0x37b, %[cw]\n\tfldcw %[cw]",
        "fwait");
}

/* MMX instructions, and the SSE ones naming an MMX register, wait for a
 * pending unmasked x87 exception as the waiting x87 instructions do (SDM
 * vol. 1, 9.5.1 and 11.6.7; vol. 2, PADDB and CVTPI2PS "#MF") */
static void mmx_cases(void)
{
    X87("mmx paddb", 0x37b, "fld1\n\tfdivs %[z]", "paddb %%mm0, %%mm1");
    X87("mmx emms", 0x37b, "fld1\n\tfdivs %[z]", "emms");
    X87("mmx movd", 0x377, "fldt %[h]\n\tfmul %%st(0), %%st", "movd %%eax, %%mm0");
    X87("mmx movd m32", 0x36f, "fldt %[s]\n\tfmul %%st(0), %%st", "movd %[o], %%mm0");
    X87("sse pshufw", 0x37e, "fldz\n\tfldz\n\tfdivrp", "pshufw $0, %%mm0, %%mm1");
    X87("sse cvtpi2ps mm", 0x37b, "fld1\n\tfdivs %[z]", "cvtpi2ps %%mm0, %%xmm1");
    X87("sse cvtpi2ps m64", 0x37b, "fld1\n\tfdivs %[z]", "cvtpi2ps %[h], %%xmm1");
    X87("sse2 paddq mm", 0x35f, "fld1\n\tfdivs %[t]", "paddq %%mm0, %%mm1");
    X87("sse2 movq2dq", 0x37b, "fld1\n\tfdivs %[z]", "movq2dq %%mm0, %%xmm1");
    X87("mmx masked", 0x37f, "fld1\n\tfdivs %[z]", "paddb %%mm0, %%mm1");
}

static void sse_cases(void)
{
    SSE("sse invalid 0/0", 0x1f00, "movss %[z], %%xmm0\n\tdivss %[z], %%xmm0");
    SSE("sse zero divide", 0x1d80, "divss %[z], %%xmm0");
    SSE("sse overflow", 0x1b80, "movss %[h], %%xmm0\n\tmulss %[h], %%xmm0");
    SSE("sse underflow", 0x1780, "movss %[s], %%xmm0\n\tmulss %[s], %%xmm0");
    SSE("sse precision", 0x0f80, "divss %[t], %%xmm0");
    SSE("sse denormal", 0x1e80, "addss %[d], %%xmm0");
    SSE("sse zero+precision", 0x0d80, "divss %[z], %%xmm0");
    SSE("sse invalid+precision", 0x0f00, "cvtss2si %[h], %%eax");
    SSE("sse underflow+precision", 0x0780, "movss %[s], %%xmm0\n\tmulss %[s], %%xmm0");
    SSE("sse masked", 0x1f80, "divss %[z], %%xmm0");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigfpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    x87_cases();
    mmx_cases();
    sse_cases();
    return 0;
}

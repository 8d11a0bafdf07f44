/*
 * Guest program for the SSE suite: one instruction of each extension (SSE4.1,
 * SSE4.2, AES-NI, PCLMULQDQ, MOVBE, CRC32), run under a SIGILL handler. Prints
 * per instruction the CPUID bit that announces it (Intel SDM vol. 2A, CPUID,
 * table 3-10) and whether it ran: a CPU raises #UD exactly when the bit is
 * clear. Exits 1 when one disagrees. Usage: guest-cpuid-ud
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf recover;

static void on_sigill(int signal_number)
{
    (void)signal_number;
    siglongjmp(recover, 1);
}

typedef struct Probe {
    const char *name;
    unsigned ecx_bit;           /* CPUID.1:ECX bit */
    void (*run)(void);
} Probe;

static unsigned char buffer[16] __attribute__((aligned(16)));

static void run_pmulld(void) { __asm__ volatile("pmulld %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_roundsd(void) { __asm__ volatile("roundsd $1, %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_ptest(void) { __asm__ volatile("ptest %%xmm1, %%xmm0" ::: "cc"); }
static void run_pextrb(void) { __asm__ volatile("pextrb $3, %%xmm1, %%eax" ::: "eax"); }
static void run_pcmpgtq(void) { __asm__ volatile("pcmpgtq %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_pcmpistri(void)
{
    __asm__ volatile("pcmpistri $0x0c, %%xmm1, %%xmm0" ::: "ecx", "cc");
}
static void run_crc32(void) { __asm__ volatile("crc32b %%al, %%eax" ::: "eax"); }
static void run_aesenc(void) { __asm__ volatile("aesenc %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_aeskeygenassist(void)
{
    __asm__ volatile("aeskeygenassist $1, %%xmm1, %%xmm0" ::: "xmm0");
}
static void run_pclmulqdq(void) { __asm__ volatile("pclmulqdq $0x11, %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_movbe(void) { __asm__ volatile("movbe %0, %%eax" : : "m"(buffer) : "eax"); }

static const Probe probes[] = {
    { "pmulld", 19, run_pmulld }, { "roundsd", 19, run_roundsd }, { "ptest", 19, run_ptest },
    { "pextrb", 19, run_pextrb }, { "pcmpgtq", 20, run_pcmpgtq },
    { "pcmpistri", 20, run_pcmpistri }, { "crc32", 20, run_crc32 },
    { "aesenc", 25, run_aesenc }, { "aeskeygenassist", 25, run_aeskeygenassist },
    { "pclmulqdq", 1, run_pclmulqdq }, { "movbe", 22, run_movbe },
};

int main(void)
{
    unsigned eax, ebx, ecx = 0, edx;
    int status = 0;
    __cpuid(1, eax, ebx, ecx, edx);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_sigill;
    sigaction(SIGILL, &action, NULL);
    for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        volatile int ran = 0;
        if (!sigsetjmp(recover, 1)) {
            probes[i].run();
            ran = 1;
        }
        int advertised = ecx >> probes[i].ecx_bit & 1;
        printf("%s cpuid=%d ran=%d\n", probes[i].name, advertised, ran);
        if (advertised != ran) {
            status = 1;
        }
    }
    return status;
}

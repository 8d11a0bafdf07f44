/*
 * Guest program for the SSE suite: one instruction of each extension (SSE4.1,
 * SSE4.2, AES-NI, PCLMULQDQ, MOVBE, CRC32, BMI1, BMI2, ADX, SHA), run under a SIGILL
 * handler. Prints per instruction the CPUID bit that announces it (Intel SDM
 * vol. 2A, CPUID, tables 3-10 and 3-8) and whether it ran: a CPU raises #UD
 * exactly when the bit is clear. Malformed VEX encodings (VEX.L = 1 on an LZ
 * instruction, a 66 prefix before VEX: SDM vol. 2A, 2.3.2) must never run.
 * Exits 1 when one disagrees. Usage: guest-cpuid-ud
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

enum { LEAF1_ECX, LEAF7_EBX, NEVER };

typedef struct Probe {
    const char *name;
    unsigned bit;               /* CPUID.1:ECX bit ... */
    void (*run)(void);
    int word;                   /* ... or CPUID.(7,0):EBX bit, or never valid */
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

static void run_andn(void) { __asm__ volatile("andn %%ecx, %%edx, %%eax" ::: "eax", "cc"); }
static void run_blsr(void) { __asm__ volatile("blsr %%ecx, %%eax" ::: "eax", "cc"); }
static void run_bextr(void) { __asm__ volatile("bextr %%ecx, %%edx, %%eax" ::: "eax", "cc"); }
static void run_pdep(void) { __asm__ volatile("pdep %%ecx, %%edx, %%eax" ::: "eax"); }
static void run_mulx(void) { __asm__ volatile("mulx %%ecx, %%esi, %%eax" ::: "eax", "esi"); }
static void run_rorx(void) { __asm__ volatile("rorx $3, %%ecx, %%eax" ::: "eax"); }
static void run_sha1msg1(void) { __asm__ volatile("sha1msg1 %%xmm1, %%xmm0" ::: "xmm0"); }
static void run_adcx(void) { __asm__ volatile("adcx %%ecx, %%eax" ::: "eax", "cc"); }
static void run_shlx(void) { __asm__ volatile("shlx %%ecx, %%edx, %%eax" ::: "eax"); }
/* ANDN eax, ecx, edx with VEX.L = 1, and with a 66 prefix */
static void run_andn_l1(void) { __asm__ volatile(".byte 0xc4, 0xe2, 0x74, 0xf2, 0xc2" ::: "eax", "cc"); }
static void run_andn_66(void)
{
    __asm__ volatile(".byte 0x66, 0xc4, 0xe2, 0x70, 0xf2, 0xc2" ::: "eax", "cc");
}

static const Probe probes[] = {
    { "pmulld", 19, run_pmulld }, { "roundsd", 19, run_roundsd }, { "ptest", 19, run_ptest },
    { "pextrb", 19, run_pextrb }, { "pcmpgtq", 20, run_pcmpgtq },
    { "pcmpistri", 20, run_pcmpistri }, { "crc32", 20, run_crc32 },
    { "aesenc", 25, run_aesenc }, { "aeskeygenassist", 25, run_aeskeygenassist },
    { "pclmulqdq", 1, run_pclmulqdq }, { "movbe", 22, run_movbe },
    { "andn", 3, run_andn, LEAF7_EBX }, { "blsr", 3, run_blsr, LEAF7_EBX },
    { "bextr", 3, run_bextr, LEAF7_EBX }, { "pdep", 8, run_pdep, LEAF7_EBX },
    { "mulx", 8, run_mulx, LEAF7_EBX }, { "rorx", 8, run_rorx, LEAF7_EBX },
    { "shlx", 8, run_shlx, LEAF7_EBX }, { "adcx", 19, run_adcx, LEAF7_EBX },
    { "sha1msg1", 29, run_sha1msg1, LEAF7_EBX },
    { "andn-vex.l1", 0, run_andn_l1, NEVER }, { "andn-66-vex", 0, run_andn_66, NEVER },
};

int main(void)
{
    unsigned eax, ebx, ecx = 0, edx, leaf7_ebx = 0;
    int status = 0;
    __cpuid(1, eax, ebx, ecx, edx);
    if (__get_cpuid_max(0, NULL) >= 7) {
        unsigned scratch;
        __cpuid_count(7, 0, eax, leaf7_ebx, scratch, edx);
    }
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
        int advertised = probes[i].word == LEAF1_ECX ? ecx >> probes[i].bit & 1
                         : probes[i].word == LEAF7_EBX ? leaf7_ebx >> probes[i].bit & 1 : 0;
        if (probes[i].word == NEVER) {
            printf("%s never ran=%d\n", probes[i].name, ran);
        } else {
            printf("%s cpuid=%d ran=%d\n", probes[i].name, advertised, ran);
        }
        if (advertised != ran) {
            status = 1;
        }
    }
    return status;
}

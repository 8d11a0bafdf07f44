/* Blocks that go on past forward Jcc and across JMP/CALL (superblocks) keep the
 * guest state exact: a checksum loop with data-dependent forward branches and
 * flag readers right after them (INC keeps CF, ADC, SETcc), the taken side exit
 * reading flags set before the branch, a fault on the fall-through path after a
 * Jcc (registers and the arithmetic flags in the handler's context), CALL/JMP
 * followed inside a block, and code rewritten on the fall-through path of a hot
 * block (in a RWX page). Output compared with a native run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef __x86_64__
#define AX_REG REG_RAX
#define BX_REG REG_RBX
#else
#define AX_REG REG_EAX
#define BX_REG REG_EBX
#endif
#define ARITH_FLAGS 0x8d5ul    /* OF SF ZF AF PF CF */

static sigjmp_buf jump;

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;

    (void)si;
    printf("fault %d: ax=%lx bx=%lx flags=%lx\n", sig,
           (unsigned long)uc->uc_mcontext.gregs[AX_REG],
           (unsigned long)uc->uc_mcontext.gregs[BX_REG],
           (unsigned long)uc->uc_mcontext.gregs[REG_EFL] & ARITH_FLAGS);
    siglongjmp(jump, 1);
}

/* data-dependent forward branches; INC/ADC/SETcc read flags after them */
static unsigned long branchy(unsigned n)
{
    unsigned long sum = 0;
    uint64_t x = 12345;

    for (unsigned long i = 0; i < n; i++) {
        unsigned long r, c;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        r = (unsigned long)(x >> 33);
        __asm__ volatile("cmp %3, %1\n\t"
                         "jb 1f\n\t"
                         "inc %0\n\t"          /* keeps CF of the cmp */
                         "adc $0, %0\n\t"
                         "1: setc %b2\n\t"      /* side exit: CF from before the branch */
                         "adc %1, %0\n\t"
                         "movzbl %b2, %k2\n\t"
                         : "+r"(sum), "+r"(r), "=&q"(c)
                         : "r"(i)
                         : "cc");
        sum += c;
        if (r & 1) {
            sum ^= r << 3;
        } else if (r & 2) {
            sum += r >> 2;
        }
    }
    return sum;
}

/* a fault right after a Jcc the block went on past */
static void fault_after_jcc(long a, long b)
{
    if (sigsetjmp(jump, 1) == 0) {
        long ax = a, bx = b;
        __asm__ volatile("cmp %1, %0\n\t"
                         "ja 1f\n\t"
                         "mov $0x77, %0\n\t"
                         "sub $0x78, %0\n\t"     /* flags the handler must see: CF SF AF PF */
                         "mov (%1), %1\n\t"      /* bx = 0: faults */
                         "1:\n\t"
                         : "+a"(ax), "+b"(bx)
                         :
                         : "cc", "memory");
        printf("no fault: %lx %lx\n", ax, bx);
    }
}

static int called;
__attribute__((noinline)) static int leaf(int v) { called++; return v * 3; }

/* JMP/CALL inside one block */
static int jumps(int v)
{
    int r;
    __asm__ volatile("jmp 2f\n\t"
                     "1: add $5, %0\n\t"
                     "jmp 3f\n\t"
                     "2: add $7, %0\n\t"
                     "jmp 1b\n\t"
                     "3:\n\t"
                     : "=r"(r)
                     : "0"(v)
                     : "cc");
    return leaf(r) + leaf(r + 1);
}

#ifdef __x86_64__
/* f(x) = x ? 2 : IMM, with IMM on the fall-through path of the Jcc */
static const unsigned char code_template[] = {
    0x85, 0xff,                       /* test %edi, %edi (x86-64 ABI arg) */
    0x75, 0x06,                       /* jne +6 */
    0xb8, 0x11, 0x00, 0x00, 0x00,     /* mov $0x11, %eax  <- rewritten */
    0xc3,                             /* ret */
    0xb8, 0x02, 0x00, 0x00, 0x00,     /* mov $2, %eax */
    0xc3,
};
#endif

static void rewrite_hot_code(void)
{
#ifdef __x86_64__
    unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int (*f)(int) = (int (*)(int))p;
    long sum = 0;

    if (p == MAP_FAILED) {
        perror("mmap");
        return;
    }
    memcpy(p, code_template, sizeof(code_template));
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 20000; i++) {
            sum += f(i & 1);
        }
        p[5] = (unsigned char)(0x20 + round);      /* the immediate of the first mov */
    }
    printf("rewritten: %ld %d\n", sum, f(0));
    munmap(p, 4096);
#else
    printf("rewritten: not run (the template uses the x86-64 calling convention)\n");
#endif
}

int main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);

    printf("branchy: %lx\n", branchy(300000));
    fault_after_jcc(1, 0);
    fault_after_jcc(0, 0);
    int j = jumps(1);
    printf("jumps: %d %d\n", j, called);
    rewrite_hot_code();
    return 0;
}

/* Condition codes across a chained jump (the translator skips a block's flag
 * stores when the next block sets the flags before anything can see them):
 * generated code, block X = "cmp ecx, edx; jmp E" on one page, E on another.
 * X runs hot (chained to E) while E sets the flags first (add), then E is
 * rewritten to read them (pushf) and to fault before setting them (a load from
 * a PROT_NONE page: the guest's SIGSEGV handler prints the saved flags), so the
 * chain must be undone and the flags of X's cmp must be exact. Printed values
 * are compared with a native run (tests/check-user.sh). The machine code is
 * the same in 32- and 64-bit mode. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

/* CF PF AF ZF SF OF (Intel SDM vol. 1, 3.4.3.1) */
#define ARITH_FLAGS 0x8d5

static unsigned char *code;
static long page;
static sigjmp_buf back;
static volatile unsigned long fault_flags;

static const unsigned char add_ret[] = { 0x83, 0xc0, 0x01, 0xc3 };   /* add eax,1; ret */
static const unsigned char pushf_ret[] = { 0x9c, 0x58, 0xc3 };       /* pushf; pop eax; ret */
static const unsigned char load_add_ret[] = { 0x8b, 0x06, 0x83, 0xc0, 0x01, 0xc3 };
                                                                     /* mov eax,[esi]; add; ret */

static void set_e(const unsigned char *bytes, size_t n)
{
    memcpy(code + page, bytes, n);
}

static unsigned long run_x(unsigned long a, unsigned long b, void *p)
{
    unsigned long r = 0;
#ifdef __x86_64__
    /* keep the call's return address out of the red zone */
    __asm__ volatile("sub $128, %%rsp\n call *%[f]\n add $128, %%rsp"
                     : "+a"(r) : [f] "r"(code), "c"(a), "d"(b), "S"(p) : "memory", "cc");
#else
    __asm__ volatile("call *%[f]" : "+a"(r) : [f] "r"(code), "c"(a), "d"(b), "S"(p)
                     : "memory", "cc");
#endif
    return r;
}

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig;
    (void)si;
    fault_flags = (unsigned long)uc->uc_mcontext.gregs[REG_EFL] & ARITH_FLAGS;
    siglongjmp(back, 1);
}

int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    code = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *guard = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED || guard == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    int data = 41;
    /* X: cmp ecx, edx; jmp E (rel32 to the next page) */
    code[0] = 0x39;
    code[1] = 0xd1;
    code[2] = 0xe9;
    int32_t rel = (int32_t)(page - 7);
    memcpy(code + 3, &rel, 4);

    set_e(add_ret, sizeof add_ret);
    unsigned long sum = 0;
    for (unsigned long i = 0; i < 20000; i++) {
        sum += run_x(i, 10000 - i, &data);
    }
    printf("add: %lu\n", sum);

    set_e(pushf_ret, sizeof pushf_ret);
    static const unsigned long ops[][2] = {
        { 1, 1 }, { 1, 2 }, { 2, 1 }, { 0, 0x80000000ul }, { 0x7fffffff, 0xffffffff },
        { 0x10, 0x01 }, { 0xffffffff, 0 }, { 5, 0xfffffffb },
    };
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            unsigned long f = run_x(ops[i][0], ops[i][1], &data) & ARITH_FLAGS;
            if (round == 2) {
                printf("pushf cmp %lx,%lx: %03lx\n", ops[i][0], ops[i][1], f);
            }
        }
    }

    /* hot again with a load first (the flags stay X's until the add) */
    set_e(load_add_ret, sizeof load_add_ret);
    sum = 0;
    for (unsigned long i = 0; i < 20000; i++) {
        sum += run_x(i * 3, i, &data);
    }
    printf("load-add: %lu\n", sum);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        fault_flags = 0xffff;
        if (sigsetjmp(back, 1) == 0) {
            run_x(ops[i][0], ops[i][1], guard);
            printf("no fault\n");
        }
        printf("fault cmp %lx,%lx: %03lx\n", ops[i][0], ops[i][1], fault_flags);
    }
    return 0;
}

/* Loops the translator runs with the guest registers in host registers,
 * jumping back inside its own code (tcg/loop.c), vs a native run
 * (tests/check-user.sh):
 *  1. a fault in the middle of such a loop (a conditional back edge, flags
 *     live, after thousands of iterations): the guest's SIGSEGV handler prints
 *     every saved register, the flags and the pc as an offset in the loop;
 *  2. SIGALRM (setitimer) arriving while a register-only loop runs: it must
 *     be delivered (the loop is left only by the handler's siglongjmp; without
 *     the signal it ends after billions of iterations and says so), and the
 *     interrupted state must be exact: the handler checks that the running sum
 *     matches the counter for the instruction the saved pc points at;
 *  3. a signal whose handler returns into a loop that polls a flag the
 *     handler sets (the loop's registers after the handler are the saved ones);
 *  4. self-modifying code: a loop on a writable and executable page rewrites
 *     the immediate of its own first instruction, once and then on every
 *     iteration (the change takes effect at the next execution: Intel SDM
 *     vol. 3A, 11.6);
 *  5. cross-modifying code: another thread rewrites the immediate a spinning
 *     loop tests, which is the loop's only way out (bounded: after 2^31
 *     iterations it gives up and says so). */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

/* arithmetic flags of EFLAGS: CF PF AF ZF SF OF (Intel SDM vol. 1, 3.4.3.1) */
#define ARITH_FLAGS 0x8d5
#define RW_PAGES 8

void fault_loop(char *base);
void sum_loop(unsigned long limit);
void smc_loop(void);
extern char fault_loop_top[], sum_top[], sum_mid[], sum_end[], smc_loop_end[], smc_imm[];

#ifdef __x86_64__
#define PC REG_RIP
#define AX REG_RAX
#define BX REG_RBX
/* rdi = base; walks up until the guard page; r12 never reached */
__asm__(".text\n.globl fault_loop\nfault_loop:\n"
        "push %rbx\n push %rbp\n push %r12\n"
        "mov $1, %eax\n mov $3, %ebx\n mov $5, %ecx\n mov $7, %edx\n xor %esi, %esi\n"
        "mov $11, %ebp\n mov $-1, %r12\n"
        ".globl fault_loop_top\nfault_loop_top:\n"
        "mov (%rdi,%rsi), %r8\n add %r8, %rax\n imul %eax, %ebx\n add $0x9e3779b9, %ebx\n adc %rax, %rcx\n"
        "lea 1(%rcx,%rdx), %rdx\n xor %rdx, %rbp\n mov %edx, (%rdi,%rsi)\n"
        "add $8, %rsi\n cmp %rsi, %r12\n jne fault_loop_top\n"
        "pop %r12\n pop %rbp\n pop %rbx\n ret\n");
/* rdi = limit: rax counts, rbx sums 1 + 2 + ... + rax */
__asm__(".text\n.globl sum_loop\nsum_loop:\n"
        "push %rbx\n xor %eax, %eax\n xor %ebx, %ebx\n"
        ".globl sum_top\nsum_top:\n add $1, %rax\n"
        ".globl sum_mid\nsum_mid:\n add %rax, %rbx\n cmp %rdi, %rax\n jne sum_top\n"
        ".globl sum_end\nsum_end:\n pop %rbx\n ret\n");
#else
#define PC REG_EIP
#define AX REG_EAX
#define BX REG_EBX
__asm__(".text\n.globl fault_loop\nfault_loop:\n"
        "push %ebx\n push %ebp\n push %esi\n push %edi\n mov 20(%esp), %edi\n"
        "mov $1, %eax\n mov $3, %ebx\n mov $5, %ecx\n mov $7, %edx\n xor %esi, %esi\n"
        "mov $11, %ebp\n"
        ".globl fault_loop_top\nfault_loop_top:\n"
        "add (%edi,%esi), %eax\n imul %eax, %ebx\n add $0x9e3779b9, %ebx\n adc %eax, %ecx\n"
        "lea 1(%ecx,%edx), %edx\n xor %edx, %ebp\n mov %edx, (%edi,%esi)\n"
        "add $4, %esi\n cmp $-4, %esi\n jne fault_loop_top\n"
        "pop %edi\n pop %esi\n pop %ebp\n pop %ebx\n ret\n");
__asm__(".text\n.globl sum_loop\nsum_loop:\n"
        "push %ebx\n mov 8(%esp), %ecx\n xor %eax, %eax\n xor %ebx, %ebx\n"
        ".globl sum_top\nsum_top:\n add $1, %eax\n"
        ".globl sum_mid\nsum_mid:\n add %eax, %ebx\n cmp %ecx, %eax\n jne sum_top\n"
        ".globl sum_end\nsum_end:\n pop %ebx\n ret\n");
#endif
/* copied to an RWX page and called there: returns the sum in eax; the
 * immediate of the first add is rewritten at iteration 1000 and, from
 * iteration 4900, on every iteration (the counter's low byte, masked) */
#ifdef __x86_64__
#define SMC_IMM_ADDR "lea smc_imm(%rip), %rdx\n"
#define SMC_PTR "(%rdx)"
#else
#define SMC_IMM_ADDR "call 1f\n1: pop %edx\n add $(smc_imm - 1b), %edx\n"
#define SMC_PTR "(%edx)"
#endif
__asm__(".text\n.globl smc_loop\nsmc_loop:\n"
        "xor %eax, %eax\n xor %ecx, %ecx\n" SMC_IMM_ADDR
        "2: .byte 0x83, 0xc0\n.globl smc_imm\nsmc_imm: .byte 0x01\n"  /* add $imm8, %eax */
        "add $1, %ecx\n cmp $1000, %ecx\n jne 3f\n movb $3, " SMC_PTR "\n"
        "3: cmp $4900, %ecx\n jb 4f\n mov %cl, " SMC_PTR "\n andb $0x3f, " SMC_PTR "\n"
        "4: cmp $5000, %ecx\n jne 2b\n ret\n"
        ".globl smc_loop_end\nsmc_loop_end:\n");

/* spins until the immediate of its first instruction becomes nonzero;
 * returns the iterations, 0x7fffffff when it gave up */
__asm__(".text\n.globl xmc_loop\nxmc_loop:\n xor %ecx, %ecx\n"
        "1: .byte 0xb8\n.globl xmc_imm\nxmc_imm: .long 0\n"   /* mov $imm32, %eax */
        "add $1, %ecx\n cmp $0x7fffffff, %ecx\n je 2f\n test %eax, %eax\n jz 1b\n"
        "2: mov %ecx, %eax\n ret\n.globl xmc_loop_end\nxmc_loop_end:\n");
void xmc_loop(void);
extern char xmc_imm[], xmc_loop_end[];

static char *region;
static sigjmp_buf jump;

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    const ucontext_t *uc = ctx;
    const greg_t *g = uc->uc_mcontext.gregs;
    printf("SIGSEGV %d at region+%ld, pc loop+%ld, flags %03llx\n", sig,
           (long)((char *)si->si_addr - region), (long)((char *)g[PC] - fault_loop_top),
           (unsigned long long)(g[REG_EFL] & ARITH_FLAGS));
#ifdef __x86_64__
    static const int regs[] = { REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RBP,
                                REG_R8, REG_R12 };
#else
    static const int regs[] = { REG_EAX, REG_EBX, REG_ECX, REG_EDX, REG_ESI, REG_EBP };
#endif
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  reg %u %016llx\n", i, (unsigned long long)g[regs[i]]);
    }
    siglongjmp(jump, 1);
}

static volatile int alarms, bad_state;

/* the sum of 1..n, in the register's width */
static unsigned long triangle(unsigned long n)
{
#ifdef __x86_64__
    return (unsigned long)((unsigned __int128)n * (n + 1) / 2);
#else
    return (unsigned long)((uint64_t)n * (n + 1) / 2);
#endif
}

static void alarm_handler(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    char *pc = (char *)g[PC];
    unsigned long ax = (unsigned long)g[AX], bx = (unsigned long)g[BX];
    (void)sig;
    (void)si;
    alarms++;
    if (pc >= sum_top && pc < sum_end) {
        /* at sum_mid the counter is one ahead of the sum */
        unsigned long want = pc == sum_mid ? triangle(ax - 1) : triangle(ax);
        if (bx != want) {
            bad_state++;
            printf("  state at sum_top+%ld: counter %lu sum %lu\n", (long)(pc - sum_top), ax, bx);
        }
        siglongjmp(jump, 1);
    }
}

static volatile int flag;

static void flag_handler(int sig)
{
    (void)sig;
    flag = 1;
}

static void test_fault(void)
{
    long page = sysconf(_SC_PAGESIZE);
    for (long i = 0; i < RW_PAGES * page; i++) {
        region[i] = (char)(i * 7 + (i >> 9));
    }
    mprotect(region + RW_PAGES * page, page, PROT_READ);
    if (sigsetjmp(jump, 1) == 0) {
        fault_loop(region);
        printf("fault loop ended without a fault\n");
    }
    mprotect(region + RW_PAGES * page, page, PROT_NONE);
    if (sigsetjmp(jump, 1) == 0) {
        fault_loop(region);
        printf("fault loop ended without a fault\n");
    }
}

static void test_alarm(void)
{
    struct itimerval t = { { 0, 20000 }, { 0, 20000 } };   /* 20 ms, repeating */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = alarm_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGALRM, &sa, NULL);
    for (int round = 0; round < 3; round++) {
        setitimer(ITIMER_REAL, &t, NULL);
        if (sigsetjmp(jump, 1) == 0) {
            sum_loop(sizeof(long) == 8 ? 1000000000ul : 0xfffffff0ul);
            printf("round %d: the loop ended before the signal\n", round);
        } else {
            printf("round %d: signal taken inside the loop\n", round);
        }
        struct itimerval off = { { 0, 0 }, { 0, 0 } };
        setitimer(ITIMER_REAL, &off, NULL);
    }
    printf("interrupted states: %s\n", bad_state ? "WRONG" : "exact");
    /* a handler that returns into the loop */
    signal(SIGALRM, flag_handler);
    struct itimerval once = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &once, NULL);
    unsigned long spins = 0;
    while (!flag) {
        spins++;
    }
    printf("flag loop left after the handler returned: %s\n", spins ? "yes" : "no spins");
}

static void test_smc(void)
{
    size_t len = (size_t)(smc_loop_end - (char *)smc_loop);
    char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return;
    }
    for (int run = 0; run < 2; run++) {
        memcpy(code, (char *)smc_loop, len);
        unsigned (*fn)(void) = (unsigned (*)(void))(void *)code;
        printf("self-modifying loop, run %d: %u\n", run, fn());
    }
    munmap(code, 4096);
}

static void *rewriter(void *imm)
{
    usleep(20000);
    *(volatile char *)imm = 1;
    return NULL;
}

static void test_cross_modifying(void)
{
    size_t len = (size_t)(xmc_loop_end - (char *)xmc_loop);
    char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pthread_t t;
    if (code == MAP_FAILED) {
        perror("mmap");
        return;
    }
    memcpy(code, (char *)xmc_loop, len);
    unsigned (*fn)(void) = (unsigned (*)(void))(void *)code;
    pthread_create(&t, NULL, rewriter, code + (xmc_imm - (char *)xmc_loop));
    unsigned n = fn();
    pthread_join(t, NULL);
    printf("cross-modified loop: %s\n", n < 0x7fffffff ? "saw the change" : "never saw the change");
    munmap(code, 4096);
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    setvbuf(stdout, NULL, _IONBF, 0);
    region = mmap(NULL, (RW_PAGES + 1) * page, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    test_fault();
    test_alarm();
    test_smc();
    test_cross_modifying();
    return 0;
}

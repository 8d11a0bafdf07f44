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

#include "loop-signals.h"

void fault_loop(char *base);
void sum_loop(unsigned long limit);
void smc_loop(void);
extern char fault_loop_top[], smc_loop_end[], smc_imm[];

#ifdef __x86_64__
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

static volatile int flag;

static void flag_handler(int sig)
{
    (void)sig;
    flag = 1;
}

/* a handler that returns into a loop polling the flag it sets */
static void test_flag(void)
{
    signal(SIGALRM, flag_handler);
    struct itimerval once = { { 0, 0 }, { 0, 30000 } };
    setitimer(ITIMER_REAL, &once, NULL);
    unsigned long spins = 0;
    while (!flag) {
        spins++;
    }
    printf("flag loop left after the handler returned: %s\n", spins ? "yes" : "no spins");
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
    loop_tests_init();
    test_fault(fault_loop, fault_loop_top);
    test_alarm_rounds(sum_loop, sizeof(long) == 8 ? 1000000000ul : 0xfffffff0ul);
    test_flag();
    test_smc("loop", (const void *)smc_loop, smc_loop_end);
    test_cross_modifying();
    return 0;
}

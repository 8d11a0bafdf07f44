/* Loops of two blocks ("top: ...; jcc mid (forward, taken); <exit>; mid: ...;
 * jcc top") that the translator turns into one trace with a back edge of its
 * own (target-i386/translate.c gen_trace, tcg/loop.c), vs a native run
 * (tests/check-user.sh):
 *  1. a fault inside the trace after thousands of iterations, once on the
 *     store in its second half (page read-only), once on the load in its first
 *     half (page inaccessible): the SIGSEGV handler prints every saved
 *     register, the arithmetic flags and the pc as an offset in the loop;
 *  2. side exits: the first half's fall-through (a sentinel found: a jump to
 *     another page, which takes goto_tb slot 0) and the second half's (the
 *     count runs out: slot 1), at many positions, each run's result printed;
 *  3. SIGALRM (setitimer) arriving while a register-only trace runs: it must be
 *     delivered (the loop is left only by the handler's siglongjmp) and the
 *     interrupted state must be exact for the instruction the saved pc names;
 *  4. self-modifying code: a trace on a writable and executable page rewrites
 *     an immediate in its first half (at iteration 1000, then from 4900 on
 *     every iteration) and one in its second half (at iteration 2000); a write
 *     takes effect at the next execution (Intel SDM vol. 3A, 11.6). */
#define _GNU_SOURCE
#include "loop-signals.h"

void trace_fault(char *base);
unsigned long trace_exit(unsigned long *v, unsigned long n);
void trace_sum(unsigned long limit);
unsigned trace_smc(void);
extern char fault_top[], smc_end[], smc_imm1[], smc_imm2[];

/* each loop within 256 aligned bytes, so on one page (a trace stays on one) */
#ifdef __x86_64__
/* rdi = base: walks up until the guard page; r12 (-1) is never loaded */
__asm__(".text\n.p2align 8\n.globl trace_fault\ntrace_fault:\n"
        "push %rbx\n push %rbp\n push %r12\n"
        "mov $1, %eax\n mov $3, %ebx\n mov $5, %ecx\n mov $7, %edx\n xor %esi, %esi\n"
        "mov $11, %ebp\n mov $-1, %r12\n"
        ".globl fault_top\nfault_top:\n"
        "mov (%rdi,%rsi), %r8\n add %r8, %rax\n cmp %r8, %r12\n jne 1f\n jmp 2f\n"
        "1: imul %eax, %ebx\n add $0x9e3779b9, %ebx\n adc %rax, %rcx\n"
        "lea 1(%rcx,%rdx), %rdx\n xor %rdx, %rbp\n mov %edx, (%rdi,%rsi)\n"
        "add $8, %rsi\n cmp %rsi, %r12\n jne fault_top\n"
        "2: pop %r12\n pop %rbp\n pop %rbx\n ret\n");
/* rdi = array, rsi = n: sums until a zero element (first half's exit) or n
 * elements (second half's); returns sum * 65536 + index, flags folded in */
__asm__(".text\n.p2align 8\n.globl trace_exit\ntrace_exit:\n"
        "xor %eax, %eax\n xor %ecx, %ecx\n"
        "1: mov (%rdi,%rcx,8), %rdx\n add %rdx, %rax\n test %rdx, %rdx\n jnz 2f\n jmp exit_found\n"
        "2: rol $3, %rax\n add $1, %rcx\n cmp %rsi, %rcx\n jb 1b\n"
        "setc %dl\n shl $16, %rax\n add %rcx, %rax\n movzbl %dl, %edx\n add %rdx, %rax\n ret\n"
        ".p2align 12\nexit_found:\n shl $16, %rax\n lea 0x10000000(%rax,%rcx), %rax\n ret\n");
/* rdi = limit: rax counts, rbx sums 1 + 2 + ... + rax */
__asm__(".text\n.p2align 8\n.globl trace_sum\ntrace_sum:\n"
        "push %rbx\n xor %eax, %eax\n xor %ebx, %ebx\n"
        ".globl sum_top\nsum_top:\n add $1, %rax\n cmp %rdi, %rax\n jne sum_mid\n jmp sum_end\n"
        ".globl sum_mid\nsum_mid:\n add %rax, %rbx\n cmp $-1, %rbx\n jne sum_top\n"
        ".globl sum_end\nsum_end:\n pop %rbx\n ret\n");
#else
__asm__(".text\n.p2align 8\n.globl trace_fault\ntrace_fault:\n"
        "push %ebx\n push %ebp\n push %esi\n push %edi\n mov 20(%esp), %edi\n"
        "mov $1, %eax\n mov $3, %ebx\n mov $5, %ecx\n mov $7, %edx\n xor %esi, %esi\n"
        "mov $11, %ebp\n"
        ".globl fault_top\nfault_top:\n"
        "add (%edi,%esi), %eax\n cmpl $-1, (%edi,%esi)\n jne 1f\n jmp 2f\n"
        "1: imul %eax, %ebx\n add $0x9e3779b9, %ebx\n adc %eax, %ecx\n"
        "lea 1(%ecx,%edx), %edx\n xor %edx, %ebp\n mov %edx, (%edi,%esi)\n"
        "add $4, %esi\n cmp $-4, %esi\n jne fault_top\n"
        "2: pop %edi\n pop %esi\n pop %ebp\n pop %ebx\n ret\n");
__asm__(".text\n.p2align 8\n.globl trace_exit\ntrace_exit:\n"
        "push %ebx\n mov 8(%esp), %ebx\n xor %eax, %eax\n xor %ecx, %ecx\n"
        "1: mov (%ebx,%ecx,4), %edx\n add %edx, %eax\n test %edx, %edx\n jnz 2f\n jmp exit_found\n"
        "2: rol $3, %eax\n add $1, %ecx\n cmp 12(%esp), %ecx\n jb 1b\n"
        "setc %dl\n shl $16, %eax\n add %ecx, %eax\n movzbl %dl, %edx\n add %edx, %eax\n"
        "pop %ebx\n ret\n"
        ".p2align 12\nexit_found:\n shl $16, %eax\n lea 0x10000000(%eax,%ecx), %eax\n pop %ebx\n ret\n");
__asm__(".text\n.p2align 8\n.globl trace_sum\ntrace_sum:\n"
        "push %ebx\n mov 8(%esp), %ecx\n xor %eax, %eax\n xor %ebx, %ebx\n"
        ".globl sum_top\nsum_top:\n add $1, %eax\n cmp %ecx, %eax\n jne sum_mid\n jmp sum_end\n"
        ".globl sum_mid\nsum_mid:\n add %eax, %ebx\n cmp $-1, %ebx\n jne sum_top\n"
        ".globl sum_end\nsum_end:\n pop %ebx\n ret\n");
#endif
/* copied to an RWX page and called there: first half "add $imm1, %eax" and
 * the count, second half "add $imm2, %eax" and the rewrites, without branches
 * (a store to a stack slot when imm1 keeps its value); returns eax */
#ifdef __x86_64__
__asm__(".text\n.p2align 8\n.globl trace_smc\ntrace_smc:\n push %rbx\n sub $16, %rsp\n"
        "xor %eax, %eax\n xor %ecx, %ecx\n lea smc_imm1(%rip), %rdx\n"
        "2: .byte 0x83, 0xc0\n.globl smc_imm1\nsmc_imm1: .byte 0x01\n"   /* add $imm8, %eax */
        "add $1, %ecx\n cmp $5000, %ecx\n jne 3f\n add $16, %rsp\n pop %rbx\n ret\n"
        "3: .byte 0x83, 0xc0\n.globl smc_imm2\nsmc_imm2: .byte 0x00\n"   /* add $imm8, %eax */
        "mov $3, %ebx\n mov $1, %esi\n cmp $1000, %ecx\n cmovb %esi, %ebx\n"
        "mov %ecx, %esi\n and $0x3f, %esi\n cmp $4900, %ecx\n cmovae %esi, %ebx\n"
        "mov %rsp, %rsi\n cmp %bl, (%rdx)\n cmovne %rdx, %rsi\n mov %bl, (%rsi)\n"
        "cmp $2000, %ecx\n jne 2b\n movb $5, (smc_imm2 - smc_imm1)(%rdx)\n jmp 2b\n"
        ".globl smc_end\nsmc_end:\n");
#else
__asm__(".text\n.p2align 8\n.globl trace_smc\ntrace_smc:\n push %ebx\n push %esi\n sub $16, %esp\n"
        "xor %eax, %eax\n xor %ecx, %ecx\n call 1f\n1: pop %edx\n add $(smc_imm1 - 1b), %edx\n"
        "2: .byte 0x83, 0xc0\n.globl smc_imm1\nsmc_imm1: .byte 0x01\n"   /* add $imm8, %eax */
        "add $1, %ecx\n cmp $5000, %ecx\n jne 3f\n add $16, %esp\n pop %esi\n pop %ebx\n ret\n"
        "3: .byte 0x83, 0xc0\n.globl smc_imm2\nsmc_imm2: .byte 0x00\n"   /* add $imm8, %eax */
        "mov $3, %ebx\n mov $1, %esi\n cmp $1000, %ecx\n cmovb %esi, %ebx\n"
        "mov %ecx, %esi\n and $0x3f, %esi\n cmp $4900, %ecx\n cmovae %esi, %ebx\n"
        "mov %esp, %esi\n cmp %bl, (%edx)\n cmovne %edx, %esi\n mov %bl, (%esi)\n"
        "cmp $2000, %ecx\n jne 2b\n movb $5, (smc_imm2 - smc_imm1)(%edx)\n jmp 2b\n"
        ".globl smc_end\nsmc_end:\n");
#endif

static void test_exits(void)
{
    static unsigned long v[4096];
    unsigned long h = 0;
    for (unsigned i = 0; i < 4096; i++) {
        v[i] = i * 2654435761u + 1;
    }
    /* the same code each time: chained, hot, left by either exit */
    for (unsigned run = 0; run < 300; run++) {
        unsigned zero = (run * 37 + 4500) % 5000; /* past the end: no sentinel */
        unsigned long n = 100 + (run * 13) % 3996;
        if (zero < 4096) {
            v[zero] = 0;
        }
        unsigned long r = trace_exit(v, n);
        if (zero < 4096) {
            v[zero] = zero * 2654435761u + 1;
        }
        h = h * 31 + r;
        if (run % 50 == 0) {
            printf("exit run %u: %016llx\n", run, (unsigned long long)r);
        }
    }
    printf("exits hash %016llx\n", (unsigned long long)h);
}

int main(void)
{
    loop_tests_init();
    test_fault(trace_fault, fault_top);
    test_exits();
    test_alarm_rounds(trace_sum, sizeof(long) == 8 ? 1000000000000ul : 0xfffffff0ul);
    test_smc("trace", (const void *)trace_smc, smc_end);
    return 0;
}

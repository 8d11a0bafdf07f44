/* A guest fault inside a hot loop that keeps many registers live: the guest's
 * SIGSEGV handler prints every saved register (all but the stack pointer,
 * which differs between runs; the pc as an offset in the loop), the
 * arithmetic flags and the fault's trapno/err/address. Loads fault on a
 * PROT_NONE page, stores on a read-only one, after thousands of iterations
 * (hot, chained code), after a few (cold code) and at the first access
 * (registers holding constants the code just set). Output compared with a
 * native run (tests/check-user.sh). The loop is hand-written assembly so that
 * the registers live across the access are the same in every build. */
#define _GNU_SOURCE
#include <stdint.h>
#include <ucontext.h>
#include <unistd.h>

#include "fault-region.h"

#define RW_PAGES 16
/* page-fault error code bit 1: a write (Intel SDM vol. 3A, 4.7); the present
 * bit is not compared: the host reports PROT_NONE pages as not present */
#define ERR_WRITE 2

void hot_loop(char *base, long start);
extern char hot_loop_top[];

static long page_size;

#ifdef __x86_64__
/* rdi = base, rsi = starting index; the loop never returns (the handler
 * leaves through siglongjmp, which restores the callee-saved registers) */
__asm__(".text\n.globl hot_loop\nhot_loop:\n"
        "movabs $0x1111111111111111, %rax\n movabs $0x2222222222222222, %rbx\n"
        "movabs $0x3333333333333333, %rcx\n movabs $0x4444444444444444, %rdx\n"
        "movabs $0x5555555555555555, %rbp\n mov $9, %r9\n mov $10, %r10\n"
        "movabs $0xbbbbbbbbbbbbbbbb, %r11\n mov $12, %r12\n mov $13, %r13\n"
        "movabs $0xeeeeeeeeeeeeeeee, %r14\n mov $15, %r15\n"
        ".globl hot_loop_top\nhot_loop_top:\n"
        "mov (%rdi,%rsi), %r8\n"
        "add %r8, %rax\n imul %rax, %rbx\n xor %rbx, %rcx\n lea 1(%rcx,%rdx), %rdx\n"
        "rol $7, %rbp\n add %rdx, %r9\n sub %rax, %r10\n xor %r9, %r11\n"
        "add %r11, %r12\n imul $33, %r13, %r13\n add %r8, %r13\n ror $3, %r14\n"
        "xor %rax, %r14\n add %r10, %r15\n"
        "mov %r15, (%rdi,%rsi)\n"
        "add $8, %rsi\n add %r12, %rbx\n jmp hot_loop_top\n");

static void print_regs(const ucontext_t *uc)
{
    static const struct { const char *name; int reg; } regs[] = {
        { "rax", REG_RAX }, { "rbx", REG_RBX }, { "rcx", REG_RCX }, { "rdx", REG_RDX },
        { "rsi", REG_RSI }, { "rbp", REG_RBP }, { "r8", REG_R8 },
        { "r9", REG_R9 }, { "r10", REG_R10 }, { "r11", REG_R11 }, { "r12", REG_R12 },
        { "r13", REG_R13 }, { "r14", REG_R14 }, { "r15", REG_R15 },
    };
    const greg_t *g = uc->uc_mcontext.gregs;
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  %-3s %016llx\n", regs[i].name, (unsigned long long)g[regs[i].reg]);
    }
    printf("  rdi region%+ld\n", (long)((char *)g[REG_RDI] - region));
    printf("  pc  loop+%ld  flags %03llx  trapno %lld  write %lld\n",
           (long)((char *)g[REG_RIP] - hot_loop_top),
           (unsigned long long)(g[REG_EFL] & ARITH_FLAGS),
           (long long)g[REG_TRAPNO], (long long)(g[REG_ERR] & ERR_WRITE));
}
#else
/* i386: base and start on the stack (cdecl); every register but esp used */
__asm__(".text\n.globl hot_loop\nhot_loop:\n"
        "mov 4(%esp), %edi\n mov 8(%esp), %esi\n"
        "mov $0x11111111, %eax\n mov $0x22222222, %ebx\n mov $0x33333333, %ecx\n"
        "mov $0x44444444, %edx\n mov $0x55555555, %ebp\n"
        ".globl hot_loop_top\nhot_loop_top:\n"
        "mov (%edi,%esi), %eax\n"
        "add %eax, %ebx\n imul %ebx, %ecx\n xor %ecx, %edx\n lea 1(%edx,%ebp), %ebp\n"
        "rol $5, %ebx\n"
        "mov %ebp, (%edi,%esi)\n"
        "add $4, %esi\n add %edx, %ecx\n jmp hot_loop_top\n");

static void print_regs(const ucontext_t *uc)
{
    static const struct { const char *name; int reg; } regs[] = {
        { "eax", REG_EAX }, { "ebx", REG_EBX }, { "ecx", REG_ECX }, { "edx", REG_EDX },
        { "esi", REG_ESI }, { "ebp", REG_EBP },
    };
    const greg_t *g = uc->uc_mcontext.gregs;
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  %-3s %08lx\n", regs[i].name, (unsigned long)(uint32_t)g[regs[i].reg]);
    }
    printf("  edi region%+ld\n", (long)((char *)g[REG_EDI] - region));
    printf("  pc  loop+%ld  flags %03lx  trapno %ld  write %ld\n",
           (long)((char *)g[REG_EIP] - hot_loop_top),
           (unsigned long)(g[REG_EFL] & ARITH_FLAGS), (long)g[REG_TRAPNO],
           (long)(g[REG_ERR] & ERR_WRITE));
}
#endif

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    printf("SIGSEGV %d code %d at region+%ld\n", sig, si->si_code,
           (long)((char *)si->si_addr - region));
    print_regs(ctx);
    siglongjmp(jump, 1);
}

/* One run: the loop walks up from start until it touches the last page. */
static void run(const char *what, int guard_prot, long start)
{
    long rw = RW_PAGES * page_size;
    uint32_t x = 12345;
    mprotect(region, rw, PROT_READ | PROT_WRITE);
    for (long i = 0; i < rw; i++) {
        x = x * 1103515245u + 12345u;          /* fixed pseudo-random data */
        region[i] = (char)(x >> 16);
    }
    mprotect(region + rw, page_size, guard_prot);
    printf("%s, start region+%ld\n", what, start);
    fflush(stdout);
    if (sigsetjmp(jump, 1) == 0) {
        hot_loop(region, start);
    }
    fflush(stdout);
}

int main(void)
{
    page_size = sysconf(_SC_PAGESIZE);
    region = map_region(RW_PAGES, page_size);
    catch_signal(SIGSEGV, segv_handler);
    long end = RW_PAGES * page_size;
    run("load fault, hot loop", PROT_NONE, 0);
    run("store fault, hot loop", PROT_READ, 0);
    run("load fault, cold loop", PROT_NONE, end - 8);
    run("store fault, cold loop", PROT_READ, end - 24);
    run("load fault, hot loop again", PROT_NONE, 8);
    /* the first access faults: registers just set to constants, which the
     * translator may keep out of the CPU state until the block ends */
    run("load fault, first access", PROT_NONE, end);
    return 0;
}

/* Faults on indexed guest accesses, base + index*scale + disp with each scale
 * (1, 2, 4, 8): the translator folds such an address into the host access
 * (tcg/regalloc.c, tcg_fold_mem_offsets), so a fault there must still see
 * every guest register exact. One hand-written loop per scale keeps many
 * registers live, loads through 8(base,index,scale), then adds to memory
 * there (a read-modify-write: one folded address for its load and store); the
 * walk runs into a PROT_NONE page (the load faults) or a read-only page (the
 * read-modify-write's store faults, with the flags of before the add), hot
 * (thousands of iterations: chained, register-cached code) or at the first
 * access. The SIGSEGV handler prints the registers (not the stack
 * pointer; the base and pc relative to the region and the loop), the
 * arithmetic flags and the fault address. Compared with a native run
 * (tests/check-user.sh). Page faults: Intel SDM vol. 3A, 4.7. */
#define _GNU_SOURCE
#include <stdint.h>
#include <ucontext.h>
#include <unistd.h>

#include "fault-region.h"

#define RW_PAGES 8
#define DISP 8

#ifdef __x86_64__
/* rdi = region, rsi = first index; never returns (the handler longjmps).
 * The index steps so that each 4-byte access is aligned: 4 / scale, or 1. */
#define LOOP(name, scale, step)                                                        \
    ".globl " name "\n" name ":\n"                                                     \
    "movabs $0x1111111111111111, %rax\n movabs $0x2222222222222222, %rbx\n"           \
    "movabs $0x3333333333333333, %rcx\n mov $4, %rdx\n mov $5, %rbp\n"                 \
    "mov $9, %r9\n movabs $0xaaaaaaaaaaaaaaaa, %r10\n mov $11, %r11\n"                 \
    "mov $12, %r12\n mov $13, %r13\n mov $14, %r14\n mov $15, %r15\n"                  \
    "cmp $5, %rdx\n" /* flags known at a first-access fault, not the caller's */      \
    ".globl " name "_top\n" name "_top:\n"                                             \
    "mov 8(%rdi,%rsi," #scale "), %r8d\n"                                              \
    "add %r8, %rax\n imul %rax, %rbx\n lea 3(%rbx,%rcx,2), %rcx\n xor %rcx, %rdx\n"    \
    "rol $5, %rbp\n add %rdx, %r9\n sub %r8, %r10\n add %r10, %r11\n"                  \
    "imul $7, %r12, %r12\n xor %r9, %r13\n add %r11, %r14\n ror $9, %r15\n"            \
    "add %ecx, 8(%rdi,%rsi," #scale ")\n"                                              \
    "add $" #step ", %rsi\n add %r13, %r15\n jmp " name "_top\n"

__asm__(".text\n" LOOP("walk1", 1, 4) LOOP("walk2", 2, 2) LOOP("walk4", 4, 1)
        LOOP("walk8", 8, 1));

static void print_regs(const greg_t *g)
{
    static const struct { const char *name; int reg; } regs[] = {
        { "rax", REG_RAX }, { "rbx", REG_RBX }, { "rcx", REG_RCX }, { "rdx", REG_RDX },
        { "rsi", REG_RSI }, { "rbp", REG_RBP }, { "r8", REG_R8 }, { "r9", REG_R9 },
        { "r10", REG_R10 }, { "r11", REG_R11 }, { "r12", REG_R12 }, { "r13", REG_R13 },
        { "r14", REG_R14 }, { "r15", REG_R15 },
    };
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  %-3s %016llx\n", regs[i].name, (unsigned long long)g[regs[i].reg]);
    }
}
#define REG_BASE REG_RDI
#define REG_PC REG_RIP
#else
/* i386 (cdecl): region and first index on the stack; all registers but esp */
#define LOOP(name, scale, step)                                                        \
    ".globl " name "\n" name ":\n"                                                     \
    "mov 4(%esp), %edi\n mov 8(%esp), %esi\n"                                          \
    "mov $0x11111111, %eax\n mov $0x22222222, %ebx\n mov $0x33333333, %ecx\n"         \
    "mov $4, %edx\n mov $5, %ebp\n cmp $5, %edx\n" /* flags known at once */          \
    ".globl " name "_top\n" name "_top:\n"                                             \
    "mov 8(%edi,%esi," #scale "), %eax\n"                                              \
    "add %eax, %ebx\n imul %ebx, %ecx\n lea 3(%ecx,%edx,2), %edx\n rol $5, %ebp\n"     \
    "xor %edx, %ebp\n"                                                                 \
    "add %ebp, 8(%edi,%esi," #scale ")\n"                                              \
    "add $" #step ", %esi\n add %edx, %ecx\n jmp " name "_top\n"

__asm__(".text\n" LOOP("walk1", 1, 4) LOOP("walk2", 2, 2) LOOP("walk4", 4, 1)
        LOOP("walk8", 8, 1));

static void print_regs(const greg_t *g)
{
    static const struct { const char *name; int reg; } regs[] = {
        { "eax", REG_EAX }, { "ebx", REG_EBX }, { "ecx", REG_ECX }, { "edx", REG_EDX },
        { "esi", REG_ESI }, { "ebp", REG_EBP },
    };
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        printf("  %-3s %08lx\n", regs[i].name, (unsigned long)(uint32_t)g[regs[i].reg]);
    }
}
#define REG_BASE REG_EDI
#define REG_PC REG_EIP
#endif

void walk1(char *region, long first);
void walk2(char *region, long first);
void walk4(char *region, long first);
void walk8(char *region, long first);
extern char walk1_top[], walk2_top[], walk4_top[], walk8_top[];

static const struct {
    int scale;
    void (*walk)(char *, long);
    char *top;
} walks[] = {
    { 1, walk1, walk1_top }, { 2, walk2, walk2_top }, { 4, walk4, walk4_top },
    { 8, walk8, walk8_top },
};

static long page_size;
static const char *current_top;

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    printf("SIGSEGV %d code %d at region+%ld\n", sig, si->si_code,
           (long)((char *)si->si_addr - region));
    print_regs(g);
    printf("  base region%+ld  pc loop%+ld  flags %03llx  write %lld\n",
           (long)((char *)g[REG_BASE] - region), (long)((char *)g[REG_PC] - current_top),
           (unsigned long long)(g[REG_EFL] & ARITH_FLAGS),
           (long long)(g[REG_ERR] & 2));   /* error code bit 1: write */
    siglongjmp(jump, 1);
}

static void run(int w, const char *what, int guard_prot, long first)
{
    long rw = RW_PAGES * page_size;
    uint32_t x = 777;
    mprotect(region, rw, PROT_READ | PROT_WRITE);
    for (long i = 0; i < rw; i++) {
        x = x * 1664525u + 1013904223u;        /* fixed pseudo-random data */
        region[i] = (char)(x >> 24);
    }
    mprotect(region + rw, page_size, guard_prot);
    printf("scale %d, %s, first index %ld\n", walks[w].scale, what, first);
    fflush(stdout);
    current_top = walks[w].top;
    if (sigsetjmp(jump, 1) == 0) {
        walks[w].walk(region, first);
    }
    fflush(stdout);
}

int main(void)
{
    page_size = sysconf(_SC_PAGESIZE);
    region = map_region(RW_PAGES, page_size);
    catch_signal(SIGSEGV, segv_handler);
    for (int w = 0; w < 4; w++) {
        /* the index whose access is the guard page's first word */
        long guard = (RW_PAGES * page_size - DISP) / walks[w].scale;
        run(w, "load fault, hot", PROT_NONE, 0);
        run(w, "store fault, hot", PROT_READ, 0);
        run(w, "load fault, first access", PROT_NONE, guard);
        run(w, "store fault, first access", PROT_READ, guard);
    }
    return 0;
}

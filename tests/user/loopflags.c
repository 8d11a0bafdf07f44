/* The arithmetic flags of a loop the translator keeps in host registers
 * (tcg/loop.c) whose body sets the flags before anything can see them
 * ("top: add $1, ax; add ax, bx; dec cx; jnz top"): their lazy fields then
 * stay out of the loop's registers and are stored only when the back edge is
 * not taken as a chained jump (tcg_loop_defers). SIGALRM, delivered when the
 * execution layer unchains the loop, must see at "top" the flags of the
 * previous iteration's DEC (OF SF ZF AF PF) and ADD (CF: the sum wrapped
 * below the counter); after the loop, PUSHF sees the last DEC's. The handler
 * works out the flags for whichever instruction of the loop the saved pc
 * names (natively the signals land anywhere in it, emulated at "top").
 * Then a loop whose first instruction is a load walks into a guard page: the
 * SIGSEGV handler's flags are the previous iteration's SUB's.
 * Output compared with a native run (tests/check-user.sh). */
#define _GNU_SOURCE
#include "flag-hash.h"
#include <sys/time.h>

#ifdef __x86_64__
#define PC REG_RIP
#define AX REG_RAX
#define BX REG_RBX
#define CX REG_RCX
#define R(x) "%r" #x
#else
#define PC REG_EIP
#define AX REG_EAX
#define BX REG_EBX
#define CX REG_ECX
#define R(x) "%e" #x
#endif

/* count in cx, the sum starts at bx: returns the flags after the loop */
ulong flag_loop(ulong count, ulong start);
extern char flag_top[], flag_a[], flag_b[], flag_c[], flag_end[];
#ifdef __x86_64__
__asm__(".text\n.globl flag_loop\nflag_loop:\n push %rbx\n mov %rdi, %rcx\n mov %rsi, %rbx\n"
        " mov $-7, %rax\n"
        ".globl flag_top\nflag_top:\n add $1, %rax\n"
        ".globl flag_a\nflag_a:\n add %rax, %rbx\n.globl flag_b\nflag_b:\n dec %rcx\n"
        ".globl flag_c\nflag_c:\n jnz flag_top\n"
        ".globl flag_end\nflag_end:\n pushf\n pop %rax\n pop %rbx\n ret\n");
#else
__asm__(".text\n.globl flag_loop\nflag_loop:\n push %ebx\n mov 8(%esp), %ecx\n mov 12(%esp), %ebx\n"
        " mov $-7, %eax\n"
        ".globl flag_top\nflag_top:\n add $1, %eax\n"
        ".globl flag_a\nflag_a:\n add %eax, %ebx\n.globl flag_b\nflag_b:\n dec %ecx\n"
        ".globl flag_c\nflag_c:\n jnz flag_top\n"
        ".globl flag_end\nflag_end:\n pushf\n pop %eax\n pop %ebx\n ret\n");
#endif

/* "xor ax, ax (logic flags); top: add (di), ax; add $8, di; sub $1, dx;
 * jnz top" walking into a guard page: the load is the loop's first
 * observation of the flags, the previous SUB's (its lazy fields written in
 * the loop, never read there: no header register holds them, tcg/loop.c) */
ulong walk_loop(const void *from, ulong count);
#ifdef __x86_64__
__asm__(".text\n.globl walk_loop\nwalk_loop:\n mov %rsi, %rdx\n xor %eax, %eax\n"
        "1:\n add (%rdi), %rax\n add $8, %rdi\n sub $1, %rdx\n jnz 1b\n ret\n");
#else
__asm__(".text\n.globl walk_loop\nwalk_loop:\n mov 4(%esp), %ecx\n mov 8(%esp), %edx\n"
        " xor %eax, %eax\n"
        "1:\n add (%ecx), %eax\n add $8, %ecx\n sub $1, %edx\n jnz 1b\n ret\n");
#define REG_RDX REG_EDX
#define REG_RAX REG_EAX
#endif

static sigjmp_buf walked;
static ulong walk_fault[3];

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    (void)sig;
    (void)si;
    walk_fault[0] = (ulong)g[REG_EFL] & ARITH_FLAGS;
    walk_fault[1] = (ulong)g[REG_RDX];
    walk_fault[2] = (ulong)g[REG_RAX];
    siglongjmp(walked, 1);
}

/* from every 8-byte step before the guard page, a count that runs into it */
static void walk_faults(void)
{
    long page = sysconf(_SC_PAGESIZE);
    ulong *m = guarded_pages(page, on_segv);
    for (long i = 0; i < page / 8; i++) {
        m[i] = (ulong)i * 0x9e3779b97f4a7c15ULL;
    }
    hash = 14695981039346656037ULL;
    for (long start = 0; start < page / 8; start += 7) {
        if (!sigsetjmp(walked, 1)) {
            walk_loop(m + start, 1000000);
            printf("walk from %ld ended without a fault\n", start);
        }
        mix(walk_fault[0]);
        mix(walk_fault[1]);
        mix(walk_fault[2]);
    }
    signal(SIGSEGV, SIG_DFL);
    report("faults in a load-first loop", (unsigned)(page / 8 / 7 + 1));
}

static volatile unsigned in_loop, at_top, wrong;

/* the flags DEC leaves when its result is x */
static ulong dec_flags(ulong x)
{
    ulong f, v = x + 1;
    __asm__ volatile("dec %1\n\tpushf\n\tpop %0" : "=r"(f), "+r"(v) : : "cc");
    return f & (ARITH_FLAGS & ~1UL);
}

/* the flags ADD leaves when it adds b and its result is x */
static ulong add_flags(ulong x, ulong b)
{
    ulong f, v = x - b;
    __asm__ volatile("add %2, %1\n\tpushf\n\tpop %0" : "=r"(f), "+r"(v) : "r"(b) : "cc");
    return f & ARITH_FLAGS;
}

/* The flags the instruction at pc must see, from the registers there. */
static ulong want_flags(const char *pc, ulong ax, ulong bx, ulong cx)
{
    if (pc == flag_a) {
        return add_flags(ax, 1);
    } else if (pc == flag_b) {
        return add_flags(bx, ax);
    }
    /* flag_top (after jnz) and flag_c: DEC's, and the carry of the sum */
    return dec_flags(cx) | (bx < ax ? 1UL : 0);
}

static void on_alarm(int sig, siginfo_t *si, void *ctx)
{
    const greg_t *g = ((const ucontext_t *)ctx)->uc_mcontext.gregs;
    const char *pc = (const char *)g[PC];
    ulong ax = (ulong)g[AX], bx = (ulong)g[BX], cx = (ulong)g[CX];
    (void)sig;
    (void)si;
    if (pc < flag_top || pc >= flag_end || (pc == flag_top && ax == (ulong)-7)) {
        return;                      /* outside, or the loop's first entry */
    }
    in_loop++;
    at_top += pc == flag_top;
    ulong want = want_flags(pc, ax, bx, cx);
    if (((ulong)g[REG_EFL] & ARITH_FLAGS) != want && wrong++ < 3) {
        printf("  flags at top+%ld %03lx, want %03lx (ax %lx bx %lx cx %lx)\n",
               (long)(pc - flag_top), (ulong)g[REG_EFL] & ARITH_FLAGS, want, ax, bx, cx);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 500 }, { 0, 500 } };
    setitimer(ITIMER_REAL, &it, NULL);
    ulong f[4];
    /* sums that wrap (CF set at times) and that do not */
    for (int round = 0; round < 4; round++) {
        f[round] = flag_loop(100000000UL - round, round & 1 ? (ulong)-5000000000000UL : (ulong)round);
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    for (int round = 0; round < 4; round++) {
        printf("flags after loop %d: %03lx\n", round, f[round] & ARITH_FLAGS);
    }
    printf("signals in the loop: %s\n", in_loop ? "some" : "none");
    printf("flags there: %s\n", wrong ? "WRONG" : "exact");
    walk_faults();
    return 0;
}

/* Guest faults reach the guest's handlers: SIGSEGV (unmapped and read-only
 * pages: si_code, si_addr, trapno, err, cr2; the handler mprotects and the
 * store is retried), SIGFPE from a division by zero (left by siglongjmp),
 * SIGILL from ud2 (the handler skips it), SIGTRAP from int3 (resumes after
 * it), and a blocked SIGSEGV still kills. Output compared with a native run. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef __x86_64__
#define PC_REG REG_RIP
#define CR2(uc) ((uc)->uc_mcontext.gregs[REG_CR2])
#else
#define PC_REG REG_EIP
#define CR2(uc) ((uc)->uc_mcontext.cr2)
#endif

static char *page;
static long page_size;
static sigjmp_buf jump;
static volatile int seen;

static void segv_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    printf("SIGSEGV %d: code %d addr at page+%ld trapno %ld err %ld cr2 ok %d\n", sig,
           si->si_code, (long)((char *)si->si_addr - page), (long)uc->uc_mcontext.gregs[REG_TRAPNO],
           (long)uc->uc_mcontext.gregs[REG_ERR],
           (uintptr_t)CR2(uc) == (uintptr_t)si->si_addr);
    if (si->si_code == SEGV_ACCERR) {
        mprotect(page, page_size, PROT_READ | PROT_WRITE);
    } else {
        siglongjmp(jump, 1);
    }
}

static void fpe_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    printf("SIGFPE %d: code %d (FPE_INTDIV %d) addr is pc %d\n", sig, si->si_code, FPE_INTDIV,
           (uintptr_t)si->si_addr == (uintptr_t)uc->uc_mcontext.gregs[PC_REG]);
    siglongjmp(jump, 1);
}

static void ill_handler(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    printf("SIGILL %d: code %d (ILL_ILLOPN %d)\n", sig, si->si_code, ILL_ILLOPN);
    uc->uc_mcontext.gregs[PC_REG] += 2;
}

static void trap_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    printf("SIGTRAP %d: code %d\n", sig, si->si_code);
    seen++;
}

static void on(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    page_size = sysconf(_SC_PAGESIZE);
    page = mmap(NULL, 2 * page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + page_size, page_size);
    on(SIGSEGV, segv_handler);
    volatile char *p = page + 100;
    /* read first: the page is then present, and the store's error code says
     * so on both sides (Linux maps no page before the first touch) */
    printf("reads %d\n", *p);
    *p = 5;
    printf("store retried after mprotect: %d\n", page[100]);
    if (sigsetjmp(jump, 1) == 0) {
        volatile char c = page[page_size + 8];
        (void)c;
        printf("not reached\n");
    }
    printf("back from the unmapped read\n");

    on(SIGFPE, fpe_handler);
    volatile int zero = 0, ten = 10;
    if (sigsetjmp(jump, 1) == 0) {
        printf("%d\n", ten / zero);
    }
    printf("back from the division\n");

    on(SIGILL, ill_handler);
    __asm__ volatile("ud2");
    printf("skipped ud2\n");

    on(SIGTRAP, trap_handler);
    __asm__ volatile("int3");
    printf("after int3: %d\n", seen);

    /* a fault while its signal is blocked kills (Linux force_sig_fault) */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        page[page_size + 8] = 1;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("blocked SIGSEGV: killed %d by %d\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}

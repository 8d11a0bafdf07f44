/* Signal handlers run: raise and kill to itself, SA_SIGINFO fields, the mask
 * inside a handler, sigsuspend, setitimer + SIGALRM, SA_RESTART against
 * EINTR, sigtimedwait, sigqueue, SA_RESETHAND, sigaltstack, FPU/SSE state
 * kept across handlers, a handler that edits the saved context, stop/continue
 * of a child, and a POSIX timer sending a real-time signal. Output compared
 * with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t count, last_sig, usr1_blocked_inside, last_code, value_seen;
static volatile sig_atomic_t same_pid, on_alt;
static char *alt_base;
static size_t alt_size = 65536;

static void handler(int sig)
{
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    usr1_blocked_inside = sigismember(&now, SIGUSR1);
    last_sig = sig;
    count++;
    /* floating point in the handler must not leak into the interrupted code */
    volatile double x = 1.0;
    for (int i = 0; i < 10; i++) {
        x = x * 3.25 + 0.5;
    }
    char here;
    on_alt = alt_base && &here >= alt_base && &here < alt_base + alt_size;
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    last_code = si->si_code;
    same_pid = si->si_pid == getpid();
    value_seen = si->si_value.sival_int;
    count++;
}

static void set_action(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void set_info_action(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void test_raise(void)
{
    set_action(SIGUSR1, handler, 0);
    count = 0;
    raise(SIGUSR1);
    printf("raise: count %d sig %d USR1 blocked inside %d\n", count, last_sig,
           usr1_blocked_inside);
    kill(getpid(), SIGUSR1);
    printf("kill self: count %d\n", count);
    set_info_action(SIGUSR2);
    raise(SIGUSR2);
    printf("siginfo: sig %d code %d (SI_TKILL %d) own pid %d\n", last_sig, last_code,
           SI_TKILL, same_pid);
    union sigval v = { .sival_int = 4242 };
    sigqueue(getpid(), SIGUSR2, v);
    printf("sigqueue: code %d (SI_QUEUE %d) value %d\n", last_code, SI_QUEUE, value_seen);
    /* blocked: held until unblocked, then delivered once */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    count = 0;
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pending;
    sigpending(&pending);
    printf("blocked: count %d pending %d\n", count, sigismember(&pending, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("unblocked: count %d\n", count);
}

static void test_sigsuspend(void)
{
    sigset_t block, old, empty, after;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    count = 0;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    sigemptyset(&empty);
    int r = sigsuspend(&empty);
    int e = errno;
    sigprocmask(SIG_SETMASK, NULL, &after);
    printf("sigsuspend: %d %s count %d, USR1 blocked again %d\n", r, strerror(e), count,
           sigismember(&after, SIGUSR1));
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_itimer(void)
{
    set_action(SIGALRM, handler, 0);
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, back;
    count = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &back);
    printf("getitimer: interval %ld armed %d\n", (long)back.it_interval.tv_usec,
           back.it_value.tv_sec > 0 || back.it_value.tv_usec > 0);
    /* floating point running while SIGALRM keeps coming */
    double sum = 0;
    while (count < 5) {
        for (int i = 1; i <= 1000; i++) {
            sum += 1.0 / i;
        }
        sum -= 7.485470860550345;
    }
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, NULL);
    printf("itimer: 5 alarms, sum exact %d\n", sum < 1e-6 && sum > -1e-6);
}

static void test_restart(int flags, const char *what)
{
    int fds[2];
    pipe(fds);
    set_action(SIGALRM, handler, flags);
    count = 0;
    pid_t pid = fork();
    if (pid == 0) {
        usleep(300000);
        write(fds[1], "x", 1);
        _exit(0);
    }
    close(fds[1]);
    struct itimerval it = { { 0, 0 }, { 0, 100000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    char c;
    errno = 0;
    ssize_t n = read(fds[0], &c, 1);
    printf("%s: read %zd %s, handler ran %d\n", what, n, n < 0 ? strerror(errno) : "",
           count);
    waitpid(pid, NULL, 0);
    close(fds[0]);
}

static void test_sigtimedwait(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    siginfo_t si;
    int sig = sigtimedwait(&set, &si, NULL);
    printf("sigtimedwait: %d code %d\n", sig, si.si_code);
    struct timespec ts = { 0, 10000000 };
    errno = 0;
    sig = sigtimedwait(&set, &si, &ts);
    printf("sigtimedwait timeout: %d %s\n", sig, strerror(errno));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void test_resethand(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        set_action(SIGUSR1, handler, SA_RESETHAND);
        raise(SIGUSR1);
        printf("resethand: first raise handled %d\n", count);
        fflush(stdout);
        raise(SIGUSR1);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("resethand: second raise killed %d by %d\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void test_altstack(void)
{
    alt_base = malloc(alt_size);
    stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    set_action(SIGUSR1, handler, SA_ONSTACK);
    on_alt = 0;
    raise(SIGUSR1);
    printf("altstack: handler on the alternate stack %d\n", on_alt);
    set_action(SIGUSR1, handler, 0);
    raise(SIGUSR1);
    printf("altstack: without SA_ONSTACK %d\n", on_alt);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    alt_base = NULL;
}

/* The handler moves the interrupted code past a trap: edits the saved
 * context's instruction pointer (ud2 is 2 bytes). */
static void skip_ud2(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
#ifdef __x86_64__
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    uc->uc_mcontext.gregs[REG_RAX] = 1234;
#else
    uc->uc_mcontext.gregs[REG_EIP] += 2;
    uc->uc_mcontext.gregs[REG_EAX] = 1234;
#endif
}

static void test_context_edit(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = skip_ud2;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    long result = 0;
    /* a kill to itself from inline code, so the saved rip is right here */
#ifdef __x86_64__
    __asm__ volatile("syscall\n\tud2" : "=a"(result)
                     : "a"(62L), "D"((long)getpid()), "S"((long)SIGUSR1)
                     : "rcx", "r11", "memory");
#else
    __asm__ volatile("int $0x80\n\tud2" : "=a"(result)
                     : "a"(37L), "b"((long)getpid()), "c"((long)SIGUSR1)
                     : "memory");
#endif
    printf("context edit: resumed past ud2, eax %ld\n", result);
}

static void test_stop_continue(void)
{
    fflush(stdout);
    int fds[2];
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        raise(SIGSTOP);
        /* stays until the parent saw it continue */
        read(fds[0], &c, 1);
        _exit(7);
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, WUNTRACED);
    printf("stopped %d by %d\n", WIFSTOPPED(status), WIFSTOPPED(status) ? WSTOPSIG(status) : 0);
    kill(pid, SIGCONT);
    waitpid(pid, &status, WCONTINUED);
    printf("continued %d\n", WIFCONTINUED(status));
    close(fds[1]);
    fflush(stdout);
    waitpid(pid, &status, 0);
    printf("exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
}

static volatile int rt_values[16], rt_count;

static void rt_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (rt_count < 16) {
        rt_values[rt_count++] = si->si_value.sival_int;
    }
}

/* Real-time signals queue, each with its value, delivered in order; standard
 * ones merge (signal(7)). */
static void test_rt_queue(void)
{
    int sig = SIGRTMIN + 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = rt_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    set_action(SIGUSR1, handler, 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, sig);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    for (int i = 1; i <= 5; i++) {
        union sigval v = { .sival_int = i * 11 };
        sigqueue(getpid(), sig, v);
        raise(SIGUSR1);
    }
    count = 0;
    rt_count = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("rt queue: %d delivered:", rt_count);
    for (int i = 0; i < rt_count; i++) {
        printf(" %d", rt_values[i]);
    }
    printf("; SIGUSR1 five times, delivered %d\n", count);
}

static void test_posix_timer(void)
{
    int sig = SIGRTMIN + 1;
    set_info_action(sig);
    sigset_t block, old, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = sig;
    ev.sigev_value.sival_int = 77;
    timer_t timer;
    printf("timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &timer));
    struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, back;
    printf("timer_settime: %d\n", timer_settime(timer, 0, &its, NULL));
    timer_gettime(timer, &back);
    printf("timer_gettime: interval %ld armed %d\n", back.it_interval.tv_nsec,
           back.it_value.tv_sec > 0 || back.it_value.tv_nsec > 0);
    count = 0;
    sigemptyset(&wait_mask);
    while (count < 3) {
        sigsuspend(&wait_mask);
    }
    printf("timer signals: sig offset %d code %d (SI_TIMER %d) value %d\n",
           last_sig - SIGRTMIN, last_code, SI_TIMER, value_seen);
    printf("timer_getoverrun >= 0: %d\n", timer_getoverrun(timer) >= 0);
    printf("timer_delete: %d\n", timer_delete(timer));
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* i386 only: the old calls (signal, sigaction, sigprocmask, sigpending,
 * sgetmask/ssetmask) with 32-bit masks; signal()'s handler has no
 * SA_RESTORER, so it returns through the kernel's trampoline. */
static void test_old_calls(void)
{
#ifdef SYS_sgetmask
    struct old_sigaction {
        void (*handler)(int);
        unsigned long mask, flags;
        void (*restorer)(void);
    } oact;
    count = 0;
    long old = syscall(SYS_signal, SIGUSR2, handler);
    raise(SIGUSR2);
    printf("old signal: returned a handler %d, count %d\n", old != -1, count);
    syscall(SYS_sigaction, SIGUSR2, NULL, &oact);
    printf("old sigaction: handler %d flags 0x%lx (one-shot, no-mask)\n",
           oact.handler == SIG_DFL, oact.flags);
    unsigned long set = 1UL << (SIGUSR1 - 1), prev = 0;
    syscall(SYS_sigprocmask, SIG_BLOCK, &set, &prev);
    printf("old sigprocmask: sgetmask has USR1 %d\n",
           (syscall(SYS_sgetmask) & set) != 0);
    set_action(SIGUSR1, handler, 0);
    count = 0;
    raise(SIGUSR1);
    unsigned long pending = 0;
    syscall(SYS_sigpending, &pending);
    printf("old sigpending: USR1 %d count %d\n", (pending & set) != 0, count);
    syscall(SYS_ssetmask, 0UL);
    printf("ssetmask: count %d\n", count);
#else
    printf("old calls: i386 only\n");
#endif
}

/* execve keeps the mask and the pending signals: a blocked SIGUSR2 raised
 * before it is still pending in the new program */
static void test_exec_pending(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        sigprocmask(SIG_BLOCK, &set, NULL);
        raise(SIGUSR2);
        execl("/proc/self/exe", "sighandler", "after-exec", (char *)NULL);
        _exit(99);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("exec child: exited %d status %d\n", WIFEXITED(status), WEXITSTATUS(status));
}

static int after_exec(void)
{
    sigset_t pending, mask;
    sigpending(&pending);
    sigprocmask(SIG_SETMASK, NULL, &mask);
    printf("after exec: USR2 pending %d blocked %d\n", sigismember(&pending, SIGUSR2),
           sigismember(&mask, SIGUSR2));
    return 5;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        return after_exec();
    }
    test_raise();
    test_sigsuspend();
    test_itimer();
    test_restart(SA_RESTART, "SA_RESTART");
    test_restart(0, "no SA_RESTART");
    test_sigtimedwait();
    test_resethand();
    test_altstack();
    test_context_edit();
    test_stop_continue();
    test_posix_timer();
    test_rt_queue();
    test_old_calls();
    test_exec_pending();
    return 0;
}

/*
 * Event descriptors and the less common calls, run natively and under the
 * emulator (tests/check-user.sh compares the output): timerfd, signalfd
 * (a blocked signal the program sends itself, read back with its info),
 * inotify, eventfd, epoll_pwait with a signal mask, splice/tee, vmsplice,
 * preadv2/pwritev2, mlock/mlockall, mincore, sched priorities, chroot,
 * waitid, setitimer/getitimer, POSIX timers with SIGEV_SIGNAL, rseq tolerance.
 * argv[1]: a scratch folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[4096];

static void test_timerfd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    /* armed for 10 s first: a loaded machine must not let it expire before
     * the gettime; then 20 ms for the blocking read */
    struct itimerspec its = { { 0, 0 }, { 10, 0 } }, cur;
    printf("timerfd_settime %d\n", timerfd_settime(fd, 0, &its, NULL));
    timerfd_gettime(fd, &cur);
    printf("armed: %d, interval %ld\n", cur.it_value.tv_sec > 0 && cur.it_value.tv_sec <= 10,
           (long)cur.it_interval.tv_nsec);
    its.it_value = (struct timespec){ 0, 20 * 1000 * 1000 };
    timerfd_settime(fd, 0, &its, NULL);
    uint64_t n = 0;
    ssize_t got = read(fd, &n, 8);
    printf("read %zd expirations %llu\n", got, (unsigned long long)n);
    its.it_value.tv_nsec = 0;
    printf("disarm %d\n", timerfd_settime(fd, 0, &its, &cur));
    int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    got = read(nb, &n, 8);
    printf("nonblocking read %zd errno %s\n", got, strerrorname_np(errno));
    int bad = timerfd_create(12345, 0);
    printf("bad clock: %d %s\n", bad, strerrorname_np(errno));
    close(fd);
    close(nb);
}

static void test_signalfd(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    int fd = signalfd(-1, &set, SFD_NONBLOCK);
    struct signalfd_siginfo si;
    ssize_t got = read(fd, &si, sizeof(si));
    printf("signalfd empty read %zd %s\n", got, strerrorname_np(errno));
    raise(SIGUSR2);
    kill(getpid(), SIGUSR1);
    struct pollfd pfd = { fd, POLLIN, 0 };
    int ready = poll(&pfd, 1, 1000);
    printf("poll %d revents %#x\n", ready, pfd.revents);
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof(si));
        ssize_t r = read(fd, &si, sizeof(si));
        printf("read %zd signo %u code %d pid-ok %d\n", r, si.ssi_signo, si.ssi_code,
               si.ssi_pid == (uint32_t)getpid());
    }
    sigset_t pending;
    sigpending(&pending);
    printf("still pending: %d %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
    union sigval v = { .sival_int = 77 };
    sigqueue(getpid(), SIGUSR1, v);
    ssize_t r = read(fd, &si, sizeof(si));
    printf("sigqueue read %zd signo %u code %d int %d\n", r, si.ssi_signo, si.ssi_code,
           si.ssi_int);
    long bad = syscall(SYS_signalfd4, -1, &set, 4, 0);
    printf("bad size: %ld %s\n", bad, strerrorname_np(errno));
    close(fd);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_inotify(void)
{
    int fd = inotify_init1(IN_NONBLOCK);
    int wd = inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE);
    printf("inotify watch %d\n", wd > 0);
    char path[4200];
    snprintf(path, sizeof(path), "%s/inotify-file", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    unlink(path);
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof(buf));
    for (char *q = buf; n > 0 && q < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)q;
        printf("event mask %#x name %s\n", ev->mask, ev->len ? ev->name : "");
        q += sizeof(*ev) + ev->len;
    }
    int rm = inotify_rm_watch(fd, wd);
    int again = inotify_rm_watch(fd, wd);
    printf("rm_watch %d, again %d %s\n", rm, again, strerrorname_np(errno));
    int missing = inotify_add_watch(fd, "/nonexistent/x", IN_ALL_EVENTS);
    printf("missing path %d %s\n", missing, strerrorname_np(errno));
    close(fd);
}

static void on_usr1(int sig) { (void)sig; }

static void test_epoll_eventfd(void)
{
    int ep = epoll_create1(0), ev = eventfd(3, EFD_NONBLOCK);
    struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
    struct epoll_event out[2];
    int n = epoll_pwait(ep, out, 2, 100, NULL);
    printf("epoll_pwait %d data %llx\n", n, (unsigned long long)out[0].data.u64);
    uint64_t v;
    ssize_t got = read(ev, &v, 8);
    printf("eventfd read %zd value %llu\n", got, (unsigned long long)v);
    /* SIGUSR1 blocked, a handler set: epoll_pwait's mask lets it in */
    signal(SIGUSR1, on_usr1);
    sigset_t block, during;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigemptyset(&during);
    n = epoll_pwait(ep, out, 2, 2000, &during);
    printf("epoll_pwait with mask: %d %s\n", n, n < 0 ? strerrorname_np(errno) : "");
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("mask back: %d\n", sigismember(&now, SIGUSR1));
    /* epoll_pwait2: a timespec timeout; an empty eventfd times out */
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    n = epoll_pwait2(ep, out, 2, &ts, NULL);
    printf("epoll_pwait2 timeout: %d\n", n);
    raise(SIGUSR1);
    n = epoll_pwait2(ep, out, 2, NULL, &during);
    printf("epoll_pwait2 with mask: %d %s\n", n, n < 0 ? strerrorname_np(errno) : "");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    signal(SIGUSR1, SIG_DFL);
    close(ep);
    close(ev);
}

static void test_splice(void)
{
    int a[2], b[2];
    pipe(a);
    pipe(b);
    write(a[1], "spliced text", 12);
    printf("tee %zd\n", tee(a[0], b[1], 64, SPLICE_F_NONBLOCK));
    char path[4200];
    snprintf(path, sizeof(path), "%s/splice-out", dir);
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t off = 4;
    printf("splice %zd off %lld\n", splice(a[0], NULL, f, &off, 64, 0), (long long)off);
    char buf[32] = { 0 };
    printf("pread %zd '%s'\n", pread(f, buf, sizeof(buf) - 1, 4), buf);
    memset(buf, 0, sizeof(buf));
    printf("tee copy %zd '%s'\n", read(b[0], buf, sizeof(buf) - 1), buf);
    struct iovec iov = { "vmspliced", 9 };
    printf("vmsplice %zd\n", vmsplice(b[1], &iov, 1, 0));
    memset(buf, 0, sizeof(buf));
    printf("read back %zd '%s'\n", read(b[0], buf, sizeof(buf) - 1), buf);
    char x[4] = "abcd", y[5] = "efghi";
    struct iovec w[2] = { { x, 4 }, { y, 5 } };
    printf("pwritev2 %zd\n", pwritev2(f, w, 2, 100, 0));
    char r1[3] = { 0 }, r2[7] = { 0 };
    struct iovec r[2] = { { r1, 2 }, { r2, 6 } };
    printf("preadv2 %zd '%s' '%s'\n", preadv2(f, r, 2, 101, 0), r1, r2);
    lseek(f, 0, SEEK_SET);
    memset(r1, 0, 3);
    memset(r2, 0, 7);
    ssize_t at = preadv2(f, r, 2, -1, 0);
    printf("preadv2 at -1 %zd '%.2s' pos %lld\n", at, r1, (long long)lseek(f, 0, SEEK_CUR));
    ssize_t bad = preadv2(f, r, 2, 0, 0x40000000);
    printf("bad flags %zd %s\n", bad, strerrorname_np(errno));
    close(f);
    close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

static void test_memory_calls(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    m[2 * page] = 1;
    unsigned char vec[4];
    int r = mincore(m, 4 * page, vec);
    printf("mincore %d: %d %d %d %d\n", r, vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    r = mincore(m + 1, page, vec);
    printf("mincore unaligned %d %s\n", r, strerrorname_np(errno));
    r = mlock(m, page);
    printf("mlock %d munlock %d\n", r, munlock(m, page));
    r = mlockall(0);
    printf("mlockall bad flags %d %s\n", r, strerrorname_np(errno));
    printf("munlockall %d\n", munlockall());
    munmap(m, 4 * page);
    printf("priorities FIFO %d..%d OTHER %d..%d\n", sched_get_priority_min(SCHED_FIFO),
           sched_get_priority_max(SCHED_FIFO), sched_get_priority_min(SCHED_OTHER),
           sched_get_priority_max(SCHED_OTHER));
    r = sched_get_priority_max(77);
    printf("bad policy %d %s\n", r, strerrorname_np(errno));
    r = chroot("/nonexistent-dir");
    printf("chroot missing %d %s\n", r, strerrorname_np(errno));
}

static volatile sig_atomic_t alarms, timer_hits, timer_value;

static void on_alarm(int sig) { (void)sig; alarms++; }

static void on_timer(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    timer_hits++;
    timer_value = si->si_value.sival_int;
}

static void test_timers_and_waitid(void)
{
    signal(SIGALRM, on_alarm);
    struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, got;
    printf("setitimer %d\n", setitimer(ITIMER_REAL, &it, NULL));
    getitimer(ITIMER_REAL, &got);
    printf("getitimer interval %ld\n", (long)got.it_interval.tv_usec);
    while (alarms < 3) {
        pause();
    }
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, NULL);
    printf("alarms >= 3: %d\n", alarms >= 3);

    struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
    sigaction(SIGRTMIN + 1, &sa, NULL);
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 1,
                            .sigev_value.sival_int = 4242 };
    timer_t t;
    printf("timer_create %d\n", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = { { 0, 0 }, { 0, 5 * 1000 * 1000 } }, cur;
    printf("timer_settime %d\n", timer_settime(t, 0, &its, NULL));
    while (!timer_hits) {
        usleep(1000);
    }
    timer_gettime(t, &cur);
    printf("timer fired %d value %d, now disarmed %d\n", timer_hits, timer_value,
           cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    printf("timer_delete %d\n", timer_delete(t));

    pid_t child = fork();
    if (child == 0) {
        _exit(7);
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int w = waitid(P_PID, child, &si, WEXITED);
    printf("waitid %d code %d status %d pid-ok %d\n", w, si.si_code, si.si_status,
           si.si_pid == child);
    w = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
    printf("waitid none %d %s\n", w, strerrorname_np(errno));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : "/tmp");
    test_timerfd();
    test_signalfd();
    test_inotify();
    test_epoll_eventfd();
    test_splice();
    test_memory_calls();
    test_timers_and_waitid();
    /* glibc registered rseq, or was told ENOSYS and carries on: either way here */
    printf("rseq tolerated\n");
    return 0;
}

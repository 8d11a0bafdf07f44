/* System calls given bad addresses (NULL, unmapped, a PROT_NONE page, kernel
 * space) must fail with EFAULT as on Linux, never bring the emulator down.
 * Each line: the call, its return value and errno. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void report(const char *what, long ret)
{
    printf("%-28s %ld %s\n", what, ret, ret < 0 ? strerror(errno) : "-");
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *readonly = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t kernel = sizeof(void *) == 8 ? (uintptr_t)0xffff800000000000ULL : 0xfffff000u;
    void *bad[] = { NULL, (void *)16, none, (void *)kernel };
    const char *names[] = { "NULL", "low", "PROT_NONE", "kernel" };
    char label[64];
    int fds[2];
    pipe(fds);
    write(fds[1], "data", 4);
    for (int i = 0; i < 4; i++) {
        void *b = bad[i];
#define TRY(call, expr) \
        snprintf(label, sizeof(label), "%s %s", call, names[i]); \
        errno = 0; \
        report(label, (long)(expr))
        TRY("read", read(fds[0], b, 4));
        TRY("write", write(fds[1], b, 4));
        TRY("open", syscall(SYS_open, b, 0));
        TRY("stat", syscall(SYS_stat, "/", b));
        TRY("fstat", syscall(SYS_fstat, 0, b));
        TRY("uname", syscall(SYS_uname, b));
        TRY("getcwd", syscall(SYS_getcwd, b, 100));
        TRY("clock_gettime", syscall(SYS_clock_gettime, CLOCK_REALTIME, b));
        TRY("pipe", syscall(SYS_pipe, b));
        TRY("readv", readv(fds[0], b, 1));
        TRY("writev", writev(fds[1], b, 1));
        TRY("getrandom", syscall(SYS_getrandom, b, 16, 0));
        TRY("readlink", syscall(SYS_readlink, "/proc/self/exe", b, 10));
        TRY("rt_sigaction", syscall(SYS_rt_sigaction, SIGUSR1, b, NULL, 8));
        TRY("rt_sigprocmask", syscall(SYS_rt_sigprocmask, SIG_BLOCK, b, NULL, 8));
        TRY("poll", syscall(SYS_poll, b, 1, 0));
        TRY("nanosleep", syscall(SYS_nanosleep, b, NULL));
        TRY("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, b));
        TRY("execve", syscall(SYS_execve, b, NULL, NULL));
    }
    /* the raw stat structure of this ABI: its first 32 bytes do not change */
    unsigned char raw[256];
    memset(raw, 0xee, sizeof(raw));
    report("stat /", syscall(SYS_stat, "/", raw));
    for (int i = 0; i < 32; i++) {
        printf("%02x%s", raw[i], i % 16 == 15 ? "\n" : " ");
    }
    errno = 0;
    report("read into read-only", read(fds[0], readonly, 4));
    report("uname into read-only", syscall(SYS_uname, readonly));
    return 0;
}

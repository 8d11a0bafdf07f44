/* System calls shells and tools need beyond the basics: creat, mkfifo and
 * mknod (mknodat), waitid, sched_get_priority_max/min, mlock/munlock,
 * mincore, chroot, preadv/pwritev. argv[1]: a scratch folder.
 * Output compared with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long ret)
{
    printf("%s: %ld %s\n", what, ret, ret < 0 ? strerror(errno) : "");
}

static void test_files(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/created", dir);
    int fd = creat(path, 0640);
    show("creat", fd >= 0 ? 0 : -1);
    struct stat st;
    stat(path, &st);
    printf("creat mode %o, write-only %d\n", st.st_mode & 0777,
           (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
    struct iovec out[2] = { { "hello ", 6 }, { "vectors", 7 } };
    close(fd);
    fd = open(path, O_RDWR);
    show("pwritev", pwritev(fd, out, 2, 3));
    char a[5] = { 0 }, b[9] = { 0 };
    struct iovec in[2] = { { a, 4 }, { b, 8 } };
    show("preadv", preadv(fd, in, 2, 4));
    printf("preadv read '%s' '%s'\n", a, b);
    fstat(fd, &st);
    printf("size %ld\n", (long)st.st_size);
    close(fd);

    snprintf(path, sizeof(path), "%s/fifo", dir);
    show("mkfifo", mkfifo(path, 0600));
    stat(path, &st);
    printf("fifo is a fifo %d\n", S_ISFIFO(st.st_mode));
    pid_t pid = fork();
    if (pid == 0) {
        int w = open(path, O_WRONLY);
        write(w, "through the fifo", 16);
        _exit(0);
    }
    int r = open(path, O_RDONLY);
    char buf[32] = { 0 };
    ssize_t n = read(r, buf, sizeof(buf) - 1);
    printf("fifo read %zd '%s'\n", n, buf);
    close(r);
    waitpid(pid, NULL, 0);
    snprintf(path, sizeof(path), "%s/node", dir);
    show("mknod regular", mknod(path, S_IFREG | 0600, 0));
    stat(path, &st);
    printf("node is regular %d\n", S_ISREG(st.st_mode));
    show("mkfifo exists", mkfifo(path, 0600));
}

static void test_waitid(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        _exit(42);
    }
    siginfo_t info;
    memset(&info, 0xff, sizeof(info));
    show("waitid WNOHANG", waitid(P_PID, pid, &info, WEXITED | WNOHANG));
    printf("nothing yet: pid %d\n", info.si_pid);
    show("waitid", waitid(P_PID, pid, &info, WEXITED));
    printf("child pid ok %d signo %d code %d (CLD_EXITED %d) status %d\n", info.si_pid == pid,
           info.si_signo, info.si_code, CLD_EXITED, info.si_status);
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGTERM);
    show("waitid P_ALL", waitid(P_ALL, 0, &info, WEXITED));
    printf("killed: code %d (CLD_KILLED %d) status %d\n", info.si_code, CLD_KILLED,
           info.si_status);
    errno = 0;
    show("waitid no child", waitid(P_ALL, 0, &info, WEXITED));
}

static void test_memory(void)
{
    printf("priority max FIFO %d min FIFO %d max OTHER %d\n", sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_OTHER));
    show("priority bad policy", sched_get_priority_max(12345));
    long page = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 1;
    m[2 * page] = 1;
    show("mlock", mlock(m + 10, 100));
    show("munlock", munlock(m + 10, 100));
    unsigned char vec[4];
    show("mincore", mincore(m, 4 * page, vec));
    printf("resident: %d %d\n", vec[0] & 1, vec[2] & 1);
    munmap(m + 3 * page, page);
    show("mincore unmapped", mincore(m, 4 * page, vec));
    show("mincore unaligned", mincore(m + 1, page, vec));
    munmap(m, 3 * page);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_files(argc > 1 ? argv[1] : ".");
    test_waitid();
    test_memory();
    show("chroot missing", chroot("/nonexistent-quetzal"));
    return 0;
}

/* Descriptor-based events and friends: epoll on a pipe, eventfd, memfd,
 * fallocate, copy_file_range, identity and scheduler queries.
 * Argument: a folder for the files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) != 0) {
        return 2;
    }
    int fds[2];
    pipe(fds);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1122334455667788ULL };
    printf("epoll_ctl: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
    struct epoll_event out[4];
    printf("epoll_wait empty: %d\n", epoll_wait(ep, out, 4, 0));
    write(fds[1], "x", 1);
    int n = epoll_wait(ep, out, 4, 1000);
    printf("epoll_wait ready: %d events %x data %llx\n", n, out[0].events,
           (unsigned long long)out[0].data.u64);
    int efd = eventfd(5, 0);
    uint64_t value = 3;
    write(efd, &value, 8);
    read(efd, &value, 8);
    printf("eventfd: %llu\n", (unsigned long long)value);
    int mfd = memfd_create("quetzal-test", 0);
    write(mfd, "in memory", 9);
    char buf[32] = "";
    pread(mfd, buf, 9, 0);
    printf("memfd: %s\n", buf);
    int a = open("a.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    printf("fallocate: %d\n", fallocate(a, 0, 0, 100000));
    struct stat st;
    fstat(a, &st);
    printf("size after fallocate: %lld\n", (long long)st.st_size);
    pwrite(a, "copied bytes", 12, 50);
    int b = open("b.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t in_off = 50, out_off = 0;
    printf("copy_file_range: %zd\n", copy_file_range(a, &in_off, b, &out_off, 12, 0));
    memset(buf, 0, sizeof(buf));
    pread(b, buf, 12, 0);
    printf("copied: %s, offsets %lld %lld\n", buf, (long long)in_off, (long long)out_off);
    unlink("a.bin");
    unlink("b.bin");
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    printf("getresuid matches getuid: %d\n", r == getuid() && e == geteuid());
    printf("personality: %d\n", personality(0xffffffff));
    unsigned cpu = 9999;
    printf("getcpu: %d, cpu known %d\n", getcpu(&cpu, NULL), cpu < 9999);
    printf("scheduler: %d\n", sched_getscheduler(0));
    struct sysinfo info;
    sysinfo(&info);
    printf("sysinfo: unit %u total ram %llu\n", info.mem_unit,
           (unsigned long long)info.totalram);
    return 0;
}

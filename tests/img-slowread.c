/*
 * Test shim (LD_PRELOAD) for check-img's out-of-order convert test: a data
 * read of at least 64 KiB at offset 0 of the file named by SLOWREAD_FILE
 * (the source's first chunk or cluster) takes SLOWREAD_MS milliseconds
 * longer, as if that part of the source sat on a slow disk. Every other read
 * (small header probes included) goes straight to the C library. The
 * converter itself is unchanged: the test then sees in which order it wrote.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);

static int is_slow(int fd, size_t count, off_t offset)
{
    const char *want = getenv("SLOWREAD_FILE");
    char link[64], path[PATH_MAX];
    if (!want || offset != 0 || count < 65536) {
        return 0;
    }
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n < 0) {
        return 0;
    }
    path[n] = 0;
    return strcmp(path, want) == 0;
}

static ssize_t slow_pread(const char *name, int fd, void *buf, size_t count, off_t offset)
{
    pread_fn real = (pread_fn)dlsym(RTLD_NEXT, name);
    if (is_slow(fd, count, offset)) {
        const char *ms = getenv("SLOWREAD_MS");
        long delay = ms ? atol(ms) : 1000;
        struct timespec t = { delay / 1000, (delay % 1000) * 1000000L };
        nanosleep(&t, NULL);
    }
    return real(fd, buf, count, offset);
}

ssize_t pread(int fd, void *buf, size_t count, off_t offset)
{
    return slow_pread("pread", fd, buf, count, offset);
}

ssize_t pread64(int fd, void *buf, size_t count, off_t offset)
{
    return slow_pread("pread64", fd, buf, count, offset);
}

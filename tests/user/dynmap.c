/*
 * Memory calls a dynamically linked program makes, with results that do not
 * depend on where things are mapped (so native and emulated output match):
 * file mappings (MAP_SHARED written back, MAP_PRIVATE not, the tail of the
 * last page zero), MAP_FIXED over a mapping, mprotect, munmap of a middle
 * page, mremap keeping the contents, dlopen of a library at run time, and
 * /proc/self/maps naming the mapped file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static int make_file(const char *path, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    for (size_t i = 0; fd >= 0 && i < size; i++) {
        char c = (char)('a' + i % 26);
        if (write(fd, &c, 1) != 1) {
            return -1;
        }
    }
    return fd;
}

static void file_mappings(const char *path)
{
    int fd = make_file(path, 5000);
    char *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (fd < 0 || shared == MAP_FAILED || priv == MAP_FAILED) {
        printf("file mappings failed\n");
        return;
    }
    printf("tail of the last page: %d %d\n", shared[4999], shared[5000] + shared[8191]);
    shared[10] = 'S';
    priv[11] = 'P';
    msync(shared, 2 * PAGE, MS_SYNC);
    char buf[16];
    pread(fd, buf, 16, 0);
    printf("file after writes: %.16s, private sees shared write: %c\n", buf, priv[10]);
    char *off = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    printf("offset mapping: %.8s\n", off == MAP_FAILED ? "failed" : off);

    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int named = 0;
    while (maps && fgets(line, sizeof(line), maps)) {
        named += strstr(line, path) != NULL;
    }
    if (maps) {
        fclose(maps);
    }
    printf("maps lines naming the file: %d\n", named);
    munmap(shared, 2 * PAGE);
    munmap(priv, 2 * PAGE);
    munmap(off, PAGE);
    close(fd);
    unlink(path);
}

static void anonymous_mappings(void)
{
    char *a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 'x', 3 * PAGE);
    printf("munmap middle: %d\n", munmap(a + PAGE, PAGE));
    char *b = mmap(a + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED into the hole: %s, zero: %d, neighbours: %c%c\n",
           b == a + PAGE ? "same place" : "elsewhere", b[0], a[0], a[2 * PAGE]);
    char *c = mmap(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over data: %d\n", c == a ? c[0] : -1);
    printf("mprotect read-only: %d\n", mprotect(a + 2 * PAGE, PAGE, PROT_READ));
    char *g = mremap(a + 2 * PAGE, PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    printf("mremap grows, keeps: %c\n", g == MAP_FAILED ? '?' : g[0]);
    printf("munmap all: %d %d\n", munmap(a, 2 * PAGE), munmap(g, 8 * PAGE));
    void *brk0 = sbrk(0);
    char *grown = sbrk(3 * PAGE);
    memset(grown, 1, 3 * PAGE);
    printf("brk grows by %ld\n", (long)((char *)sbrk(0) - (char *)brk0));
}

static void run_time_library(void)
{
    void *m = dlopen("libm.so.6", RTLD_NOW);
    double (*cosine)(double) = m ? (double (*)(double))dlsym(m, "cos") : NULL;
    printf("dlopen libm: cos(0) = %.1f\n", cosine ? cosine(0.0) : -1.0);
    if (m) {
        dlclose(m);
    }
}

int main(int argc, char **argv)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/dynmap-file", argc > 1 ? argv[1] : "/tmp");
    file_mappings(path);
    anonymous_mappings();
    run_time_library();
    return 0;
}

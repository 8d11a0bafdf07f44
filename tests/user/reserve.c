/*
 * Reserving address space the way Go, Java and sanitizers do: 1 TiB of
 * PROT_NONE, MAP_NORESERVE, then a part made accessible, mappings over it,
 * parts unmapped, /proc/self/maps of the range. Compared with the native run
 * (tests/check-user.sh); the reserve/unmap cycles must take well under a
 * second (natively microseconds; a per-page cost makes them seconds).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define TIB (1ULL << 40)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void show_maps(const char *m)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a >= (unsigned long)m &&
            b <= (unsigned long)m + TIB) {
            printf("  %lx-%lx %.4s\n", a - (unsigned long)m, b - (unsigned long)m,
                   strchr(line, ' ') + 1);
        }
    }
    if (f) {
        fclose(f);
    }
}

int main(void)
{
    double start = now();
    for (int i = 0; i < 4; i++) {
        char *m = mmap(NULL, TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED || munmap(m, TIB) != 0) {
            printf("reserve/unmap failed\n");
            return 1;
        }
    }
    printf("4 reserve/unmap cycles of 1 TiB under 1 s: %d\n", now() - start < 1.0);
    char *m = mmap(NULL, TIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("mprotect middle %d\n", mprotect(m + TIB / 2, 1 << 20, PROT_READ | PROT_WRITE));
    m[TIB / 2 + 5] = 7;
    printf("wrote %d\n", m[TIB / 2 + 5]);
    show_maps(m);
    void *r = mmap(m + 4096, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                   -1, 0);
    printf("MAP_FIXED_NOREPLACE over it: %s\n", r == MAP_FAILED ? "refused" : "mapped");
    r = mmap(m + 4096, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over it: %d, reads %d\n", r == m + 4096, m[4097]);
    printf("munmap first GiB %d\n", munmap(m, 1ULL << 30));
    printf("mprotect there %d\n", mprotect(m, 4096, PROT_READ));
    printf("mprotect in the rest %d\n", mprotect(m + (2ULL << 30), 4096, PROT_READ));
    show_maps(m);
    printf("munmap all %d\n", munmap(m, TIB));
    show_maps(m);
    return 0;
}

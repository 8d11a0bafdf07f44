/* Guest memory calls: brk through many small mallocs, big blocks through mmap,
 * realloc through mremap, mprotect, munmap, MAP_FIXED over a mapping, and a
 * shared file mapping seen through read(). Argument: a folder for the file. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned checksum(const unsigned char *p, size_t n)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum = sum * 31 + p[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    /* many small blocks: the heap grows with brk */
    void *blocks[2000];
    size_t total = 0;
    for (int i = 0; i < 2000; i++) {
        size_t size = 16 + (size_t)(i * 37 % 500);
        blocks[i] = malloc(size);
        memset(blocks[i], i & 0xff, size);
        total += size;
    }
    for (int i = 0; i < 2000; i += 2) {
        free(blocks[i]);
    }
    printf("small blocks: %zu bytes, block 1 byte %d\n", total, ((unsigned char *)blocks[1])[0]);
    /* a big block (mmap) grown by realloc (mremap) */
    size_t size = 1 << 20;
    unsigned char *big = malloc(size);
    for (size_t i = 0; i < size; i++) {
        big[i] = (unsigned char)(i * 7);
    }
    unsigned before = checksum(big, size);
    for (int round = 0; round < 4; round++) {
        big = realloc(big, size * 2);
        memset(big + size, round, size);
        size *= 2;
    }
    printf("realloc: first MiB kept %d, size %zu, checksum %08x\n",
           checksum(big, 1 << 20) == before, size, checksum(big, size));
    big = realloc(big, 4096);
    printf("realloc shrink: %08x\n", checksum(big, 4096));
    free(big);
    /* mprotect and MAP_FIXED */
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *area = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(area, 0x11, 4 * page);
    printf("mprotect read-only: %d\n", mprotect(area, page, PROT_READ));
    printf("mprotect unaligned: %d\n", mprotect(area + 1, page, PROT_READ));
    unsigned char *fixed = mmap(area + page, page, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED at the same place: %d, zeroed %d, neighbour kept %d\n",
           fixed == area + page, fixed[0] == 0, area[2 * page] == 0x11);
    printf("munmap middle: %d\n", munmap(area + page, page));
    printf("munmap rest: %d %d\n", munmap(area, page), munmap(area + 2 * page, 2 * page));
    printf("munmap unaligned: %d\n", munmap(area + 1, page));
    /* a shared file mapping */
    if (argc > 1 && chdir(argv[1]) == 0) {
        int fd = open("mapped.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
        ftruncate(fd, 2 * page);
        char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        strcpy(map + page, "written through the mapping");
        msync(map, 2 * page, MS_SYNC);
        char buf[64] = "";
        pread(fd, buf, 27, page);
        printf("shared mapping: %s\n", buf);
        munmap(map, 2 * page);
        char *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
        printf("offset mapping: %.7s\n", ro);
        munmap(ro, page);
        close(fd);
        unlink("mapped.bin");
    }
    void *huge = mmap(NULL, SIZE_MAX - 4095, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("impossible mapping fails: %d\n", huge == MAP_FAILED);
    return 0;
}

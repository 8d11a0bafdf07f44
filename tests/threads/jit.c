/* Four threads generate and run code at once (a JIT): 2^19 functions
 * "mov eax, imm32; ret" in one RWX mapping, each thread its own quarter,
 * called once each (more blocks than the translation cache holds, so it is
 * flushed while the other threads run), then the first REWRITE of each
 * quarter rewritten with new immediates and called again (self-modifying
 * code while other threads translate). The sums are exact. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define THREADS 4
#define FUNCS (1 << 19)
#define STRIDE 16
#define REWRITE 4096

static uint8_t *code;

static void write_func(uint8_t *f, uint32_t imm)
{
    f[0] = 0xb8;                      /* mov eax, imm32 */
    memcpy(f + 1, &imm, 4);
    f[5] = 0xc3;                      /* ret */
}

static uint64_t call_all(int id, long count)
{
    uint64_t sum = 0;
    for (long i = id * (FUNCS / THREADS); i < id * (FUNCS / THREADS) + count; i++) {
        uint32_t (*fn)(void) = (uint32_t (*)(void))(void *)(code + i * STRIDE);
        sum += fn();
    }
    return sum;
}

static void *work(void *arg)
{
    int id = (int)(long)arg;
    long first = id * (FUNCS / THREADS), last = (id + 1) * (FUNCS / THREADS);
    for (long i = first; i < last; i++) {
        write_func(code + i * STRIDE, (uint32_t)i);
    }
    uint64_t a = call_all(id, last - first);
    for (long i = first; i < first + REWRITE; i++) {
        write_func(code + i * STRIDE, (uint32_t)(i * 3 + 1));
    }
    uint64_t b = call_all(id, REWRITE);
    return (void *)(uintptr_t)(a ^ (b << 1));
}

int main(void)
{
    code = mmap(NULL, (size_t)FUNCS * STRIDE, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) {
        pthread_create(&t[i], NULL, work, (void *)i);
    }
    uint64_t all = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        all += (uintptr_t)r;
        printf("thread %d: %#llx\n", i, (unsigned long long)(uintptr_t)r);
    }
    printf("total %#llx\n", (unsigned long long)all);
    return 0;
}

/* Compiler idioms at -O2: jump tables, 64/128-bit arithmetic (multi-word on
 * i386), bit tricks, division by constants, string handling, recursion,
 * varargs, bit-fields; the program prints a line per part for comparison
 * with native. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int classify(int c)
{
    switch (c) {
    case 0: return 11; case 1: return 7; case 2: return 3; case 3: return 19;
    case 4: return 23; case 5: return 5; case 6: return 2; case 7: return 31;
    case 8: return 17; case 9: return 13; default: return -1;
    }
}

static uint64_t ackermann_like(uint64_t m, uint64_t n)
{
    return m == 0 ? n + 1 : n == 0 ? ackermann_like(m - 1, 1)
                                   : ackermann_like(m - 1, ackermann_like(m, n - 1));
}

static long sum(int count, ...)
{
    va_list ap;
    long total = 0;
    va_start(ap, count);
    for (int i = 0; i < count; i++) {
        total += va_arg(ap, int) * (i + 1);
    }
    va_end(ap);
    return total;
}

struct packed { unsigned a : 3, b : 7, c : 13; int d : 9; };

int main(void)
{
    uint64_t h = 0, words[64];
    int64_t sh = 0;
#ifdef __SIZEOF_INT128__
    unsigned __int128 wide = 1;
#else
    uint64_t wide = 1;      /* no 128-bit type on i386 */
#endif
    char text[512];

    for (int i = 0; i < 100000; i++) {
        uint64_t r = next();
        h += classify(r % 12);
        h ^= (r / 1000003) + (r % 977) + ((uint32_t)r / 7u) + ((int32_t)r / -13);
        sh += (int64_t)r >> (r & 63);
        h += __builtin_popcountll(r) + __builtin_clzll(r | 1) + __builtin_ctzll(r | (1ull << 63));
        h = (h << 7) | (h >> 57);
        wide = wide * (r | 1) + (wide >> 63 >> 1);
    }
    printf("mix %016llx %lld %016llx%016llx\n", (unsigned long long)h, (long long)sh,
           (unsigned long long)(wide >> 63 >> 1), (unsigned long long)wide);
    for (int i = 0; i < 64; i++) {
        words[i] = next();
    }
    uint64_t mx = 0, mn = ~0ull;
    for (int i = 0; i < 64; i++) {
        mx = words[i] > mx ? words[i] : mx;
        mn = words[i] < mn ? words[i] : mn;
    }
    printf("minmax %llx %llx\n", (unsigned long long)mx, (unsigned long long)mn);
    printf("ack %llu\n", (unsigned long long)ackermann_like(2, 300));
    printf("varargs %ld\n", sum(6, 1, -2, 3, -4, 5, 600000));
    struct packed p = { 5, 100, 4000, -200 };
    for (int i = 0; i < 1000; i++) {
        p.a += i; p.b ^= i; p.c -= i * 3; p.d += i;
    }
    printf("bits %u %u %u %d\n", p.a, p.b, p.c, p.d);
    for (int i = 0; i < 500; i++) {
        text[i] = 'a' + (next() % 26);
    }
    text[500] = 0;
    char *found = strstr(text, "ab");
    printf("text %zu %d %s\n", strlen(text), found ? (int)(found - text) : -1,
           strchr(text, 'z') ? "z" : "-");
    long long ll = strtoll("-9223372036854775807", NULL, 10);
    printf("conv %lld %llu %x %o\n", ll, strtoull("18446744073709551615", NULL, 0),
           (unsigned)atoi("123456"), 511);
    return (int)(h & 0x7f);
}

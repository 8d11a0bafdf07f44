/* glibc static start-up and integer library code: formatted output, string
 * functions, sorting, setjmp/longjmp, 64-bit arithmetic, environment. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf env;

static int compare(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void jump(int n)
{
    longjmp(env, n);
}

int main(int argc, char **argv)
{
    int values[64];
    char buf[256];
    uint64_t h = 1469598103934665603ull;
    volatile int64_t num = -123456789012345ll, den = 977;

    printf("hello, world: argc=%d argv[1]=%s\n", argc, argc > 1 ? argv[1] : "-");
    for (int i = 0; i < 64; i++) {
        values[i] = (i * 7919) % 101 - 50;
    }
    qsort(values, 64, sizeof(values[0]), compare);
    for (int i = 0; i < 64; i += 8) {
        printf("%d %d ", values[i], values[i + 1]);
    }
    printf("\n%lld / %lld = %lld rem %lld\n", (long long)num, (long long)den,
           (long long)(num / den), (long long)(num % den));
    snprintf(buf, sizeof(buf), "%08x|%-6s|%+5d|%llu|%c", 0xbeefu, "ab", 42, 18446744073709551615ull, 'z');
    puts(buf);
    printf("strlen=%zu strcmp=%d strstr=%s\n", strlen(buf), strcmp(buf, "00000000"),
           strstr(buf, "ab") ? strstr(buf, "ab") : "(null)");
    for (size_t i = 0; i < strlen(buf); i++) {
        h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    }
    printf("fnv=%016llx\n", (unsigned long long)h);
    memmove(buf + 3, buf, 20);
    buf[23] = 0;
    printf("memmove: %s\n", buf);
    int r = setjmp(env);
    if (r < 3) {
        jump(r + 1);
    }
    printf("setjmp returned %d\n", r);
    char *p = malloc(100000);
    memset(p, 'x', 100000);
    p[99999] = 0;
    printf("malloc'd strlen=%zu, atoi=%d, strtol=%ld\n", strlen(p), atoi("-77"), strtol("0x7fff", NULL, 16));
    free(p);
    return 3;
}

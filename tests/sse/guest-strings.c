/*
 * Guest program for the SSE suite: glibc's string and memory functions (which
 * pick SSE2 or SSSE3 variants by CPUID) on random buffers at every
 * alignment, plus the struct copies and loops gcc -O2 vectorizes. Prints one
 * hash per function; native and emulated outputs must match.
 * Usage: guest-strings SEED [raw]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUFFER 512

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static uint64_t hash_value = 0xcbf29ce484222325ull;

static void hash_bytes(const void *data, size_t size)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) {
        hash_value = (hash_value ^ p[i]) * 0x100000001b3ull;
    }
}

static void hash_long(long value)
{
    hash_bytes(&value, sizeof(value));
}

static void print_hash(const char *name)
{
    printf("%-10s %016llx\n", name, (unsigned long long)hash_value);
    hash_value = 0xcbf29ce484222325ull;
}

/* a string of length len at offset, from a small alphabet so that searches hit */
static char *make_string(char *buffer, size_t offset, size_t len)
{
    char *s = buffer + offset;
    for (size_t i = 0; i < len; i++) {
        s[i] = (char)('a' + next_random() % 6);
    }
    s[len] = 0;
    return s;
}

typedef struct Pair {
    long a, b;
    long c;
    char name[40];
} Pair;

static void test_struct_copies(void)
{
    static Pair pairs[64];
    Pair zero = { 0 };
    for (int i = 0; i < 64; i++) {
        pairs[i] = zero;
        pairs[i].a = (long)next_random();
        pairs[i].b = i;
        snprintf(pairs[i].name, sizeof(pairs[i].name), "pair %d", i);
    }
    for (int i = 1; i < 64; i++) {
        Pair t = pairs[i - 1];
        t.b += pairs[i].a;
        pairs[i] = t;
    }
    hash_bytes(pairs, sizeof(pairs));
    int sums[256];
    unsigned char bytes[256];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (unsigned char)next_random();
    }
    for (int i = 0; i < 256; i++) {
        sums[i] = bytes[i] * 3 + (bytes[255 - i] ^ 0x5a) - (i << 2);
    }
    hash_bytes(sums, sizeof(sums));
    print_hash("c-code");
}

static char a_buf[BUFFER + 64], b_buf[BUFFER + 64], c_buf[2 * BUFFER + 128];

static void test_search(void)
{
    for (int n = 0; n < 400; n++) {
        size_t offset = next_random() % 64, len = next_random() % (BUFFER - 1);
        char *s = make_string(a_buf, offset, len);
        hash_long((long)strlen(s));
        hash_long((long)strnlen(s, next_random() % BUFFER));
        char c = (char)('a' + next_random() % 8);
        char *hit = strchr(s, c);
        hash_long(hit ? hit - s : -1);
        hit = strrchr(s, c);
        hash_long(hit ? hit - s : -1);
        hit = memchr(s, c, len);
        hash_long(hit ? hit - s : -1);
        hit = strchrnul(s, c);
        hash_long(hit - s);
        hit = rawmemchr(s, 0);
        hash_long(hit - s);
    }
    print_hash("search");
}

/* memcmp's magnitude differs between glibc's variants (SSE2, SSSE3, AVX2...):
 * only its sign is compared unless the caller has made the native run pick
 * the same variants as the emulated one (argument "raw") */
static int raw_memcmp;

static long sign(int comparison)
{
    return comparison > 0 ? 1 : comparison < 0 ? -1 : 0;
}

static void test_compare(void)
{
    for (int n = 0; n < 400; n++) {
        size_t len = next_random() % (BUFFER - 1);
        char *s = make_string(a_buf, next_random() % 64, len);
        char *t = b_buf + next_random() % 64;
        memcpy(t, s, len + 1);
        if (len && (next_random() & 1)) {
            t[next_random() % len] ^= (char)(1 + next_random() % 3);
        }
        size_t prefix = next_random() % (len + 2);
        hash_long(sign(strcmp(s, t)));
        hash_long(sign(strncmp(s, t, prefix)));
        hash_long(raw_memcmp ? memcmp(s, t, len) : sign(memcmp(s, t, len)));
        hash_long((long)strspn(s, "abc"));
        hash_long((long)strcspn(s, "ef"));
        char *found = strstr(s, "abca");
        hash_long(found ? found - s : -1);
        hash_long(strcasecmp(s, t) == 0);
    }
    print_hash("compare");
}

static void test_copy(void)
{
    for (int n = 0; n < 400; n++) {
        size_t len = next_random() % (BUFFER - 1);
        char *s = make_string(a_buf, next_random() % 64, len);
        char *d = c_buf + next_random() % 64;
        strcpy(d, s);
        hash_bytes(d, len + 1);
        char *end = stpcpy(d, s);
        hash_long(end - d);
        strcat(d, s);
        hash_long((long)strlen(d));
        memset(d + next_random() % 32, (int)(next_random() & 0xff), next_random() % BUFFER);
        hash_bytes(c_buf, sizeof(c_buf));
        size_t move = next_random() % BUFFER;
        memmove(c_buf + next_random() % 128, c_buf + next_random() % 128, move);
        hash_bytes(c_buf, sizeof(c_buf));
        strncpy(d, s, next_random() % BUFFER);
        hash_bytes(c_buf, sizeof(c_buf));
    }
    print_hash("copy");
}

/* large copies take the non-temporal and prefetching paths */
static int test_large(void)
{
    size_t big = 4 << 20;
    char *x = malloc(big + 64), *y = malloc(big + 64);
    if (!x || !y) {
        return 1;
    }
    for (size_t i = 0; i < big + 64; i++) {
        x[i] = (char)(i * 7 + (i >> 9));
    }
    memcpy(y + 3, x + 1, big);
    memset(x + 5, 0x5c, big / 2);
    memmove(x + 100, x, big / 2);
    hash_bytes(x, big + 64);
    hash_bytes(y, big + 64);
    hash_long(sign(memcmp(x, y, big)));
    print_hash("large");
    free(x);
    free(y);
    return 0;
}

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) : 1);
    raw_memcmp = argc > 2 && strcmp(argv[2], "raw") == 0;
    test_search();
    test_compare();
    test_copy();
    if (test_large() != 0) {
        return 1;
    }
    test_struct_copies();
    printf("%s %d %lu\n", "printf", -42, (unsigned long)strlen(a_buf));
    return 0;
}

/*
 * A small CPU-bound benchmark for user-mode emulation: integer arithmetic loops,
 * sorting, hashing and a hash table. Deterministic: it prints one checksum that
 * must be the same natively and under any emulator. Built with gcc -O2 -static
 * by tests/bench/user-cpu.sh; the optional argument scales the work.
 * It uses no heap and only write/exit system calls of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SORT_N   (1u << 16)
#define TABLE_N  (1u << 15)
#define BUFFER_N (1u << 16)

static uint32_t sort_data[SORT_N];
static uint32_t sort_tmp[SORT_N];
static uint64_t table_keys[TABLE_N];
static uint32_t table_values[TABLE_N];
static uint8_t buffer[BUFFER_N];

typedef struct Random {
    uint64_t state;
} Random;

static uint64_t random_next(Random *r)
{
    r->state ^= r->state << 13;
    r->state ^= r->state >> 7;
    r->state ^= r->state << 17;
    return r->state;
}

/* integer mix: multiply, divide, shifts and data-dependent branches */
static uint64_t integer_loop(unsigned rounds)
{
    uint64_t acc = 1, x = 0x12345678;
    for (unsigned i = 0; i < rounds; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t d = (uint32_t)(x >> 40) | 1;
        acc += (x >> 7) / d;
        if (acc & 1) {
            acc = (acc >> 1) ^ (x << 3);
        } else {
            acc = acc * 3 + (uint32_t)x % 1000;
        }
        /* Collatz steps bounded per round */
        uint32_t c = (uint32_t)(acc | 1) & 0xffff;
        for (int k = 0; k < 8 && c != 1; k++) {
            c = (c & 1) ? 3 * c + 1 : c >> 1;
        }
        acc += c;
    }
    return acc;
}

static void merge_sort(uint32_t *a, uint32_t *tmp, unsigned n)
{
    for (unsigned width = 1; width < n; width *= 2) {
        for (unsigned lo = 0; lo < n; lo += 2 * width) {
            unsigned mid = lo + width < n ? lo + width : n;
            unsigned hi = lo + 2 * width < n ? lo + 2 * width : n;
            unsigned i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            }
            while (i < mid) {
                tmp[k++] = a[i++];
            }
            while (j < hi) {
                tmp[k++] = a[j++];
            }
        }
        memcpy(a, tmp, n * sizeof(*a));
    }
}

static void insertion_quick_sort(uint32_t *a, int lo, int hi)
{
    while (hi - lo > 16) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) {
                i++;
            }
            while (a[j] > pivot) {
                j--;
            }
            if (i <= j) {
                uint32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            insertion_quick_sort(a, lo, j);
            lo = i;
        } else {
            insertion_quick_sort(a, i, hi);
            hi = j;
        }
    }
    for (int i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint64_t sorting(Random *r, unsigned rounds)
{
    uint64_t sum = 0;
    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned i = 0; i < SORT_N; i++) {
            sort_data[i] = (uint32_t)random_next(r);
        }
        if (round & 1) {
            merge_sort(sort_data, sort_tmp, SORT_N);
        } else {
            insertion_quick_sort(sort_data, 0, SORT_N - 1);
        }
        for (unsigned i = 0; i < SORT_N; i += 97) {
            sum = sum * 31 + sort_data[i];
        }
        sum += sort_data[0] <= sort_data[SORT_N - 1];
    }
    return sum;
}

/* FNV-1a over bytes and a 64-bit multiply-rotate hash over words */
static uint64_t hashing(Random *r, unsigned rounds)
{
    uint64_t total = 0;
    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned i = 0; i < BUFFER_N; i += 8) {
            uint64_t v = random_next(r);
            memcpy(buffer + i, &v, 8);
        }
        uint64_t fnv = 0xcbf29ce484222325ull;
        for (unsigned i = 0; i < BUFFER_N; i++) {
            fnv = (fnv ^ buffer[i]) * 0x100000001b3ull;
        }
        uint64_t h = 0;
        for (unsigned i = 0; i < BUFFER_N; i += 8) {
            uint64_t w;
            memcpy(&w, buffer + i, 8);
            h = ((h ^ w) * 0x9e3779b97f4a7c15ull);
            h = (h << 29) | (h >> 35);
        }
        total += fnv ^ h;
    }
    return total;
}

/* open addressing with linear probing: inserts then lookups */
static uint64_t hash_table(Random *r, unsigned rounds)
{
    uint64_t found = 0;
    for (unsigned round = 0; round < rounds; round++) {
        memset(table_keys, 0, sizeof(table_keys));
        Random keys = *r;
        for (unsigned i = 0; i < TABLE_N / 2; i++) {
            uint64_t k = random_next(&keys) | 1;
            unsigned slot = (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 49);
            while (table_keys[slot] && table_keys[slot] != k) {
                slot = (slot + 1) & (TABLE_N - 1);
            }
            table_keys[slot] = k;
            table_values[slot] = i;
        }
        Random again = *r;                 /* the inserted keys, in order */
        for (unsigned i = 0; i < TABLE_N; i++) {
            uint64_t k = (i & 1) ? random_next(&keys) | 1 : random_next(&again) | 1;
            unsigned slot = (unsigned)((k * 0x9e3779b97f4a7c15ull) >> 49);
            while (table_keys[slot]) {
                if (table_keys[slot] == k) {
                    found += table_values[slot] + 1;
                    break;
                }
                slot = (slot + 1) & (TABLE_N - 1);
            }
        }
        *r = keys;
    }
    return found;
}

static void print_hex(const char *label, uint64_t v)
{
    char line[64];
    size_t n = strlen(label);
    memcpy(line, label, n);
    for (int i = 15; i >= 0; i--) {
        line[n++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
    }
    line[n++] = '\n';
    if (write(1, line, n) != (ssize_t)n) {
        _exit(1);
    }
}

int main(int argc, char **argv)
{
    unsigned scale = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 7;
    if (scale == 0) {
        scale = 1;
    }
    Random r = { 0x2545f4914f6cdd1dull };
    uint64_t a = integer_loop(scale * 1500000u);
    uint64_t b = sorting(&r, scale * 3);
    uint64_t c = hashing(&r, scale * 12);
    uint64_t d = hash_table(&r, scale * 6);
    print_hex("integer  ", a);
    print_hex("sorting  ", b);
    print_hex("hashing  ", c);
    print_hex("table    ", d);
    print_hex("checksum ", a ^ (b * 3) ^ (c * 5) ^ (d * 7));
    return 0;
}

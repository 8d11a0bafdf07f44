/*
 * FBLD/FBSTP (packed BCD, SDM vol. 2A): loads random and edge 18-digit BCD
 * numbers (junk in the ignored bits of the sign byte, digits above 9 too)
 * and prints the raw 80-bit values; stores random and edge values (fractions,
 * ties, +-0, the 10^18 limit, infinities, NaNs, denormals) under each
 * rounding control and prints the 10 stored bytes with the exception flags.
 * The output is compared between a native run and an emulated one.
 * Usage: guest-bcd SEED COUNT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

/* xorshift64* (Vigna): reproducible operands from the seed */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static void print_bytes(const char *what, const unsigned char *b, uint16_t sw)
{
    printf("%-6s", what);
    for (int i = 9; i >= 0; i--) {
        printf("%02x", b[i]);
    }
    printf(" fl=%02x\n", sw & 0x3d);
}

static void load(const unsigned char *bcd)
{
    long double v;
    unsigned char b[16];
    uint16_t sw;

    __asm__ volatile("fnclex\n\tfbld %2\n\tfnstsw %1" : "=t"(v), "=m"(sw) : "m"(*(const char(*)[10])bcd));
    memcpy(b, &v, 10);
    print_bytes("fbld", b, sw);
}

static void store(long double v)
{
    unsigned char b[10];
    uint16_t sw;

    memset(b, 0x5a, sizeof(b));
    __asm__ volatile("fnclex\n\tfbstp %0\n\tfnstsw %1" : "=m"(*(char(*)[10])b), "=m"(sw) : "t"(v)
                     : "st");
    print_bytes("fbstp", b, sw);
}

/* an 18-digit BCD number with random digits; bad > 0 allows digits A-F */
static void random_bcd(unsigned char *bcd, int bad)
{
    uint64_t r = rng(), digits = rng();
    unsigned length = r % 19;

    memset(bcd, 0, 10);
    for (unsigned i = 0; i < length; i++, digits >>= 3) {
        unsigned d = bad ? (digits & 15) : (digits & 15) % 10;
        if (((digits >> 2) & 15) == 0) {
            digits = rng();
        }
        bcd[i / 2] |= (unsigned char)(d << (i % 2 * 4));
    }
    bcd[9] = (unsigned char)(r >> 32);   /* sign bit and ignored bits */
}

static long double random_value(void)
{
    uint64_t r = rng();
    long double scale = 1;
    unsigned digits = r % 20;

    for (unsigned i = 0; i < digits; i++) {
        scale *= 10;
    }
    switch ((r >> 8) % 4) {
    case 0:   /* an exact tie */
        return ((long double)(rng() % 1000000) + 0.5L) * ((r >> 16) & 1 ? -1 : 1);
    case 1:   /* near the 18-digit limit */
        return (1e18L - (long double)((r >> 16) % 5) + (long double)((r >> 24) % 4) * 0.25L) *
               ((r >> 32) & 1 ? -1 : 1);
    default:
        return (long double)(rng() >> 11) / 9007199254740992.0L * scale * ((r >> 40) & 1 ? -1 : 1);
    }
}

int main(int argc, char **argv)
{
    static const long double edge[] = {
        0.0L, -0.0L, 0.3L, -0.3L, 0.5L, -0.5L, 0.7L, -0.7L, 1.5L, -2.5L, 999999999999999999.0L,
        -999999999999999999.0L, 999999999999999999.5L, 1e18L, -1e18L, 1e19L, 3.6e-4951L,
        __builtin_infl(), -__builtin_infl(), __builtin_nanl(""), 12345678901234567.75L,
    };
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 300;
    unsigned char bcd[10];
    uint16_t cw, saved;

    rng_state = 0x9e3779b97f4a7c15ull * (argc > 1 ? (uint64_t)atoi(argv[1]) : 1) + 1;
    for (unsigned n = 0; n < count; n++) {
        random_bcd(bcd, n % 4 == 3);
        load(bcd);
    }
    memset(bcd, 0x99, 9);
    bcd[9] = 0x80;
    load(bcd);
    __asm__ volatile("fnstcw %0" : "=m"(saved));
    for (unsigned rc = 0; rc < 4; rc++) {
        cw = (uint16_t)((saved & ~0xc00) | rc << 10);
        printf("control word %04x\n", cw);
        __asm__ volatile("fldcw %0" : : "m"(cw));
        for (unsigned i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
            store(edge[i]);
        }
        for (unsigned n = 0; n < count; n++) {
            store(random_value());
        }
        __asm__ volatile("fldcw %0" : : "m"(saved));
    }
    return 0;
}

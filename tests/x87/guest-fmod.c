/*
 * FPREM-heavy code: fmod, fmodl and remainderl of huge by tiny operands
 * (exponent gaps up to 32000, so each call loops over FPREM/FPREM1 partial
 * remainders, C2 = 1, hundreds of times) and of random pairs. Prints the
 * results in hex; check-x87 compares them with a native run under a time
 * limit (the issue: i386 FPREM loops took over 60 s where native takes
 * under 1 s).
 * Usage: guest-fmod SEED COUNT
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;

/* xorshift64* (Vigna) */
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static double unit(void)
{
    return 1.0 + (double)(rng() >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 1000;
    double sum = 0;
    long double suml = 0;

    rng_state = 0x9e3779b97f4a7c15ull * (argc > 1 ? (uint64_t)atoi(argv[1]) : 1) + 1;
    for (unsigned i = 0; i < count; i++) {
        double a = ldexp(unit(), 1000 - (int)(rng() % 64)), b = ldexp(unit(), -1000 + (int)(rng() % 64));
        long double al = ldexpl((long double)unit() + 0x1p-60L * (rng() % 1024), 16000 - (int)(rng() % 512));
        long double bl = ldexpl((long double)unit(), -16000 + (int)(rng() % 512));
        double r = fmod(a, b);
        long double rl = fmodl(al, bl), rr = remainderl(al, bl);
        if (i % 64 == 0) {
            printf("%a %La %La\n", r, rl, rr);
        }
        sum += r / b;
        suml += rl / bl + rr / bl + remainderl(-al, bl * 3);
    }
    printf("%a %La\n", sum, suml);
    return 0;
}

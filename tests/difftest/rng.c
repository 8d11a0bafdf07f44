/*
 * Seeded, reproducible random numbers (splitmix64 seeding xoshiro256**) and the
 * scratch area's pattern: shared by the generator and by the native sides,
 * among them the i386 one (native32.c), which is built without the generator.
 */
#include <stdint.h>
#include <string.h>
#include "difftest.h"

uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rng_seed(Rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        rng->s[i] = splitmix64(&seed);
    }
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(Rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

uint64_t rng_below(Rng *rng, uint64_t n)
{
    return n ? rng_next(rng) % n : 0;
}

void scratch_fill(uint8_t *scratch, uint64_t seed)
{
    uint64_t state = seed;
    for (unsigned i = 0; i < SCRATCH_SIZE; i += 8) {
        uint64_t v = splitmix64(&state);
        /* some zero and all-ones words for the edge cases */
        if ((v & 0xf00) == 0) {
            v = (v & 0x1000) ? ~0ull : 0;
        }
        memcpy(scratch + i, &v, 8);
    }
}

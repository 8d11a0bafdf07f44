/*
 * Guest program for the SSE suite: plain C floating point as gcc -O2 compiles
 * it for SSE2 (scalar and vectorized float/double arithmetic, conversions,
 * comparisons) and glibc's exactly specified routines (printf/strtod round
 * trips, sqrt, floor, ceil, rint, fmod, qsort with double keys). Transcendental
 * functions are left out: glibc picks different (FMA) variants on the host.
 * Usage: guest-float SEED
 */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT 1024

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static double random_double(void)
{
    int32_t mantissa = (int32_t)(next_random() >> 32);
    int exponent = (int)(next_random() % 80) - 40;
    return ldexp((double)mantissa, exponent);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double values[COUNT], other[COUNT], results[COUNT];
static float floats[COUNT], float_results[COUNT];
static int32_t ints[COUNT];

/* <fenv.h>: flags raised by SSE arithmetic, and the rounding modes */
static void test_environment(void)
{
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    volatile double one = 1.0, three = 3.0, zero = 0.0, huge = 1e308;
    feclearexcept(FE_ALL_EXCEPT);
    volatile double r = one / three;
    printf("flags after 1/3: %#x\n", fetestexcept(FE_ALL_EXCEPT));
    feclearexcept(FE_ALL_EXCEPT);
    r = one / zero;
    r = huge * huge;
    r = zero / zero;
    printf("flags after 1/0, overflow, 0/0: %#x\n", fetestexcept(FE_ALL_EXCEPT));
    for (int i = 0; i < 4; i++) {
        fesetround(modes[i]);
        r = one / three;
        volatile float f = (float)r;
        printf("rounding %d: %.17g %.9g %ld\n", i, r, (double)f, lrint(-r * 10));
    }
    fesetround(FE_TONEAREST);
    (void)r;
}

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) : 1);
    for (int i = 0; i < COUNT; i++) {
        values[i] = random_double();
        other[i] = random_double();
        floats[i] = (float)random_double();
        ints[i] = (int32_t)next_random();
    }
    /* loops gcc vectorizes with packed SSE2 */
    for (int i = 0; i < COUNT; i++) {
        results[i] = values[i] * other[i] + values[i] / (other[i] + 0.5) - ints[i];
        float_results[i] = floats[i] * 1.5f - (float)ints[i] / 3.0f;
    }
    double sum = 0, max = -INFINITY, min = INFINITY;
    float float_sum = 0;
    for (int i = 0; i < COUNT; i++) {
        sum += results[i];
        max = results[i] > max ? results[i] : max;
        min = fmin(min, results[i]);
        float_sum += float_results[i];
    }
    printf("sum %.17g max %.17g min %.17g float %.9g\n", sum, max, min, (double)float_sum);
    /* conversions and exact library routines */
    long checksum = 0;
    for (int i = 0; i < COUNT; i++) {
        double v = values[i];
        checksum += (long)v + (long)floor(v) * 3 + (long)ceil(v / 7) + (long)rint(v * 0.3) +
                    (int)(float)v + (long)lround(v / 3) + (long)(sqrt(fabs(v)) * 1000) +
                    (long)fmod(v, 97.5) + (v < other[i]) + (v == v) * 2 + (isnan(v / 0.0) ? 5 : 0);
        unsigned long u = (unsigned long)(fabs(v) / 3);
        checksum ^= (long)u + (long)(double)u;
    }
    printf("checksum %ld\n", checksum);
    char text[64];
    int round_trips = 0;
    for (int i = 0; i < COUNT; i++) {
        snprintf(text, sizeof(text), "%.17g", values[i]);
        round_trips += strtod(text, NULL) == values[i];
        if (i % 128 == 0) {
            printf("%s %g %e %a %.3f\n", text, values[i], other[i], values[i], floats[i] * 1.0);
        }
    }
    printf("round trips %d\n", round_trips);
    qsort(values, COUNT, sizeof(values[0]), compare_doubles);
    printf("sorted %.17g %.17g %.17g\n", values[0], values[COUNT / 2], values[COUNT - 1]);
    test_environment();
    return 0;
}

/* Integer arithmetic at every width; inputs are volatile so the compiler
 * cannot fold the operations away. */
#include <inttypes.h>
#include <stdio.h>

static volatile int64_t inputs[] = { 0, 1, -1, 2, 7, -7, 100, 0x7f, 0x80, 0xff, 0x7fff,
                                     0x8000, 0xffff, 0x7fffffff, (int64_t)0x80000000u,
                                     0xffffffffLL, 0x123456789abcdefLL, INT64_MAX, INT64_MIN,
                                     -0x1234567, 3, 63, 31 };
#define N_INPUTS (sizeof(inputs) / sizeof(inputs[0]))

#define WIDTH_TEST(type, utype, fmt)                                                     \
    static void test_##type(void)                                                       \
    {                                                                                   \
        unsigned long long sum = 0;                                                     \
        for (unsigned i = 0; i < N_INPUTS; i++) {                                       \
            for (unsigned j = 0; j < N_INPUTS; j++) {                                   \
                type a = (type)inputs[i], b = (type)inputs[j];                          \
                utype ua = (utype)a, ub = (utype)b;                                     \
                unsigned sh = (unsigned)inputs[j] & (sizeof(type) * 8 - 1);             \
                type r[12];                                                             \
                r[0] = (type)(a + b); r[1] = (type)(a - b); r[2] = (type)(ua * ub);     \
                r[3] = (type)(a & b); r[4] = (type)(a | b); r[5] = (type)(a ^ b);       \
                r[6] = (type)(ua << sh); r[7] = (type)(a >> sh); r[8] = (type)(ua >> sh);\
                r[9] = b && !(a == (type)((utype)1 << (sizeof(type) * 8 - 1)) && b == -1) \
                       ? (type)(a / b) : 0;                                             \
                r[10] = b && !(a == (type)((utype)1 << (sizeof(type) * 8 - 1)) && b == -1)\
                        ? (type)(a % b) : 0;                                            \
                r[11] = ub ? (type)(ua / ub + ua % ub) : 0;                             \
                for (int k = 0; k < 12; k++) {                                          \
                    sum = sum * 31 + (unsigned long long)(utype)r[k];                   \
                }                                                                       \
                sum += (a < b) + 2 * (ua < ub) + 4 * (a == b);                          \
            }                                                                           \
        }                                                                               \
        printf(#type ": %016llx " fmt "\n", sum, (type)inputs[11] * (type)inputs[12]);  \
    }

WIDTH_TEST(int8_t, uint8_t, "%d")
WIDTH_TEST(int16_t, uint16_t, "%d")
WIDTH_TEST(int32_t, uint32_t, "%" PRId32)
WIDTH_TEST(int64_t, uint64_t, "%" PRId64)

int main(void)
{
    test_int8_t();
    test_int16_t();
    test_int32_t();
    test_int64_t();
    volatile uint64_t x = 0x8000000000000001ULL;
    printf("clz %d ctz %d popcount %d bswap %016llx\n", __builtin_clzll(x), __builtin_ctzll(x),
           __builtin_popcountll(x), (unsigned long long)__builtin_bswap64(x));
#ifdef __SIZEOF_INT128__
    volatile int64_t big = INT64_MAX;
    __int128 wide = (__int128)big * big;
    printf("128-bit product high %016llx low %016llx\n", (unsigned long long)(wide >> 64),
           (unsigned long long)wide);
#endif
    volatile uint64_t num = 0xfedcba9876543210ULL, den = 12345;
    printf("64-bit division %llu %llu\n", (unsigned long long)(num / den),
           (unsigned long long)(num % den));
    volatile int32_t s = -5;
    printf("sign extension %lld %llu\n", (long long)s, (unsigned long long)(uint32_t)s);
    return 0;
}

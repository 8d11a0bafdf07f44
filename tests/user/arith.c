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

/*
 * 32-bit multiplies and their CF/OF (SDM vol. 2A, IMUL and MUL: set when the
 * product does not fit the destination): IMUL r32,r32 / r32,m32 / r32,r32,imm32
 * / r32,r32,imm8 / one-operand IMUL and MUL, flags read by SETC/SETO right
 * after and by a branch in a later block. Inputs with and without overflow.
 */
static void test_mul32_flags(void)
{
    unsigned long long sum = 0;
    for (unsigned i = 0; i < N_INPUTS; i++) {
        for (unsigned j = 0; j < N_INPUTS; j++) {
            uint32_t a = (uint32_t)inputs[i], b = (uint32_t)inputs[j], m = b;
            uint32_t r[6], hi[2];
            unsigned char c[6], o[6], jo;
            __asm__("imul %[b], %[r0]\n\tsetc %[c0]\n\tseto %[o0]\n\t"
                    "imul %[m], %[r1]\n\tsetc %[c1]\n\tseto %[o1]\n\t"
                    "imul $0x12345, %[b], %[r2]\n\tsetc %[c2]\n\tseto %[o2]\n\t"
                    "imul $-3, %[b], %[r3]\n\tsetc %[c3]\n\tseto %[o3]\n\t"
                    "imul %[b], %[r1]\n\tjo 1f\n\tmovb $0, %[jo]\n\tjmp 2f\n"
                    "1:\tmovb $1, %[jo]\n2:"
                    : [r0] "=&r"(r[0]), [r1] "=&r"(r[1]), [r2] "=&r"(r[2]), [r3] "=&r"(r[3]),
                      [c0] "=&m"(c[0]), [o0] "=&m"(o[0]), [c1] "=&m"(c[1]), [o1] "=&m"(o[1]),
                      [c2] "=&m"(c[2]), [o2] "=&m"(o[2]), [c3] "=&m"(c[3]), [o3] "=&m"(o[3]),
                      [jo] "=&m"(jo)
                    : [b] "r"(b), [m] "m"(m), "0"(a), "1"(a)
                    : "cc");
            __asm__("imull %[b]\n\tsetc %[c]\n\tseto %[o]"
                    : "=a"(r[4]), "=d"(hi[0]), [c] "=m"(c[4]), [o] "=m"(o[4])
                    : "a"(a), [b] "r"(b) : "cc");
            __asm__("mull %[b]\n\tsetc %[c]\n\tseto %[o]"
                    : "=a"(r[5]), "=d"(hi[1]), [c] "=m"(c[5]), [o] "=m"(o[5])
                    : "a"(a), [b] "r"(b) : "cc");
            for (int k = 0; k < 6; k++) {
                sum = sum * 31 + r[k] + ((unsigned long long)c[k] << 32) +
                      ((unsigned long long)o[k] << 33);
            }
            sum = sum * 31 + hi[0] + ((unsigned long long)hi[1] << 32) + jo;
        }
    }
    printf("mul32 flags: %016llx\n", sum);
}

int main(void)
{
    test_mul32_flags();
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

/*
 * SSE4.1/SSE4.2 integer, AES-NI, PCLMULQDQ and CRC32 helpers (see
 * sse4_helper.h). Each follows the "Operation" section of its instruction in
 * Intel SDM vol. 2 in portable C; on x86 hosts that have them, AES-NI,
 * PCLMULQDQ and CRC32 run on the host's own instructions (same results,
 * faster), chosen by the host's CPUID (SSE4_PORTABLE_ONLY: never, for the
 * unit test of the C code). Lane layout assumes a little-endian host.
 */
#include <stdbool.h>
#include <string.h>
#if (defined(__x86_64__) || defined(__i386__)) && !defined(SSE4_PORTABLE_ONLY)
#include <immintrin.h>
#define HOST_X86 1
#endif
#include "target-i386/sse4_helper.h"

static XMMReg xmm(uint64_t lo, uint64_t hi)
{
    XMMReg r;
    r.q[0] = lo;
    r.q[1] = hi;
    return r;
}

/* --- PMOVSX/PMOVZX: the low lanes of the source, extended --- */

#define EXTEND(name, to, TO, from, FROM, lanes) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm(lo, hi), r; \
        for (int i = 0; i < (lanes); i++) { \
            r.to[i] = (TO)(FROM)s.from[i]; \
        } \
        *d = r; \
    }

EXTEND(pmovsxbw, w, uint16_t, b, int8_t, 8)
EXTEND(pmovsxbd, l, uint32_t, b, int8_t, 4)
EXTEND(pmovsxbq, q, uint64_t, b, int8_t, 2)
EXTEND(pmovsxwd, l, uint32_t, w, int16_t, 4)
EXTEND(pmovsxwq, q, uint64_t, w, int16_t, 2)
EXTEND(pmovsxdq, q, uint64_t, l, int32_t, 2)
EXTEND(pmovzxbw, w, uint16_t, b, uint8_t, 8)
EXTEND(pmovzxbd, l, uint32_t, b, uint8_t, 4)
EXTEND(pmovzxbq, q, uint64_t, b, uint8_t, 2)
EXTEND(pmovzxwd, l, uint32_t, w, uint16_t, 4)
EXTEND(pmovzxwq, q, uint64_t, w, uint16_t, 2)
EXTEND(pmovzxdq, q, uint64_t, l, uint32_t, 2)

/* --- lane-wise: a is the destination's lane, b the source's --- */

#define LANEWISE(name, field, TYPE, lanes, EXPR) \
    void helper_##name(XMMReg *d, uint64_t lo, uint64_t hi) \
    { \
        XMMReg s = xmm(lo, hi); \
        for (int i = 0; i < (lanes); i++) { \
            TYPE a = (TYPE)d->field[i], b = (TYPE)s.field[i]; \
            d->field[i] = (EXPR); \
        } \
    }

LANEWISE(pminsb, b, int8_t, 16, (uint8_t)(a < b ? a : b))
LANEWISE(pminuw, w, uint16_t, 8, a < b ? a : b)
LANEWISE(pmaxsb, b, int8_t, 16, (uint8_t)(a > b ? a : b))
LANEWISE(pmaxuw, w, uint16_t, 8, a > b ? a : b)

/* PMULDQ: signed products of the even doublewords */
void helper_pmuldq(XMMReg *d, uint64_t lo, uint64_t hi)
{
    d->q[0] = (uint64_t)((int64_t)(int32_t)d->q[0] * (int32_t)lo);
    d->q[1] = (uint64_t)((int64_t)(int32_t)d->q[1] * (int32_t)hi);
}

static uint16_t saturate_u16(int32_t v)
{
    return v < 0 ? 0 : v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* PACKUSDW: signed doublewords to unsigned-saturated words, destination first */
void helper_packusdw(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm(lo, hi), r;
    for (int i = 0; i < 4; i++) {
        r.w[i] = saturate_u16((int32_t)d->l[i]);
        r.w[i + 4] = saturate_u16((int32_t)s.l[i]);
    }
    *d = r;
}

/* PHMINPOSUW: the smallest unsigned word of the source and its lowest index */
void helper_phminposuw(XMMReg *d, uint64_t lo, uint64_t hi)
{
    XMMReg s = xmm(lo, hi);
    unsigned index = 0;
    for (unsigned i = 1; i < 8; i++) {
        if (s.w[i] < s.w[index]) {
            index = i;
        }
    }
    d->q[0] = s.w[index] | (uint64_t)index << 16;
    d->q[1] = 0;
}

/* --- inserts and sums with an immediate --- */

/* INSERTPS: source single imm[7:6] (the translator clears those bits for a
 * memory operand, whose single is in lane 0) into lane imm[5:4], then the
 * lanes of imm[3:0] zeroed */
void helper_insertps(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm(lo, hi);
    d->l[(imm >> 4) & 3] = s.l[(imm >> 6) & 3];
    for (int i = 0; i < 4; i++) {
        if (imm >> i & 1) {
            d->l[i] = 0;
        }
    }
}

/* MPSADBW: eight sums of absolute differences between the source's dword
 * imm[1:0] and the destination's bytes from offset imm[2] * 4 + i */
void helper_mpsadbw(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    XMMReg s = xmm(lo, hi), r;
    unsigned a_offset = (imm >> 2 & 1) * 4, b_offset = (imm & 3) * 4;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < 4; k++) {
            int a = d->b[a_offset + i + k], b = s.b[b_offset + k];
            sum += (unsigned)(a > b ? a - b : b - a);
        }
        r.w[i] = (uint16_t)sum;
    }
    *d = r;
}

/* --- PCLMULQDQ: carry-less product of the quadwords imm[0] (destination) and
 * imm[4] (source) --- */

#ifdef HOST_X86
__attribute__((target("pclmul,sse2")))
static void host_pclmulqdq(XMMReg *d, uint64_t a, uint64_t b)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)a),
                                     _mm_set_epi64x(0, (long long)b), 0);
    _mm_storeu_si128((__m128i *)d, r);
}
#endif

void helper_pclmulqdq(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    uint64_t a = d->q[imm & 1], b = (imm & 0x10) ? hi : lo, rlo = 0, rhi = 0;
#ifdef HOST_X86
    if (__builtin_cpu_supports("pclmul")) {
        host_pclmulqdq(d, a, b);
        return;
    }
#endif
    for (int i = 0; i < 64; i++) {
        if (b >> i & 1) {
            rlo ^= a << i;
            rhi ^= i ? a >> (64 - i) : 0;
        }
    }
    d->q[0] = rlo;
    d->q[1] = rhi;
}

/* --- CRC32 --- */

#ifdef HOST_X86
__attribute__((target("sse4.2")))
static uint32_t host_crc32(uint32_t crc, uint64_t data, uint32_t bytes)
{
    switch (bytes) {
    case 1: return _mm_crc32_u8(crc, (uint8_t)data);
    case 2: return _mm_crc32_u16(crc, (uint16_t)data);
    case 4: return _mm_crc32_u32(crc, (uint32_t)data);
    default:
#ifdef __x86_64__
        return (uint32_t)_mm_crc32_u64(crc, data);
#else
        crc = _mm_crc32_u32(crc, (uint32_t)data);
        return _mm_crc32_u32(crc, (uint32_t)(data >> 32));
#endif
    }
}
#endif

uint64_t helper_crc32(uint64_t crc, uint64_t data, uint32_t bytes)
{
    uint32_t c = (uint32_t)crc;
#ifdef HOST_X86
    if (__builtin_cpu_supports("sse4.2")) {
        return host_crc32(c, data, bytes);
    }
#endif
    for (uint32_t i = 0; i < bytes * 8; i++) {
        uint32_t bit = (c ^ (uint32_t)(data >> i)) & 1;
        c = (c >> 1) ^ (bit ? 0x82f63b78u : 0);
    }
    return c;
}

/* --- PCMPxSTRx (SDM vol. 2B, 4.1 "Imm8 control byte operation for PCMPESTRI /
 * PCMPESTRM / PCMPISTRI / PCMPISTRM") --- */

/* element i of v as imm[1:0] says: unsigned/signed bytes/words */
static int32_t string_element(const XMMReg *v, unsigned i, unsigned imm)
{
    switch (imm & 3) {
    case 0: return v->b[i];
    case 1: return v->w[i];
    case 2: return (int8_t)v->b[i];
    default: return (int16_t)v->w[i];
    }
}

/* implicit length: the index of the first zero element, else n */
static unsigned implicit_length(const XMMReg *v, unsigned n, unsigned imm)
{
    unsigned i = 0;
    while (i < n && string_element(v, i, imm) != 0) {
        i++;
    }
    return i;
}

/* explicit length: |value| (32 or 64 bits), saturated to n */
static unsigned explicit_length(uint64_t value, bool wide, unsigned n)
{
    int64_t v = wide ? (int64_t)value : (int64_t)(int32_t)value;
    uint64_t magnitude = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return magnitude > n ? n : (unsigned)magnitude;
}

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

/* BoolRes[j][i] with the invalid-element overrides of table 4-7: j indexes
 * the second operand b, i the first operand a */
static bool string_compare(const XMMReg *a, const XMMReg *b, unsigned i, unsigned j,
                           unsigned la, unsigned lb, unsigned imm)
{
    unsigned aggregation = (imm >> 2) & 3;
    bool a_valid = i < la, b_valid = j < lb;
    if (!a_valid || !b_valid) {
        switch (aggregation) {
        case AGG_EQUAL_EACH: return !a_valid && !b_valid;
        case AGG_EQUAL_ORDERED: return !a_valid;
        default: return false;
        }
    }
    int32_t x = string_element(a, i, imm), y = string_element(b, j, imm);
    if (aggregation == AGG_RANGES) {
        return (i & 1) ? y <= x : y >= x;
    }
    return x == y;
}

static unsigned string_aggregate(const XMMReg *a, const XMMReg *b, unsigned n,
                                 unsigned la, unsigned lb, unsigned imm)
{
    unsigned result = 0;
    for (unsigned j = 0; j < n; j++) {
        bool bit;
        switch ((imm >> 2) & 3) {
        case AGG_EQUAL_ANY:
            bit = false;
            for (unsigned i = 0; i < n; i++) {
                bit |= string_compare(a, b, i, j, la, lb, imm);
            }
            break;
        case AGG_RANGES:
            bit = false;
            for (unsigned i = 0; i + 1 < n; i += 2) {
                bit |= string_compare(a, b, i, j, la, lb, imm) &&
                       string_compare(a, b, i + 1, j, la, lb, imm);
            }
            break;
        case AGG_EQUAL_EACH:
            bit = string_compare(a, b, j, j, la, lb, imm);
            break;
        default:
            bit = true;
            for (unsigned i = 0, k = j; i < n - j && k < n; i++, k++) {
                bit &= string_compare(a, b, i, k, la, lb, imm);
            }
            break;
        }
        result |= (unsigned)bit << j;
    }
    return result;
}

uint64_t helper_pcmpstr(CPUX86State *env, uint64_t lo, uint64_t hi, uint64_t la_in,
                        uint64_t lb_in, uint32_t mode)
{
    XMMReg b = xmm(lo, hi), *d = &env->xmm_regs[0];
    const XMMReg *a = &env->xmm_regs[mode >> PCMPSTR_REG_SHIFT];
    unsigned imm = mode & 0xff, n = (imm & 1) ? 8 : 16, all = (1u << n) - 1, la, lb;
    if (mode & PCMPSTR_EXPLICIT) {
        la = explicit_length(la_in, mode & PCMPSTR_WIDE_LEN, n);
        lb = explicit_length(lb_in, mode & PCMPSTR_WIDE_LEN, n);
    } else {
        la = implicit_length(a, n, imm);
        lb = implicit_length(&b, n, imm);
    }
    unsigned result = string_aggregate(a, &b, n, la, lb, imm);
    switch ((imm >> 4) & 3) {
    case 1: result ^= all; break;                      /* negative polarity */
    case 3: result ^= (1u << lb) - 1; break;           /* masked: valid elements only */
    }
    result &= all;
    uint64_t flags = (result ? 0x0001 : 0) |           /* CF */
                     (lb < n ? 0x0040 : 0) |           /* ZF */
                     (la < n ? 0x0080 : 0) |           /* SF */
                     ((result & 1) ? 0x0800 : 0);      /* OF */
    if (mode & PCMPSTR_MASK) {
        XMMReg mask = xmm(0, 0);
        if (!(imm & 0x40)) {
            mask.q[0] = result;
        } else {
            for (unsigned i = 0; i < n; i++) {
                if (result >> i & 1) {
                    memset(&mask.b[i * (16 / n)], 0xff, 16 / n);
                }
            }
        }
        *d = mask;
        return flags;
    }
    unsigned index = n;
    if (result) {
        index = (imm & 0x40) ? 31 - (unsigned)__builtin_clz(result)
                             : (unsigned)__builtin_ctz(result);
    }
    return flags | (uint64_t)index << 32;
}

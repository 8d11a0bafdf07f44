/*
 * SHA extensions helpers: SHA1RNDS4, SHA1NEXTE, SHA1MSG1, SHA1MSG2,
 * SHA256RNDS2, SHA256MSG1, SHA256MSG2 (Intel SDM vol. 2B, each instruction's
 * "Operation"; FIPS 180-4 for the functions). Dwords are named by lane: l[3]
 * is bits 127:96. Hosts with the SHA extensions use them (chosen by the
 * host's CPUID); the portable C below gives the same results
 * (SSE4_PORTABLE_ONLY: the C only, for its unit test).
 */
#include <string.h>
#if (defined(__x86_64__) || defined(__i386__)) && !defined(SSE4_PORTABLE_ONLY)
#include <immintrin.h>
#define HOST_X86 1
#endif
#include "target-i386/sse4_helper.h"

static uint32_t rol(uint32_t x, unsigned n)
{
    return x << n | x >> (32 - n);
}

static uint32_t ror(uint32_t x, unsigned n)
{
    return x >> n | x << (32 - n);
}

static XMMReg xmm(uint64_t lo, uint64_t hi)
{
    XMMReg r;
    r.q[0] = lo;
    r.q[1] = hi;
    return r;
}

enum { SHA1_NEXTE, SHA1_MSG1, SHA1_MSG2, SHA256_MSG1, SHA256_MSG2 };

#ifdef HOST_X86
__attribute__((target("sha,sse2")))
static void host_sha(int kind, XMMReg *d, uint64_t lo, uint64_t hi)
{
    __m128i a = _mm_loadu_si128((const __m128i *)d), b = _mm_set_epi64x((long long)hi, (long long)lo);
    switch (kind) {
    case SHA1_NEXTE: a = _mm_sha1nexte_epu32(a, b); break;
    case SHA1_MSG1: a = _mm_sha1msg1_epu32(a, b); break;
    case SHA1_MSG2: a = _mm_sha1msg2_epu32(a, b); break;
    case SHA256_MSG1: a = _mm_sha256msg1_epu32(a, b); break;
    default: a = _mm_sha256msg2_epu32(a, b); break;
    }
    _mm_storeu_si128((__m128i *)d, a);
}

static bool host_has_sha(void)
{
    return __builtin_cpu_supports("sha");
}
#endif

static uint32_t sigma0(uint32_t w) { return ror(w, 7) ^ ror(w, 18) ^ (w >> 3); }
static uint32_t sigma1(uint32_t w) { return ror(w, 17) ^ ror(w, 19) ^ (w >> 10); }

static void sha_message(int kind, XMMReg *d, uint64_t lo, uint64_t hi)
{
#ifdef HOST_X86
    if (host_has_sha()) {
        host_sha(kind, d, lo, hi);
        return;
    }
#endif
    XMMReg a = *d, b = xmm(lo, hi), r;
    switch (kind) {
    case SHA1_NEXTE:
        r = b;
        r.l[3] = b.l[3] + rol(a.l[3], 30);
        break;
    case SHA1_MSG1:
        r.l[3] = a.l[1] ^ a.l[3];
        r.l[2] = a.l[0] ^ a.l[2];
        r.l[1] = b.l[3] ^ a.l[1];
        r.l[0] = b.l[2] ^ a.l[0];
        break;
    case SHA1_MSG2:
        r.l[3] = rol(a.l[3] ^ b.l[2], 1);
        r.l[2] = rol(a.l[2] ^ b.l[1], 1);
        r.l[1] = rol(a.l[1] ^ b.l[0], 1);
        r.l[0] = rol(a.l[0] ^ r.l[3], 1);
        break;
    case SHA256_MSG1:
        r.l[3] = a.l[3] + sigma0(b.l[0]);
        r.l[2] = a.l[2] + sigma0(a.l[3]);
        r.l[1] = a.l[1] + sigma0(a.l[2]);
        r.l[0] = a.l[0] + sigma0(a.l[1]);
        break;
    default:
        r.l[0] = a.l[0] + sigma1(b.l[2]);
        r.l[1] = a.l[1] + sigma1(b.l[3]);
        r.l[2] = a.l[2] + sigma1(r.l[0]);
        r.l[3] = a.l[3] + sigma1(r.l[1]);
        break;
    }
    *d = r;
}

void helper_sha1nexte(XMMReg *d, uint64_t lo, uint64_t hi) { sha_message(SHA1_NEXTE, d, lo, hi); }
void helper_sha1msg1(XMMReg *d, uint64_t lo, uint64_t hi) { sha_message(SHA1_MSG1, d, lo, hi); }
void helper_sha1msg2(XMMReg *d, uint64_t lo, uint64_t hi) { sha_message(SHA1_MSG2, d, lo, hi); }
void helper_sha256msg1(XMMReg *d, uint64_t lo, uint64_t hi) { sha_message(SHA256_MSG1, d, lo, hi); }
void helper_sha256msg2(XMMReg *d, uint64_t lo, uint64_t hi) { sha_message(SHA256_MSG2, d, lo, hi); }

/* SHA-1's f and K of rounds 0-19, 20-39, 40-59, 60-79 (FIPS 180-4, 4.1.1, 4.2.1) */
static uint32_t sha1_f(unsigned kind, uint32_t b, uint32_t c, uint32_t d)
{
    switch (kind) {
    case 0: return (b & c) ^ (~b & d);
    case 2: return (b & c) ^ (b & d) ^ (c & d);
    default: return b ^ c ^ d;
    }
}

#ifdef HOST_X86
__attribute__((target("sha,sse2")))
static void host_sha1rnds4(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    __m128i a = _mm_loadu_si128((const __m128i *)d), b = _mm_set_epi64x((long long)hi, (long long)lo);
    switch (imm & 3) {
    case 0: a = _mm_sha1rnds4_epu32(a, b, 0); break;
    case 1: a = _mm_sha1rnds4_epu32(a, b, 1); break;
    case 2: a = _mm_sha1rnds4_epu32(a, b, 2); break;
    default: a = _mm_sha1rnds4_epu32(a, b, 3); break;
    }
    _mm_storeu_si128((__m128i *)d, a);
}
#endif

/* SHA1RNDS4: four rounds on A:B:C:D = l[3..0] with the words of the source
 * (the first already holding E), f and K chosen by imm[1:0] */
void helper_sha1rnds4(XMMReg *d, uint64_t lo, uint64_t hi, uint32_t imm)
{
    static const uint32_t k[4] = { 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6 };
#ifdef HOST_X86
    if (host_has_sha()) {
        host_sha1rnds4(d, lo, hi, imm);
        return;
    }
#endif
    XMMReg w = xmm(lo, hi);
    uint32_t a = d->l[3], b = d->l[2], c = d->l[1], dd = d->l[0], e = 0;
    unsigned kind = imm & 3;
    for (int i = 0; i < 4; i++) {
        uint32_t next = sha1_f(kind, b, c, dd) + rol(a, 5) + w.l[3 - i] + e + k[kind];
        e = dd;
        dd = c;
        c = rol(b, 30);
        b = a;
        a = next;
    }
    d->l[3] = a;
    d->l[2] = b;
    d->l[1] = c;
    d->l[0] = dd;
}

#ifdef HOST_X86
__attribute__((target("sha,sse2")))
static void host_sha256rnds2(XMMReg *d, uint64_t lo, uint64_t hi, uint64_t wk)
{
    __m128i a = _mm_loadu_si128((const __m128i *)d), b = _mm_set_epi64x((long long)hi, (long long)lo);
    a = _mm_sha256rnds2_epu32(a, b, _mm_set_epi64x(0, (long long)wk));
    _mm_storeu_si128((__m128i *)d, a);
}
#endif

/* SHA256RNDS2: two rounds; the state is C:D:G:H in the destination and
 * A:B:E:F in the source, wk the low quadword of XMM0 (WK0, WK1) */
void helper_sha256rnds2(XMMReg *d, uint64_t lo, uint64_t hi, uint64_t wk)
{
#ifdef HOST_X86
    if (host_has_sha()) {
        host_sha256rnds2(d, lo, hi, wk);
        return;
    }
#endif
    XMMReg s = xmm(lo, hi);
    uint32_t a = s.l[3], b = s.l[2], c = d->l[3], dd = d->l[2];
    uint32_t e = s.l[1], f = s.l[0], g = d->l[1], h = d->l[0];
    for (int i = 0; i < 2; i++) {
        uint32_t ch = (e & f) ^ (~e & g), maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t1 = ch + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + (uint32_t)(wk >> (32 * i)) + h;
        uint32_t t2 = maj + (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22));
        h = g;
        g = f;
        f = e;
        e = dd + t1;
        dd = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    d->l[3] = a;
    d->l[2] = b;
    d->l[1] = e;
    d->l[0] = f;
}

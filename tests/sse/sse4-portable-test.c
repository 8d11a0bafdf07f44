/*
 * Unit test of the portable C in target-i386/aes_helper.c, sha_helper.c and sse4_helper.c
 * (built with SSE4_PORTABLE_ONLY, so the host-instruction fast paths are
 * compiled out) against the host's own AES-NI, PCLMULQDQ, SHA and CRC32
 * instructions: what a host without them would compute. Prints one FAIL line
 * per mismatch and ends with "N passed, N failed" (one result per helper), or
 * says which host feature is missing. Usage: sse4-portable-test ITERATIONS
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target-i386/sse4_helper.h"

static uint64_t random_state = 0x853c49e6748fea9bull;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

typedef void IntHelper(XMMReg *d, uint64_t lo, uint64_t hi);

enum { AES_ENC, AES_ENCLAST, AES_DEC, AES_DECLAST, AES_IMC, AES_KEYGEN, PCLMUL, CRC32,
       SHA1_NEXTE, SHA1_MSG1, SHA1_MSG2, SHA256_MSG1, SHA256_MSG2, SHA1_RNDS4, SHA256_RNDS2,
       KINDS };
static const char *const names[KINDS] = {
    "aesenc", "aesenclast", "aesdec", "aesdeclast", "aesimc", "aeskeygenassist",
    "pclmulqdq", "crc32", "sha1nexte", "sha1msg1", "sha1msg2", "sha256msg1", "sha256msg2",
    "sha1rnds4", "sha256rnds2",
};

/* the host's instruction on state d, source s (imm for the immediate forms) */
__attribute__((target("aes,pclmul,sse4.2,sha")))
static XMMReg host_result(int kind, XMMReg d, XMMReg s, unsigned imm)
{
    __m128i a, b, r;
    memcpy(&a, &d, 16);
    memcpy(&b, &s, 16);
    switch (kind) {
    case SHA1_NEXTE: r = _mm_sha1nexte_epu32(a, b); break;
    case SHA1_MSG1: r = _mm_sha1msg1_epu32(a, b); break;
    case SHA1_MSG2: r = _mm_sha1msg2_epu32(a, b); break;
    case SHA256_MSG1: r = _mm_sha256msg1_epu32(a, b); break;
    case SHA256_MSG2: r = _mm_sha256msg2_epu32(a, b); break;
    case SHA1_RNDS4:
        switch (imm) {
        case 0: r = _mm_sha1rnds4_epu32(a, b, 0); break;
        case 1: r = _mm_sha1rnds4_epu32(a, b, 1); break;
        case 2: r = _mm_sha1rnds4_epu32(a, b, 2); break;
        default: r = _mm_sha1rnds4_epu32(a, b, 3); break;
        }
        break;
    case SHA256_RNDS2:
        /* the third operand (XMM0): the destination's high quadword here */
        r = _mm_sha256rnds2_epu32(a, b, _mm_set_epi64x(0, (long long)(d.q[1] * 3)));
        break;
    case AES_ENC: r = _mm_aesenc_si128(a, b); break;
    case AES_ENCLAST: r = _mm_aesenclast_si128(a, b); break;
    case AES_DEC: r = _mm_aesdec_si128(a, b); break;
    case AES_DECLAST: r = _mm_aesdeclast_si128(a, b); break;
    case AES_IMC: r = _mm_aesimc_si128(b); break;
    case AES_KEYGEN: r = _mm_aeskeygenassist_si128(b, 0x1b); break;
    case PCLMUL:
        switch (imm) {
        case 0x00: r = _mm_clmulepi64_si128(a, b, 0x00); break;
        case 0x01: r = _mm_clmulepi64_si128(a, b, 0x01); break;
        case 0x10: r = _mm_clmulepi64_si128(a, b, 0x10); break;
        default: r = _mm_clmulepi64_si128(a, b, 0x11); break;
        }
        break;
    default: {
        uint64_t crc = (uint32_t)d.q[0];
        switch (imm) {
        case 1: crc = _mm_crc32_u8((uint32_t)crc, (uint8_t)s.q[0]); break;
        case 2: crc = _mm_crc32_u16((uint32_t)crc, (uint16_t)s.q[0]); break;
        case 4: crc = _mm_crc32_u32((uint32_t)crc, (uint32_t)s.q[0]); break;
        default: crc = _mm_crc32_u64(crc, s.q[0]); break;
        }
        r = _mm_set_epi64x(0, (long long)crc);
        break;
    }
    }
    XMMReg out;
    memcpy(&out, &r, 16);
    return out;
}

static XMMReg portable_result(int kind, XMMReg d, XMMReg s, unsigned imm)
{
    static IntHelper *const aes[] = { helper_aesenc, helper_aesenclast, helper_aesdec,
                                      helper_aesdeclast, helper_aesimc };
    if (kind <= AES_IMC) {
        aes[kind](&d, s.q[0], s.q[1]);
    } else if (kind == AES_KEYGEN) {
        helper_aeskeygenassist(&d, s.q[0], s.q[1], 0x1b);
    } else if (kind >= SHA1_NEXTE && kind <= SHA256_MSG2) {
        static IntHelper *const sha[] = { helper_sha1nexte, helper_sha1msg1, helper_sha1msg2,
                                          helper_sha256msg1, helper_sha256msg2 };
        sha[kind - SHA1_NEXTE](&d, s.q[0], s.q[1]);
    } else if (kind == SHA1_RNDS4) {
        helper_sha1rnds4(&d, s.q[0], s.q[1], imm);
    } else if (kind == SHA256_RNDS2) {
        helper_sha256rnds2(&d, s.q[0], s.q[1], d.q[1] * 3);
    } else if (kind == PCLMUL) {
        helper_pclmulqdq(&d, s.q[0], s.q[1], imm);
    } else {
        d.q[0] = helper_crc32((uint32_t)d.q[0], s.q[0], imm);
        d.q[1] = 0;
    }
    return d;
}

int main(int argc, char **argv)
{
    static const unsigned pclmul_imms[] = { 0x00, 0x01, 0x10, 0x11 }, crc_sizes[] = { 1, 2, 4, 8 };
    int iterations = argc > 1 ? atoi(argv[1]) : 1000, passed = 0, failed = 0;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("aes") || !__builtin_cpu_supports("pclmul") ||
        !__builtin_cpu_supports("sse4.2") || !__builtin_cpu_supports("sha")) {
        printf("skipped: the host lacks AES-NI, PCLMULQDQ, SSE4.2 or SHA (no oracle)\n");
        printf("0 passed, 0 failed\n");
        return 0;
    }
    for (int kind = 0; kind < KINDS; kind++) {
        int bad = 0;
        for (int i = 0; i < iterations && bad < 3; i++) {
            XMMReg d, s;
            d.q[0] = next_random(), d.q[1] = next_random();
            s.q[0] = next_random(), s.q[1] = next_random();
            unsigned imm = kind == PCLMUL ? pclmul_imms[i & 3] : kind == SHA1_RNDS4 ? i & 3
                           : crc_sizes[i & 3];
            XMMReg want = host_result(kind, d, s, imm), got = portable_result(kind, d, s, imm);
            if (memcmp(&want, &got, 16) != 0) {
                printf("FAIL %s imm %u: d %016llx%016llx s %016llx%016llx: host "
                       "%016llx%016llx, portable %016llx%016llx\n", names[kind], imm,
                       (unsigned long long)d.q[1], (unsigned long long)d.q[0],
                       (unsigned long long)s.q[1], (unsigned long long)s.q[0],
                       (unsigned long long)want.q[1], (unsigned long long)want.q[0],
                       (unsigned long long)got.q[1], (unsigned long long)got.q[0]);
                bad++;
            }
        }
        if (bad) {
            failed++;
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

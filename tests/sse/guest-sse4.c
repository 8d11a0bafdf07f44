/*
 * Guest program for the SSE suite: every SSE4.1, SSE4.2, AES-NI, PCLMULQDQ and
 * SHA instruction, and CRC32 and MOVBE, on random and edge inputs (NaNs, denormals,
 * infinities, saturation and sign boundaries, short and zero-filled strings),
 * in register and memory forms, with random MXCSR (rounding, DAZ, FZ, sticky
 * flags; exceptions masked) and random arithmetic flags before each one, and
 * every immediate of the ROUND, PCMPxSTRx, MPSADBW, PCLMULQDQ, blend, insert
 * and extract forms. Each instruction folds XMM0, XMM1, RAX/RCX/RDX, the
 * arithmetic flags and MXCSR after it into a hash; one line per instruction.
 * XMM2 is the register source (the compiler's choice of register for x2).
 * Run natively and under the emulator: outputs must match.
 * Build with -msse4.2 -maes -mpclmul -msha -mmovbe -mno-red-zone (the asm pushes).
 * Usage: guest-sse4 SEED [verbose]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <emmintrin.h>

#define ITERATIONS 60

typedef union Vector {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} __attribute__((aligned(16))) Vector;

/* the machine state an instruction reads and writes */
typedef struct State {
    Vector x0, x1, x2, mem;
    unsigned long rax, rcx, rdx, flags;
    uint32_t mxcsr;
} State;

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

static const uint32_t special_f32[] = {
    0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001,
    0x7f800001, 0xff812345, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000,
    0x7f7fffff, 0xff7fffff, 0x00800000, 0x3fc00000, 0x3f000000, 0xbf000000,
    0x40200000, 0xc0200000, 0x4b000000, 0x4affffff, 0x3effffff, 0x3f000001,
};
static const uint64_t special_f64[] = {
    0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
    0x7ff8000000000000ull, 0xfff8000000000123ull, 0x7ff0000000000001ull,
    0x0000000000000001ull, 0x800fffffffffffffull, 0x3ff0000000000000ull,
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull,
    0x3ff8000000000000ull, 0xbff0000000000001ull, 0x4004000000000000ull,
    0x3fe0000000000000ull, 0xbfe0000000000000ull, 0x4330000000000000ull,
    0x432fffffffffffffull, 0x3fdfffffffffffffull, 0xc004000000000000ull,
};
static const uint32_t special_int[] = {
    0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x7fff7fff, 0x80008000, 0x80808080,
    0x7f7f7f7f, 0xffff8000, 0x00007fff, 0x01ff8001, 0x8f0f8707, 0xc0004000,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* kind 0: integers, 1: singles, 2: doubles, 3: strings (small alphabet, zeros) */
static Vector random_vector(int kind)
{
    Vector v;
    v.q[0] = next_random();
    v.q[1] = next_random();
    for (int i = 0; i < 4; i++) {
        uint64_t pick = next_random();
        if (kind == 0 && (pick & 3) == 0) {
            v.l[i] = special_int[(pick >> 8) % COUNT(special_int)];
        } else if (kind == 1 && (pick & 3) != 3) {
            v.l[i] = special_f32[(pick >> 8) % COUNT(special_f32)];
            if ((pick & 3) == 1) {
                float f = (float)(int32_t)(pick >> 40) / 256.0f;
                memcpy(&v.l[i], &f, 4);
            }
        } else if (kind == 2 && i < 2 && (pick & 3) != 3) {
            v.q[i] = special_f64[(pick >> 8) % COUNT(special_f64)];
            if ((pick & 3) == 1) {
                double f = (double)(int32_t)(pick >> 32) / 65536.0;
                memcpy(&v.q[i], &f, 8);
            }
        }
    }
    if (kind == 3) {
        static const uint8_t alphabet[] = { 'a', 'b', 'c', 0x80, 0x7f, 0xff, 0, 'a' };
        unsigned zero_at = next_random() % 24;
        for (int i = 0; i < 16; i++) {
            v.b[i] = alphabet[next_random() % COUNT(alphabet)];
            if ((next_random() & 7) != 0 && v.b[i] == 0) {
                v.b[i] = 'b';
            }
        }
        if (zero_at < 16) {
            v.b[zero_at] = 0;
        }
    }
    return v;
}

static unsigned long random_length(void)
{
    static const long special[] = { 0, 16, 17, 8, 9, -1, -16, -17, 0x7fffffff, -0x7fffffff - 1 };
    uint64_t pick = next_random();
    if ((pick & 3) == 0) {
        return (unsigned long)special[(pick >> 8) % COUNT(special)];
    }
    if ((pick & 3) == 1 && sizeof(long) == 8) {
        return (unsigned long)(pick & 0xffffffff00000000ull) | ((pick >> 8) & 15);
    }
    return (unsigned long)((long)((pick >> 8) % 40) - 20);
}

/* random state: MXCSR with all exceptions masked */
static void random_state_for(State *st, int kind)
{
    st->x0 = random_vector(kind);
    st->x1 = random_vector(kind);
    st->x2 = random_vector(kind);
    st->mem = random_vector(kind);
    if ((next_random() & 3) == 0) {
        st->x2 = st->x1;     /* equal operands */
    }
    st->rax = random_length();
    st->rdx = random_length();
    st->rcx = (unsigned long)next_random();
    st->flags = (next_random() & 0x8d5) | 0x202;
    st->mxcsr = 0x1f80 | (uint32_t)(next_random() & 0x6000) | (uint32_t)(next_random() & 0x3f);
    if ((next_random() & 3) == 0) {
        st->mxcsr |= 0x8040 & (uint32_t)next_random();    /* FZ, DAZ */
    }
}

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

static int verbose;

static uint64_t hash_state(uint64_t h, const State *st, const char *name, int imm)
{
    uint64_t words[] = { st->x0.q[0], st->x0.q[1], st->x1.q[0], st->x1.q[1],
                         (uint64_t)st->rax, (uint64_t)st->rcx, (uint64_t)st->rdx,
                         (uint64_t)(st->flags & 0x8d5), st->mxcsr };
    if (verbose) {
        printf("  %s imm %d: x0 %016llx%016llx x1 %016llx%016llx rax %llx rcx %llx rdx %llx "
               "fl %03llx mxcsr %04llx\n", name, imm,
               (unsigned long long)words[1], (unsigned long long)words[0],
               (unsigned long long)words[3], (unsigned long long)words[2],
               (unsigned long long)words[4], (unsigned long long)words[5],
               (unsigned long long)words[6], (unsigned long long)words[7],
               (unsigned long long)words[8]);
    }
    return hash_bytes(h, words, sizeof(words));
}

/*
 * One instruction with the state loaded: XMM0-2, EAX/ECX/EDX, the flags and
 * MXCSR from st, then st gets XMM0, XMM1, the registers, flags and MXCSR.
 * TEXT names the source %[src] (XMM2 or st->mem) and the immediate %[imm].
 */
#define RUN_ASM(TEXT, SRC, IMM) \
    __asm__ volatile( \
        "ldmxcsr %[mx]\n\t" \
        "movdqu %[x0], %%xmm0\n\t" \
        "movdqu %[x1], %%xmm1\n\t" \
        "push %[fl]\n\t" \
        "popf\n\t" \
        TEXT "\n\t" \
        "pushf\n\t" \
        "pop %[fl]\n\t" \
        "stmxcsr %[mx]\n\t" \
        "movdqu %%xmm0, %[x0]\n\t" \
        "movdqu %%xmm1, %[x1]\n\t" \
        : [x0] "+m"(st->x0), [x1] "+m"(st->x1), [mx] "+m"(st->mxcsr), \
          [fl] "+r"(st->flags), "+a"(st->rax), "+c"(st->rcx), "+d"(st->rdx) \
        : [src] SRC, [imm] "i"(IMM) \
        : "xmm0", "xmm1", "xmm2", "cc", "memory")

#define REG_SRC "x"(x2)
#define MEM_SRC "m"(st->mem)

/* one case of the immediate switch: register and memory forms */
#define CASE(n) \
    case (n): \
        if (memory) { \
            RUN_ASM(INSN_TEXT, MEM_SRC, (n)); \
        } else { \
            RUN_ASM(INSN_TEXT, REG_SRC, (n)); \
        } \
        break;
#define R2(M, n) M(n) M((n) + 1)
#define R4(M, n) R2(M, n) R2(M, (n) + 2)
#define R8(M, n) R4(M, n) R4(M, (n) + 4)
#define R16(M, n) R8(M, n) R8(M, (n) + 8)
#define R32(M, n) R16(M, n) R16(M, (n) + 16)
#define R64(M, n) R32(M, n) R32(M, (n) + 32)
#define R128(M, n) R64(M, n) R64(M, (n) + 64)
#define R256(M, n) R128(M, n) R128(M, (n) + 128)

typedef void Runner(State *st, int imm, int memory);

#define INSN_TEXT TEXT_OF_INSN
#define DEFINE(fname, REPEAT) \
    static void fname(State *st, int imm, int memory) \
    { \
        __m128i x2; \
        memcpy(&x2, &st->x2, sizeof(x2)); \
        switch (imm) { REPEAT(CASE, 0) } \
    }
#define R1(M, n) M(n)

/* the instruction texts: %[src] is XMM2 or memory, %[imm] the immediate */
#undef INSN_TEXT
#define INSN_TEXT "pmovsxbw %[src], %%xmm1"
DEFINE(run_pmovsxbw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovsxbd %[src], %%xmm1"
DEFINE(run_pmovsxbd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovsxbq %[src], %%xmm1"
DEFINE(run_pmovsxbq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovsxwd %[src], %%xmm1"
DEFINE(run_pmovsxwd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovsxwq %[src], %%xmm1"
DEFINE(run_pmovsxwq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovsxdq %[src], %%xmm1"
DEFINE(run_pmovsxdq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxbw %[src], %%xmm1"
DEFINE(run_pmovzxbw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxbd %[src], %%xmm1"
DEFINE(run_pmovzxbd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxbq %[src], %%xmm1"
DEFINE(run_pmovzxbq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxwd %[src], %%xmm1"
DEFINE(run_pmovzxwd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxwq %[src], %%xmm1"
DEFINE(run_pmovzxwq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmovzxdq %[src], %%xmm1"
DEFINE(run_pmovzxdq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmuldq %[src], %%xmm1"
DEFINE(run_pmuldq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmulld %[src], %%xmm1"
DEFINE(run_pmulld, R1)
#undef INSN_TEXT
#define INSN_TEXT "pcmpeqq %[src], %%xmm1"
DEFINE(run_pcmpeqq, R1)
#undef INSN_TEXT
#define INSN_TEXT "pcmpgtq %[src], %%xmm1"
DEFINE(run_pcmpgtq, R1)
#undef INSN_TEXT
#define INSN_TEXT "packusdw %[src], %%xmm1"
DEFINE(run_packusdw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pminsb %[src], %%xmm1"
DEFINE(run_pminsb, R1)
#undef INSN_TEXT
#define INSN_TEXT "pminsd %[src], %%xmm1"
DEFINE(run_pminsd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pminuw %[src], %%xmm1"
DEFINE(run_pminuw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pminud %[src], %%xmm1"
DEFINE(run_pminud, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmaxsb %[src], %%xmm1"
DEFINE(run_pmaxsb, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmaxsd %[src], %%xmm1"
DEFINE(run_pmaxsd, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmaxuw %[src], %%xmm1"
DEFINE(run_pmaxuw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pmaxud %[src], %%xmm1"
DEFINE(run_pmaxud, R1)
#undef INSN_TEXT
#define INSN_TEXT "phminposuw %[src], %%xmm1"
DEFINE(run_phminposuw, R1)
#undef INSN_TEXT
#define INSN_TEXT "pblendvb %%xmm0, %[src], %%xmm1"
DEFINE(run_pblendvb, R1)
#undef INSN_TEXT
#define INSN_TEXT "blendvps %%xmm0, %[src], %%xmm1"
DEFINE(run_blendvps, R1)
#undef INSN_TEXT
#define INSN_TEXT "blendvpd %%xmm0, %[src], %%xmm1"
DEFINE(run_blendvpd, R1)
#undef INSN_TEXT
#define INSN_TEXT "ptest %[src], %%xmm1"
DEFINE(run_ptest, R1)
#undef INSN_TEXT
#define INSN_TEXT "blendps %[imm], %[src], %%xmm1"
DEFINE(run_blendps, R16)
#undef INSN_TEXT
#define INSN_TEXT "blendpd %[imm], %[src], %%xmm1"
DEFINE(run_blendpd, R4)
#undef INSN_TEXT
#define INSN_TEXT "pblendw %[imm], %[src], %%xmm1"
DEFINE(run_pblendw, R256)
#undef INSN_TEXT
#define INSN_TEXT "mpsadbw %[imm], %[src], %%xmm1"
DEFINE(run_mpsadbw, R8)
#undef INSN_TEXT
#define INSN_TEXT "insertps %[imm], %[src], %%xmm1"
DEFINE(run_insertps, R256)
#undef INSN_TEXT
#define INSN_TEXT "roundps %[imm], %[src], %%xmm1"
DEFINE(run_roundps, R16)
#undef INSN_TEXT
#define INSN_TEXT "roundpd %[imm], %[src], %%xmm1"
DEFINE(run_roundpd, R16)
#undef INSN_TEXT
#define INSN_TEXT "roundss %[imm], %[src], %%xmm1"
DEFINE(run_roundss, R16)
#undef INSN_TEXT
#define INSN_TEXT "roundsd %[imm], %[src], %%xmm1"
DEFINE(run_roundsd, R16)
#undef INSN_TEXT
#define INSN_TEXT "dpps %[imm], %[src], %%xmm1"
DEFINE(run_dpps, R256)
#undef INSN_TEXT
#define INSN_TEXT "dppd %[imm], %[src], %%xmm1"
DEFINE(run_dppd, R256)
#undef INSN_TEXT
#define INSN_TEXT "pcmpestri %[imm], %[src], %%xmm1"
DEFINE(run_pcmpestri, R128)
#undef INSN_TEXT
#define INSN_TEXT "pcmpestrm %[imm], %[src], %%xmm1"
DEFINE(run_pcmpestrm, R128)
#undef INSN_TEXT
#define INSN_TEXT "pcmpistri %[imm], %[src], %%xmm1"
DEFINE(run_pcmpistri, R128)
#undef INSN_TEXT
#define INSN_TEXT "pcmpistrm %[imm], %[src], %%xmm1"
DEFINE(run_pcmpistrm, R128)
#undef INSN_TEXT
#define INSN_TEXT "aesenc %[src], %%xmm1"
DEFINE(run_aesenc, R1)
#undef INSN_TEXT
#define INSN_TEXT "aesenclast %[src], %%xmm1"
DEFINE(run_aesenclast, R1)
#undef INSN_TEXT
#define INSN_TEXT "aesdec %[src], %%xmm1"
DEFINE(run_aesdec, R1)
#undef INSN_TEXT
#define INSN_TEXT "aesdeclast %[src], %%xmm1"
DEFINE(run_aesdeclast, R1)
#undef INSN_TEXT
#define INSN_TEXT "aesimc %[src], %%xmm1"
DEFINE(run_aesimc, R1)
#undef INSN_TEXT
#define INSN_TEXT "aeskeygenassist %[imm], %[src], %%xmm1"
DEFINE(run_aeskeygenassist, R256)
#undef INSN_TEXT
#define INSN_TEXT "pclmulqdq %[imm], %[src], %%xmm1"
DEFINE(run_pclmulqdq, R32)
#undef INSN_TEXT
#define INSN_TEXT "sha1rnds4 %[imm], %[src], %%xmm1"
DEFINE(run_sha1rnds4, R4)
#undef INSN_TEXT
#define INSN_TEXT "sha1nexte %[src], %%xmm1"
DEFINE(run_sha1nexte, R1)
#undef INSN_TEXT
#define INSN_TEXT "sha1msg1 %[src], %%xmm1"
DEFINE(run_sha1msg1, R1)
#undef INSN_TEXT
#define INSN_TEXT "sha1msg2 %[src], %%xmm1"
DEFINE(run_sha1msg2, R1)
#undef INSN_TEXT
#define INSN_TEXT "sha256rnds2 %%xmm0, %[src], %%xmm1"
DEFINE(run_sha256rnds2, R1)
#undef INSN_TEXT
#define INSN_TEXT "sha256msg1 %[src], %%xmm1"
DEFINE(run_sha256msg1, R1)
#undef INSN_TEXT
#define INSN_TEXT "sha256msg2 %[src], %%xmm1"
DEFINE(run_sha256msg2, R1)
#undef INSN_TEXT
#define INSN_TEXT "movntdqa %[src], %%xmm1"
static void run_movntdqa(State *st, int imm, int memory)
{
    (void)imm;
    (void)memory;
    RUN_ASM(INSN_TEXT, MEM_SRC, 0);
}
#undef INSN_TEXT

/* extracts: register form to ECX/RCX, memory form to st->mem */
#define EXTRACT_CASE(n) \
    case (n): \
        if (memory) { \
            RUN_ASM(EXTRACT_INSN " %[imm], %%xmm1, %[src]", "m"(st->mem), (n)); \
        } else { \
            RUN_ASM(EXTRACT_INSN " %[imm], %%xmm1, " EXTRACT_REG, "m"(st->mem), (n)); \
        } \
        break;
#define DEFINE_EXTRACT(fname, REPEAT) \
    static void fname(State *st, int imm, int memory) \
    { \
        switch (imm) { REPEAT(EXTRACT_CASE, 0) } \
    }
#define EXTRACT_INSN "pextrb"
#define EXTRACT_REG "%%ecx"
DEFINE_EXTRACT(run_pextrb, R32)
#undef EXTRACT_INSN
#define EXTRACT_INSN "pextrw"
DEFINE_EXTRACT(run_pextrw, R16)
#undef EXTRACT_INSN
#define EXTRACT_INSN "pextrd"
DEFINE_EXTRACT(run_pextrd, R8)
#undef EXTRACT_INSN
#define EXTRACT_INSN "extractps"
DEFINE_EXTRACT(run_extractps, R8)
#undef EXTRACT_INSN
#undef EXTRACT_REG
#ifdef __x86_64__
#define EXTRACT_INSN "pextrq"
#define EXTRACT_REG "%%rcx"
DEFINE_EXTRACT(run_pextrq, R4)
#undef EXTRACT_INSN
#undef EXTRACT_REG
#endif

/* inserts: from ECX/RCX or st->mem */
#define INSERT_CASE(n) \
    case (n): \
        if (memory) { \
            RUN_ASM(INSERT_INSN " %[imm], %[src], %%xmm1", "m"(st->mem), (n)); \
        } else { \
            RUN_ASM(INSERT_INSN " %[imm], " INSERT_REG ", %%xmm1", "m"(st->mem), (n)); \
        } \
        break;
#define DEFINE_INSERT(fname, REPEAT) \
    static void fname(State *st, int imm, int memory) \
    { \
        switch (imm) { REPEAT(INSERT_CASE, 0) } \
    }
#define INSERT_INSN "pinsrb"
#define INSERT_REG "%%ecx"
DEFINE_INSERT(run_pinsrb, R32)
#undef INSERT_INSN
#define INSERT_INSN "pinsrd"
DEFINE_INSERT(run_pinsrd, R8)
#undef INSERT_INSN
#undef INSERT_REG
#ifdef __x86_64__
#define INSERT_INSN "pinsrq"
#define INSERT_REG "%%rcx"
DEFINE_INSERT(run_pinsrq, R4)
#undef INSERT_INSN
#undef INSERT_REG
#endif

/* CRC32 into EAX/RAX from CL/CX/ECX/RCX or memory (imm: operand size 0-3) */
static void run_crc32(State *st, int imm, int memory)
{
    switch (imm * 2 + memory) {
    case 0: RUN_ASM("crc32b %%cl, %%eax", "m"(st->mem), 0); break;
    case 1: RUN_ASM("crc32b %[src], %%eax", "m"(st->mem), 0); break;
    case 2: RUN_ASM("crc32w %%cx, %%eax", "m"(st->mem), 0); break;
    case 3: RUN_ASM("crc32w %[src], %%eax", "m"(st->mem), 0); break;
    case 4: RUN_ASM("crc32l %%ecx, %%eax", "m"(st->mem), 0); break;
    case 5: RUN_ASM("crc32l %[src], %%eax", "m"(st->mem), 0); break;
#ifdef __x86_64__
    case 6: RUN_ASM("crc32q %%rcx, %%rax", "m"(st->mem), 0); break;
    case 7: RUN_ASM("crc32q %[src], %%rax", "m"(st->mem), 0); break;
    case 8: RUN_ASM("crc32b %%cl, %%rax", "m"(st->mem), 0); break;
    case 9: RUN_ASM("crc32b %[src], %%rax", "m"(st->mem), 0); break;
#endif
    }
}

/* MOVBE: imm 0/1 load CX/ECX, 2/3 store them, 4/5 load/store RCX */
static void run_movbe(State *st, int imm, int memory)
{
    (void)memory;
    switch (imm) {
    case 0: RUN_ASM("movbe %[src], %%cx", "m"(st->mem), 0); break;
    case 1: RUN_ASM("movbe %[src], %%ecx", "m"(st->mem), 0); break;
    case 2: RUN_ASM("movbe %%cx, %[src]", "m"(st->mem), 0); break;
    case 3: RUN_ASM("movbe %%ecx, %[src]", "m"(st->mem), 0); break;
#ifdef __x86_64__
    case 4: RUN_ASM("movbe %[src], %%rcx", "m"(st->mem), 0); break;
    case 5: RUN_ASM("movbe %%rcx, %[src]", "m"(st->mem), 0); break;
#endif
    }
}

typedef struct Insn {
    const char *name;
    Runner *run;
    int imms;      /* immediates 0 .. imms-1 */
    int kind;      /* random_vector kind */
    int forms;     /* 2: register and memory; 1: one form */
} Insn;

static const Insn insns[] = {
    { "pmovsxbw", run_pmovsxbw, 1, 0, 2 }, { "pmovsxbd", run_pmovsxbd, 1, 0, 2 },
    { "pmovsxbq", run_pmovsxbq, 1, 0, 2 }, { "pmovsxwd", run_pmovsxwd, 1, 0, 2 },
    { "pmovsxwq", run_pmovsxwq, 1, 0, 2 }, { "pmovsxdq", run_pmovsxdq, 1, 0, 2 },
    { "pmovzxbw", run_pmovzxbw, 1, 0, 2 }, { "pmovzxbd", run_pmovzxbd, 1, 0, 2 },
    { "pmovzxbq", run_pmovzxbq, 1, 0, 2 }, { "pmovzxwd", run_pmovzxwd, 1, 0, 2 },
    { "pmovzxwq", run_pmovzxwq, 1, 0, 2 }, { "pmovzxdq", run_pmovzxdq, 1, 0, 2 },
    { "pmuldq", run_pmuldq, 1, 0, 2 }, { "pmulld", run_pmulld, 1, 0, 2 },
    { "pcmpeqq", run_pcmpeqq, 1, 0, 2 }, { "pcmpgtq", run_pcmpgtq, 1, 0, 2 },
    { "packusdw", run_packusdw, 1, 0, 2 },
    { "pminsb", run_pminsb, 1, 0, 2 }, { "pminsd", run_pminsd, 1, 0, 2 },
    { "pminuw", run_pminuw, 1, 0, 2 }, { "pminud", run_pminud, 1, 0, 2 },
    { "pmaxsb", run_pmaxsb, 1, 0, 2 }, { "pmaxsd", run_pmaxsd, 1, 0, 2 },
    { "pmaxuw", run_pmaxuw, 1, 0, 2 }, { "pmaxud", run_pmaxud, 1, 0, 2 },
    { "phminposuw", run_phminposuw, 1, 0, 2 },
    { "pblendvb", run_pblendvb, 1, 0, 2 }, { "blendvps", run_blendvps, 1, 1, 2 },
    { "blendvpd", run_blendvpd, 1, 2, 2 }, { "ptest", run_ptest, 1, 0, 2 },
    { "blendps", run_blendps, 16, 1, 2 }, { "blendpd", run_blendpd, 4, 2, 2 },
    { "pblendw", run_pblendw, 256, 0, 2 }, { "mpsadbw", run_mpsadbw, 8, 0, 2 },
    { "insertps", run_insertps, 256, 1, 2 },
    { "roundps", run_roundps, 16, 1, 2 }, { "roundpd", run_roundpd, 16, 2, 2 },
    { "roundss", run_roundss, 16, 1, 2 }, { "roundsd", run_roundsd, 16, 2, 2 },
    { "dpps", run_dpps, 256, 1, 2 }, { "dppd", run_dppd, 256, 2, 2 },
    { "pcmpestri", run_pcmpestri, 128, 3, 2 }, { "pcmpestrm", run_pcmpestrm, 128, 3, 2 },
    { "pcmpistri", run_pcmpistri, 128, 3, 2 }, { "pcmpistrm", run_pcmpistrm, 128, 3, 2 },
    { "aesenc", run_aesenc, 1, 0, 2 }, { "aesenclast", run_aesenclast, 1, 0, 2 },
    { "aesdec", run_aesdec, 1, 0, 2 }, { "aesdeclast", run_aesdeclast, 1, 0, 2 },
    { "aesimc", run_aesimc, 1, 0, 2 }, { "aeskeygenassist", run_aeskeygenassist, 256, 0, 2 },
    { "pclmulqdq", run_pclmulqdq, 32, 0, 2 }, { "movntdqa", run_movntdqa, 1, 0, 1 },
    { "sha1rnds4", run_sha1rnds4, 4, 0, 2 }, { "sha1nexte", run_sha1nexte, 1, 0, 2 },
    { "sha1msg1", run_sha1msg1, 1, 0, 2 }, { "sha1msg2", run_sha1msg2, 1, 0, 2 },
    { "sha256rnds2", run_sha256rnds2, 1, 0, 2 }, { "sha256msg1", run_sha256msg1, 1, 0, 2 },
    { "sha256msg2", run_sha256msg2, 1, 0, 2 },
    { "pextrb", run_pextrb, 32, 0, 2 }, { "pextrw", run_pextrw, 16, 0, 2 },
    { "pextrd", run_pextrd, 8, 0, 2 }, { "extractps", run_extractps, 8, 1, 2 },
    { "pinsrb", run_pinsrb, 32, 0, 2 }, { "pinsrd", run_pinsrd, 8, 0, 2 },
#ifdef __x86_64__
    { "pextrq", run_pextrq, 4, 0, 2 }, { "pinsrq", run_pinsrq, 4, 0, 2 },
    { "crc32", run_crc32, 5, 0, 2 }, { "movbe", run_movbe, 6, 0, 1 },
#else
    { "crc32", run_crc32, 3, 0, 2 }, { "movbe", run_movbe, 4, 0, 1 },
#endif
};

int main(int argc, char **argv)
{
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) + 1 : 1);
    verbose = argc > 2;
    for (size_t n = 0; n < COUNT(insns); n++) {
        const Insn *insn = &insns[n];
        uint64_t h = 0xcbf29ce484222325ull;
        /* fewer rounds per immediate when there are many immediates */
        int rounds = insn->imms >= 128 ? 3 : insn->imms >= 16 ? 8 : ITERATIONS;
        for (int imm = 0; imm < insn->imms; imm++) {
            for (int round = 0; round < rounds; round++) {
                for (int memory = 0; memory < insn->forms; memory++) {
                    State st;
                    random_state_for(&st, insn->kind);
                    if (verbose) {
                        printf("in x1 %016llx%016llx x2 %016llx%016llx mem %016llx%016llx "
                               "mxcsr %04x\n", (unsigned long long)st.x1.q[1],
                               (unsigned long long)st.x1.q[0], (unsigned long long)st.x2.q[1],
                               (unsigned long long)st.x2.q[0], (unsigned long long)st.mem.q[1],
                               (unsigned long long)st.mem.q[0], st.mxcsr);
                    }
                    insn->run(&st, imm, insn->forms == 1 ? 1 : memory);
                    h = hash_state(h, &st, insn->name, imm);
                    h = hash_bytes(h, &st.mem, sizeof(st.mem));
                }
            }
        }
        printf("%s %016llx\n", insn->name, (unsigned long long)h);
    }
    return 0;
}

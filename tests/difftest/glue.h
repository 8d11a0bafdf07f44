/*
 * Byte encoders for the native sides' glue code (native.c for the x86-64
 * host, native32.c for the i386 program): the loads and stores of the state
 * block at absolute addresses below 2 GiB, which encode the same way in 64-
 * and 32-bit mode ([disp32] through a SIB byte without base or index, Intel
 * SDM vol. 2A, table 2-3) as long as no REX byte is needed.
 */
#ifndef TESTS_DIFFTEST_GLUE_H
#define TESTS_DIFFTEST_GLUE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct Glue {
    uint8_t *p;
} Glue;

static inline void put(Glue *gl, unsigned n, const uint8_t *bytes)
{
    memcpy(gl->p, bytes, n);
    gl->p += n;
}

static inline void put32(Glue *gl, uint32_t v)
{
    memcpy(gl->p, &v, 4);
    gl->p += 4;
}

/* op with ModRM reg field and an absolute [disp32] operand (SIB, no base/index);
 * rex is 0 or a whole REX byte, REX.R is added for registers 8-15 */
static inline void put_abs(Glue *gl, uint8_t rex, uint8_t op0, uint8_t op1, int reg, uint32_t address)
{
    if (op0 == 0xf3) {               /* MOVDQU: the prefix goes before REX */
        *gl->p++ = 0xf3;
        op0 = 0x0f;
    }
    uint8_t r = (uint8_t)(rex | (reg >= 8 ? 0x44 : 0));
    if (r) {
        *gl->p++ = r;
    }
    *gl->p++ = op0;
    if (op1) {
        *gl->p++ = op1;
    }
    *gl->p++ = (uint8_t)(0x04 | ((reg & 7) << 3));
    *gl->p++ = 0x25;
    put32(gl, address);
}

/* VINSERTF128 ymm, ymm, [address], 1 (VEX.256.66.0F3A 18) or VEXTRACTF128
 * [address], ymm, 1 (19): bits 255:128 of a YMM register from or to memory */
static inline void put_ymm_high(Glue *gl, uint8_t op, int reg, uint32_t address)
{
    *gl->p++ = 0xc4;
    *gl->p++ = (uint8_t)((reg >= 8 ? 0x00 : 0x80) | 0x63);   /* R X B inverted, map 0F3A */
    int vvvv = op == 0x18 ? reg : 0;                            /* VEXTRACTF128: 1111 */
    *gl->p++ = (uint8_t)(((~vvvv & 15) << 3) | 0x05);           /* W0 vvvv L1 pp 66 */
    *gl->p++ = op;
    *gl->p++ = (uint8_t)(0x04 | ((reg & 7) << 3));
    *gl->p++ = 0x25;
    put32(gl, address);
    *gl->p++ = 1;
}

/* The vector state of a DiffState at state_at (its xmm, ymmh and mxcsr fields
 * at the given offsets): nregs XMM registers loaded by MOVDQU, and with AVX
 * their upper halves and MXCSR too */
static inline void put_vector_loads(Glue *gl, int nregs, bool avx, uint32_t xmm_at,
                                    uint32_t ymmh_at, uint32_t mxcsr_at)
{
    for (int x = 0; x < nregs; x++) {                            /* movdqu xmm, [xmm_at] */
        put_abs(gl, 0, 0xf3, 0x6f, x, xmm_at + 16 * (uint32_t)x);
    }
    if (avx) {
        for (int x = 0; x < nregs; x++) {
            put_ymm_high(gl, 0x18, x, ymmh_at + 16 * (uint32_t)x);
        }
        put_abs(gl, 0, 0x0f, 0xae, 2, mxcsr_at);                 /* ldmxcsr */
    }
}

/* The stores matching put_vector_loads; with AVX the host's MXCSR (at
 * host_mxcsr_at) comes back and VZEROUPPER leaves no dirty upper state to the
 * C code after it */
static inline void put_vector_stores(Glue *gl, int nregs, bool avx, uint32_t xmm_at,
                                     uint32_t ymmh_at, uint32_t mxcsr_at, uint32_t host_mxcsr_at)
{
    for (int x = 0; x < nregs; x++) {                            /* movdqu [xmm_at], xmm */
        put_abs(gl, 0, 0xf3, 0x7f, x, xmm_at + 16 * (uint32_t)x);
    }
    if (avx) {
        for (int x = 0; x < nregs; x++) {
            put_ymm_high(gl, 0x19, x, ymmh_at + 16 * (uint32_t)x);
        }
        put_abs(gl, 0, 0x0f, 0xae, 3, mxcsr_at);                 /* stmxcsr */
        put_abs(gl, 0, 0x0f, 0xae, 2, host_mxcsr_at);            /* ldmxcsr */
        static const uint8_t vzeroupper[] = { 0xc5, 0xf8, 0x77 };
        put(gl, sizeof(vzeroupper), vzeroupper);
    }
}

#endif

/*
 * BMI1/BMI2 helpers (Intel SDM vol. 2A/2B, BEXTR, PDEP, PEXT): the bit-field
 * operations the translator (translate-vex.c) does not emit inline. Operands
 * and results are zero-extended from the operand size (bits, 32 or 64).
 */
#include "target-i386/bmi_helper.h"

/* BEXTR: control[7:0] is the start bit, control[15:8] the length */
uint64_t helper_bextr(uint64_t src, uint64_t control, uint32_t bits)
{
    unsigned start = control & 0xff, length = (control >> 8) & 0xff;
    if (start >= bits) {
        return 0;
    }
    src >>= start;
    return length < 64 ? src & ((1ull << length) - 1) : src;
}

/* PDEP: the low bits of src deposited at the set bits of mask, in order */
uint64_t helper_pdep(uint64_t src, uint64_t mask, uint32_t bits)
{
    uint64_t result = 0;
    (void)bits;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t lowest = mask & -mask;
        if (src & bit) {
            result |= lowest;
        }
        mask &= mask - 1;
    }
    return result;
}

/* PEXT: the bits of src at the set bits of mask, packed into the low bits */
uint64_t helper_pext(uint64_t src, uint64_t mask, uint32_t bits)
{
    uint64_t result = 0;
    (void)bits;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t lowest = mask & -mask;
        if (src & lowest) {
            result |= bit;
        }
        mask &= mask - 1;
    }
    return result;
}

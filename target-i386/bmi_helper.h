/*
 * BMI1/BMI2 helpers called from translate-vex.c (see bmi_helper.c).
 */
#ifndef TARGET_I386_BMI_HELPER_H
#define TARGET_I386_BMI_HELPER_H

#include <stdint.h>

uint64_t helper_bextr(uint64_t src, uint64_t control, uint32_t bits);
uint64_t helper_pdep(uint64_t src, uint64_t mask, uint32_t bits);
uint64_t helper_pext(uint64_t src, uint64_t mask, uint32_t bits);

#endif

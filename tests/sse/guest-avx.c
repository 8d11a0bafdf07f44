/*
 * Guest program for the SSE suite: the AVX/AVX2 instructions the emulator has
 * so far (VMOVUPS/UPD/APS/APD/DQU/DQA loads and stores, the VEX logic ops,
 * VZEROUPPER/VZEROALL, VBROADCASTSS/SD/F128, VINSERTx128, VEXTRACTx128,
 * VPERM2x128, the VEX forms of the SSE..SSE4.1 arithmetic, compare,
 * pack/unpack, shuffle, AES and rounding operations), 128- and 256-bit,
 * register and memory forms, and the
 * YMM rules around them: a VEX.128 write zeroes bits 255:128 of its
 * destination, a legacy SSE write leaves them (Intel SDM vol. 1, 14.1.2).
 * YMM0-7 are loaded with random data before each instruction and all eight
 * stored after it into a hash; one line per instruction. Run natively and
 * under -cpu max,+avx,+avx2: outputs must match. Build with -mavx2.
 * Usage: guest-avx SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 40

typedef struct State {
    uint64_t ymm[8][4];
    uint64_t mem[4] __attribute__((aligned(32)));
} State;

static uint64_t random_state;

static uint64_t next_random(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 0x2545f4914f6cdd1dull;
}

#define LOAD_ALL \
    "vmovdqu 0(%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\tvmovdqu 64(%0), %%ymm2\n\t" \
    "vmovdqu 96(%0), %%ymm3\n\tvmovdqu 128(%0), %%ymm4\n\tvmovdqu 160(%0), %%ymm5\n\t" \
    "vmovdqu 192(%0), %%ymm6\n\tvmovdqu 224(%0), %%ymm7\n\t"
#define STORE_ALL \
    "\n\tvmovdqu %%ymm0, 0(%0)\n\tvmovdqu %%ymm1, 32(%0)\n\tvmovdqu %%ymm2, 64(%0)\n\t" \
    "vmovdqu %%ymm3, 96(%0)\n\tvmovdqu %%ymm4, 128(%0)\n\tvmovdqu %%ymm5, 160(%0)\n\t" \
    "vmovdqu %%ymm6, 192(%0)\n\tvmovdqu %%ymm7, 224(%0)\n\t"

/* %0 is the state, 256(%0) the 32-byte aligned memory operand */
#define DEFINE(fname, TEXT) \
    static void fname(State *st) \
    { \
        __asm__ volatile(LOAD_ALL TEXT STORE_ALL : : "r"(st) \
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
                           "memory"); \
    }

DEFINE(vmovdqu_ld256, "vmovdqu 256(%0), %%ymm3")
DEFINE(vmovdqu_ld128, "vmovdqu 256(%0), %%xmm3")
DEFINE(vmovdqa_ld256, "vmovdqa 256(%0), %%ymm5")
DEFINE(vmovdqa_rr128, "vmovdqa %%xmm1, %%xmm6")
DEFINE(vmovdqa_rr256, "vmovdqa %%ymm1, %%ymm6")
DEFINE(vmovdqu_st256, "vmovdqu %%ymm2, 256(%0)")
DEFINE(vmovdqu_st128, "vmovdqu %%xmm2, 256(%0)")
DEFINE(vmovdqa_st128_rr, ".byte 0xc5, 0xf9, 0x7f, 0xd4")      /* vmovdqa xmm4, xmm2 (store form) */
DEFINE(vmovups_ld256, "vmovups 256(%0), %%ymm7")
DEFINE(vmovupd_ld128, "vmovupd 256(%0), %%xmm0")
DEFINE(vmovaps_st256, "vmovaps %%ymm3, 256(%0)")
DEFINE(vmovapd_rr256, "vmovapd %%ymm4, %%ymm0")
DEFINE(vmovups_st128_rr, ".byte 0xc5, 0xf8, 0x11, 0xd5")      /* vmovups xmm5, xmm2 (store form) */
DEFINE(vpxor128, "vpxor %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpxor256, "vpxor %%ymm1, %%ymm2, %%ymm3")
DEFINE(vpand256m, "vpand 256(%0), %%ymm2, %%ymm4")
DEFINE(vpandn128m, "vpandn 256(%0), %%xmm5, %%xmm5")
DEFINE(vpor256, "vpor %%ymm7, %%ymm7, %%ymm1")
DEFINE(vxorps256, "vxorps %%ymm0, %%ymm0, %%ymm0")
DEFINE(vandps128, "vandps %%xmm6, %%xmm1, %%xmm2")
DEFINE(vandnpd256m, "vandnpd 256(%0), %%ymm3, %%ymm6")
DEFINE(vorpd128m, "vorpd 256(%0), %%xmm4, %%xmm4")
DEFINE(vzeroupper, "vzeroupper")
DEFINE(vzeroall, "vzeroall")
DEFINE(legacy_pxor_keeps_upper, "pxor %%xmm1, %%xmm2\n\tmovdqa %%xmm3, %%xmm4")
DEFINE(legacy_load_keeps_upper, "movdqu 256(%0), %%xmm5\n\taddps %%xmm0, %%xmm6")

/* the VEX forms of SSE..SSE4.1 operations (generated list) */
DEFINE(vaddps_r128, "vaddps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddps_m256, "vaddps 256(%0), %%ymm2, %%ymm4")
DEFINE(vaddps_r256same, "vaddps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vaddpd_r128, "vaddpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddpd_m256, "vaddpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vaddpd_r256same, "vaddpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vmulps_r128, "vmulps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmulps_m256, "vmulps 256(%0), %%ymm2, %%ymm4")
DEFINE(vmulps_r256same, "vmulps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vmulpd_r128, "vmulpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmulpd_m256, "vmulpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vmulpd_r256same, "vmulpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vsubps_r128, "vsubps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vsubps_m256, "vsubps 256(%0), %%ymm2, %%ymm4")
DEFINE(vsubps_r256same, "vsubps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vsubpd_r128, "vsubpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vsubpd_m256, "vsubpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vsubpd_r256same, "vsubpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vminps_r128, "vminps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vminps_m256, "vminps 256(%0), %%ymm2, %%ymm4")
DEFINE(vminps_r256same, "vminps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vminpd_r128, "vminpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vminpd_m256, "vminpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vminpd_r256same, "vminpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vdivps_r128, "vdivps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vdivps_m256, "vdivps 256(%0), %%ymm2, %%ymm4")
DEFINE(vdivps_r256same, "vdivps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vdivpd_r128, "vdivpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vdivpd_m256, "vdivpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vdivpd_r256same, "vdivpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vmaxps_r128, "vmaxps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmaxps_m256, "vmaxps 256(%0), %%ymm2, %%ymm4")
DEFINE(vmaxps_r256same, "vmaxps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vmaxpd_r128, "vmaxpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmaxpd_m256, "vmaxpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vmaxpd_r256same, "vmaxpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vunpcklps_r128, "vunpcklps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vunpcklps_m256, "vunpcklps 256(%0), %%ymm2, %%ymm4")
DEFINE(vunpcklps_r256same, "vunpcklps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vunpckhps_r128, "vunpckhps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vunpckhps_m256, "vunpckhps 256(%0), %%ymm2, %%ymm4")
DEFINE(vunpckhps_r256same, "vunpckhps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vunpcklpd_r128, "vunpcklpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vunpcklpd_m256, "vunpcklpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vunpcklpd_r256same, "vunpcklpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vunpckhpd_r128, "vunpckhpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vunpckhpd_m256, "vunpckhpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vunpckhpd_r256same, "vunpckhpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vhaddps_r128, "vhaddps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vhaddps_m256, "vhaddps 256(%0), %%ymm2, %%ymm4")
DEFINE(vhaddps_r256same, "vhaddps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vhaddpd_r128, "vhaddpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vhaddpd_m256, "vhaddpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vhaddpd_r256same, "vhaddpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vhsubps_r128, "vhsubps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vhsubps_m256, "vhsubps 256(%0), %%ymm2, %%ymm4")
DEFINE(vhsubps_r256same, "vhsubps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vhsubpd_r128, "vhsubpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vhsubpd_m256, "vhsubpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vhsubpd_r256same, "vhsubpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vaddsubps_r128, "vaddsubps %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddsubps_m256, "vaddsubps 256(%0), %%ymm2, %%ymm4")
DEFINE(vaddsubps_r256same, "vaddsubps %%ymm5, %%ymm6, %%ymm5")
DEFINE(vaddsubpd_r128, "vaddsubpd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddsubpd_m256, "vaddsubpd 256(%0), %%ymm2, %%ymm4")
DEFINE(vaddsubpd_r256same, "vaddsubpd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpcklbw_r128, "vpunpcklbw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpcklbw_m256, "vpunpcklbw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpcklbw_r256same, "vpunpcklbw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpcklwd_r128, "vpunpcklwd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpcklwd_m256, "vpunpcklwd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpcklwd_r256same, "vpunpcklwd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpckldq_r128, "vpunpckldq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpckldq_m256, "vpunpckldq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpckldq_r256same, "vpunpckldq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpacksswb_r128, "vpacksswb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpacksswb_m256, "vpacksswb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpacksswb_r256same, "vpacksswb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpgtb_r128, "vpcmpgtb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpgtb_m256, "vpcmpgtb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpgtb_r256same, "vpcmpgtb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpgtw_r128, "vpcmpgtw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpgtw_m256, "vpcmpgtw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpgtw_r256same, "vpcmpgtw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpgtd_r128, "vpcmpgtd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpgtd_m256, "vpcmpgtd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpgtd_r256same, "vpcmpgtd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpackuswb_r128, "vpackuswb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpackuswb_m256, "vpackuswb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpackuswb_r256same, "vpackuswb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpckhbw_r128, "vpunpckhbw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpckhbw_m256, "vpunpckhbw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpckhbw_r256same, "vpunpckhbw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpckhwd_r128, "vpunpckhwd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpckhwd_m256, "vpunpckhwd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpckhwd_r256same, "vpunpckhwd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpckhdq_r128, "vpunpckhdq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpckhdq_m256, "vpunpckhdq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpckhdq_r256same, "vpunpckhdq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpackssdw_r128, "vpackssdw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpackssdw_m256, "vpackssdw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpackssdw_r256same, "vpackssdw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpcklqdq_r128, "vpunpcklqdq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpcklqdq_m256, "vpunpcklqdq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpcklqdq_r256same, "vpunpcklqdq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpunpckhqdq_r128, "vpunpckhqdq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpunpckhqdq_m256, "vpunpckhqdq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpunpckhqdq_r256same, "vpunpckhqdq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpeqb_r128, "vpcmpeqb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpeqb_m256, "vpcmpeqb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpeqb_r256same, "vpcmpeqb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpeqw_r128, "vpcmpeqw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpeqw_m256, "vpcmpeqw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpeqw_r256same, "vpcmpeqw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpeqd_r128, "vpcmpeqd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpeqd_m256, "vpcmpeqd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpeqd_r256same, "vpcmpeqd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddq_r128, "vpaddq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddq_m256, "vpaddq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddq_r256same, "vpaddq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmullw_r128, "vpmullw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmullw_m256, "vpmullw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmullw_r256same, "vpmullw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubusb_r128, "vpsubusb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubusb_m256, "vpsubusb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubusb_r256same, "vpsubusb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubusw_r128, "vpsubusw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubusw_m256, "vpsubusw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubusw_r256same, "vpsubusw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminub_r128, "vpminub %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminub_m256, "vpminub 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminub_r256same, "vpminub %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddusb_r128, "vpaddusb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddusb_m256, "vpaddusb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddusb_r256same, "vpaddusb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddusw_r128, "vpaddusw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddusw_m256, "vpaddusw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddusw_r256same, "vpaddusw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxub_r128, "vpmaxub %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxub_m256, "vpmaxub 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxub_r256same, "vpmaxub %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpavgb_r128, "vpavgb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpavgb_m256, "vpavgb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpavgb_r256same, "vpavgb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpavgw_r128, "vpavgw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpavgw_m256, "vpavgw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpavgw_r256same, "vpavgw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmulhuw_r128, "vpmulhuw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmulhuw_m256, "vpmulhuw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmulhuw_r256same, "vpmulhuw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmulhw_r128, "vpmulhw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmulhw_m256, "vpmulhw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmulhw_r256same, "vpmulhw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubsb_r128, "vpsubsb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubsb_m256, "vpsubsb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubsb_r256same, "vpsubsb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubsw_r128, "vpsubsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubsw_m256, "vpsubsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubsw_r256same, "vpsubsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminsw_r128, "vpminsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminsw_m256, "vpminsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminsw_r256same, "vpminsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddsb_r128, "vpaddsb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddsb_m256, "vpaddsb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddsb_r256same, "vpaddsb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddsw_r128, "vpaddsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddsw_m256, "vpaddsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddsw_r256same, "vpaddsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxsw_r128, "vpmaxsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxsw_m256, "vpmaxsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxsw_r256same, "vpmaxsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmuludq_r128, "vpmuludq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmuludq_m256, "vpmuludq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmuludq_r256same, "vpmuludq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaddwd_r128, "vpmaddwd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaddwd_m256, "vpmaddwd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaddwd_r256same, "vpmaddwd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsadbw_r128, "vpsadbw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsadbw_m256, "vpsadbw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsadbw_r256same, "vpsadbw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubb_r128, "vpsubb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubb_m256, "vpsubb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubb_r256same, "vpsubb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubw_r128, "vpsubw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubw_m256, "vpsubw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubw_r256same, "vpsubw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubd_r128, "vpsubd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubd_m256, "vpsubd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubd_r256same, "vpsubd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsubq_r128, "vpsubq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsubq_m256, "vpsubq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsubq_r256same, "vpsubq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddb_r128, "vpaddb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddb_m256, "vpaddb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddb_r256same, "vpaddb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddw_r128, "vpaddw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddw_m256, "vpaddw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddw_r256same, "vpaddw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpaddd_r128, "vpaddd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpaddd_m256, "vpaddd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpaddd_r256same, "vpaddd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpshufb_r128, "vpshufb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpshufb_m256, "vpshufb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpshufb_r256same, "vpshufb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphaddw_r128, "vphaddw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphaddw_m256, "vphaddw 256(%0), %%ymm2, %%ymm4")
DEFINE(vphaddw_r256same, "vphaddw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphaddd_r128, "vphaddd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphaddd_m256, "vphaddd 256(%0), %%ymm2, %%ymm4")
DEFINE(vphaddd_r256same, "vphaddd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphaddsw_r128, "vphaddsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphaddsw_m256, "vphaddsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vphaddsw_r256same, "vphaddsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaddubsw_r128, "vpmaddubsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaddubsw_m256, "vpmaddubsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaddubsw_r256same, "vpmaddubsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphsubw_r128, "vphsubw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphsubw_m256, "vphsubw 256(%0), %%ymm2, %%ymm4")
DEFINE(vphsubw_r256same, "vphsubw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphsubd_r128, "vphsubd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphsubd_m256, "vphsubd 256(%0), %%ymm2, %%ymm4")
DEFINE(vphsubd_r256same, "vphsubd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vphsubsw_r128, "vphsubsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vphsubsw_m256, "vphsubsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vphsubsw_r256same, "vphsubsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsignb_r128, "vpsignb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsignb_m256, "vpsignb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsignb_r256same, "vpsignb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsignw_r128, "vpsignw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsignw_m256, "vpsignw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsignw_r256same, "vpsignw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpsignd_r128, "vpsignd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsignd_m256, "vpsignd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpsignd_r256same, "vpsignd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmulhrsw_r128, "vpmulhrsw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmulhrsw_m256, "vpmulhrsw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmulhrsw_r256same, "vpmulhrsw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmuldq_r128, "vpmuldq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmuldq_m256, "vpmuldq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmuldq_r256same, "vpmuldq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpeqq_r128, "vpcmpeqq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpeqq_m256, "vpcmpeqq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpeqq_r256same, "vpcmpeqq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpackusdw_r128, "vpackusdw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpackusdw_m256, "vpackusdw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpackusdw_r256same, "vpackusdw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpcmpgtq_r128, "vpcmpgtq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpcmpgtq_m256, "vpcmpgtq 256(%0), %%ymm2, %%ymm4")
DEFINE(vpcmpgtq_r256same, "vpcmpgtq %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminsb_r128, "vpminsb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminsb_m256, "vpminsb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminsb_r256same, "vpminsb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminsd_r128, "vpminsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminsd_m256, "vpminsd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminsd_r256same, "vpminsd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminuw_r128, "vpminuw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminuw_m256, "vpminuw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminuw_r256same, "vpminuw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpminud_r128, "vpminud %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpminud_m256, "vpminud 256(%0), %%ymm2, %%ymm4")
DEFINE(vpminud_r256same, "vpminud %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxsb_r128, "vpmaxsb %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxsb_m256, "vpmaxsb 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxsb_r256same, "vpmaxsb %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxsd_r128, "vpmaxsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxsd_m256, "vpmaxsd 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxsd_r256same, "vpmaxsd %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxuw_r128, "vpmaxuw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxuw_m256, "vpmaxuw 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxuw_r256same, "vpmaxuw %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmaxud_r128, "vpmaxud %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmaxud_m256, "vpmaxud 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmaxud_r256same, "vpmaxud %%ymm5, %%ymm6, %%ymm5")
DEFINE(vpmulld_r128, "vpmulld %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpmulld_m256, "vpmulld 256(%0), %%ymm2, %%ymm4")
DEFINE(vpmulld_r256same, "vpmulld %%ymm5, %%ymm6, %%ymm5")
DEFINE(vaddss_r, "vaddss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddss_m, "vaddss 256(%0), %%xmm2, %%xmm2")
DEFINE(vaddsd_r, "vaddsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaddsd_m, "vaddsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vmulss_r, "vmulss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmulss_m, "vmulss 256(%0), %%xmm2, %%xmm2")
DEFINE(vmulsd_r, "vmulsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmulsd_m, "vmulsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vsubss_r, "vsubss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vsubss_m, "vsubss 256(%0), %%xmm2, %%xmm2")
DEFINE(vsubsd_r, "vsubsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vsubsd_m, "vsubsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vminss_r, "vminss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vminss_m, "vminss 256(%0), %%xmm2, %%xmm2")
DEFINE(vminsd_r, "vminsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vminsd_m, "vminsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vdivss_r, "vdivss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vdivss_m, "vdivss 256(%0), %%xmm2, %%xmm2")
DEFINE(vdivsd_r, "vdivsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vdivsd_m, "vdivsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vmaxss_r, "vmaxss %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmaxss_m, "vmaxss 256(%0), %%xmm2, %%xmm2")
DEFINE(vmaxsd_r, "vmaxsd %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmaxsd_m, "vmaxsd 256(%0), %%xmm2, %%xmm2")
DEFINE(vpsrlw_r, "vpsrlw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsrld_r, "vpsrld %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsrlq_r, "vpsrlq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsraw_r, "vpsraw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsrad_r, "vpsrad %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsllw_r, "vpsllw %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpslld_r, "vpslld %%xmm1, %%xmm2, %%xmm3")
DEFINE(vpsllq_r, "vpsllq %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaesenc_r, "vaesenc %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaesenc_m, "vaesenc 256(%0), %%xmm2, %%xmm6")
DEFINE(vaesenclast_r, "vaesenclast %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaesenclast_m, "vaesenclast 256(%0), %%xmm2, %%xmm6")
DEFINE(vaesdec_r, "vaesdec %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaesdec_m, "vaesdec 256(%0), %%xmm2, %%xmm6")
DEFINE(vaesdeclast_r, "vaesdeclast %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaesdeclast_m, "vaesdeclast 256(%0), %%xmm2, %%xmm6")
DEFINE(vpabsb_r256, "vpabsb %%ymm1, %%ymm2")
DEFINE(vpabsb_m128, "vpabsb 256(%0), %%xmm3")
DEFINE(vpabsw_r256, "vpabsw %%ymm1, %%ymm2")
DEFINE(vpabsw_m128, "vpabsw 256(%0), %%xmm3")
DEFINE(vpabsd_r256, "vpabsd %%ymm1, %%ymm2")
DEFINE(vpabsd_m128, "vpabsd 256(%0), %%xmm3")
DEFINE(vpmovsxbw_r, "vpmovsxbw %%xmm1, %%xmm7")
DEFINE(vpmovsxbw_m, "vpmovsxbw 256(%0), %%xmm3")
DEFINE(vpmovsxbd_r, "vpmovsxbd %%xmm1, %%xmm7")
DEFINE(vpmovsxbd_m, "vpmovsxbd 256(%0), %%xmm3")
DEFINE(vpmovsxbq_r, "vpmovsxbq %%xmm1, %%xmm7")
DEFINE(vpmovsxbq_m, "vpmovsxbq 256(%0), %%xmm3")
DEFINE(vpmovsxwd_r, "vpmovsxwd %%xmm1, %%xmm7")
DEFINE(vpmovsxwd_m, "vpmovsxwd 256(%0), %%xmm3")
DEFINE(vpmovsxwq_r, "vpmovsxwq %%xmm1, %%xmm7")
DEFINE(vpmovsxwq_m, "vpmovsxwq 256(%0), %%xmm3")
DEFINE(vpmovsxdq_r, "vpmovsxdq %%xmm1, %%xmm7")
DEFINE(vpmovsxdq_m, "vpmovsxdq 256(%0), %%xmm3")
DEFINE(vpmovzxbw_r, "vpmovzxbw %%xmm1, %%xmm7")
DEFINE(vpmovzxbw_m, "vpmovzxbw 256(%0), %%xmm3")
DEFINE(vpmovzxbd_r, "vpmovzxbd %%xmm1, %%xmm7")
DEFINE(vpmovzxbd_m, "vpmovzxbd 256(%0), %%xmm3")
DEFINE(vpmovzxbq_r, "vpmovzxbq %%xmm1, %%xmm7")
DEFINE(vpmovzxbq_m, "vpmovzxbq 256(%0), %%xmm3")
DEFINE(vpmovzxwd_r, "vpmovzxwd %%xmm1, %%xmm7")
DEFINE(vpmovzxwd_m, "vpmovzxwd 256(%0), %%xmm3")
DEFINE(vpmovzxwq_r, "vpmovzxwq %%xmm1, %%xmm7")
DEFINE(vpmovzxwq_m, "vpmovzxwq 256(%0), %%xmm3")
DEFINE(vpmovzxdq_r, "vpmovzxdq %%xmm1, %%xmm7")
DEFINE(vpmovzxdq_m, "vpmovzxdq 256(%0), %%xmm3")
DEFINE(vphminposuw_r, "vphminposuw %%xmm1, %%xmm7")
DEFINE(vphminposuw_m, "vphminposuw 256(%0), %%xmm3")
DEFINE(vaesimc_r, "vaesimc %%xmm1, %%xmm7")
DEFINE(vaesimc_m, "vaesimc 256(%0), %%xmm3")
DEFINE(vpshufd_1b, "vpshufd $27, %%ymm1, %%ymm2")
DEFINE(vpshufhw_1b, "vpshufhw $27, 256(%0), %%ymm3")
DEFINE(vpshuflw_1b, "vpshuflw $27, %%xmm1, %%xmm2")
DEFINE(vshufps_1b, "vshufps $27, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vshufpd_1b, "vshufpd $11, 256(%0), %%xmm2, %%xmm3")
DEFINE(vpblendw_1b, "vpblendw $27, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vpalignr_1b, "vpalignr $27, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vdpps_1b, "vdpps $27, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vdppd_1b, "vdppd $19, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmpsadbw_1b, "vmpsadbw $3, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vblendps_1b, "vblendps $11, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaeskeygenassist_1b, "vaeskeygenassist $27, %%xmm1, %%xmm3")
DEFINE(vpshufd_e4, "vpshufd $228, %%ymm1, %%ymm2")
DEFINE(vpshufhw_e4, "vpshufhw $228, 256(%0), %%ymm3")
DEFINE(vpshuflw_e4, "vpshuflw $228, %%xmm1, %%xmm2")
DEFINE(vshufps_e4, "vshufps $228, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vshufpd_e4, "vshufpd $4, 256(%0), %%xmm2, %%xmm3")
DEFINE(vpblendw_e4, "vpblendw $228, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vpalignr_e4, "vpalignr $4, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vdpps_e4, "vdpps $228, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vdppd_e4, "vdppd $32, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vmpsadbw_e4, "vmpsadbw $4, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vblendps_e4, "vblendps $4, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vaeskeygenassist_e4, "vaeskeygenassist $228, %%xmm1, %%xmm3")
DEFINE(vroundps_0, "vroundps $0, %%ymm1, %%ymm2")
DEFINE(vroundpd_0, "vroundpd $0, 256(%0), %%ymm2")
DEFINE(vroundss_0, "vroundss $0, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_0, "vroundsd $0, 256(%0), %%xmm2, %%xmm3")
DEFINE(vroundps_1, "vroundps $1, %%ymm1, %%ymm2")
DEFINE(vroundpd_1, "vroundpd $1, 256(%0), %%ymm2")
DEFINE(vroundss_1, "vroundss $1, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_1, "vroundsd $1, 256(%0), %%xmm2, %%xmm3")
DEFINE(vroundps_2, "vroundps $2, %%ymm1, %%ymm2")
DEFINE(vroundpd_2, "vroundpd $2, 256(%0), %%ymm2")
DEFINE(vroundss_2, "vroundss $2, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_2, "vroundsd $2, 256(%0), %%xmm2, %%xmm3")
DEFINE(vroundps_3, "vroundps $3, %%ymm1, %%ymm2")
DEFINE(vroundpd_3, "vroundpd $3, 256(%0), %%ymm2")
DEFINE(vroundss_3, "vroundss $3, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_3, "vroundsd $3, 256(%0), %%xmm2, %%xmm3")
DEFINE(vroundps_4, "vroundps $4, %%ymm1, %%ymm2")
DEFINE(vroundpd_4, "vroundpd $4, 256(%0), %%ymm2")
DEFINE(vroundss_4, "vroundss $4, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_4, "vroundsd $4, 256(%0), %%xmm2, %%xmm3")
DEFINE(vroundps_9, "vroundps $9, %%ymm1, %%ymm2")
DEFINE(vroundpd_9, "vroundpd $9, 256(%0), %%ymm2")
DEFINE(vroundss_9, "vroundss $9, %%xmm1, %%xmm2, %%xmm3")
DEFINE(vroundsd_9, "vroundsd $9, 256(%0), %%xmm2, %%xmm3")

/* broadcasts and 128-bit lane moves */
DEFINE(vbroadcastss_m128, "vbroadcastss 260(%0), %%xmm3")
DEFINE(vbroadcastss_m256, "vbroadcastss 256(%0), %%ymm3")
DEFINE(vbroadcastss_r256, "vbroadcastss %%xmm1, %%ymm3")
DEFINE(vbroadcastsd_m256, "vbroadcastsd 264(%0), %%ymm4")
DEFINE(vbroadcastsd_r256, "vbroadcastsd %%xmm2, %%ymm4")
DEFINE(vbroadcastf128_m, "vbroadcastf128 272(%0), %%ymm5")
DEFINE(vinsertf128_r0, "vinsertf128 $0, %%xmm1, %%ymm2, %%ymm3")
DEFINE(vinsertf128_m0, "vinsertf128 $0, 256(%0), %%ymm2, %%ymm2")
DEFINE(vinserti128_r0, "vinserti128 $0, %%xmm6, %%ymm6, %%ymm1")
DEFINE(vextractf128_r0, "vextractf128 $0, %%ymm1, %%xmm3")
DEFINE(vextractf128_m0, "vextractf128 $0, %%ymm4, 272(%0)")
DEFINE(vextracti128_r0, "vextracti128 $0, %%ymm7, %%xmm7")
DEFINE(vinsertf128_r1, "vinsertf128 $1, %%xmm1, %%ymm2, %%ymm3")
DEFINE(vinsertf128_m1, "vinsertf128 $1, 256(%0), %%ymm2, %%ymm2")
DEFINE(vinserti128_r1, "vinserti128 $1, %%xmm6, %%ymm6, %%ymm1")
DEFINE(vextractf128_r1, "vextractf128 $1, %%ymm1, %%xmm3")
DEFINE(vextractf128_m1, "vextractf128 $1, %%ymm4, 272(%0)")
DEFINE(vextracti128_r1, "vextracti128 $1, %%ymm7, %%xmm7")
DEFINE(vperm2f128_r00, "vperm2f128 $0, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m00, "vperm2f128 $0, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r00, "vperm2i128 $0, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r21, "vperm2f128 $33, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m21, "vperm2f128 $33, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r21, "vperm2i128 $33, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r13, "vperm2f128 $19, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m13, "vperm2f128 $19, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r13, "vperm2i128 $19, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r88, "vperm2f128 $136, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m88, "vperm2f128 $136, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r88, "vperm2i128 $136, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r31, "vperm2f128 $49, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m31, "vperm2f128 $49, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r31, "vperm2i128 $49, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r02, "vperm2f128 $2, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m02, "vperm2f128 $2, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r02, "vperm2i128 $2, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r30, "vperm2f128 $48, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m30, "vperm2f128 $48, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r30, "vperm2i128 $48, %%ymm5, %%ymm6, %%ymm5")
DEFINE(vperm2f128_r83, "vperm2f128 $131, %%ymm1, %%ymm2, %%ymm3")
DEFINE(vperm2f128_m83, "vperm2f128 $131, 256(%0), %%ymm2, %%ymm2")
DEFINE(vperm2i128_r83, "vperm2i128 $131, %%ymm5, %%ymm6, %%ymm5")

typedef struct Insn {
    const char *name;
    void (*run)(State *st);
} Insn;

#define INSN(name) { #name, name }
static const Insn insns[] = {
    INSN(vmovdqu_ld256), INSN(vmovdqu_ld128), INSN(vmovdqa_ld256), INSN(vmovdqa_rr128),
    INSN(vmovdqa_rr256), INSN(vmovdqu_st256), INSN(vmovdqu_st128), INSN(vmovdqa_st128_rr),
    INSN(vmovups_ld256), INSN(vmovupd_ld128), INSN(vmovaps_st256), INSN(vmovapd_rr256),
    INSN(vmovups_st128_rr), INSN(vpxor128), INSN(vpxor256), INSN(vpand256m), INSN(vpandn128m),
    INSN(vpor256), INSN(vxorps256), INSN(vandps128), INSN(vandnpd256m), INSN(vorpd128m),
    INSN(vzeroupper), INSN(vzeroall), INSN(legacy_pxor_keeps_upper),
    INSN(legacy_load_keeps_upper),
    INSN(vbroadcastss_m128),
    INSN(vbroadcastss_m256),
    INSN(vbroadcastss_r256),
    INSN(vbroadcastsd_m256),
    INSN(vbroadcastsd_r256),
    INSN(vbroadcastf128_m),
    INSN(vinsertf128_r0),
    INSN(vinsertf128_m0),
    INSN(vinserti128_r0),
    INSN(vextractf128_r0),
    INSN(vextractf128_m0),
    INSN(vextracti128_r0),
    INSN(vinsertf128_r1),
    INSN(vinsertf128_m1),
    INSN(vinserti128_r1),
    INSN(vextractf128_r1),
    INSN(vextractf128_m1),
    INSN(vextracti128_r1),
    INSN(vperm2f128_r00),
    INSN(vperm2f128_m00),
    INSN(vperm2i128_r00),
    INSN(vperm2f128_r21),
    INSN(vperm2f128_m21),
    INSN(vperm2i128_r21),
    INSN(vperm2f128_r13),
    INSN(vperm2f128_m13),
    INSN(vperm2i128_r13),
    INSN(vperm2f128_r88),
    INSN(vperm2f128_m88),
    INSN(vperm2i128_r88),
    INSN(vperm2f128_r31),
    INSN(vperm2f128_m31),
    INSN(vperm2i128_r31),
    INSN(vperm2f128_r02),
    INSN(vperm2f128_m02),
    INSN(vperm2i128_r02),
    INSN(vperm2f128_r30),
    INSN(vperm2f128_m30),
    INSN(vperm2i128_r30),
    INSN(vperm2f128_r83),
    INSN(vperm2f128_m83),
    INSN(vperm2i128_r83),
    INSN(vaddps_r128),
    INSN(vaddps_m256),
    INSN(vaddps_r256same),
    INSN(vaddpd_r128),
    INSN(vaddpd_m256),
    INSN(vaddpd_r256same),
    INSN(vmulps_r128),
    INSN(vmulps_m256),
    INSN(vmulps_r256same),
    INSN(vmulpd_r128),
    INSN(vmulpd_m256),
    INSN(vmulpd_r256same),
    INSN(vsubps_r128),
    INSN(vsubps_m256),
    INSN(vsubps_r256same),
    INSN(vsubpd_r128),
    INSN(vsubpd_m256),
    INSN(vsubpd_r256same),
    INSN(vminps_r128),
    INSN(vminps_m256),
    INSN(vminps_r256same),
    INSN(vminpd_r128),
    INSN(vminpd_m256),
    INSN(vminpd_r256same),
    INSN(vdivps_r128),
    INSN(vdivps_m256),
    INSN(vdivps_r256same),
    INSN(vdivpd_r128),
    INSN(vdivpd_m256),
    INSN(vdivpd_r256same),
    INSN(vmaxps_r128),
    INSN(vmaxps_m256),
    INSN(vmaxps_r256same),
    INSN(vmaxpd_r128),
    INSN(vmaxpd_m256),
    INSN(vmaxpd_r256same),
    INSN(vunpcklps_r128),
    INSN(vunpcklps_m256),
    INSN(vunpcklps_r256same),
    INSN(vunpckhps_r128),
    INSN(vunpckhps_m256),
    INSN(vunpckhps_r256same),
    INSN(vunpcklpd_r128),
    INSN(vunpcklpd_m256),
    INSN(vunpcklpd_r256same),
    INSN(vunpckhpd_r128),
    INSN(vunpckhpd_m256),
    INSN(vunpckhpd_r256same),
    INSN(vhaddps_r128),
    INSN(vhaddps_m256),
    INSN(vhaddps_r256same),
    INSN(vhaddpd_r128),
    INSN(vhaddpd_m256),
    INSN(vhaddpd_r256same),
    INSN(vhsubps_r128),
    INSN(vhsubps_m256),
    INSN(vhsubps_r256same),
    INSN(vhsubpd_r128),
    INSN(vhsubpd_m256),
    INSN(vhsubpd_r256same),
    INSN(vaddsubps_r128),
    INSN(vaddsubps_m256),
    INSN(vaddsubps_r256same),
    INSN(vaddsubpd_r128),
    INSN(vaddsubpd_m256),
    INSN(vaddsubpd_r256same),
    INSN(vpunpcklbw_r128),
    INSN(vpunpcklbw_m256),
    INSN(vpunpcklbw_r256same),
    INSN(vpunpcklwd_r128),
    INSN(vpunpcklwd_m256),
    INSN(vpunpcklwd_r256same),
    INSN(vpunpckldq_r128),
    INSN(vpunpckldq_m256),
    INSN(vpunpckldq_r256same),
    INSN(vpacksswb_r128),
    INSN(vpacksswb_m256),
    INSN(vpacksswb_r256same),
    INSN(vpcmpgtb_r128),
    INSN(vpcmpgtb_m256),
    INSN(vpcmpgtb_r256same),
    INSN(vpcmpgtw_r128),
    INSN(vpcmpgtw_m256),
    INSN(vpcmpgtw_r256same),
    INSN(vpcmpgtd_r128),
    INSN(vpcmpgtd_m256),
    INSN(vpcmpgtd_r256same),
    INSN(vpackuswb_r128),
    INSN(vpackuswb_m256),
    INSN(vpackuswb_r256same),
    INSN(vpunpckhbw_r128),
    INSN(vpunpckhbw_m256),
    INSN(vpunpckhbw_r256same),
    INSN(vpunpckhwd_r128),
    INSN(vpunpckhwd_m256),
    INSN(vpunpckhwd_r256same),
    INSN(vpunpckhdq_r128),
    INSN(vpunpckhdq_m256),
    INSN(vpunpckhdq_r256same),
    INSN(vpackssdw_r128),
    INSN(vpackssdw_m256),
    INSN(vpackssdw_r256same),
    INSN(vpunpcklqdq_r128),
    INSN(vpunpcklqdq_m256),
    INSN(vpunpcklqdq_r256same),
    INSN(vpunpckhqdq_r128),
    INSN(vpunpckhqdq_m256),
    INSN(vpunpckhqdq_r256same),
    INSN(vpcmpeqb_r128),
    INSN(vpcmpeqb_m256),
    INSN(vpcmpeqb_r256same),
    INSN(vpcmpeqw_r128),
    INSN(vpcmpeqw_m256),
    INSN(vpcmpeqw_r256same),
    INSN(vpcmpeqd_r128),
    INSN(vpcmpeqd_m256),
    INSN(vpcmpeqd_r256same),
    INSN(vpaddq_r128),
    INSN(vpaddq_m256),
    INSN(vpaddq_r256same),
    INSN(vpmullw_r128),
    INSN(vpmullw_m256),
    INSN(vpmullw_r256same),
    INSN(vpsubusb_r128),
    INSN(vpsubusb_m256),
    INSN(vpsubusb_r256same),
    INSN(vpsubusw_r128),
    INSN(vpsubusw_m256),
    INSN(vpsubusw_r256same),
    INSN(vpminub_r128),
    INSN(vpminub_m256),
    INSN(vpminub_r256same),
    INSN(vpaddusb_r128),
    INSN(vpaddusb_m256),
    INSN(vpaddusb_r256same),
    INSN(vpaddusw_r128),
    INSN(vpaddusw_m256),
    INSN(vpaddusw_r256same),
    INSN(vpmaxub_r128),
    INSN(vpmaxub_m256),
    INSN(vpmaxub_r256same),
    INSN(vpavgb_r128),
    INSN(vpavgb_m256),
    INSN(vpavgb_r256same),
    INSN(vpavgw_r128),
    INSN(vpavgw_m256),
    INSN(vpavgw_r256same),
    INSN(vpmulhuw_r128),
    INSN(vpmulhuw_m256),
    INSN(vpmulhuw_r256same),
    INSN(vpmulhw_r128),
    INSN(vpmulhw_m256),
    INSN(vpmulhw_r256same),
    INSN(vpsubsb_r128),
    INSN(vpsubsb_m256),
    INSN(vpsubsb_r256same),
    INSN(vpsubsw_r128),
    INSN(vpsubsw_m256),
    INSN(vpsubsw_r256same),
    INSN(vpminsw_r128),
    INSN(vpminsw_m256),
    INSN(vpminsw_r256same),
    INSN(vpaddsb_r128),
    INSN(vpaddsb_m256),
    INSN(vpaddsb_r256same),
    INSN(vpaddsw_r128),
    INSN(vpaddsw_m256),
    INSN(vpaddsw_r256same),
    INSN(vpmaxsw_r128),
    INSN(vpmaxsw_m256),
    INSN(vpmaxsw_r256same),
    INSN(vpmuludq_r128),
    INSN(vpmuludq_m256),
    INSN(vpmuludq_r256same),
    INSN(vpmaddwd_r128),
    INSN(vpmaddwd_m256),
    INSN(vpmaddwd_r256same),
    INSN(vpsadbw_r128),
    INSN(vpsadbw_m256),
    INSN(vpsadbw_r256same),
    INSN(vpsubb_r128),
    INSN(vpsubb_m256),
    INSN(vpsubb_r256same),
    INSN(vpsubw_r128),
    INSN(vpsubw_m256),
    INSN(vpsubw_r256same),
    INSN(vpsubd_r128),
    INSN(vpsubd_m256),
    INSN(vpsubd_r256same),
    INSN(vpsubq_r128),
    INSN(vpsubq_m256),
    INSN(vpsubq_r256same),
    INSN(vpaddb_r128),
    INSN(vpaddb_m256),
    INSN(vpaddb_r256same),
    INSN(vpaddw_r128),
    INSN(vpaddw_m256),
    INSN(vpaddw_r256same),
    INSN(vpaddd_r128),
    INSN(vpaddd_m256),
    INSN(vpaddd_r256same),
    INSN(vpshufb_r128),
    INSN(vpshufb_m256),
    INSN(vpshufb_r256same),
    INSN(vphaddw_r128),
    INSN(vphaddw_m256),
    INSN(vphaddw_r256same),
    INSN(vphaddd_r128),
    INSN(vphaddd_m256),
    INSN(vphaddd_r256same),
    INSN(vphaddsw_r128),
    INSN(vphaddsw_m256),
    INSN(vphaddsw_r256same),
    INSN(vpmaddubsw_r128),
    INSN(vpmaddubsw_m256),
    INSN(vpmaddubsw_r256same),
    INSN(vphsubw_r128),
    INSN(vphsubw_m256),
    INSN(vphsubw_r256same),
    INSN(vphsubd_r128),
    INSN(vphsubd_m256),
    INSN(vphsubd_r256same),
    INSN(vphsubsw_r128),
    INSN(vphsubsw_m256),
    INSN(vphsubsw_r256same),
    INSN(vpsignb_r128),
    INSN(vpsignb_m256),
    INSN(vpsignb_r256same),
    INSN(vpsignw_r128),
    INSN(vpsignw_m256),
    INSN(vpsignw_r256same),
    INSN(vpsignd_r128),
    INSN(vpsignd_m256),
    INSN(vpsignd_r256same),
    INSN(vpmulhrsw_r128),
    INSN(vpmulhrsw_m256),
    INSN(vpmulhrsw_r256same),
    INSN(vpmuldq_r128),
    INSN(vpmuldq_m256),
    INSN(vpmuldq_r256same),
    INSN(vpcmpeqq_r128),
    INSN(vpcmpeqq_m256),
    INSN(vpcmpeqq_r256same),
    INSN(vpackusdw_r128),
    INSN(vpackusdw_m256),
    INSN(vpackusdw_r256same),
    INSN(vpcmpgtq_r128),
    INSN(vpcmpgtq_m256),
    INSN(vpcmpgtq_r256same),
    INSN(vpminsb_r128),
    INSN(vpminsb_m256),
    INSN(vpminsb_r256same),
    INSN(vpminsd_r128),
    INSN(vpminsd_m256),
    INSN(vpminsd_r256same),
    INSN(vpminuw_r128),
    INSN(vpminuw_m256),
    INSN(vpminuw_r256same),
    INSN(vpminud_r128),
    INSN(vpminud_m256),
    INSN(vpminud_r256same),
    INSN(vpmaxsb_r128),
    INSN(vpmaxsb_m256),
    INSN(vpmaxsb_r256same),
    INSN(vpmaxsd_r128),
    INSN(vpmaxsd_m256),
    INSN(vpmaxsd_r256same),
    INSN(vpmaxuw_r128),
    INSN(vpmaxuw_m256),
    INSN(vpmaxuw_r256same),
    INSN(vpmaxud_r128),
    INSN(vpmaxud_m256),
    INSN(vpmaxud_r256same),
    INSN(vpmulld_r128),
    INSN(vpmulld_m256),
    INSN(vpmulld_r256same),
    INSN(vaddss_r),
    INSN(vaddss_m),
    INSN(vaddsd_r),
    INSN(vaddsd_m),
    INSN(vmulss_r),
    INSN(vmulss_m),
    INSN(vmulsd_r),
    INSN(vmulsd_m),
    INSN(vsubss_r),
    INSN(vsubss_m),
    INSN(vsubsd_r),
    INSN(vsubsd_m),
    INSN(vminss_r),
    INSN(vminss_m),
    INSN(vminsd_r),
    INSN(vminsd_m),
    INSN(vdivss_r),
    INSN(vdivss_m),
    INSN(vdivsd_r),
    INSN(vdivsd_m),
    INSN(vmaxss_r),
    INSN(vmaxss_m),
    INSN(vmaxsd_r),
    INSN(vmaxsd_m),
    INSN(vpsrlw_r),
    INSN(vpsrld_r),
    INSN(vpsrlq_r),
    INSN(vpsraw_r),
    INSN(vpsrad_r),
    INSN(vpsllw_r),
    INSN(vpslld_r),
    INSN(vpsllq_r),
    INSN(vaesenc_r),
    INSN(vaesenc_m),
    INSN(vaesenclast_r),
    INSN(vaesenclast_m),
    INSN(vaesdec_r),
    INSN(vaesdec_m),
    INSN(vaesdeclast_r),
    INSN(vaesdeclast_m),
    INSN(vpabsb_r256),
    INSN(vpabsb_m128),
    INSN(vpabsw_r256),
    INSN(vpabsw_m128),
    INSN(vpabsd_r256),
    INSN(vpabsd_m128),
    INSN(vpmovsxbw_r),
    INSN(vpmovsxbw_m),
    INSN(vpmovsxbd_r),
    INSN(vpmovsxbd_m),
    INSN(vpmovsxbq_r),
    INSN(vpmovsxbq_m),
    INSN(vpmovsxwd_r),
    INSN(vpmovsxwd_m),
    INSN(vpmovsxwq_r),
    INSN(vpmovsxwq_m),
    INSN(vpmovsxdq_r),
    INSN(vpmovsxdq_m),
    INSN(vpmovzxbw_r),
    INSN(vpmovzxbw_m),
    INSN(vpmovzxbd_r),
    INSN(vpmovzxbd_m),
    INSN(vpmovzxbq_r),
    INSN(vpmovzxbq_m),
    INSN(vpmovzxwd_r),
    INSN(vpmovzxwd_m),
    INSN(vpmovzxwq_r),
    INSN(vpmovzxwq_m),
    INSN(vpmovzxdq_r),
    INSN(vpmovzxdq_m),
    INSN(vphminposuw_r),
    INSN(vphminposuw_m),
    INSN(vaesimc_r),
    INSN(vaesimc_m),
    INSN(vpshufd_1b),
    INSN(vpshufhw_1b),
    INSN(vpshuflw_1b),
    INSN(vshufps_1b),
    INSN(vshufpd_1b),
    INSN(vpblendw_1b),
    INSN(vpalignr_1b),
    INSN(vdpps_1b),
    INSN(vdppd_1b),
    INSN(vmpsadbw_1b),
    INSN(vblendps_1b),
    INSN(vaeskeygenassist_1b),
    INSN(vpshufd_e4),
    INSN(vpshufhw_e4),
    INSN(vpshuflw_e4),
    INSN(vshufps_e4),
    INSN(vshufpd_e4),
    INSN(vpblendw_e4),
    INSN(vpalignr_e4),
    INSN(vdpps_e4),
    INSN(vdppd_e4),
    INSN(vmpsadbw_e4),
    INSN(vblendps_e4),
    INSN(vaeskeygenassist_e4),
    INSN(vroundps_0),
    INSN(vroundpd_0),
    INSN(vroundss_0),
    INSN(vroundsd_0),
    INSN(vroundps_1),
    INSN(vroundpd_1),
    INSN(vroundss_1),
    INSN(vroundsd_1),
    INSN(vroundps_2),
    INSN(vroundpd_2),
    INSN(vroundss_2),
    INSN(vroundsd_2),
    INSN(vroundps_3),
    INSN(vroundpd_3),
    INSN(vroundss_3),
    INSN(vroundsd_3),
    INSN(vroundps_4),
    INSN(vroundpd_4),
    INSN(vroundss_4),
    INSN(vroundsd_4),
    INSN(vroundps_9),
    INSN(vroundpd_9),
    INSN(vroundss_9),
    INSN(vroundsd_9),
};

int main(int argc, char **argv)
{
    static State st;
    random_state = 0x9e3779b97f4a7c15ull * (uint64_t)(argc > 1 ? atoi(argv[1]) + 1 : 1);
    for (size_t n = 0; n < sizeof(insns) / sizeof(insns[0]); n++) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (int i = 0; i < ITERATIONS; i++) {
            for (int r = 0; r < 8; r++) {
                for (int q = 0; q < 4; q++) {
                    st.ymm[r][q] = next_random();
                }
            }
            for (int q = 0; q < 4; q++) {
                st.mem[q] = next_random();
            }
            insns[n].run(&st);
            for (int r = 0; r < 8; r++) {
                for (int q = 0; q < 4; q++) {
                    h = (h ^ st.ymm[r][q]) * 0x100000001b3ull;
                }
            }
            for (int q = 0; q < 4; q++) {
                h = (h ^ st.mem[q]) * 0x100000001b3ull;
            }
        }
        printf("%s %016llx\n", insns[n].name, (unsigned long long)h);
    }
    return 0;
}

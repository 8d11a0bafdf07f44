/*
 * Guest program for the SSE suite: the AVX/AVX2 instructions the emulator has
 * so far (VMOVUPS/UPD/APS/APD/DQU/DQA loads and stores, the VEX logic ops,
 * VZEROUPPER/VZEROALL), 128- and 256-bit, register and memory forms, and the
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

#define ITERATIONS 200

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

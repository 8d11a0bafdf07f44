/*
 * The XSAVE feature set (Intel SDM vol. 1, ch. 13; vol. 2, XSAVE, XSAVEOPT,
 * XSAVEC, XRSTOR, XGETBV, XSETBV): XCR0, the x87 (0), SSE (1) and AVX (2)
 * state components, the standard and compacted XSAVE area formats and
 * CPUID leaf 0xD. Shared by the instructions, the user-mode signal frames
 * and the VEX decoder (which asks whether AVX state is enabled).
 */
#ifndef TARGET_I386_XSAVE_HELPER_H
#define TARGET_I386_XSAVE_HELPER_H

#include "target-i386/cpu.h"

/* state-component bits (SDM vol. 1, 13.1) */
#define XSTATE_X87 1u
#define XSTATE_SSE 2u
#define XSTATE_YMM 4u

/* the XSAVE area (SDM vol. 1, 13.4): the FXSAVE-layout legacy region, the
 * 64-byte header, then YMM_Hi128 (standard offset 576, 16 x 16 bytes; with
 * only components 0-2 its compacted offset is 576 as well) */
#define XSAVE_HEADER_OFFSET 512
#define XSAVE_YMM_OFFSET    576
#define XSAVE_YMM_SIZE      256
#define XSAVE_MAX_SIZE      (XSAVE_YMM_OFFSET + XSAVE_YMM_SIZE)
#define XCOMP_BV_COMPACT    (1ull << 63)

/* which instruction of the family (the helpers' kind argument); XSAVE_W64
 * is the REX.W form (64-bit FIP/FDP) */
enum { XSAVE_STD, XSAVE_OPT, XSAVE_C, XSAVE_RSTOR, XSAVE_S, XSAVE_RSTORS };
#define XSAVE_W64 0x10

/* the components XCR0 may enable for this model: x87 and SSE, and AVX when
 * the model has it */
uint64_t x86_xcr0_supported(const CPUX86State *env);
/* CR4.OSXSAVE and XCR0 as the program sees them: in user mode Linux enables
 * every supported component (arch/x86/kernel/fpu/xstate.c) */
bool x86_osxsave(const CPUX86State *env);
uint64_t x86_xcr0(const CPUX86State *env);
/* VEX-encoded AVX instructions are allowed (SDM vol. 2A, 2.3.10.1): #UD unless
 * CR4.OSXSAVE = 1 and XCR0 enables SSE and AVX state; tb_flags is the block's
 * key (HF_AVX_EN in system mode) */
bool x86_vex_allowed(const CPUX86State *env, uint32_t tb_flags);
/* XSAVES/XRSTORS and IA32_XSS (CPUID.(EAX=0DH,ECX=1):EAX[3]): with XSAVE */
bool x86_has_xsaves(const CPUX86State *env);
/* CPUID.(EAX=0DH, ECX=sub) into out[EAX, EBX, ECX, EDX] */
void x86_cpuid_xsave(const CPUX86State *env, uint32_t sub, uint32_t out[4]);

/* XSAVE (kind XSAVE_STD, | XSAVE_W64 for XSAVE64) of the components in rfbm into img, a copy of the
 * guest's area (only what the instruction writes changes): the signal
 * frames use it; the image is XSAVE_MAX_SIZE bytes */
void x86_xsave_image(CPUX86State *env, uint8_t *img, uint64_t rfbm, int kind);
/* XRSTOR (XRSTOR64 with w64) from img: false (nothing changed) when the
 * header or MXCSR would make XRSTOR raise #GP */
bool x86_xrstor_image(CPUX86State *env, const uint8_t *img, uint64_t rfbm, bool w64);

/* x87 state the save instructions and signal frames read and write
 * (fpu_helper.c): the status word with TOP, ES and B; the FXSAVE pointer
 * fields (0 FOP, 1/2 FIP/FDP 32-bit form, 3/4 64-bit form); loading them */
uint64_t helper_fnstsw(CPUX86State *env);
uint64_t helper_fx_pointer(CPUX86State *env, uint32_t field);
void helper_fx_load_pointers(CPUX86State *env, uint64_t fop, uint64_t fip, uint64_t fdp,
                             uint32_t w64);

/* every component in its initial configuration and MXCSR = 1F80H: the state
 * Linux gives a signal handler (fpu__clear_user_states) */
void x86_xstate_init(CPUX86State *env);

/* the instructions: addr is the effective address, kind XSAVE_* | XSAVE_W64 */
void helper_xsave(CPUX86State *env, uint64_t addr, uint32_t kind);
void helper_xrstor(CPUX86State *env, uint64_t addr, uint32_t kind);

#endif

/* the translator's decode hook (translate-xsave.c): 0F AE /4 XSAVE, /5
 * XRSTOR, /6 XSAVEOPT and 0F C7 /4 XSAVEC with a memory operand; false
 * (the other decoders go on) for anything else */
struct DisasContext;
bool gen_xsave_insn(struct DisasContext *s, unsigned b);
/* VEX AVX instructions allowed in the block being translated (#UD if not) */
bool vex_allowed(const struct DisasContext *s);

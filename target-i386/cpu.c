/*
 * x86 CPU state set-up for user mode (Intel SDM vol. 3A, 9.1.1 for the
 * architectural reset values; Linux's process start state on top).
 */
#include <string.h>
#include "target-i386/translate.h"

void x86_cpu_reset_user(CPUX86State *env, bool long_mode)
{
    CPUExec *exec = env->exec;
    struct X86Globals *globals = env->tcg_globals;

    memset(env, 0, sizeof(*env));
    env->exec = exec;
    env->tcg_globals = globals;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = 0;
    env->df = 1;
    env->eflags = 0x202;     /* IF set, bit 1 reserved as 1 */
    env->mxcsr = 0x1f80;
    env->fpuc = 0x37f;
    memset(env->fptags, 1, sizeof(env->fptags));
    for (int i = 0; i < 6; i++) {
        env->segs[i].limit = 0xffffffff;
        env->segs[i].flags = 0x00cf9300;   /* flat 4 GiB data, DPL 3 set below */
    }
    /* Linux user selectors: __USER_CS / __USER_DS (arch/x86/include/asm/segment.h) */
    if (long_mode) {
        env->hflags = HF_CS64 | HF_LMA | HF_CS32 | HF_SS32 | (3u << HF_CPL_SHIFT);
        env->segs[R_CS].selector = 0x33;
        env->segs[R_SS].selector = 0x2b;
        env->segs[R_DS].selector = 0;
        env->segs[R_ES].selector = 0;
    } else {
        env->hflags = HF_CS32 | HF_SS32 | (3u << HF_CPL_SHIFT);
        env->segs[R_CS].selector = 0x23;
        env->segs[R_SS].selector = 0x2b;
        env->segs[R_DS].selector = 0x2b;
        env->segs[R_ES].selector = 0x2b;
    }
    env->cr[0] = 0x80000033;  /* PG, NE, ET, MP, PE */
    env->cr[4] = 0x600;       /* OSFXSR, OSXMMEXCPT */
}

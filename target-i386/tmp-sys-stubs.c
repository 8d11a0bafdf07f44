/*
 * TEMPORARY weak stand-ins for the system-mode functions other branches
 * implement (accel/tcg translator_gen_tb_start, target-i386/sys_helper.h), so
 * this branch links before they land. Deleted before the branch is merged.
 */
#include <stdlib.h>
#include "target-i386/sys_helper.h"

#define STUB(decl) __attribute__((weak)) decl { abort(); }

__attribute__((weak)) void translator_gen_tb_start(CPUExec *cpu, TCGContext *s,
                                                   TranslationBlock *tb)
{
    (void)cpu; (void)s; (void)tb;
}

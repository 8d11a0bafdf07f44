/*
 * The x86 CPU's section of a snapshot or migration stream
 * (target-i386/machine.c); the stream format is migration/migration.h's.
 */
#ifndef TARGET_I386_MACHINE_H
#define TARGET_I386_MACHINE_H

#include "hw/device.h"
#include "target-i386/cpu.h"

#define X86_CPU_SAVE_VERSION 1

void x86_cpu_save(CPUX86State *env, SaveStream *s);
/* sets s->error on a short or bad stream, env then unchanged */
void x86_cpu_load(CPUX86State *env, SaveStream *s);

#endif

/*
 * x/Ni: disassembly with the translator's own decoder. The front end decodes a
 * block at the address in the CPU's current mode with the in_asm log pointed
 * at a memory stream; the IR it emits is dropped (no host code is generated,
 * the translation cache is untouched). Blocks end at jumps, so the next block
 * starts where the last one ended, until count instructions are listed.
 */
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/exec.h"
#include "monitor/hmp.h"
#include "target-i386/cpu.h"
#include "target-i386/sys_helper.h"

/* Appends the instruction lines of one block at addr to out; returns how many
 * it decoded and the block's size in *size. */
static int disas_block(MonitorHost *h, FILE *out, uint64_t addr, int max, uint32_t *size)
{
    const PCMachineView *v = &h->v;
    uint64_t pc, cs_base;
    uint32_t flags;
    v->cpu->ops->get_tb_state(v->env, &pc, &cs_base, &flags);
    TranslationBlock tb = { .pc = addr, .cs_base = cs_base, .flags = flags };
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    if (!log) {
        return 0;
    }
    unsigned old_flags = tcg_log_flags(v->tcg);
    FILE *old_log = tcg_log_file(v->tcg);
    tcg_set_log(v->tcg, TCG_LOG_IN_ASM, log);
    v->cpu->ops->translate(v->tcg, v->env, &tb, max);
    tcg_set_log(v->tcg, old_flags, old_log);
    fclose(log);
    int n = 0;
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = 0;
        }
        if (!strncmp(line, "0x", 2) && n < max) {
            fprintf(out, "%s\n", line);
            n++;
        }
    }
    free(buf);
    *size = tb.size;
    return n;
}

void hmp_disas(MonitorHost *h, FILE *out, uint64_t addr, int count)
{
    while (count > 0) {
        if (x86_cpu_get_phys_addr_debug(h->v.env, addr) == (uint64_t)-1) {
            fprintf(out, "Cannot access memory\n");
            return;
        }
        uint32_t size = 0;
        int n = disas_block(h, out, addr, count > 512 ? 512 : count, &size);
        if (n == 0 || size == 0) {
            fprintf(out, "Cannot access memory\n");
            return;
        }
        count -= n;
        addr += size;
    }
}

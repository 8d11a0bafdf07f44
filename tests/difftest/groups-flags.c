/*
 * Generator for flag producer/consumer pairs: an instruction of a group that
 * sets flags followed at once by one that reads them (Jcc, SETcc, CMOVcc,
 * ADC/SBB, RCL/RCR, LAHF). This is where lazily computed flags must be right:
 * each producer leaves its own mix of defined and undefined flags (the consumer
 * generators only insert a defining CMP when they need an undefined one), and
 * shifts by a count that masks to 0 must leave the flags of the instruction
 * before.
 */
#include "gen.h"

static const char *const producers[] = {
    "alu", "test", "incdec", "negnot", "shift", "shift", "shld", "mul", "bt", "bsf",
    "bitcount", "cmpxchg", "xadd", "prefixes", "string",
};

static const char *const consumers[] = {
    "jcc", "setcc", "cmov", "alu", "flagops",
};

static void run_group(Gen *g, const char *name)
{
    int group = group_find(name);
    if (group >= 0) {
        group_generator(group)(g);
    }
}

static void gen_flags(Gen *g)
{
    run_group(g, producers[rng_below(&g->rng, sizeof(producers) / sizeof(producers[0]))]);
    if (rng_below(&g->rng, 4) == 0) {
        run_group(g, "shift");              /* maybe by 0: flags pass through */
    }
    run_group(g, consumers[rng_below(&g->rng, sizeof(consumers) / sizeof(consumers[0]))]);
}

static const GroupDef flags_groups[] = {
    { { "flags", true, false }, gen_flags },
};

const GroupTable flags_group_table = {
    flags_groups, sizeof(flags_groups) / sizeof(flags_groups[0]),
};

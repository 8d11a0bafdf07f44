/*
 * savevm/loadvm/delvm/info snapshots: internal snapshots of every writable
 * qcow2 disk of the machine, the machine's state in the vmstate area of the
 * first one (block/qcow2-vmstate.c), as QEMU keeps them.
 */
#include <stdlib.h>
#include <string.h>
#include "migration/migration.h"

char *snapshot_save(PCMachine *m, const char *name)
{
    (void)m; (void)name;
    return strdup("savevm: not yet");
}

char *snapshot_load(PCMachine *m, const char *name)
{
    (void)m; (void)name;
    return strdup("loadvm: not yet");
}

char *snapshot_delete(PCMachine *m, const char *name)
{
    (void)m; (void)name;
    return strdup("delvm: not yet");
}

void snapshot_list(PCMachine *m, FILE *out)
{
    (void)m;
    fprintf(out, "There is no snapshot available.\n");
}

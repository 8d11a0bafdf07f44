/*
 * The HMP command table and parsed arguments (monitor/hmp*.c). The table
 * drives parsing, help and completion: each entry names the command (aliases
 * after '|'), its arguments, help text and handler.
 *
 * Argument spec: comma-separated "name:T" with T one of
 *   s  a word            S  the rest of the line       F  a file name (a word)
 *   l  an expression (64-bit)                          i  an expression (32-bit)
 *   /  x's format /[count][fmt][size]                  b  on|off
 *   K  key names (sendkey)                             D  a device name
 * and a '?' after T when the argument may be left out.
 */
#ifndef MONITOR_HMP_H
#define MONITOR_HMP_H

#include "monitor/internal.h"

#define HMP_MAX_ARGS 6

typedef struct HMPFormat {
    int count;                      /* items */
    char fmt;                       /* x d u o c i */
    int size;                       /* 1 2 4 8 */
} HMPFormat;

typedef struct HMPArg {
    bool present;
    char *str;                      /* s S F b K D */
    int64_t num;                    /* l i b (1 on) */
    HMPFormat f;                    /* / */
} HMPArg;

typedef struct HMPArgs {
    int n;
    HMPArg a[HMP_MAX_ARGS];
} HMPArgs;

typedef void HMPHandler(MonitorHost *h, const HMPArgs *args, FILE *out);

typedef struct HMPCommand {
    const char *name;               /* "cont|c" */
    const char *args;               /* "fmt:/,addr:l" */
    const char *params;             /* for help: "/fmt addr" */
    const char *help;
    HMPHandler *fn;
} HMPCommand;

extern const HMPCommand hmp_commands[];
extern const HMPCommand hmp_info_commands[];

/* hmp-expr.c: evaluates the expression at *text (numbers, $registers, C operators
 * and parentheses), moving *text past it; false with
 * a one-line message in err. */
bool hmp_eval(MonitorHost *h, const char **text, int64_t *value, char *err, size_t errlen);
/* The value of register name ("eax", "rip", "pc"); false when unknown. */
bool hmp_register(MonitorHost *h, const char *name, uint64_t *value);

/* hmp-mem.c */
void hmp_memory_dump(MonitorHost *h, FILE *out, const HMPFormat *f, uint64_t addr, bool phys);
/* hmp-disas.c: count instructions from linear address addr */
void hmp_disas(MonitorHost *h, FILE *out, uint64_t addr, int count);

/* Handlers, one per command (hmp-cmds.c, hmp-info.c, hmp-mem.c). */
HMPHandler hmp_help, hmp_info, hmp_stop, hmp_cont, hmp_system_reset, hmp_system_powerdown,
    hmp_quit, hmp_nmi, hmp_cpu, hmp_singlestep, hmp_log, hmp_logfile, hmp_memsave, hmp_pmemsave,
    hmp_sendkey, hmp_screendump, hmp_x, hmp_xp, hmp_print, hmp_gdbserver, hmp_change,
    hmp_eject, hmp_commit, hmp_block_resize, hmp_snapshot_blkdev;
HMPHandler hmp_info_status, hmp_info_version, hmp_info_name, hmp_info_registers,
    hmp_info_cpus, hmp_info_tlb, hmp_info_mem, hmp_info_pic, hmp_info_irq, hmp_info_mtree,
    hmp_info_pci, hmp_info_roms, hmp_info_jit, hmp_info_chardev, hmp_info_qtree,
    hmp_info_block, hmp_info_blockstats, hmp_info_network, hmp_info_snapshots,
    hmp_info_history;
/* migrate-cmds.c */
HMPHandler hmp_migrate, hmp_migrate_incoming, hmp_migrate_cancel, hmp_migrate_set_speed,
    hmp_migrate_set_parameter, hmp_savevm, hmp_loadvm, hmp_delvm, hmp_info_migrate;

#endif

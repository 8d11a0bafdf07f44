/*
 * What the monitor's files share: the host (machine, run state, the open
 * monitors), one Monitor per HMP or QMP connection, and the HMP command table.
 */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hw/pc.h"
#include "migration/migration.h"
#include "monitor/monitor.h"
#include "system/char.h"

typedef struct Monitor Monitor;
typedef struct JsonStream JsonStream;
typedef struct GdbStub GdbStub;

/* QEMU's RunState names as query-status and info status show them. */
typedef enum { RUN_RUNNING, RUN_PAUSED, RUN_PRELAUNCH, RUN_SHUTDOWN, RUN_INMIGRATE,
               RUN_POSTMIGRATE, RUN_RESTORE_VM } RunState;

struct Monitor {
    MonitorHost *host;
    CharDev *chr;
    bool owns_chr;
    bool qmp;
    bool readline;                  /* GNU readline edits the lines (the terminal) */
    bool mux;                       /* on mon:stdio: only while in focus */
    bool focused;
    bool banner_done;
    char *line;                     /* HMP without readline: the line so far */
    size_t len, cap;
    bool negotiated;                /* QMP: qmp_capabilities done */
    JsonStream *js;
    Monitor *next;
};

/* a QMP job (qmp-jobs.c): the snapshot commands' */
#define MAX_QMP_JOBS 16
typedef struct QmpJob {
    char id[64];
    const char *type;               /* "snapshot-save", ... */
    char *error;                    /* NULL: it succeeded */
    bool concluded;                 /* its end's events went out */
} QmpJob;

/* One vCPU's context for the execution loop's hooks: the debug hook
 * (debug.c) and the gdb stub's watch hook; set once by monitor_host_new. */
typedef struct MonitorCpuHook {
    MonitorHost *h;
    int index;
} MonitorCpuHook;

struct MonitorHost {
    PCMachine *machine;
    PCMachineView v;
    MonitorOptions opts;
    RunState state;
    Monitor *mons;
    const char *reason;             /* why the next request is made (QMP events) */
    FILE *log;                      /* logfile, NULL: the -D file or stderr */
    unsigned log_tcg;               /* log items on: TCG_LOG_* */
    int log_env;                    /* 1 int, 2 mmu */
    GdbStub *gdb;                   /* -gdb, -s, gdbserver */
    bool singlestep;                /* HMP singlestep: one instruction per block */
    MonitorCpuHook cpu_hooks[PC_MAX_CPUS];
    char last_fmt;                  /* x/xp/print: the last format and size */
    int last_size;
    MigrationInfo mig;              /* the last outgoing migration (info migrate) */
    LiveMigration *live;            /* the precopy in progress (migrate on a running VM) */
    QmpJob jobs[MAX_QMP_JOBS];      /* until job-dismiss, oldest first */
    int njobs;
};

/* --- control.c: the run state and what changes it, with their QMP events --- */
void mc_stop(MonitorHost *h);
void mc_cont(MonitorHost *h);
void mc_reset(MonitorHost *h, const char *reason);
void mc_powerdown(MonitorHost *h);
void mc_quit(MonitorHost *h, const char *reason);
const char *mc_state_name(RunState s);
bool mc_running(const MonitorHost *h);
void mc_install_request_hook(MonitorHost *h);

/* --- migrate-cmds.c: migration and snapshots, the run state around them;
 * NULL or a malloc'd one-line error --- */
char *mc_migrate(MonitorHost *h, const char *uri);
char *mc_migrate_incoming(MonitorHost *h, const char *uri);
/* keep_stopped: a running machine that op fails on stays stopped (restore-vm) */
char *mc_snapshot(MonitorHost *h, char *(*op)(PCMachine *, const char *), const char *name,
                  bool keep_stopped);

/* --- monitor.c: output --- */
/* Writes text to a monitor, \n as \r\n (as QEMU's monitor does). */
void monitor_puts(Monitor *mon, const char *text, size_t len);
void monitor_write_raw(Monitor *mon, const char *text, size_t len);

/* --- hmp.c: runs one command line, its output into out --- */
void hmp_execute(MonitorHost *h, const char *line, FILE *out);
/* Command and argument names for completion: the i-th match of prefix, or NULL. */
const char *hmp_complete_command(const char *prefix, int i);
const char *hmp_complete_info(const char *prefix, int i);
/* The argument kind ('F' file, 'K' key, 'D' device, 0 none) of word n (1 = first
 * argument) of command cmd. */
char hmp_arg_kind(const char *cmd, int n);
void hmp_run_line(Monitor *mon, const char *line);

/* --- readline.c: GNU readline on the terminal (one per process) --- */
bool rl_monitor_start(Monitor *mon);
void rl_monitor_input(Monitor *mon, const uint8_t *buf, size_t len);
void rl_monitor_focus(Monitor *mon, bool in);
void rl_monitor_stop(Monitor *mon);
void rl_monitor_history(FILE *out);

/* What query-version, the QMP greeting, info version and the HMP banner
 * report: the QEMU version whose interface this one follows, as numbers
 * management tools parse (libvirt reads qemu.major/minor/micro to pick
 * features; the banner's "QEMU X.Y.Z monitor" is what expect-style scripts
 * wait for), and Quetzal as the package string, where QEMU puts its
 * distribution's package version ("7.2.22 (Debian 1:7.2+dfsg-7...)"). */
#define QUETZAL_QEMU_MAJOR 7
#define QUETZAL_QEMU_MINOR 2
#define QUETZAL_QEMU_MICRO 0
#define QUETZAL_QEMU_VERSION "7.2.0"
#define QUETZAL_PACKAGE "Quetzal 0.1"


/* --- block.c, hmp-block.c: the drives (system/drive.h) --- */
struct DriveInfo;
struct DriveStats;
void mb_install(MonitorHost *h, bool on);          /* the guest's tray events */
void mb_tray(MonitorHost *h, struct DriveInfo *d, bool *open, bool *locked);
/* 0, or -1 with QEMU's one-line message in err */
int mb_eject(MonitorHost *h, const char *device, bool force, char *err, size_t len);
int mb_change(MonitorHost *h, const char *device, const char *file, const char *format,
              bool force, char *err, size_t len);
int mb_commit(MonitorHost *h, const char *device, char *err, size_t len);
int mb_resize(MonitorHost *h, const char *device, const char *node, int64_t size, char *err,
              size_t len);
int mb_snapshot(MonitorHost *h, const char *device, const char *node, const char *file,
                const char *snode, const char *format, const char *mode, char *err, size_t len);
const char *mb_cache_text(const struct DriveInfo *d, bool *writeback, bool *direct,
                          bool *no_flush);
void mb_filename(const struct DriveInfo *d, FILE *out, bool json);
int mb_chain_depth(BlockDriverState *bs);
uint64_t mb_idle_ns(const struct DriveStats *s);
/* qmp-block.c: the return values of query-block and query-blockstats */
void mb_query_block(MonitorHost *h, FILE *out);
void mb_query_blockstats(MonitorHost *h, FILE *out);

/* --- gdbstub.c: listens on dev (tcp::PORT); NULL or a malloc'd error --- */
char *gdb_start(MonitorHost *h, const char *dev);
void gdb_free(MonitorHost *h);
bool gdb_attached(const GdbStub *g);
/* DEBUG_RUN, DEBUG_ONE_INSN or DEBUG_STOP (accel/tcg/exec.h) for the block at pc */
int gdb_debug_hook(GdbStub *g, int cpu, uint64_t pc, uint32_t size, unsigned icount);

/* --- debug.c: installs or removes the execution loop's debug hook as the gdb
 * stub and singlestep need it --- */
void monitor_update_debug_hook(MonitorHost *h);

/* --- qmp.c --- */
void qmp_input(Monitor *mon, const uint8_t *buf, size_t len);
void qmp_opened(Monitor *mon);
void qmp_free(Monitor *mon);
void qmp_event(MonitorHost *h, const char *name, const char *data_json);

/* --- qmp-jobs.c: snapshot-save/-load/-delete as jobs, query-jobs, job-dismiss --- */
struct JsonValue;
/* runs the job; NULL, or an error for the command itself (malloc'd) */
char *mj_snapshot(MonitorHost *h, const char *type, const char *id, const char *tag,
                  const char *vmstate, const struct JsonValue *devices);
void mj_conclude(MonitorHost *h);           /* after the reply */
void mj_query(MonitorHost *h, FILE *out);
char *mj_dismiss(MonitorHost *h, const char *id);

#endif

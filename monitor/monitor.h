/*
 * The monitor of quetzal-system-x86_64: QEMU's human monitor (HMP) on
 * -monitor stdio|unix:|tcp:|mon:stdio (Ctrl-A c), and QMP on -qmp. Commands run
 * on the CPU thread from main-loop fd handlers, that is between blocks of guest
 * code: they see a consistent machine.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <stdbool.h>
#include "hw/pc.h"

#define MONITOR_MAX_QMP 4
#define MONITOR_MAX_CHARDEVS 8

/* The command line's monitor options (system/main.c). */
typedef struct MonitorOptions {
    const char *hmp;                /* -monitor spec; NULL: the default */
    const char *qmp[MONITOR_MAX_QMP];
    int nqmp;
    const char *name;               /* -name */
    bool start_stopped;             /* -S */
    bool incoming_defer;            /* -incoming defer: waits for migrate_incoming */
    const char *gdb;                /* -gdb DEV, -s: tcp::1234 */
    /* -chardev ID=back end as a spec of system/char.h, and -mon on them */
    struct { char *id, *spec; } chardevs[MONITOR_MAX_CHARDEVS];
    int nchardevs;
    struct { char *chardev; bool control; } mons[MONITOR_MAX_QMP];
    int nmons;
    struct DriveSet *drives;        /* info block, change, eject, commit (system/drive.h) */
} MonitorOptions;

typedef struct MonitorHost MonitorHost;

/* -chardev BACKEND,id=ID[,path=|host=,port=][,server=on][,wait=off] and
 * -mon chardev=ID[,mode=control|readline]: NULL or a malloc'd error line. */
char *monitor_parse_chardev(MonitorOptions *o, const char *arg);
char *monitor_parse_mon(MonitorOptions *o, const char *arg);

/* Opens the monitors for machine m; NULL with *err (malloc'd one line). */
MonitorHost *monitor_host_new(PCMachine *m, const MonitorOptions *opts, char **err);
void monitor_host_free(MonitorHost *h);

#endif

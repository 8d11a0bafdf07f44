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

/* The command line's monitor options (system/main.c). */
typedef struct MonitorOptions {
    const char *hmp;                /* -monitor spec; NULL: the default */
    const char *qmp[MONITOR_MAX_QMP];
    int nqmp;
    const char *name;               /* -name */
    bool start_stopped;             /* -S */
    const char *gdb;                /* -gdb DEV, -s: tcp::1234 */
} MonitorOptions;

typedef struct MonitorHost MonitorHost;

/* Opens the monitors for machine m; NULL with *err (malloc'd one line). */
MonitorHost *monitor_host_new(PCMachine *m, const MonitorOptions *opts, char **err);
void monitor_host_free(MonitorHost *h);

#endif

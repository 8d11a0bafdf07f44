/*
 * The monitor's migration and snapshot commands (QEMU's hmp-commands.hx:
 * migrate, migrate_incoming, migrate_cancel, migrate_set_speed,
 * migrate_set_parameter, savevm, loadvm, delvm, info migrate, info snapshots)
 * and the run state around them: the machine stops for the copy, a finished
 * migration leaves it stopped (postmigrate), and the MIGRATION event
 * (qapi/migration.json) reports each status.
 */
#include <stdlib.h>
#include <string.h>
#include "monitor/hmp.h"
#include "system/main-loop.h"

static void mig_event(MonitorHost *h, MigStatus s)
{
    char data[64];
    snprintf(data, sizeof(data), "{\"status\": \"%s\"}", migration_status_name(s));
    qmp_event(h, "MIGRATION", data);
}

/* Stops a running machine for op; true when it ran before. */
static bool stop_for(MonitorHost *h)
{
    bool was = mc_running(h);
    if (was) {
        main_loop_pause(h->v.ml);
    }
    return was;
}

/* the end of a live migration (migration/live.c) */
static void live_done(void *opaque, bool ok)
{
    MonitorHost *h = opaque;
    mig_event(h, h->mig.status);
    if (ok) {
        h->state = RUN_POSTMIGRATE;      /* live.c stopped the machine */
        qmp_event(h, "STOP", NULL);
    } else if (main_loop_paused(h->v.ml) && h->state == RUN_RUNNING) {
        main_loop_resume(h->v.ml);
    }
}

/* A running machine migrates live (precopy, the command returns at once;
 * under TCG or KVM alike: migration/dirty.h); a stopped one is copied at once. */
char *mc_migrate(MonitorHost *h, const char *uri)
{
    if (h->state == RUN_INMIGRATE) {
        return strdup("Guest is waiting for an incoming migration");
    }
    if (h->live && live_migration_active(h->live)) {
        return strdup("There's a migration process in progress");
    }
    if (mc_running(h)) {
        if (!h->live) {
            h->live = live_migration_new(h->machine, &h->mig, live_done, h);
        }
        mig_event(h, MIG_SETUP);
        char *err = live_migration_start(h->live, uri);
        mig_event(h, err ? MIG_FAILED : MIG_ACTIVE);
        return err;
    }
    bool was = stop_for(h);
    mig_event(h, MIG_SETUP);
    mig_event(h, MIG_ACTIVE);
    char *err = migration_run(h->machine, uri, &h->mig);
    mig_event(h, h->mig.status);
    if (!err) {
        if (was) {
            h->state = RUN_POSTMIGRATE;
            qmp_event(h, "STOP", NULL);
        }
    } else if (was) {
        main_loop_resume(h->v.ml);
    }
    return err;
}

char *mc_migrate_incoming(MonitorHost *h, const char *uri)
{
    if (h->state != RUN_INMIGRATE) {
        return strdup("The incoming migration has not been requested (-incoming defer)");
    }
    mig_event(h, MIG_ACTIVE);
    char *err = migration_incoming(h->machine, uri);
    mig_event(h, err ? MIG_FAILED : MIG_COMPLETED);
    if (!err) {
        h->state = RUN_PAUSED;
        if (!h->opts.start_stopped) {
            mc_cont(h);
        }
    }
    return err;
}

char *mc_snapshot(MonitorHost *h, char *(*op)(PCMachine *, const char *), const char *name,
                  bool keep_stopped)
{
    bool was = stop_for(h);
    if (was) {
        qmp_event(h, "STOP", NULL);     /* QEMU's savevm/loadvm stop the machine */
    }
    char *err = op(h->machine, name);
    if (was && err && keep_stopped) {
        h->state = RUN_RESTORE_VM;      /* as QEMU's snapshot-load after a failure */
    } else if (was) {
        main_loop_resume(h->v.ml);
        qmp_event(h, "RESUME", NULL);
    }
    return err;
}

static void report(FILE *out, char *err)
{
    if (err) {
        fprintf(out, "Error: %s\n", err);
        free(err);
    }
}

void hmp_migrate(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *uri = a->a[0].str;
    /* -d (detach) is accepted; the command returns at once either way (info
     * migrate follows the copy), where QEMU's waits without -d */
    while (!strncmp(uri, "-d", 2) && (uri[2] == ' ' || uri[2] == '\t')) {
        uri += 3;
        uri += strspn(uri, " \t");
    }
    /* a "quoted" URI (exec: commands have spaces), with \" and \\ escapes,
     * as QEMU's string arguments */
    size_t n = strlen(uri), k = 0;
    char *unq = n >= 2 && uri[0] == '"' && uri[n - 1] == '"' ? malloc(n) : NULL;
    for (size_t i = 1; unq && i < n - 1; i++) {
        i += uri[i] == '\\' && (uri[i + 1] == '"' || uri[i + 1] == '\\') && i + 1 < n - 1;
        unq[k++] = uri[i];
    }
    if (unq) {
        unq[k] = 0;
    }
    report(out, mc_migrate(h, unq ? unq : uri));
    free(unq);
}

void hmp_migrate_incoming(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    report(out, mc_migrate_incoming(h, a->a[0].str));
}

void hmp_migrate_cancel(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    if (h->live) {
        live_migration_cancel(h->live);   /* a copy of a stopped VM is never under way */
    }
}

void hmp_migrate_set_speed(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    h->mig.speed_limit = a->a[0].num;
}

void hmp_migrate_set_parameter(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *p = a->a[0].str, *v = a->a[1].str;
    char *end;
    long long n = strtoll(v, &end, 0);
    if (*end) {
        fprintf(out, "Error: Parameter '%s' expects a number\n", p);
    } else if (!strcmp(p, "max-bandwidth")) {
        h->mig.speed_limit = n;
    } else if (!strcmp(p, "downtime-limit")) {
        h->mig.downtime_limit_ms = n;
    } else {
        fprintf(out, "Error: Invalid parameter '%s' (max-bandwidth, downtime-limit)\n", p);
    }
}

void hmp_info_migrate(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    migration_info_print(&h->mig, out);
}

void hmp_savevm(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    report(out, mc_snapshot(h, snapshot_save, a->a[0].present ? a->a[0].str : NULL,
                            false));
}

void hmp_loadvm(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    /* as QEMU's HMP loadvm: a machine the load fails on stays stopped (restore-vm),
     * since a load that failed half way leaves no state worth running; `cont` goes on */
    report(out, mc_snapshot(h, snapshot_load, a->a[0].str, true));
}

void hmp_delvm(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    report(out, snapshot_delete(h->machine, a->a[0].str));
}

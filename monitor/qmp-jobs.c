/*
 * QMP's snapshot jobs (QEMU 7.2's savevm equivalents, qapi/migration.json
 * snapshot-save, snapshot-load, snapshot-delete; qapi/job.json query-jobs,
 * job-dismiss): each runs at once on the CPU thread; its JOB_STATUS_CHANGE
 * events follow QEMU's order (created, running before the reply; waiting,
 * pending, concluded, or aborting, concluded after it) and it stays
 * concluded until job-dismiss. The snapshot is migration/snapshot.c's, which
 * takes every writable disk with the state on the first: `devices` must name
 * those and `vmstate` that first one, or the job fails saying so.
 */
#include <stdlib.h>
#include <string.h>
#include "monitor/internal.h"
#include "monitor/json.h"
#include "system/drive.h"

static void job_event(MonitorHost *h, const char *id, const char *status)
{
    char data[200];
    snprintf(data, sizeof(data), "{\"status\": \"%s\", \"id\": \"%s\"}", status, id);
    qmp_event(h, "JOB_STATUS_CHANGE", data);
}

static QmpJob *job_find(MonitorHost *h, const char *id)
{
    for (int i = 0; i < h->njobs; i++) {
        if (!strcmp(h->jobs[i].id, id)) {
            return &h->jobs[i];
        }
    }
    return NULL;
}

/* the order of migration/snapshot.c's writable disks: IDE, virtio, floppy */
static int disk_rank(const DriveInfo *d)
{
    return (d->bus == DRIVE_IDE ? 0 : d->bus == DRIVE_VIRTIO ? 1 : 2) * 16 + d->unit;
}

/* The devices and vmstate arguments against the disks the snapshot takes;
 * NULL or the job's error (malloc'd). */
static char *check_devices(MonitorHost *h, const char *vmstate, const JsonValue *devices)
{
    DriveSet *ds = h->opts.drives;
    const DriveInfo *first = NULL;
    char *err = NULL;
    for (size_t k = 0; devices && k < devices->n; k++) {
        const JsonValue *v = devices->items[k];
        bool found = false;
        for (int i = 0; ds && i < ds->ninfo && v->type == JSON_STRING; i++) {
            found |= ds->info[i] && ds->info[i]->bs && !strcmp(ds->info[i]->node, v->string);
        }
        if (!found) {
            return asprintf(&err, "No block device node '%s'",
                            v->type == JSON_STRING ? v->string : "?") < 0 ? NULL : err;
        }
    }
    int writable = 0;
    for (int i = 0; ds && i < ds->ninfo; i++) {
        const DriveInfo *d = ds->info[i];
        if (!d || !d->bs || d->read_only || d->cdrom || d->bus == DRIVE_NONE) {
            continue;
        }
        writable++;
        first = !first || disk_rank(d) < disk_rank(first) ? d : first;
        bool listed = false;
        for (size_t k = 0; devices && k < devices->n; k++) {
            listed |= devices->items[k]->type == JSON_STRING &&
                      !strcmp(devices->items[k]->string, d->node);
        }
        if (devices && !listed) {
            return asprintf(&err, "Device '%s' (node '%s') is writable: quetzal's snapshots "
                            "take every writable disk, list it in 'devices'", d->name,
                            d->node) < 0 ? NULL : err;
        }
    }
    if (vmstate && (!first || strcmp(first->node, vmstate))) {
        bool exists = false;
        for (int i = 0; ds && i < ds->ninfo; i++) {
            exists |= ds->info[i] && ds->info[i]->bs && !strcmp(ds->info[i]->node, vmstate);
        }
        if (!exists) {
            return asprintf(&err, "vmstate block device '%s' does not exist", vmstate) < 0
                   ? NULL : err;
        }
        return asprintf(&err, "quetzal keeps the VM state on the first writable disk ('%s')",
                        first ? first->node : "none") < 0 ? NULL : err;
    }
    return writable ? NULL : strdup("No block device can accept snapshots");
}

char *mj_snapshot(MonitorHost *h, const char *type, const char *id, const char *tag,
                  const char *vmstate, const JsonValue *devices)
{
    char *err = NULL;
    if (job_find(h, id)) {
        return asprintf(&err, "Job ID '%s' already in use", id) < 0 ? NULL : err;
    }
    if (h->njobs == MAX_QMP_JOBS) {
        return strdup("too many concluded jobs: job-dismiss some");
    }
    QmpJob *j = &h->jobs[h->njobs++];
    snprintf(j->id, sizeof(j->id), "%s", id);
    j->type = type;
    j->error = NULL;
    j->concluded = false;
    job_event(h, id, "created");
    job_event(h, id, "running");
    j->error = check_devices(h, vmstate, devices);
    if (!j->error) {
        bool load = !strcmp(type, "snapshot-load"), del = !strcmp(type, "snapshot-delete");
        /* STOP and RESUME around a save or load; a refused load leaves the
         * machine stopped (restore-vm) */
        j->error = del ? snapshot_delete(h->machine, tag)
                       : mc_snapshot(h, load ? snapshot_load : snapshot_save, tag, load);
    }
    return NULL;
}

/* After the reply: the jobs run here end. */
void mj_conclude(MonitorHost *h)
{
    for (int i = 0; i < h->njobs; i++) {
        QmpJob *j = &h->jobs[i];
        if (!j->concluded) {
            j->concluded = true;
            if (j->error) {
                job_event(h, j->id, "aborting");
            } else {
                job_event(h, j->id, "waiting");
                job_event(h, j->id, "pending");
            }
            job_event(h, j->id, "concluded");
        }
    }
}

/* query-jobs' JobInfo list, the newest first */
void mj_query(MonitorHost *h, FILE *out)
{
    fputc('[', out);
    for (int i = h->njobs - 1; i >= 0; i--) {
        const QmpJob *j = &h->jobs[i];
        fprintf(out, "%s{\"current-progress\": 1, \"status\": \"%s\", \"total-progress\": 1, "
                "\"type\": \"%s\", \"id\": ", i == h->njobs - 1 ? "" : ", ",
                j->concluded ? "concluded" : "running", j->type);
        json_write_string(out, j->id);
        if (j->error) {
            fputs(", \"error\": ", out);
            json_write_string(out, j->error);
        }
        fputc('}', out);
    }
    fputc(']', out);
}

char *mj_dismiss(MonitorHost *h, const char *id)
{
    QmpJob *j = job_find(h, id);
    if (!j) {
        return strdup("Job not found");
    }
    job_event(h, id, "null");
    free(j->error);
    memmove(j, j + 1, (size_t)(h->jobs + --h->njobs - j) * sizeof(*j));
    return NULL;
}

/*
 * savevm/loadvm/delvm (QEMU's migration/savevm.c behaviour):
 * an internal snapshot of every writable disk, all of which must be qcow2,
 * with the machine's state (the migration stream, migration/vmstate.c) in the
 * vmstate area of the first one (block/qcow2-vmstate.c). loadvm checks the
 * saved state against this machine before it reverts any disk, so a damaged
 * or foreign snapshot leaves the machine as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "block/qcow2-vmstate.h"
#include "migration/migration.h"
#include "system/main-loop.h"

#define MAX_DISKS 10

typedef struct Disk {
    BlockDriverState *bs;
    const char *what;           /* for messages: "ide0-hd0", "virtio0", "floppy0" */
} Disk;

/* The machine's writable disks (QEMU snapshots those), in a fixed order: the
 * first one holds the state. */
static int writable_disks(PCMachine *m, Disk *d)
{
    static const char *const ide[] = { "ide0-hd0", "ide0-hd1", "ide1-hd0", "ide1-hd1" };
    static const char *const virtio[] = { "virtio0", "virtio1", "virtio2", "virtio3" };
    static const char *const fd[] = { "floppy0", "floppy1" };
    PCMachineView v;
    pc_machine_view(m, &v);
    int n = 0;
    for (int i = 0; i < 4; i++) {
        const IDEDriveConfig *c = &v.cfg->ide[i];
        if (c->present && c->bs && !c->cdrom && !c->read_only) {
            d[n++] = (Disk){ c->bs, ide[i] };
        }
    }
    for (int i = 0; i < v.cfg->nvirtio && i < 4; i++) {
        if (v.cfg->virtio[i].bs && !v.cfg->virtio[i].read_only) {
            d[n++] = (Disk){ v.cfg->virtio[i].bs, virtio[i] };
        }
    }
    for (int i = 0; i < 2; i++) {
        if (v.cfg->fd[i].bs && !v.cfg->fd[i].read_only) {
            d[n++] = (Disk){ v.cfg->fd[i].bs, fd[i] };
        }
    }
    return n;
}

static char *usable_disks(PCMachine *m, Disk *d, int *n)
{
    *n = writable_disks(m, d);
    if (!*n) {
        return errmsg("No block device can accept snapshots");
    }
    for (int i = 0; i < *n; i++) {
        if (!qcow2_vmstate_supported(d[i].bs)) {
            return errmsg("Device '%s' is writable but does not support snapshots", d[i].what);
        }
    }
    return NULL;
}

static bool has_snapshot(BlockDriverState *bs, const char *name)
{
    BlockSnapshotInfo *list = NULL;
    int n = bdrv_snapshot_list(bs, &list);
    bool found = false;
    for (int i = 0; i < n && !found; i++) {
        found = !strcmp(list[i].name, name) || !strcmp(list[i].id, name);
    }
    free(list);
    return found;
}

char *snapshot_save(PCMachine *m, const char *name)
{
    Disk d[MAX_DISKS];
    int n;
    char *err = usable_disks(m, d, &n);
    char auto_name[32];
    if (err) {
        return err;
    }
    if (!name) {        /* QEMU's default tag: vm-YYYYMMDDHHMMSS */
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(auto_name, sizeof(auto_name), "vm-%Y%m%d%H%M%S", &tm);
        name = auto_name;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    if (!mf) {
        return errmsg("out of memory");
    }
    err = vmstate_save(m, mf);       /* also finishes in-flight disk requests */
    fclose(mf);
    PCMachineView v;
    pc_machine_view(m, &v);
    for (int i = 0; !err && i < n; i++) {
        /* a snapshot of the same name is replaced, as QEMU does */
        if (has_snapshot(d[i].bs, name) && bdrv_snapshot_delete(d[i].bs, name) < 0) {
            err = errmsg("Error while deleting snapshot '%s' on '%s': %s", name, d[i].what,
                          bdrv_last_error(d[i].bs));
            break;
        }
        int ret = i == 0 ? qcow2_vmstate_snapshot(d[i].bs, name, buf, len, clock_ns(v.ml))
                         : bdrv_snapshot_create(d[i].bs, name);
        if (ret < 0 || bdrv_flush(d[i].bs) < 0) {
            err = errmsg("Error while creating snapshot on '%s': %s", d[i].what,
                          ret < 0 ? strerror(-ret) : "flush failed");
        }
    }
    free(buf);
    return err;
}

char *snapshot_load(PCMachine *m, const char *name)
{
    Disk d[MAX_DISKS];
    int n;
    char *err = usable_disks(m, d, &n);
    if (err) {
        return err;
    }
    vmstate_quiesce(m);
    for (int i = 0; i < n; i++) {
        if (!has_snapshot(d[i].bs, name)) {
            return errmsg("Snapshot '%s' does not exist in device '%s'", name, d[i].what);
        }
    }
    uint8_t *buf = NULL;
    uint64_t len = 0;
    int ret = qcow2_vmstate_read(d[0].bs, name, &buf, &len);
    if (ret < 0) {
        return errmsg("Error %d while reading the VM state of snapshot '%s'", ret, name);
    }
    if (!len) {
        free(buf);
        return errmsg("Snapshot '%s' has no VM state (a disk-only snapshot)", name);
    }
    err = vmstate_check(m, buf, len);
    for (int i = 0; !err && i < n; i++) {
        if ((ret = bdrv_snapshot_goto(d[i].bs, name)) < 0) {
            err = errmsg("Error %d while activating snapshot '%s' on '%s'", ret, name, d[i].what);
        }
    }
    if (!err) {
        err = vmstate_load(m, buf, len);
    } else if (strncmp(err, "Error", 5)) {
        char *e = errmsg("Snapshot '%s': %s", name, err);
        free(err);
        err = e;
    }
    free(buf);
    return err;
}

char *snapshot_delete(PCMachine *m, const char *name)
{
    Disk d[MAX_DISKS];
    int n;
    char *err = usable_disks(m, d, &n);
    bool any = false;
    for (int i = 0; !err && i < n; i++) {
        if (!has_snapshot(d[i].bs, name)) {
            continue;
        }
        any = true;
        if (bdrv_snapshot_delete(d[i].bs, name) < 0 || bdrv_flush(d[i].bs) < 0) {
            err = errmsg("Error while deleting snapshot on device '%s': %s", d[i].what,
                          bdrv_last_error(d[i].bs));
        }
    }
    if (!err && !any) {
        err = errmsg("Snapshot '%s' not found", name);
    }
    return err;
}

/*
 * The machine's drives as HMP and QMP both use them (system/drive.h): the
 * tray and lock state from the device, eject and change with QEMU's order of
 * steps and messages (qapi/block.json: eject, blockdev-change-medium: open
 * the tray, remove the medium, insert the new one, close the tray, each tray
 * movement a DEVICE_TRAY_MOVED event), and the events of trays the guest
 * moves and of its failed requests (BLOCK_IO_ERROR); block_resize (QEMU's
 * qapi/block-core.json block_resize: the drive by device or node name, the
 * image truncated through the block layer, the device told);
 * blockdev-snapshot-sync (the drive by device or node name, drained, then
 * switched to a new overlay whose backing file is its medium).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/internal.h"
#include "system/drive.h"

static void tray_event(MonitorHost *h, DriveInfo *d, bool open)
{
    char data[256];
    snprintf(data, sizeof(data), "{\"device\": \"%s\", \"tray-open\": %s, \"id\": \"%s\"}",
             d->name, open ? "true" : "false", d->qdev);
    qmp_event(h, "DEVICE_TRAY_MOVED", data);
}

/* The guest moved a tray (START STOP UNIT): which drive's stats these are. */
static void guest_tray_moved(void *opaque, DriveStats *s, bool open)
{
    MonitorHost *h = opaque;
    DriveSet *ds = h->opts.drives;
    for (int i = 0; i < ds->ninfo; i++) {
        if (ds->info[i] && &ds->info[i]->stats == s) {
            tray_event(h, ds->info[i], open);
        }
    }
}

/* A request failed and the guest was told (QEMU's BLOCK_IO_ERROR with the
 * default action "report", qapi/block-core.json). */
static void guest_io_error(void *opaque, DriveStats *s, bool write)
{
    MonitorHost *h = opaque;
    DriveSet *ds = h->opts.drives;
    for (int i = 0; i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (d && &d->stats == s) {
            char data[256];
            snprintf(data, sizeof(data), "{\"device\": \"%s\", \"nospace\": false, "
                     "\"node-name\": \"%s\", \"reason\": \"Input/output error\", "
                     "\"operation\": \"%s\", \"action\": \"report\"}", d->name, d->node,
                     write ? "write" : "read");
            qmp_event(h, "BLOCK_IO_ERROR", data);
        }
    }
}

void mb_install(MonitorHost *h, bool on)
{
    DriveSet *ds = h->opts.drives;
    for (int i = 0; ds && i < ds->ninfo; i++) {
        if (ds->info[i]) {
            ds->info[i]->stats.opaque = on ? h : NULL;
            ds->info[i]->stats.tray_moved = on ? guest_tray_moved : NULL;
            ds->info[i]->stats.io_error = on ? guest_io_error : NULL;
        }
    }
}

void mb_tray(MonitorHost *h, DriveInfo *d, bool *open, bool *locked)
{
    *open = *locked = false;
    if (d->bus == DRIVE_IDE && d->cdrom) {
        BlockDriverState *bs;
        ide_cd_status(pc_ide_bus(h->machine, d->unit / 2), d->unit % 2, open, locked, &bs);
    }
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* The removable drive named device, or NULL with QEMU's message. */
static DriveInfo *removable(MonitorHost *h, const char *device, char *err, size_t len)
{
    DriveInfo *d = drive_find(h->opts.drives, device);
    if (!d) {
        fail(err, len, "Device '%s' not found", device);
    } else if (!d->removable || d->bus == DRIVE_NONE) {
        fail(err, len, "Device '%s' is not removable", device);
        d = NULL;
    }
    return d;
}

/* Opens the tray (event when it moves) and takes the medium out. */
static int open_and_remove(MonitorHost *h, DriveInfo *d, bool force, char *err, size_t len)
{
    if (d->bus == DRIVE_FLOPPY) {
        fdc_change(pc_fdc(h->machine), d->unit, NULL, false);
        drive_set_medium(h->opts.drives, d, NULL, NULL);
        return 0;
    }
    bool open, locked;
    mb_tray(h, d, &open, &locked);
    IDEBus *b = pc_ide_bus(h->machine, d->unit / 2);
    ide_bus_drain(b);
    if (ide_cd_eject(b, d->unit % 2, force) == -EBUSY) {
        return fail(err, len, "Device '%s' is locked and force was not specified, wait for tray "
                    "to open and try again", d->name);
    }
    if (!open) {
        tray_event(h, d, true);
    }
    drive_set_medium(h->opts.drives, d, NULL, NULL);
    return 0;
}

int mb_eject(MonitorHost *h, const char *device, bool force, char *err, size_t len)
{
    DriveInfo *d = removable(h, device, err, len);
    return d ? open_and_remove(h, d, force, err, len) : -1;
}

int mb_change(MonitorHost *h, const char *device, const char *file, const char *format,
              bool force, char *err, size_t len)
{
    DriveInfo *d = removable(h, device, err, len);
    if (!d) {
        return -1;
    }
    BlockErrorInfo berr;
    BlockDriverState *bs = drive_open_medium(h->opts.drives, d, file, format, &berr);
    if (!bs) {
        return fail(err, len, "%s", berr.msg);
    }
    if (open_and_remove(h, d, force, err, len) < 0) {
        bdrv_close(bs);
        return -1;
    }
    drive_set_medium(h->opts.drives, d, bs, file);
    if (d->bus == DRIVE_FLOPPY) {
        fdc_change(pc_fdc(h->machine), d->unit, bs, d->read_only);
    } else {
        ide_cd_change(pc_ide_bus(h->machine, d->unit / 2), d->unit % 2, bs);
        tray_event(h, d, false);
    }
    return 0;
}

/* Every drive's requests in flight complete: IDE's and virtio-blk's (on
 * their worker threads) before an image changes under them. */
static void drain_all(MonitorHost *h)
{
    DriveSet *ds = h->opts.drives;
    for (int b = 0; b < 2; b++) {
        ide_bus_drain(pc_ide_bus(h->machine, b));
    }
    for (int i = 0; ds && i < ds->ninfo; i++) {
        if (ds->info[i]) {
            drive_stats_drain(&ds->info[i]->stats);
        }
    }
}

/* commit DEVICE|all: QEMU's HMP messages. */
int mb_commit(MonitorHost *h, const char *device, char *err, size_t len)
{
    DriveSet *ds = h->opts.drives;
    bool all = !strcmp(device, "all");
    DriveInfo *one = all ? NULL : drive_find(ds, device);
    if (!all && !one) {
        return fail(err, len, "Device '%s' not found", device);
    }
    drain_all(h);
    for (int i = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (!d || (one && d != one) || (all && (!d->bs || !d->bs->backing))) {
            continue;               /* all: the drives with a backing file */
        }
        BlockErrorInfo berr;
        if (drive_commit(d, &berr) < 0) {
            return fail(err, len, "'commit' error for '%s': %s", device, berr.msg);
        }
    }
    return 0;
}

/* The drive of block_resize: QEMU's bdrv_lookup_bs (device first, then node). */
static DriveInfo *resize_target(MonitorHost *h, const char *device, const char *node,
                                char *err, size_t len)
{
    DriveSet *ds = h->opts.drives;
    DriveInfo *d = device ? drive_find(ds, device) : NULL;
    if (d && !d->bs) {
        fail(err, len, "Device '%s' has no medium", device);
        return NULL;
    }
    for (int i = 0; !d && node && ds && i < ds->ninfo; i++) {
        if (ds->info[i] && ds->info[i]->bs && !strcmp(ds->info[i]->node, node)) {
            d = ds->info[i];
        }
    }
    if (!d) {
        fail(err, len, "Cannot find device='%s' nor node-name='%s'", device ? device : "",
             node ? node : "");
    }
    return d;
}

/* block_resize: grows or shrinks the medium as its format allows; a
 * virtio-blk device announces the new capacity, IDE's keeps its geometry
 * (as QEMU). -1 with QEMU's message in err. */
int mb_resize(MonitorHost *h, const char *device, const char *node, int64_t size, char *err,
              size_t len)
{
    DriveInfo *d = resize_target(h, device, node, err, len);
    if (!d) {
        return -1;
    }
    if (size < 0) {
        return fail(err, len, "Parameter 'size' expects a >0 size");
    }
    if (d->cdrom || d->bus == DRIVE_FLOPPY) {
        /* QEMU's ide-cd and floppy do not share the resize permission */
        return fail(err, len, "Permission conflict on node '%s': permissions 'resize' are both "
                    "required by an unnamed block device (uses node '%s' as 'root' child) and "
                    "unshared by block device '%s' (uses node '%s' as 'root' child).",
                    d->node, d->node, d->name, d->node);
    }
    if (d->read_only || d->bs->read_only) {
        return fail(err, len, "Block node is read-only");
    }
    drain_all(h);
    if (bdrv_truncate(d->bs, (uint64_t)size, true, BDRV_PREALLOC_OFF) < 0) {
        return fail(err, len, "%s", d->bs->err.msg);
    }
    drive_stats_resized(&d->stats);
    return 0;
}

/* blockdev-snapshot-sync / snapshot_blkdev; mode "existing" opens file as
 * it is. -1 with QEMU's message in err. */
int mb_snapshot(MonitorHost *h, const char *device, const char *node, const char *file,
                const char *snode, const char *format, const char *mode, char *err, size_t len)
{
    DriveInfo *d = resize_target(h, device, node, err, len);
    if (!d) {
        return -1;
    }
    if (node && !snode) {
        return fail(err, len, "New overlay node-name missing");
    }
    if (mode && strcmp(mode, "existing") && strcmp(mode, "absolute-paths")) {
        return fail(err, len, "Parameter 'mode' does not accept value '%s'", mode);
    }
    drain_all(h);
    BlockErrorInfo berr;
    if (drive_snapshot(h->opts.drives, d, file, format ? format : "qcow2", snode,
                       mode && !strcmp(mode, "existing"), &berr) < 0) {
        return fail(err, len, "%s", berr.msg);
    }
    return 0;
}

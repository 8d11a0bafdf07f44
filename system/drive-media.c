/*
 * The monitor's operations on the drives of system/drive.c: finding a drive by
 * QEMU's device name, opening a new medium for `change` (QEMU's messages:
 * "Could not open 'F': REASON", "Image is not in FMT format"), recording it,
 * and `commit` (qemu-system-x86_64(1), "commit device|all": write the changes
 * of the top image into its backing file, as with -snapshot's overlay), and
 * the switch of a running disk to a new overlay (blockdev-snapshot-sync).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "block/block.h"
#include "system/drive.h"

DriveInfo *drive_find(DriveSet *ds, const char *name)
{
    for (int i = 0; ds && i < ds->ninfo; i++) {
        if (ds->info[i] && !strcmp(ds->info[i]->name, name)) {
            return ds->info[i];
        }
    }
    return NULL;
}

BlockDriverState *drive_open_medium(DriveSet *ds, DriveInfo *d, const char *file,
                                    const char *format, BlockErrorInfo *err)
{
    err->msg[0] = 0;
    if (access(file, R_OK) < 0) {
        block_error_set(err, "Could not open '%s': %s", file, strerror(errno));
        return NULL;
    }
    if (format) {
        if (!bdrv_find_format(format)) {
            block_error_set(err, "Unknown driver '%s'", format);
            return NULL;
        }
        /* QEMU names a format that does not match the image this way */
        const struct BlockDriver *probed = bdrv_probe_file(file, err);
        if (probed && strcmp(format, "raw") && probed != bdrv_find_format(format)) {
            block_error_set(err, "Image is not in %s format", format);
            return NULL;
        }
    }
    bool rw = !d->cdrom && !d->read_only;
    BlockDriverState *bs = bdrv_open(file, format, NULL, d->open_flags | (rw ? BDRV_O_RDWR : 0),
                                     err);
    if (!bs && !err->msg[0]) {
        block_error_set(err, "Could not open '%s'", file);
    }
    return bs;
}

/* A new node's name, "#blockNNN" as QEMU's automatic names look. */
static void new_node_name(DriveSet *ds, DriveInfo *d)
{
    snprintf(d->node, sizeof(d->node), "#block%03d", ++ds->next_node * 100 % 997 + 100);
}

void drive_set_medium(DriveSet *ds, DriveInfo *d, BlockDriverState *bs, const char *file)
{
    if (d->bs) {
        bdrv_close(d->bs);
    }
    free(d->file);
    d->bs = bs;
    d->file = bs ? strdup(file) : NULL;
    d->snapshot = false;
    if (bs) {
        new_node_name(ds, d);
    } else {
        d->node[0] = 0;
    }
}

/* Copies the data top holds itself (not read through from its backing file)
 * into base, in pieces of at most 1 MiB. */
static int copy_allocated(BlockDriverState *top, BlockDriverState *base, BlockErrorInfo *err)
{
    uint64_t len = bdrv_getlength(top), off = 0;
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (!buf) {
        return -ENOMEM;
    }
    while (off < len) {
        uint64_t n = len - off < CHUNK ? len - off : CHUNK, pnum = 0, map = 0;
        int st = bdrv_block_status(top, off, n, &pnum, &map);
        if (st < 0 || pnum == 0) {
            block_error_set(err, "%s", strerror(st < 0 ? -st : EIO));
            free(buf);
            return st < 0 ? st : -EIO;
        }
        if (st & BDRV_BLOCK_ALLOCATED) {
            int r = bdrv_pread(top, off, pnum, buf);
            r = r < 0 ? r : bdrv_pwrite(base, off, pnum, buf, 0);
            if (r < 0) {
                block_error_set(err, "%s", strerror(-r));
                free(buf);
                return r;
            }
        }
        off += pnum;
    }
    free(buf);
    return 0;
}

int drive_commit(DriveInfo *d, BlockErrorInfo *err)
{
    err->msg[0] = 0;
    BlockDriverState *top = d->bs;
    if (!top || !top->backing) {
        block_error_set(err, "%s", strerror(ENOTSUP));
        return -ENOTSUP;
    }
    /* the backing file is open read-only: open it again for writing, copy,
     * and make the new handle the chain's (the old one's caches are stale) */
    BlockDriverState *old = top->backing;
    BlockErrorInfo oerr;
    BlockDriverState *base = bdrv_open(old->filename, bdrv_format_name(old), NULL,
                                       (d->open_flags & ~BDRV_O_NO_FLUSH) | BDRV_O_RDWR, &oerr);
    if (!base) {
        block_error_set(err, "%s", oerr.msg[0] ? oerr.msg : strerror(EPERM));
        return -EPERM;
    }
    int r = copy_allocated(top, base, err);
    if (r == 0 && bdrv_flush(base) < 0) {
        block_error_set(err, "%s", strerror(EIO));
        r = -EIO;
    }
    top->backing = base;
    bdrv_close(old);
    if (r == 0) {
        int e = bdrv_make_empty(top);   /* as QEMU: the top reads through again */
        if (e < 0 && e != -ENOTSUP) {
            block_error_set(err, "%s", strerror(-e));
            r = e;
        }
    }
    return r;
}

/* Creates file (unless existing) as a format image over d's medium (backing
 * file and format as the medium's, qcow2 spec "backing file name"), opens it
 * with its chain and puts it in place of the medium inside the node the
 * devices hold, so that their next requests go to the overlay; the old node's
 * driver state is closed. The caller has drained the devices. */
int drive_snapshot(DriveSet *ds, DriveInfo *d, const char *file, const char *format,
                   const char *node, bool existing, BlockErrorInfo *err)
{
    err->msg[0] = 0;
    if (!bdrv_find_format(format)) {
        block_error_set(err, "Unknown file format '%s'", format);
        return -EINVAL;
    }
    if (!bdrv_supports_backing(format)) {
        block_error_set(err, "Backing file not supported for file format '%s'", format);
        return -ENOTSUP;
    }
    if (node && strlen(node) >= sizeof(d->node)) {
        block_error_set(err, "Node name too long");
        return -EINVAL;
    }
    for (int i = 0; node && i < ds->ninfo; i++) {
        if (ds->info[i] && ds->info[i]->bs && !strcmp(ds->info[i]->node, node)) {
            block_error_set(err, "New overlay node-name already in use");
            return -EEXIST;
        }
    }
    BlockDriverState *top = d->bs;
    if (bdrv_flush(top) < 0) {
        block_error_set(err, "%s", bdrv_last_error(top));
        return -EIO;
    }
    if (!existing) {
        char size[32];
        snprintf(size, sizeof(size), "%llu", (unsigned long long)bdrv_getlength(top));
        QDict *o = qdict_new();
        qdict_put(o, "size", size);
        qdict_put(o, "backing_file", top->filename);
        qdict_put(o, "backing_fmt", bdrv_format_name(top));
        int r = bdrv_create(format, file, o, err);
        qdict_free(o);
        if (r < 0) {
            return r;
        }
    }
    bool rw = !d->read_only && !top->read_only;
    BlockDriverState *ov = bdrv_open(file, format, NULL,
                                     (d->open_flags & ~BDRV_O_RDWR) | (rw ? BDRV_O_RDWR : 0), err);
    if (!ov) {
        if (!err->msg[0]) {
            block_error_set(err, "Could not open '%s'", file);
        }
        return -EIO;
    }
    /* the devices keep the node's address: the old medium moves out of it */
    BlockDriverState *old = malloc(sizeof(*old));
    if (!old) {
        bdrv_close(ov);
        block_error_set(err, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    *old = *top;
    *top = *ov;
    free(ov);
    bdrv_close(old);
    free(d->file);
    d->file = strdup(file);
    d->snapshot = false;
    if (node) {
        snprintf(d->node, sizeof(d->node), "%s", node);
    } else {
        new_node_name(ds, d);
    }
    return 0;
}

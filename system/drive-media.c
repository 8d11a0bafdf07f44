/*
 * The monitor's operations on the drives of system/drive.c: finding a drive by
 * QEMU's device name, opening a new medium for `change` (QEMU's messages:
 * "Could not open 'F': REASON", "Image is not in FMT format"), recording it,
 * and `commit` (qemu-system-x86_64(1), "commit device|all": write the changes
 * of the top image into its backing file, as with -snapshot's overlay).
 */
#include <errno.h>
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
        snprintf(d->node, sizeof(d->node), "#block%03d", ++ds->next_node * 100 % 997 + 100);
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

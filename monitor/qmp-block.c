/*
 * The return values of QMP query-block and query-blockstats (QEMU's
 * qapi/block-core.json BlockInfo, BlockDeviceInfo, ImageInfo,
 * BlockDeviceStats), with the members QEMU 7.2 fills for a drive without
 * throttling, encryption or dirty bitmaps.
 */
#include <stdlib.h>
#include <string.h>
#include "monitor/internal.h"
#include "monitor/json.h"
#include "system/drive.h"

static const char *tf(bool b)
{
    return b ? "true" : "false";
}

/* ImageInfo's "snapshots" (SnapshotInfo), when the image has any. */
static void snapshots(FILE *out, BlockDriverState *bs)
{
    BlockSnapshotInfo *list = NULL;
    int n = bdrv_snapshot_list(bs, &list);
    for (int i = 0; i < n; i++) {
        const BlockSnapshotInfo *s = &list[i];
        fprintf(out, "%s{\"icount\": %llu, \"vm-clock-nsec\": %llu, \"name\": ",
                i ? ", " : ", \"snapshots\": [", (unsigned long long)s->icount,
                (unsigned long long)(s->vm_clock_nsec % 1000000000));
        json_write_string(out, s->name);
        fprintf(out, ", \"date-sec\": %llu, \"date-nsec\": %llu, \"vm-clock-sec\": %llu, "
                "\"id\": ", (unsigned long long)s->date_sec, (unsigned long long)s->date_nsec,
                (unsigned long long)(s->vm_clock_nsec / 1000000000));
        json_write_string(out, s->id);
        fprintf(out, ", \"vm-state-size\": %llu}%s", (unsigned long long)s->vm_state_size,
                i == n - 1 ? "]" : "");
    }
    free(list);
}

/* ImageInfo of bs and, as "backing-image", its backing chain. */
static void image_info(FILE *out, BlockDriverState *bs, const char *filename)
{
    fprintf(out, "{\"virtual-size\": %llu, \"filename\": ", (unsigned long long)bdrv_getlength(bs));
    json_write_string(out, filename);
    fprintf(out, ", \"format\": \"%s\", \"actual-size\": %lld", bdrv_format_name(bs),
            (long long)bdrv_get_allocated_file_size(bs));
    BlockDriverInfo bdi;
    memset(&bdi, 0, sizeof(bdi));
    bool have_bdi = bdrv_get_info(bs, &bdi) >= 0;
    if (have_bdi && bdi.cluster_size) {
        fprintf(out, ", \"cluster-size\": %u", bdi.cluster_size);
    }
    fprintf(out, ", \"dirty-flag\": %s", tf(have_bdi && bdi.is_dirty));
    snapshots(out, bs);
    if (bs->backing) {
        fputs(", \"backing-filename\": ", out);
        json_write_string(out, bs->backing_file);
        fputs(", \"full-backing-filename\": ", out);
        json_write_string(out, bs->backing->filename);
        if (bs->backing_format[0]) {
            fprintf(out, ", \"backing-filename-format\": \"%s\"", bs->backing_format);
        }
        fputs(", \"backing-image\": ", out);
        image_info(out, bs->backing, bs->backing->filename);
    }
    fputc('}', out);
}

/* BlockDeviceInfo of a drive with a medium. */
static void inserted(FILE *out, DriveInfo *d)
{
    bool wb, direct, nf;
    mb_cache_text(d, &wb, &direct, &nf);
    fputs("{\"iops_rd\": 0, \"detect_zeroes\": \"off\", \"image\": ", out);
    if (d->snapshot) {
        char *name = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&name, &len);
        mb_filename(d, f, false);
        fclose(f);
        image_info(out, d->bs, name);
        free(name);
    } else {
        image_info(out, d->bs, d->file);
    }
    fprintf(out, ", \"iops_wr\": 0, \"ro\": %s, \"node-name\": \"%s\", \"backing_file_depth\": "
            "%d, \"drv\": \"%s\", \"iops\": 0, \"bps_wr\": 0, \"write_threshold\": 0, ",
            tf(d->read_only), d->node, mb_chain_depth(d->bs), bdrv_format_name(d->bs));
    if (d->bs->backing) {
        fputs("\"backing_file\": ", out);
        json_write_string(out, d->snapshot ? d->file : d->bs->backing_file);
        fputs(", ", out);
    }
    fprintf(out, "\"encrypted\": false, \"bps\": 0, \"bps_rd\": 0, \"cache\": {\"no-flush\": %s, "
            "\"direct\": %s, \"writeback\": %s}, \"file\": ", tf(nf), tf(direct), tf(wb));
    mb_filename(d, out, true);
    fputc('}', out);
}

void mb_query_block(MonitorHost *h, FILE *out)
{
    DriveSet *ds = h->opts.drives;
    fputc('[', out);
    for (int i = 0, n = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (!d) {
            continue;
        }
        bool open, locked;
        mb_tray(h, d, &open, &locked);
        fprintf(out, "%s{", n++ ? ", " : "");
        if (d->bus == DRIVE_IDE || d->bus == DRIVE_VIRTIO) {
            fputs("\"io-status\": \"ok\", ", out);   /* the models that report I/O status */
        }
        fprintf(out, "\"device\": \"%s\", \"locked\": %s, \"removable\": %s, ", d->name,
                tf(locked), tf(d->removable));
        if (d->bs) {
            fputs("\"inserted\": ", out);
            inserted(out, d);
            fputs(", ", out);
        }
        if (d->qdev[0]) {
            fprintf(out, "\"qdev\": \"%s\", ", d->qdev);
        }
        if (d->bus == DRIVE_IDE && d->cdrom) {
            fprintf(out, "\"tray_open\": %s, ", tf(open));
        }
        fputs("\"type\": \"unknown\"}", out);
    }
    fputc(']', out);
}

/* BlockDeviceStats; account_* say whether invalid/failed requests are counted. */
static void stats_json(FILE *out, const DriveStats *s, bool device)
{
    const uint64_t *b = s->bytes, *o = s->ops, *f = s->failed, *t = s->total_ns;
    fprintf(out, "{\"unmap_operations\": 0, \"unmap_merged\": 0, \"flush_total_time_ns\": %llu, "
            "\"wr_highest_offset\": %llu, \"wr_total_time_ns\": %llu, \"failed_wr_operations\": "
            "%llu, \"failed_rd_operations\": %llu, \"wr_merged\": 0, \"wr_bytes\": %llu, "
            "\"timed_stats\": [], \"failed_unmap_operations\": 0, \"failed_flush_operations\": "
            "%llu, \"account_invalid\": %s, \"rd_total_time_ns\": %llu, "
            "\"invalid_unmap_operations\": 0, \"flush_operations\": %llu, \"wr_operations\": %llu, "
            "\"unmap_bytes\": 0, \"rd_merged\": 0, \"rd_bytes\": %llu, \"unmap_total_time_ns\": 0, "
            "\"invalid_flush_operations\": 0, \"account_failed\": %s, \"rd_operations\": %llu, "
            "\"invalid_wr_operations\": 0, \"invalid_rd_operations\": 0",
            (unsigned long long)t[DRIVE_STAT_FLUSH], (unsigned long long)s->wr_highest_offset,
            (unsigned long long)t[DRIVE_STAT_WRITE], (unsigned long long)f[DRIVE_STAT_WRITE],
            (unsigned long long)f[DRIVE_STAT_READ], (unsigned long long)b[DRIVE_STAT_WRITE],
            (unsigned long long)f[DRIVE_STAT_FLUSH], tf(device),
            (unsigned long long)t[DRIVE_STAT_READ], (unsigned long long)o[DRIVE_STAT_FLUSH],
            (unsigned long long)o[DRIVE_STAT_WRITE], (unsigned long long)b[DRIVE_STAT_READ],
            tf(device), (unsigned long long)o[DRIVE_STAT_READ]);
    if (device && s->last_ns) {
        fprintf(out, ", \"idle_time_ns\": %llu", (unsigned long long)mb_idle_ns(s));
    }
    fputc('}', out);
}

void mb_query_blockstats(MonitorHost *h, FILE *out)
{
    DriveSet *ds = h->opts.drives;
    static const DriveStats none;
    fputc('[', out);
    for (int i = 0, n = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (!d) {
            continue;
        }
        fprintf(out, "%s{\"device\": \"%s\", ", n++ ? ", " : "", d->name);
        if (d->bs) {
            /* the protocol layer (the host file) under the format's node */
            fputs("\"parent\": {\"stats\": ", out);
            stats_json(out, &none, false);
            fputs(", \"node-name\": \"#block000\", \"driver-specific\": {\"discard-bytes-ok\": 0, "
                  "\"discard-nb-ok\": 0, \"driver\": \"file\", \"discard-nb-failed\": 0}}, ", out);
        }
        fputs("\"stats\": ", out);
        stats_json(out, &d->stats, true);
        if (d->bs) {
            fprintf(out, ", \"node-name\": \"%s\"", d->node);
        }
        if (d->qdev[0]) {
            fprintf(out, ", \"qdev\": \"%s\"", d->qdev);
        }
        fputc('}', out);
    }
    fputc(']', out);
}

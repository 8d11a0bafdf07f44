/*
 * HMP's drive commands with QEMU 7.2's output (block/monitor/block-hmp-cmds.c's
 * layouts, as qemu-system-x86_64 prints them): info block [DEVICE], info
 * blockstats, info snapshots, change DEVICE [-f] FILE [FORMAT], eject [-f]
 * DEVICE, commit DEVICE|all. Errors are one line; the machine goes on.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "monitor/hmp.h"
#include "monitor/json.h"
#include "system/drive.h"

/* "writeback", "writethrough", with ", direct" and ", ignore flushes" */
const char *mb_cache_text(const DriveInfo *d, bool *writeback, bool *direct, bool *no_flush)
{
    const char *c = d->cache;
    *writeback = strcmp(c, "writethrough") && strcmp(c, "directsync");
    *direct = !strcmp(c, "none") || !strcmp(c, "directsync");
    *no_flush = !strcmp(c, "unsafe") || d->snapshot;
    static const char *const texts[2][2][2] = {
        { { "writethrough", "writethrough, ignore flushes" },
          { "writethrough, direct", "writethrough, direct, ignore flushes" } },
        { { "writeback", "writeback, ignore flushes" },
          { "writeback, direct", "writeback, direct, ignore flushes" } },
    };
    return texts[*writeback][*direct][*no_flush];
}

/* The image's name as QEMU shows it: the file, or for -snapshot's overlay
 * the json: description of overlay and backing file. */
void mb_filename(const DriveInfo *d, FILE *out, bool json)
{
    if (!d->snapshot) {
        if (json) {
            json_write_string(out, d->file);
        } else {
            fputs(d->file, out);
        }
        return;
    }
    char *text = NULL;
    if (asprintf(&text, "json:{\"backing\": {\"driver\": \"%s\", \"file\": {\"driver\": \"file\", "
                 "\"filename\": \"%s\"}}, \"driver\": \"qcow2\", \"file\": {\"driver\": \"file\", "
                 "\"filename\": \"%s\"}}", d->bs->backing ? bdrv_format_name(d->bs->backing) : "raw",
                 d->file, d->bs->filename) < 0) {
        return;
    }
    if (json) {
        json_write_string(out, text);
    } else {
        fputs(text, out);
    }
    free(text);
}

int mb_chain_depth(BlockDriverState *bs)
{
    int n = 0;
    for (BlockDriverState *b = bs ? bs->backing : NULL; b; b = b->backing) {
        n++;
    }
    return n;
}

static void print_drive(MonitorHost *h, DriveInfo *d, FILE *out)
{
    if (d->bs) {
        fprintf(out, "%s (%s): ", d->name, d->node);
        mb_filename(d, out, false);
        fprintf(out, " (%s%s)\n", bdrv_format_name(d->bs), d->read_only ? ", read-only" : "");
    } else {
        fprintf(out, "%s: [not inserted]\n", d->name);
    }
    if (d->qdev[0]) {
        fprintf(out, "    Attached to:      %s\n", d->qdev);
    }
    if (d->removable) {
        bool open, locked;
        mb_tray(h, d, &open, &locked);
        fprintf(out, "    Removable device: %slocked, tray %s\n", locked ? "" : "not ",
                open ? "open" : "closed");
    }
    if (d->bs) {
        bool wb, direct, nf;
        fprintf(out, "    Cache mode:       %s\n", mb_cache_text(d, &wb, &direct, &nf));
        BlockDriverState *top = d->bs;
        if (top->backing) {
            fprintf(out, "    Backing file:     %s (chain depth: %d)\n",
                    d->snapshot ? d->file : top->backing_file, mb_chain_depth(top));
        }
    }
}

void hmp_info_block(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    DriveSet *ds = h->opts.drives;
    const char *only = a->n > 1 && a->a[1].present ? a->a[1].str : NULL;
    for (int i = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (!d || (only && strcmp(only, d->name))) {
            continue;
        }
        if (i > 0) {
            fputc('\n', out);
        }
        print_drive(h, d, out);
    }
}

uint64_t mb_idle_ns(const DriveStats *s)
{
    int64_t last = __atomic_load_n(&s->last_ns, __ATOMIC_RELAXED);
    return last ? (uint64_t)(drive_stats_now() - last) : 0;
}

void hmp_info_blockstats(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    DriveSet *ds = h->opts.drives;
    for (int i = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (!d) {
            continue;
        }
        const DriveStats *s = &d->stats;
        fprintf(out, "%s: rd_bytes=%llu wr_bytes=%llu rd_operations=%llu wr_operations=%llu "
                "flush_operations=%llu wr_total_time_ns=%llu rd_total_time_ns=%llu "
                "flush_total_time_ns=%llu rd_merged=0 wr_merged=0 idle_time_ns=%llu\n", d->name,
                (unsigned long long)s->bytes[DRIVE_STAT_READ],
                (unsigned long long)s->bytes[DRIVE_STAT_WRITE],
                (unsigned long long)s->ops[DRIVE_STAT_READ],
                (unsigned long long)s->ops[DRIVE_STAT_WRITE],
                (unsigned long long)s->ops[DRIVE_STAT_FLUSH],
                (unsigned long long)s->total_ns[DRIVE_STAT_WRITE],
                (unsigned long long)s->total_ns[DRIVE_STAT_READ],
                (unsigned long long)s->total_ns[DRIVE_STAT_FLUSH],
                (unsigned long long)mb_idle_ns(s));
    }
}

/* --- info snapshots --- */

/* QEMU's size_to_str: "0 B", "512 B", "1.5 MiB" (3 significant digits,
 * switching unit at 1000 of the smaller one). */
static void size_text(uint64_t v, char *buf, size_t len)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int i = 0;
    double x = (double)v;
    while (x >= 1000 && i < 6) {
        x /= 1024;
        i++;
    }
    if (i == 0) {
        snprintf(buf, len, "%llu B", (unsigned long long)v);
    } else {
        snprintf(buf, len, "%0.3g %s", x, units[i]);
    }
}

static void snapshot_header(FILE *out)
{
    fprintf(out, "%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
            "ICOUNT");
}

static void snapshot_row(FILE *out, const BlockSnapshotInfo *s, const char *id)
{
    char size[32], date[32], clock[32], icount[24] = "";
    size_text(s->vm_state_size, size, sizeof(size));
    time_t t = (time_t)s->date_sec;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    uint64_t ms = s->vm_clock_nsec / 1000000;
    snprintf(clock, sizeof(clock), "%02llu:%02llu:%02llu.%03llu",
             (unsigned long long)(ms / 3600000), (unsigned long long)(ms / 60000 % 60),
             (unsigned long long)(ms / 1000 % 60), (unsigned long long)(ms % 1000));
    if (s->icount != UINT64_MAX) {
        snprintf(icount, sizeof(icount), "%llu", (unsigned long long)s->icount);
    }
    fprintf(out, "%-9s %-16s %8s%20s%13s%11s\n", id, s->name, size, date, clock, icount);
}

/* The snapshots of every writable drive with a medium. */
typedef struct SnapList {
    DriveInfo *d;
    BlockSnapshotInfo *list;
    int n;                          /* < 0: the format has none */
} SnapList;

static bool has_snapshot(const SnapList *l, const char *name)
{
    for (int i = 0; i < l->n; i++) {
        if (!strcmp(l->list[i].name, name)) {
            return true;
        }
    }
    return false;
}

static bool on_all(const SnapList *ls, int nls, const char *name)
{
    for (int k = 0; k < nls; k++) {
        if (!has_snapshot(&ls[k], name)) {
            return false;
        }
    }
    return true;
}

void hmp_info_snapshots(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    DriveSet *ds = h->opts.drives;
    SnapList ls[MAX_DRIVES + 2];
    int nls = 0, first = -1;
    for (int i = 0; ds && i < ds->ninfo; i++) {
        DriveInfo *d = ds->info[i];
        if (d && d->bs && !d->read_only) {
            BlockSnapshotInfo *list = NULL;
            int n = bdrv_snapshot_list(d->bs, &list);
            ls[nls] = (SnapList){ d, n >= 0 ? list : NULL, n };
            if (n < 0) {
                free(list);
            }
            if (ls[nls].n >= 0 && first < 0) {
                first = nls;
            }
            nls++;
        }
    }
    if (first < 0) {
        fprintf(out, "No available block device supports snapshots\n");
        return;
    }
    int any = 0;
    for (int k = 0; k < nls; k++) {
        any += ls[k].n > 0;
    }
    if (!any) {
        fprintf(out, "There is no snapshot available.\n");     /* as QEMU's */
        for (int k = 0; k < nls; k++) {
            free(ls[k].list);
        }
        return;
    }
    fprintf(out, "List of snapshots present on all disks:\n");
    int shown = 0;
    for (int i = 0; i < ls[first].n; i++) {
        if (on_all(ls, nls, ls[first].list[i].name)) {
            if (!shown++) {
                snapshot_header(out);
            }
            /* as QEMU: the IDs may differ between the disks, so none is shown */
            snapshot_row(out, &ls[first].list[i], "--");
        }
    }
    if (!shown) {
        fprintf(out, "None\n");
    }
    for (int k = 0; k < nls; k++) {
        int partial = 0;
        for (int i = 0; i < ls[k].n; i++) {
            if (!on_all(ls, nls, ls[k].list[i].name)) {
                if (!partial++) {
                    fprintf(out, "\nList of partial (non-loadable) snapshots on '%s':\n",
                            ls[k].d->name);
                    snapshot_header(out);
                }
                snapshot_row(out, &ls[k].list[i], ls[k].list[i].id);
            }
        }
        free(ls[k].list);
    }
}

/* --- change, eject, commit --- */

/* change DEVICE [-f] FILE [FORMAT [READ-ONLY-MODE]] */
void hmp_change(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    const char *words[4] = { NULL };
    int n = 0;
    char *rest = strdup(a->a[1].str), *save = NULL;
    for (char *w = strtok_r(rest, " \t", &save); w && n < 4; w = strtok_r(NULL, " \t", &save)) {
        words[n++] = w;
    }
    bool force = n && !strcmp(words[0], "-f");
    const char *file = words[force], *format = words[force + 1];
    char err[512];
    if (!file) {
        fprintf(out, "change: missing argument 'target'\n");
    } else if (!strcmp(a->a[0].str, "vnc")) {
        fprintf(out, "Error: VNC is not available in this build\n");
    } else if (mb_change(h, a->a[0].str, file, format, force, err, sizeof(err)) < 0) {
        fprintf(out, "Error: %s\n", err);
    }
    free(rest);
}

void hmp_eject(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    bool force = a->a[0].present && !strcmp(a->a[0].str, "-f");
    const char *device = force ? (a->a[1].present ? a->a[1].str : NULL)
                               : a->a[0].present ? a->a[0].str : NULL;
    char err[512];
    if (!device || (!force && a->a[1].present)) {
        fprintf(out, "eject: usage: eject [-f] device\n");
    } else if (mb_eject(h, device, force, err, sizeof(err)) < 0) {
        fprintf(out, "Error: %s\n", err);
    }
}

void hmp_commit(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    char err[600];
    if (mb_commit(h, a->a[0].str, err, sizeof(err)) < 0) {
        fprintf(out, "%s\n", err);
    }
}

void hmp_block_resize(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    char err[600];
    /* HMP's sizes: MiB without a suffix, as QEMU's */
    const char *text = a->a[1].str;
    size_t n = strlen(text);
    char *mib = n && strchr("0123456789.", text[n - 1]) ? malloc(n + 2) : NULL;
    if (mib) {
        snprintf(mib, n + 2, "%sM", text);
    }
    uint64_t size;
    int bad = parse_size(mib ? mib : text, &size) < 0 || size > INT64_MAX;
    free(mib);
    if (bad) {
        fprintf(out, "invalid size\nTry \"help block_resize\" for more information\n");
    } else if (mb_resize(h, a->a[0].str, NULL, (int64_t)size, err, sizeof(err)) < 0) {
        fprintf(out, "Error: %s\n", err);
    }
}

/* snapshot_blkdev DEVICE FILE [FORMAT]: QEMU's HMP form of
 * blockdev-snapshot-sync (absolute-paths, the file created). */
void hmp_snapshot_blkdev(MonitorHost *h, const HMPArgs *a, FILE *out)
{
    char err[600];
    if (!a->a[1].present) {
        fprintf(out, "Error: Parameter 'snapshot-file' is missing\n");
    } else if (mb_snapshot(h, a->a[0].str, NULL, a->a[1].str, NULL,
                           a->a[2].present ? a->a[2].str : NULL, NULL, err, sizeof(err)) < 0) {
        fprintf(out, "Error: %s\n", err);
    }
}

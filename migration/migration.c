/*
 * Migration to and from a URI, stop-and-copy: the caller stops the machine,
 * the whole state goes through the channel (migration/channel.c) and the
 * machine stays stopped after a success, as QEMU's postmigrate state. The
 * figures are what QEMU's info migrate / query-migrate report.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "migration/migration.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


const char *migration_status_name(MigStatus s)
{
    static const char *const names[] = { "none", "setup", "active", "completed", "failed",
                                         "cancelled" };
    return names[s];
}

char *migration_run(PCMachine *m, const char *uri, MigrationInfo *info)
{
    int64_t t0 = now_ms();
    free(info->error);
    info->error = NULL;
    info->status = MIG_SETUP;
    info->bytes = info->pages_sent = info->dirty_passes = 0;
    info->live = false;
    char *err = NULL;
    Channel *c = channel_open_out(uri, &err);
    if (c) {
        info->setup_ms = now_ms() - t0;
        info->status = MIG_ACTIVE;
        FILE *f = channel_file(c);
        vmstate_stopped(m);
        err = vmstate_save_header(f);
        if (!err) {
            err = vmstate_save_ram(m, f, &info->pages_sent);
        }
        if (!err) {
            err = vmstate_save_devices(m, f);
        }
        fflush(f);
        info->bytes = channel_bytes(c);
        char *cerr = channel_close(c);
        if (!err) {
            err = cerr;
        } else {
            free(cerr);
        }
    }
    info->total_ms = now_ms() - t0;
    info->downtime_ms = info->total_ms;     /* stopped all along */
    info->status = err ? MIG_FAILED : MIG_COMPLETED;
    info->error = err ? strdup(err) : NULL;
    return err;
}

char *migration_incoming(PCMachine *m, const char *uri)
{
    char *err = NULL;
    Channel *c = channel_open_in(uri, &err);
    if (!c) {
        return err;
    }
    size_t len = 0;
    uint8_t *buf = vmstate_read_all(channel_file(c), &len, &err);
    char *cerr = channel_close(c);
    if (!err && cerr) {
        err = cerr;
        cerr = NULL;
    }
    free(cerr);
    if (!err) {
        err = vmstate_load(m, buf, len);
    }
    free(buf);
    return err;
}

void migration_info_print(const MigrationInfo *i, FILE *out)
{
    if (i->status == MIG_NONE) {
        return;
    }
    fprintf(out, "Migration status: %s\n", migration_status_name(i->status));
    if (i->status == MIG_FAILED && i->error) {
        fprintf(out, "Error: %s\n", i->error);
    }
    fprintf(out, "total time: %lld ms\n", (long long)i->total_ms);
    if (i->status == MIG_COMPLETED) {
        fprintf(out, "downtime: %lld ms\n", (long long)i->downtime_ms);
    }
    fprintf(out, "setup: %lld ms\n", (long long)i->setup_ms);
    fprintf(out, "transferred ram: %llu kbytes\n", (unsigned long long)(i->bytes >> 10));
    fprintf(out, "pages sent: %llu\n", (unsigned long long)i->pages_sent);
    fprintf(out, "dirty sync count: %llu\n", (unsigned long long)i->dirty_passes);
}

char *migration_info_json(const MigrationInfo *i)
{
    char *s = NULL;
    if (i->status == MIG_NONE) {
        return strdup("{}");
    }
    if (asprintf(&s, "{\"status\": \"%s\", \"total-time\": %lld, \"downtime\": %lld, "
                 "\"setup-time\": %lld, \"ram\": {\"transferred\": %llu, \"total\": %llu, "
                 "\"normal\": %llu, \"dirty-sync-count\": %llu}%s%s%s}",
                 migration_status_name(i->status), (long long)i->total_ms,
                 (long long)i->downtime_ms, (long long)i->setup_ms,
                 (unsigned long long)i->bytes, (unsigned long long)i->bytes,
                 (unsigned long long)i->pages_sent, (unsigned long long)i->dirty_passes,
                 i->error ? ", \"error-desc\": \"" : "", i->error ? i->error : "",
                 i->error ? "\"" : "") < 0) {
        s = NULL;
    }
    return s;
}

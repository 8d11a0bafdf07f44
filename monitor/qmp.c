/*
 * QMP, QEMU's JSON machine protocol (QEMU docs/interop/qmp-spec.rst): the
 * greeting, capabilities negotiation, commands with "execute"/"arguments"/"id",
 * replies {"return": ...} or {"error": {"class", "desc"}} with QEMU's classes
 * (GenericError, CommandNotFound), and asynchronous events with timestamps.
 * The input is untrusted: json.c bounds it, and every malformed message gets
 * an error reply while the machine runs on.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "ui/console.h"
#include "monitor/internal.h"
#include "monitor/json.h"

struct JsonStream {
    JsonSplitter split;
};

/* A command's outcome: the "return" value's JSON text, or an error, and an
 * action for after the reply (QEMU replies before a reset or quit happens). */
typedef struct QMPResult {
    FILE *ret;
    const char *err_class;
    char err_desc[512];
    void (*after)(MonitorHost *h);
} QMPResult;

typedef void QMPHandler(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r);

typedef struct QMPCommand {
    const char *name;
    const char *args;               /* "name:T[?],..." with T s (string) b (bool) i (int) a (array) */
    QMPHandler *fn;
} QMPCommand;

static void error(QMPResult *r, const char *cls, const char *fmt, const char *arg)
{
    r->err_class = cls;
    snprintf(r->err_desc, sizeof(r->err_desc), fmt, arg);
}

/* --- commands --- */

static void qmp_capabilities(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    const JsonValue *en = json_get(args, "enable");
    if (en && en->n) {
        const JsonValue *c = en->items[0];
        error(r, "GenericError", "Capability '%s' not available",
              c->type == JSON_STRING ? c->string : "?");
        return;
    }
    mon->negotiated = true;
    fputs("{}", r->ret);
}

static void q_status(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    fprintf(r->ret, "{\"status\": \"%s\", \"singlestep\": %s, \"running\": %s}",
            mc_state_name(h->state), h->singlestep ? "true" : "false",
            mc_running(h) ? "true" : "false");
}

static void q_version(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    fprintf(r->ret, "{\"qemu\": {\"micro\": %d, \"minor\": %d, \"major\": %d}, \"package\": ",
            QUETZAL_QEMU_MICRO, QUETZAL_QEMU_MINOR, QUETZAL_QEMU_MAJOR);
    json_write_string(r->ret, QUETZAL_PACKAGE);
    fputc('}', r->ret);
}

static void q_name(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    if (h->opts.name) {
        fputs("{\"name\": ", r->ret);
        json_write_string(r->ret, h->opts.name);
        fputc('}', r->ret);
    } else {
        fputs("{}", r->ret);
    }
}

static void q_cpus_fast(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    /* the monitor runs on the CPU thread: its id is the CPUs' (-smp: one
     * thread runs them in turn); props place CPU i in the -smp topology */
    const PCTopology *t = &h->v.cfg->smp;
    unsigned threads = t->threads ? t->threads : 1, cores = t->cores ? t->cores : 1;
    unsigned dies = t->dies ? t->dies : 1;
    fputc('[', r->ret);
    for (int i = 0; i < h->v.ncpus; i++) {
        unsigned u = (unsigned)i;
        fprintf(r->ret, "%s{\"thread-id\": %ld, \"props\": {\"core-id\": %u, \"thread-id\": %u, "
                "\"socket-id\": %u}, \"qom-path\": \"/machine/unattached/device[%d]\", "
                "\"cpu-index\": %d, \"target\": \"x86_64\"}", i ? ", " : "", (long)gettid(),
                u / threads % cores, u % threads, u / (threads * cores * dies), i, i);
    }
    fputc(']', r->ret);
}

static void q_kvm(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    fputs("{\"enabled\": false, \"present\": false}", r->ret);
}

static void q_commands(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r);

static void c_stop(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    mc_stop(h);
    fputs("{}", r->ret);
}

static void c_cont(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    if (h->state == RUN_SHUTDOWN) {
        error(r, "GenericError", "Resetting the Virtual Machine is required%s", "");
        return;
    }
    mc_cont(h);
    fputs("{}", r->ret);
}

static void do_reset(MonitorHost *h) { mc_reset(h, "host-qmp-system-reset"); }
static void do_powerdown(MonitorHost *h) { mc_powerdown(h); }
static void do_quit(MonitorHost *h) { mc_quit(h, "host-qmp-quit"); }

static void c_reset(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    r->after = do_reset;
    fputs("{}", r->ret);
}

static void c_powerdown(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    r->after = do_powerdown;
    fputs("{}", r->ret);
}

static void c_quit(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    r->after = do_quit;
    fputs("{}", r->ret);
}

static void c_hmp(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out) {
        error(r, "GenericError", "out of memory%s", "");
        return;
    }
    hmp_execute(h, json_get(args, "command-line")->string, out);
    fclose(out);
    /* HMP's output as a terminal shows it: CR LF line ends, as QEMU returns */
    char *crlf = malloc(2 * size + 1), *q = crlf;
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == '\n') {
            *q++ = '\r';
        }
        *q++ = buf[i];
    }
    *q = 0;
    json_write_string(r->ret, crlf);
    free(crlf);
    free(buf);
}

static void c_screendump(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    const JsonValue *fmt = json_get(args, "format");
    char err[256];
    if (!h->v.display) {
        error(r, "GenericError", "no display: this machine has no graphics card%s", " (-vga none)");
    } else if (display_screendump(h->v.display, json_get(args, "filename")->string,
                                  fmt ? fmt->string : "ppm", err, sizeof(err)) < 0) {
        error(r, "GenericError", "%s", err);
    } else {
        fputs("{}", r->ret);
    }
}

static void q_block(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    mb_query_block(h, r->ret);
}

static void q_blockstats(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    mb_query_blockstats(h, r->ret);
}

/* eject and blockdev-change-medium name the drive by "device" (or "id", the
 * device's QOM path, which ours are not addressed by). */
static const char *block_device(const JsonValue *args, QMPResult *r)
{
    const JsonValue *dev = json_get(args, "device");
    if (!dev) {
        error(r, "GenericError", "Need exactly one of 'device' and 'id'%s", "");
        return NULL;
    }
    return dev->string;
}

static void c_eject(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    const JsonValue *force = json_get(args, "force");
    const char *device = block_device(args, r);
    char err[512];
    if (!device) {
        return;
    }
    if (mb_eject(h, device, force && force->boolean, err, sizeof(err)) < 0) {
        error(r, strstr(err, "not found") ? "DeviceNotFound" : "GenericError", "%.250s", err);
        return;
    }
    fputs("{}", r->ret);
}

static void c_block_resize(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    const JsonValue *dev = json_get(args, "device"), *node = json_get(args, "node-name");
    char err[512];
    if (mb_resize(h, dev ? dev->string : NULL, node ? node->string : NULL,
                  json_get(args, "size")->integer, err, sizeof(err)) < 0) {
        error(r, "GenericError", "%.500s", err);
        return;
    }
    fputs("{}", r->ret);
}

static const char *str_arg(const JsonValue *args, const char *key)
{
    const JsonValue *v = json_get(args, key);
    return v ? v->string : NULL;
}

static void c_snapshot_sync(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char err[600];
    if (mb_snapshot(h, str_arg(args, "device"), str_arg(args, "node-name"),
                    str_arg(args, "snapshot-file"), str_arg(args, "snapshot-node-name"),
                    str_arg(args, "format"), str_arg(args, "mode"), err, sizeof(err)) < 0) {
        error(r, "GenericError", "%.500s", err);
        return;
    }
    fputs("{}", r->ret);
}

/* snapshot-save/-load/-delete (qmp-jobs.c): {} and the job's events */
static void c_snapshot_job(MonitorHost *h, const JsonValue *args, QMPResult *r, const char *type)
{
    const JsonValue *vm = json_get(args, "vmstate");
    char *err = mj_snapshot(h, type, json_get(args, "job-id")->string,
                            json_get(args, "tag")->string, vm ? vm->string : NULL,
                            json_get(args, "devices"));
    if (err) {
        error(r, "GenericError", "%.500s", err);
        free(err);
        return;
    }
    r->after = mj_conclude;
    fputs("{}", r->ret);
}

static void c_snapshot_save(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    c_snapshot_job(h, args, r, "snapshot-save");
}

static void c_snapshot_load(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    c_snapshot_job(h, args, r, "snapshot-load");
}

static void c_snapshot_delete(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    c_snapshot_job(h, args, r, "snapshot-delete");
}

static void q_jobs(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    mj_query(h, r->ret);
}

static void c_job_dismiss(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char *err = mj_dismiss(h, json_get(args, "id")->string);
    if (err) {
        error(r, "GenericError", "%.500s", err);
        free(err);
        return;
    }
    fputs("{}", r->ret);
}

static void c_change_medium(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    const JsonValue *fmt = json_get(args, "format"), *force = json_get(args, "force");
    const char *device = block_device(args, r);
    char err[512];
    if (!device) {
        return;
    }
    if (mb_change(h, device, json_get(args, "filename")->string, fmt ? fmt->string : NULL,
                  force && force->boolean, err, sizeof(err)) < 0) {
        error(r, strstr(err, "not found") ? "DeviceNotFound" : "GenericError", "%.250s", err);
        return;
    }
    fputs("{}", r->ret);
}

/* migration (migrate-cmds.c): the copy is over when the command returns */
static void c_migrate(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char *err = mc_migrate(h, json_get(args, "uri")->string);
    if (err) {
        error(r, "GenericError", "%s", err);
        free(err);
    } else {
        fputs("{}", r->ret);
    }
}

static void c_migrate_incoming(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char *err = mc_migrate_incoming(h, json_get(args, "uri")->string);
    if (err) {
        error(r, "GenericError", "%s", err);
        free(err);
    } else {
        fputs("{}", r->ret);
    }
}

static void q_migrate(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    char *j = migration_info_json(&h->mig);
    fputs(j ? j : "{}", r->ret);
    free(j);
}

static void c_migrate_cancel(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    if (h->live) {
        live_migration_cancel(h->live);
    }
    fputs("{}", r->ret);
}

static const QMPCommand qmp_commands[] = {
    { "qmp_capabilities", "enable:a?", qmp_capabilities },
    { "query-status", "", q_status },
    { "query-version", "", q_version },
    { "query-name", "", q_name },
    { "query-cpus-fast", "", q_cpus_fast },
    { "query-commands", "", q_commands },
    { "query-kvm", "", q_kvm },
    { "stop", "", c_stop },
    { "cont", "", c_cont },
    { "system_reset", "", c_reset },
    { "system_powerdown", "", c_powerdown },
    { "quit", "", c_quit },
    { "human-monitor-command", "command-line:s,cpu-index:i?", c_hmp },
    { "screendump", "filename:s,device:s?,head:i?,format:s?", c_screendump },
    { "query-block", "", q_block },
    { "query-blockstats", "query-nodes:b?", q_blockstats },
    { "eject", "device:s?,id:s?,force:b?", c_eject },
    { "block_resize", "device:s?,node-name:s?,size:i", c_block_resize },
    { "blockdev-snapshot-sync", "device:s?,node-name:s?,snapshot-file:s,"
      "snapshot-node-name:s?,format:s?,mode:s?", c_snapshot_sync },
    { "snapshot-save", "job-id:s,tag:s,vmstate:s,devices:a", c_snapshot_save },
    { "snapshot-load", "job-id:s,tag:s,vmstate:s,devices:a", c_snapshot_load },
    { "snapshot-delete", "job-id:s,tag:s,devices:a", c_snapshot_delete },
    { "query-jobs", "", q_jobs },
    { "job-dismiss", "id:s", c_job_dismiss },
    { "blockdev-change-medium", "device:s?,id:s?,filename:s,format:s?,force:b?,"
      "read-only-mode:s?", c_change_medium },
    { "migrate", "uri:s,detach:b?,blk:b?,inc:b?,resume:b?", c_migrate },
    { "migrate-incoming", "uri:s", c_migrate_incoming },
    { "query-migrate", "", q_migrate },
    { "migrate_cancel", "", c_migrate_cancel },
    { NULL, NULL, NULL },
};

static void q_commands(MonitorHost *h, Monitor *mon, const JsonValue *args, QMPResult *r)
{
    fputc('[', r->ret);
    for (const QMPCommand *c = qmp_commands; c->name; c++) {
        fprintf(r->ret, "%s{\"name\": \"%s\"}", c == qmp_commands ? "" : ", ", c->name);
    }
    fputc(']', r->ret);
}

/* --- arguments --- */

static bool type_ok(char t, const JsonValue *v)
{
    switch (t) {
    case 's': return v->type == JSON_STRING;
    case 'b': return v->type == JSON_BOOL;
    case 'i': return v->type == JSON_NUMBER && v->is_int;
    case 'a': return v->type == JSON_ARRAY;
    default: return false;
    }
}

static const char *const type_names[] = { ['s'] = "string", ['b'] = "boolean", ['i'] = "integer",
                                          ['a'] = "array" };

/* Checks args against the spec as QEMU's generated visitors do. */
static bool check_args(const QMPCommand *c, const JsonValue *args, QMPResult *r)
{
    char name[48];
    for (size_t i = 0; args && i < args->n; i++) {
        const char *p = strstr(c->args, args->keys[i]);
        size_t n = strlen(args->keys[i]);
        bool known = false;
        for (; p; p = strstr(p + 1, args->keys[i])) {
            if ((p == c->args || p[-1] == ',') && p[n] == ':') {
                known = true;
                if (!type_ok(p[n + 1], args->items[i])) {
                    char msg[128];
                    snprintf(msg, sizeof(msg), "Invalid parameter type for '%.40s', expected: %s",
                             args->keys[i], type_names[(unsigned char)p[n + 1]]);
                    error(r, "GenericError", "%s", msg);
                    return false;
                }
                break;
            }
        }
        if (!known) {
            error(r, "GenericError", "Parameter '%.100s' is unexpected", args->keys[i]);
            return false;
        }
    }
    for (const char *s = c->args; *s;) {
        size_t n = strcspn(s, ",");
        const char *colon = memchr(s, ':', n);
        if (colon && colon[2] != '?' && (size_t)(colon - s) < sizeof(name)) {
            snprintf(name, sizeof(name), "%.*s", (int)(colon - s), s);
            if (!json_get(args, name)) {
                error(r, "GenericError", "Parameter '%s' is missing", name);
                return false;
            }
        }
        s += n + (s[n] == ',');
    }
    return true;
}

/* --- replies and events --- */

static void send_text(Monitor *mon, const char *text, size_t len)
{
    monitor_write_raw(mon, text, len);
    monitor_write_raw(mon, "\r\n", 2);
}

static void reply(Monitor *mon, const JsonValue *id, QMPResult *r, const char *ret, size_t len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out) {
        return;
    }
    if (r->err_class) {
        fprintf(out, "{\"error\": {\"class\": \"%s\", \"desc\": ", r->err_class);
        json_write_string(out, r->err_desc);
        fputc('}', out);
    } else {
        fputs("{\"return\": ", out);
        fwrite(ret, 1, len, out);
    }
    if (id) {
        fputs(", \"id\": ", out);
        json_write(out, id);
    }
    fputc('}', out);
    fclose(out);
    send_text(mon, buf, size);
    free(buf);
}

void qmp_event(MonitorHost *h, const char *name, const char *data_json)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "{\"timestamp\": {\"seconds\": %lld, \"microseconds\": %ld}, "
                     "\"event\": \"%s\"%s%s}", (long long)tv.tv_sec, (long)tv.tv_usec, name,
                     data_json ? ", \"data\": " : "", data_json ? data_json : "");
    for (Monitor *mon = h->mons; mon; mon = mon->next) {
        if (mon->qmp && mon->negotiated && n > 0 && n < (int)sizeof(buf)) {
            send_text(mon, buf, n);
        }
    }
}

void qmp_opened(Monitor *mon)
{
    mon->negotiated = false;
    if (!mon->js) {
        mon->js = calloc(1, sizeof(*mon->js));
    }
    json_splitter_reset(&mon->js->split);
    char greeting[256];
    int n = snprintf(greeting, sizeof(greeting), "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %d, "
                     "\"minor\": %d, \"major\": %d}, \"package\": \"%s\"}, \"capabilities\": []}}",
                     QUETZAL_QEMU_MICRO, QUETZAL_QEMU_MINOR, QUETZAL_QEMU_MAJOR, QUETZAL_PACKAGE);
    send_text(mon, greeting, n);
}

void qmp_free(Monitor *mon)
{
    if (mon->js) {
        json_splitter_free(&mon->js->split);
        free(mon->js);
    }
}

/* --- dispatch --- */

/* The request's shape (qmp-spec.rst 2.3): an object with "execute", optional
 * "arguments" (an object) and "id". Returns the command or NULL with r set. */
static const QMPCommand *check_request(Monitor *mon, const JsonValue *req, QMPResult *r)
{
    if (req->type != JSON_OBJECT) {
        error(r, "GenericError", "QMP input must be a JSON object%s", "");
        return NULL;
    }
    for (size_t i = 0; i < req->n; i++) {
        const char *k = req->keys[i];
        if (strcmp(k, "execute") && strcmp(k, "arguments") && strcmp(k, "id")) {
            error(r, "GenericError", "QMP input member '%.100s' is unexpected", k);
            return NULL;
        }
    }
    const JsonValue *exec = json_get(req, "execute"), *args = json_get(req, "arguments");
    if (!exec) {
        error(r, "GenericError", "QMP input lacks member 'execute'%s", "");
        return NULL;
    }
    if (exec->type != JSON_STRING) {
        error(r, "GenericError", "QMP input member 'execute' must be a string%s", "");
        return NULL;
    }
    if (args && args->type != JSON_OBJECT) {
        error(r, "GenericError", "QMP input member 'arguments' must be an object%s", "");
        return NULL;
    }
    bool caps = !strcmp(exec->string, "qmp_capabilities");
    if (!mon->negotiated && !caps) {
        error(r, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'%s", "");
        return NULL;
    }
    if (mon->negotiated && caps) {
        error(r, "CommandNotFound", "Capabilities negotiation is already complete, command ignored%s", "");
        return NULL;
    }
    for (const QMPCommand *c = qmp_commands; c->name; c++) {
        if (!strcmp(c->name, exec->string)) {
            return check_args(c, args, r) ? c : NULL;
        }
    }
    error(r, "CommandNotFound", "The command %.100s has not been found", exec->string);
    return NULL;
}

static void dispatch(Monitor *mon, const char *text, size_t len)
{
    char *err = NULL;
    JsonValue *req = json_parse(text, len, &err);
    QMPResult r = { 0 };
    char *ret = NULL;
    size_t ret_len = 0;
    r.ret = open_memstream(&ret, &ret_len);
    const JsonValue *id = req ? json_get(req, "id") : NULL;
    if (!req) {
        error(&r, "GenericError", "%s", err ? err : "JSON parse error");
    } else {
        const QMPCommand *c = check_request(mon, req, &r);
        if (c) {
            c->fn(mon->host, mon, json_get(req, "arguments"), &r);
        }
    }
    fclose(r.ret);
    reply(mon, id, &r, ret, ret_len);
    free(ret);
    free(err);
    json_free(req);
    if (r.after) {
        r.after(mon->host);
    }
}

static void report_junk(Monitor *mon, JsonSplitter *s)
{
    QMPResult r = { 0 };
    error(&r, "GenericError", s->overflow ? "JSON parse error, message too large%s"
                                          : "JSON parse error, invalid keyword%s", "");
    reply(mon, NULL, &r, NULL, 0);
}

void qmp_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    if (!mon->js) {
        mon->js = calloc(1, sizeof(*mon->js));
    }
    JsonSplitter *s = &mon->js->split;
    for (size_t i = 0; i < len; i++) {
        int k = json_splitter_feed(s, buf[i]);
        if (k == 1) {
            dispatch(mon, s->buf, s->len);
            json_splitter_reset(s);
        } else if (k < 0) {
            report_junk(mon, s);
            json_splitter_reset(s);
            if (k == -2) {
                i--;    /* the byte starts a value: feed it again */
            }
        }
    }
}

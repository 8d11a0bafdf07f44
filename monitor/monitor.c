/*
 * The monitors of a machine: which back end each one uses (-monitor, -qmp, the
 * mon:stdio multiplexer), their input handlers, output and life cycle. The HMP
 * commands are in hmp*.c, QMP in qmp.c, line editing in readline.c.
 */
#include <stdlib.h>
#include <string.h>
#include "monitor/internal.h"
#include "system/errmsg.h"
#include "target-i386/cpu.h"
#include "tcg/tcg.h"

/* QEMU's banner word for word (scripts wait for "QEMU <version> monitor"); the
 * package, Quetzal, is in info version and query-version (internal.h). */
#define HMP_BANNER "QEMU " QUETZAL_QEMU_VERSION " monitor - type 'help' for more information\n"
#define HMP_PROMPT "(qemu) "
#define HMP_MAX_LINE (64 * 1024)

void monitor_write_raw(Monitor *mon, const char *text, size_t len)
{
    if (mon->chr && (!mon->mux || mon->focused || mon->qmp)) {
        chardev_write(mon->chr, (const uint8_t *)text, len);
    }
}

void monitor_puts(Monitor *mon, const char *text, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            monitor_write_raw(mon, text + start, i - start);
            monitor_write_raw(mon, "\r\n", 2);
            start = i + 1;
        }
    }
    monitor_write_raw(mon, text + start, len - start);
}

void hmp_run_line(Monitor *mon, const char *line)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out) {
        return;
    }
    hmp_execute(mon->host, line, out);
    fclose(out);
    monitor_puts(mon, buf, size);
    free(buf);
}

static void prompt(Monitor *mon)
{
    monitor_write_raw(mon, HMP_PROMPT, strlen(HMP_PROMPT));
}

/* HMP without readline (sockets, pipes): lines end at CR or LF. */
static void hmp_line_input(Monitor *mon, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (b == '\r' || b == '\n') {
            if (mon->len > HMP_MAX_LINE) {
                monitor_puts(mon, "Error: line too long\n", 21);
            } else {
                mon->line[mon->len] = 0;
                hmp_run_line(mon, mon->line);
            }
            mon->len = 0;
            prompt(mon);
            /* CR LF is one end of line */
            if (b == '\r' && i + 1 < len && buf[i + 1] == '\n') {
                i++;
            }
        } else if (b == 0x7f || b == 0x08) {
            mon->len -= mon->len > 0;
        } else if (mon->len <= HMP_MAX_LINE) {
            mon->line[mon->len++] = b;     /* one past the limit marks "too long" */
        }
    }
}

static int mon_can_receive(void *opaque)
{
    return 4096;
}

static void mon_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Monitor *mon = opaque;
    if (mon->qmp) {
        qmp_input(mon, buf, len);
    } else if (mon->readline) {
        rl_monitor_input(mon, buf, len);
    } else {
        hmp_line_input(mon, buf, len);
    }
}

static void hmp_greet(Monitor *mon)
{
    if (!mon->banner_done) {
        monitor_puts(mon, HMP_BANNER, strlen(HMP_BANNER));
        mon->banner_done = true;
    }
    if (mon->readline) {
        rl_monitor_focus(mon, true);
    } else {
        prompt(mon);
    }
}

static void mon_event(void *opaque, int event)
{
    Monitor *mon = opaque;
    switch (event) {
    case CHR_EVENT_OPENED:
        mon->len = 0;
        mon->banner_done = false;
        if (mon->qmp) {
            qmp_opened(mon);
        } else {
            hmp_greet(mon);
        }
        break;
    case CHR_EVENT_FOCUS_IN:
        mon->focused = true;
        hmp_greet(mon);
        break;
    case CHR_EVENT_FOCUS_OUT:
        if (mon->readline) {
            rl_monitor_focus(mon, false);
        }
        monitor_write_raw(mon, "\r\n", 2);
        mon->focused = false;
        break;
    default:
        break;
    }
}

static Monitor *monitor_new(MonitorHost *h, CharDev *chr, bool owns, bool qmp)
{
    Monitor *mon = calloc(1, sizeof(*mon));
    mon->host = h;
    mon->chr = chr;
    mon->owns_chr = owns;
    mon->qmp = qmp;
    mon->line = malloc(HMP_MAX_LINE + 2);
    mon->next = h->mons;
    h->mons = mon;
    return mon;
}

/* Whether spec would read the terminal that COM1 already reads. */
static bool stdio_taken(MonitorHost *h, const char *spec)
{
    return !strcmp(spec, "stdio") && h->v.serial && chardev_is_stdio(h->v.serial);
}

/* -monitor SPEC: the HMP on the COM1 multiplexer, on its own back end, or none. */
static char *open_hmp(MonitorHost *h, const char *spec)
{
    bool on_mux = !spec || !strcmp(spec, "mon:stdio") || !strcmp(spec, "stdio");
    if (spec && (!strcmp(spec, "none") || !strcmp(spec, "null"))) {
        return NULL;
    }
    if (spec && !strcmp(spec, "vc")) {
        /* TODO(display): a graphical console to hold it; none yet */
        fprintf(stderr, "quetzal-system-x86_64: -monitor vc: no graphical console, "
                "the monitor is off\n");
        return NULL;
    }
    if (on_mux && h->v.serial && chardev_is_stdio(h->v.serial)) {
        if (!chardev_is_mux(h->v.serial)) {
            if (!spec) {
                return NULL;    /* -serial stdio has the terminal: no default monitor, as QEMU */
            }
            return errmsg("-monitor %s: stdio is taken by -serial stdio (use -serial mon:stdio)", spec);
        }
        Monitor *mon = monitor_new(h, h->v.serial, false, false);
        CharFrontEnd fe = { mon_can_receive, mon_receive, mon_event, mon };
        chardev_mux_set_monitor(h->v.serial, &fe);
        mon->mux = true;
        mon->readline = rl_monitor_start(mon);
        return NULL;
    }
    if (!spec) {
        return NULL;    /* COM1 is not on the terminal: QEMU's default vc, none here */
    }
    char *err = NULL;
    CharDev *chr = chardev_open(h->v.ml, !strcmp(spec, "mon:stdio") ? "stdio" : spec, &err);
    if (!chr) {
        return err;
    }
    Monitor *mon = monitor_new(h, chr, true, false);
    if (chardev_is_stdio(chr)) {
        mon->readline = rl_monitor_start(mon);
    }
    CharFrontEnd fe = { mon_can_receive, mon_receive, mon_event, mon };
    chardev_set_front_end(chr, &fe);
    if (chardev_is_stdio(chr)) {
        mon_event(mon, CHR_EVENT_OPENED);
    }
    return NULL;
}

static char *open_qmp(MonitorHost *h, const char *spec)
{
    if (stdio_taken(h, spec)) {
        return errmsg("-qmp %s: stdio is taken by -serial (use -serial null or file:PATH)", spec);
    }
    char *err = NULL;
    CharDev *chr = chardev_open(h->v.ml, spec, &err);
    if (!chr) {
        return err;
    }
    Monitor *mon = monitor_new(h, chr, true, true);
    CharFrontEnd fe = { mon_can_receive, mon_receive, mon_event, mon };
    chardev_set_front_end(chr, &fe);
    if (chardev_is_stdio(chr)) {
        mon_event(mon, CHR_EVENT_OPENED);
    }
    return NULL;
}

/* -mon chardev=ID: the -chardev of that id. */
static char *open_mons(MonitorHost *h)
{
    const MonitorOptions *o = &h->opts;
    for (int i = 0; i < o->nmons; i++) {
        const char *spec = NULL;
        for (int k = 0; k < o->nchardevs; k++) {
            if (!strcmp(o->chardevs[k].id, o->mons[i].chardev)) {
                spec = o->chardevs[k].spec;
            }
        }
        if (!spec) {
            return errmsg("-mon: no -chardev with id '%s'", o->mons[i].chardev);
        }
        char *err = o->mons[i].control ? open_qmp(h, spec) : open_hmp(h, spec);
        if (err) {
            return err;
        }
    }
    return NULL;
}

MonitorHost *monitor_host_new(PCMachine *m, const MonitorOptions *opts, char **err)
{
    MonitorHost *h = calloc(1, sizeof(*h));
    h->machine = m;
    h->opts = *opts;
    pc_machine_view(m, &h->v);
    for (int i = 0; i < h->v.ncpus; i++) {
        h->cpu_hooks[i] = (MonitorCpuHook) { h, i };
    }
    h->state = RUN_RUNNING;
    h->log_tcg = opts ? h->v.cfg->log_flags & 0xffff : 0;
    h->log_env = ((h->v.cfg->log_flags & PC_LOG_INT) ? 1 : 0) |
                 ((h->v.cfg->log_flags & PC_LOG_MMU) ? 2 : 0);
    mc_install_request_hook(h);
    mb_install(h, true);
    for (int i = 0; i < opts->nqmp; i++) {
        if ((*err = open_qmp(h, opts->qmp[i]))) {
            goto fail;
        }
    }
    if ((*err = open_mons(h))) {
        goto fail;
    }
    /* a -mon replaces the default monitor, as in QEMU */
    if ((*err = open_hmp(h, opts->hmp ? opts->hmp : opts->nmons ? "none" : NULL))) {
        goto fail;
    }
    if (opts->gdb && strcmp(opts->gdb, "none") && (*err = gdb_start(h, opts->gdb))) {
        goto fail;
    }
    if (opts->start_stopped || opts->incoming_defer) {
        main_loop_pause(h->v.ml);
        h->state = opts->incoming_defer ? RUN_INMIGRATE : RUN_PRELAUNCH;
    }
    return h;
fail:
    monitor_host_free(h);
    return NULL;
}

void monitor_host_free(MonitorHost *h)
{
    if (!h) {
        return;
    }
    main_loop_set_request_hook(h->v.ml, NULL, NULL);
    mb_install(h, false);
    live_migration_free(h->live);
    free(h->mig.error);
    gdb_free(h);
    for (Monitor *mon = h->mons, *next; mon; mon = next) {
        next = mon->next;
        if (mon->readline) {
            rl_monitor_stop(mon);
        }
        if (mon->owns_chr) {
            chardev_close(mon->chr);
        }
        free(mon->line);
        qmp_free(mon);
        free(mon);
    }
    if (h->log) {
        /* logfile's file: the translator and CPU stop writing to it first */
        tcg_set_log(h->v.tcg, 0, NULL);
        h->v.env->int_log = h->v.env->mmu_log = NULL;
        fclose(h->log);
    }
    for (int i = 0; i < h->opts.nchardevs; i++) {
        free(h->opts.chardevs[i].id);
        free(h->opts.chardevs[i].spec);
    }
    for (int i = 0; i < h->opts.nmons; i++) {
        free(h->opts.mons[i].chardev);
    }
    free(h);
}

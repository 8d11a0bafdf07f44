/*
 * QEMU's long form of the monitor options (docs: qemu-system -chardev and
 * -mon): "-chardev socket,id=mon0,path=/tmp/q,server=on,wait=off
 * -mon chardev=mon0,mode=control", as management tools write them. A
 * -chardev becomes a back-end spec of system/char.h (unix:, tcp:, stdio,
 * null, file:); a -mon puts an HMP (mode=readline) or QMP (mode=control)
 * monitor on it.
 */
#include <stdlib.h>
#include <string.h>
#include "monitor/monitor.h"
#include "system/errmsg.h"

/* The value of key=VALUE in a comma list (malloc'd), or NULL. */
static char *option_value(const char *list, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len > n && !strncmp(p, key, n) && p[n] == '=') {
            return strndup(p + n + 1, len - n - 1);
        }
        p += len + (p[len] == ',');
    }
    return NULL;
}

static bool known_keys(const char *list, const char *const *keys)
{
    for (const char *p = strchr(list, ',') ? strchr(list, ',') + 1 : ""; *p;) {
        size_t len = strcspn(p, ",="), i;
        for (i = 0; keys[i] && (strlen(keys[i]) != len || strncmp(keys[i], p, len)); i++) {
        }
        if (!keys[i]) {
            return false;
        }
        p += strcspn(p, ",");
        p += *p == ',';
    }
    return true;
}

char *monitor_parse_chardev(MonitorOptions *o, const char *arg)
{
    static const char *const keys[] = { "id", "path", "host", "port", "server", "wait",
                                        "telnet", "ipv4", NULL };
    size_t blen = strcspn(arg, ",");
    char *id = option_value(arg, "id"), *path = option_value(arg, "path");
    char *host = option_value(arg, "host"), *port = option_value(arg, "port");
    char *server = option_value(arg, "server"), *wait = option_value(arg, "wait");
    char *spec = NULL, *err = NULL;
    if (!id || o->nchardevs == MONITOR_MAX_CHARDEVS || !known_keys(arg, keys)) {
        err = errmsg(!id ? "-chardev '%s': id= is missing" : o->nchardevs == MONITOR_MAX_CHARDEVS ?
                   "-chardev '%s': too many" : "-chardev '%s': unsupported property", arg);
    } else if (blen == 6 && !strncmp(arg, "socket", 6) && (path || port)) {
        if (asprintf(&spec, "%s%s%s%s,server=%s,wait=%s", path ? "unix:" : "tcp:",
                     path ? path : host ? host : "", path ? "" : ":", path ? "" : port,
                     server ? server : "off", wait ? wait : "on") < 0) {
            spec = NULL;
        }
    } else if ((blen == 5 && !strncmp(arg, "stdio", 5)) || (blen == 4 && !strncmp(arg, "null", 4))) {
        spec = strndup(arg, blen);
    } else {
        err = errmsg("-chardev '%s': back end not supported (socket with path= or port=, stdio, null)",
                   arg);
    }
    if (spec) {
        o->chardevs[o->nchardevs].id = id;
        o->chardevs[o->nchardevs++].spec = spec;
        id = NULL;
    }
    free(id);
    free(path);
    free(host);
    free(port);
    free(server);
    free(wait);
    return err;
}

char *monitor_parse_mon(MonitorOptions *o, const char *arg)
{
    static const char *const keys[] = { "chardev", "mode", "id", "pretty", NULL };
    char *chr = option_value(arg, "chardev"), *mode = option_value(arg, "mode");
    char *err = NULL;
    bool control = mode && !strcmp(mode, "control");
    /* the list starts with a key here: check it as "x,LIST" */
    char *all = NULL;
    if (asprintf(&all, "x,%s", arg) < 0) {
        all = NULL;
    }
    if (!chr || !all || !known_keys(all, keys) || (mode && !control && strcmp(mode, "readline"))) {
        err = errmsg("-mon '%s': needs chardev=ID[,mode=control|readline]", arg);
    } else if (o->nmons == MONITOR_MAX_QMP) {
        err = errmsg("-mon '%s': too many monitors", arg);
    } else {
        o->mons[o->nmons].chardev = chr;
        o->mons[o->nmons++].control = control;
        chr = NULL;
    }
    free(all);
    free(chr);
    free(mode);
    return err;
}

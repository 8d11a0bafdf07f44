/*
 * HMP command lines: the table (hmp.h) says what follows each command name;
 * this file splits the line accordingly, evaluates expressions and formats,
 * and calls the handler. Every error is one line and the machine goes on.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/hmp.h"

/* Whether word (len bytes) is one of the '|'-separated names. */
static bool name_matches(const char *names, const char *word, size_t len)
{
    for (const char *p = names; *p;) {
        size_t n = strcspn(p, "|");
        if (n == len && !strncmp(p, word, len)) {
            return true;
        }
        p += n + (p[n] == '|');
    }
    return false;
}

static const HMPCommand *find_command(const HMPCommand *table, const char *word, size_t len)
{
    for (const HMPCommand *c = table; c->name; c++) {
        if (name_matches(c->name, word, len)) {
            return c;
        }
    }
    return NULL;
}

static const char *skip_spaces(const char *p)
{
    while (isspace((unsigned char)*p)) {
        p++;
    }
    return p;
}

/* A word, or a "quoted string" with \" and \\ escapes; malloc'd. */
static char *take_word(const char **pp)
{
    const char *p = *pp;
    size_t cap = strlen(p) + 1, n = 0;
    char *w = malloc(cap);
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                p++;
            }
            w[n++] = *p;
        }
        p += *p == '"';
    } else {
        while (*p && !isspace((unsigned char)*p)) {
            w[n++] = *p++;
        }
    }
    w[n] = 0;
    *pp = p;
    return w;
}

/* /[count][format][size] (QEMU's x/FMT): count decimal, format one of
 * x d u o c i, size b h w g (the ones QEMU 7.2 takes). */
static bool take_format(MonitorHost *h, const char **pp, HMPFormat *f, char *err, size_t errlen)
{
    const char *p = *pp;
    /* what is left out comes from the last x/xp/print, as in QEMU */
    *f = (HMPFormat){ 1, h->last_fmt ? h->last_fmt : 'x', 0 };
    if (*p != '/') {
        f->size = h->last_size ? h->last_size : 4;
        return true;
    }
    p++;
    if (isdigit((unsigned char)*p)) {
        f->count = (int)strtol(p, (char **)&p, 10);
    }
    for (; *p && !isspace((unsigned char)*p); p++) {
        if (strchr("xduoci", *p)) {
            f->fmt = *p;
        } else if (strchr("bhwg", *p)) {
            f->size = *p == 'b' ? 1 : *p == 'h' ? 2 : *p == 'w' ? 4 : 8;
        } else {
            snprintf(err, errlen, "invalid char in format: '%c'", *p);
            return false;
        }
    }
    if (!f->size) {
        f->size = h->last_size ? h->last_size : 4;
    }
    if (f->count <= 0 || f->count > 65536) {
        snprintf(err, errlen, "invalid count in format");
        return false;
    }
    h->last_fmt = f->fmt;
    h->last_size = f->size;
    *pp = p;
    return true;
}

/* One argument of kind t at *pp. */
static bool take_arg(MonitorHost *h, char t, const char **pp, HMPArg *a, char *err, size_t errlen)
{
    const char *p = *pp;
    a->present = true;
    switch (t) {
    case '/':
        return take_format(h, pp, &a->f, err, errlen);
    case 'l':
    case 'i':
        if (!hmp_eval(h, pp, &a->num, err, errlen)) {
            return false;
        }
        if (t == 'i') {
            a->num = (int32_t)a->num;
        }
        return true;
    case 'S':
        a->str = strdup(p);
        for (size_t n = strlen(a->str); n && isspace((unsigned char)a->str[n - 1]); n--) {
            a->str[n - 1] = 0;
        }
        *pp = p + strlen(p);
        return true;
    case 'b':
        a->str = take_word(pp);
        if (strcmp(a->str, "on") && strcmp(a->str, "off")) {
            snprintf(err, errlen, "expected 'on' or 'off', not '%.40s'", a->str);
            return false;
        }
        a->num = !strcmp(a->str, "on");
        return true;
    default:    /* s F K D */
        a->str = take_word(pp);
        return true;
    }
}

static void free_args(HMPArgs *args)
{
    for (int i = 0; i < args->n; i++) {
        free(args->a[i].str);
    }
}

/* Parses p after the command name per spec into args. */
static bool parse_args(MonitorHost *h, const HMPCommand *c, const char *p, HMPArgs *args,
                       char *err, size_t errlen)
{
    for (const char *s = c->args; s && *s;) {
        size_t n = strcspn(s, ",");
        const char *colon = memchr(s, ':', n);
        char t = colon ? colon[1] : 's';
        bool optional = colon && colon + 2 < s + n && colon[2] == '?';
        HMPArg *a = &args->a[args->n++];
        p = skip_spaces(p);     /* "x /10i $pc" as "x/10i $pc", as QEMU */
        if (!*p && !optional && t != '/') {
            snprintf(err, errlen, "missing argument '%.*s'",
                     (int)((colon ? colon : s + n) - s), s);
            return false;
        }
        if (*p || t == '/') {
            if (!take_arg(h, t, &p, a, err, errlen)) {
                return false;
            }
        }
        s += n + (s[n] == ',');
    }
    p = skip_spaces(p);
    if (*p) {
        snprintf(err, errlen, "extraneous characters at the end of line: '%.40s'", p);
        return false;
    }
    return true;
}

void hmp_execute(MonitorHost *h, const char *line, FILE *out)
{
    const char *p = skip_spaces(line);
    if (!*p) {
        return;
    }
    pc_cpu_state_sync(h->machine);      /* info registers, x $pc, print $eax */
    size_t len = 0;
    while (p[len] && !isspace((unsigned char)p[len]) && p[len] != '/') {
        len++;
    }
    const HMPCommand *c = find_command(hmp_commands, p, len);
    if (!c) {
        fprintf(out, "unknown command: '%.*s'\n", len > 64 ? 64 : (int)len, p);
        return;
    }
    HMPArgs args = { 0 };
    char err[160];
    if (parse_args(h, c, p + len, &args, err, sizeof(err))) {
        c->fn(h, &args, out);
    } else {
        fprintf(out, "%.*s: %s\n", (int)strcspn(c->name, "|"), c->name, err);
    }
    free_args(&args);
}

/* --- completion --- */

static const char *complete_in(const HMPCommand *table, const char *prefix, int i)
{
    size_t n = strlen(prefix);
    for (const HMPCommand *c = table; c->name; c++) {
        for (const char *p = c->name; *p;) {
            size_t len = strcspn(p, "|");
            if (len >= n && !strncmp(p, prefix, n) && i-- == 0) {
                static __thread char buf[64];   /* readline copies it at once */
                snprintf(buf, sizeof(buf), "%.*s", (int)len, p);
                return buf;
            }
            p += len + (p[len] == '|');
        }
    }
    return NULL;
}

const char *hmp_complete_command(const char *prefix, int i)
{
    return complete_in(hmp_commands, prefix, i);
}

const char *hmp_complete_info(const char *prefix, int i)
{
    return complete_in(hmp_info_commands, prefix, i);
}

char hmp_arg_kind(const char *cmd, int n)
{
    const HMPCommand *c = find_command(hmp_commands, cmd, strlen(cmd));
    if (!c || !c->args) {
        return 0;
    }
    const char *s = c->args;
    for (int k = 1; *s; k++) {
        size_t len = strcspn(s, ",");
        const char *colon = memchr(s, ':', len);
        char t = colon ? colon[1] : 's';
        if (t == '/') {
            k--;    /* the format is glued to the name */
        } else if (k == n) {
            return t;
        }
        s += len + (s[len] == ',');
    }
    return 0;
}

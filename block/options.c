/*
 * Options for the block layer: a small string dictionary (QDict) filled from
 * "key=value,key=value" text as given to quetzal-img -o, plus size parsing.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "block/block.h"

typedef struct QDictEntry {
    char *key;
    char *value;
} QDictEntry;

struct QDict {
    QDictEntry *entries;
    size_t count, capacity;
};

QDict *qdict_new(void)
{
    QDict *d = calloc(1, sizeof(*d));
    if (!d) {
        abort();
    }
    return d;
}

void qdict_free(QDict *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->count; i++) {
        free(d->entries[i].key);
        free(d->entries[i].value);
    }
    free(d->entries);
    free(d);
}

static QDictEntry *qdict_find(const QDict *d, const char *key)
{
    for (size_t i = 0; d && i < d->count; i++) {
        if (strcmp(d->entries[i].key, key) == 0) {
            return &d->entries[i];
        }
    }
    return NULL;
}

static char *copy_string(const char *text)
{
    char *copy = strdup(text);
    if (!copy) {
        abort();
    }
    return copy;
}

void qdict_put(QDict *d, const char *key, const char *value)
{
    QDictEntry *entry = qdict_find(d, key);
    if (entry) {
        free(entry->value);
        entry->value = copy_string(value);
        return;
    }
    if (d->count == d->capacity) {
        d->capacity = d->capacity ? d->capacity * 2 : 8;
        d->entries = realloc(d->entries, d->capacity * sizeof(*d->entries));
        if (!d->entries) {
            abort();
        }
    }
    d->entries[d->count].key = copy_string(key);
    d->entries[d->count].value = copy_string(value);
    d->count++;
}

const char *qdict_get(const QDict *d, const char *key)
{
    QDictEntry *entry = qdict_find(d, key);
    return entry ? entry->value : NULL;
}

bool qdict_del(QDict *d, const char *key)
{
    QDictEntry *entry = qdict_find(d, key);
    if (!entry) {
        return false;
    }
    free(entry->key);
    free(entry->value);
    size_t index = entry - d->entries;
    memmove(entry, entry + 1, (d->count - index - 1) * sizeof(*entry));
    d->count--;
    return true;
}

size_t qdict_count(const QDict *d)
{
    return d ? d->count : 0;
}

const char *qdict_key_at(const QDict *d, size_t index)
{
    return index < d->count ? d->entries[index].key : NULL;
}

/* Copies text up to an unescaped stop character into out, turning ",," into ",".
 * Returns a pointer to the stop character (or the terminating NUL). */
static const char *take_token(const char *text, char stop, char *out, size_t out_size)
{
    size_t length = 0;
    while (*text) {
        if (*text == ',' && text[1] == ',') {
            text++;
        } else if (*text == ',' || *text == stop) {
            break;
        }
        if (length + 1 < out_size) {
            out[length++] = *text;
        }
        text++;
    }
    out[length] = '\0';
    return text;
}

int qdict_parse_opts(QDict *d, const char *opts, BlockErrorInfo *err)
{
    size_t size = strlen(opts) + 3;
    char *key = malloc(size), *value = malloc(size);
    const char *p = opts;
    int ret = 0;
    if (!key || !value) {
        abort();
    }
    while (*p) {
        p = take_token(p, '=', key, size);
        if (key[0] == '\0') {
            block_error_set(err, "Invalid option list '%s': empty option name", opts);
            ret = -1;
            break;
        }
        if (*p == '=') {
            p = take_token(p + 1, '\0', value, size);
        } else if (strcmp(key, "help") == 0 || strcmp(key, "?") == 0) {
            strcpy(value, "on");
        } else {
            block_error_set(err, "Invalid parameter '%s': expected key=value", key);
            ret = -1;
            break;
        }
        qdict_put(d, key, value);
        if (*p == ',') {
            p++;
        }
    }
    free(key);
    free(value);
    return ret;
}

int parse_size(const char *text, uint64_t *out)
{
    static const char suffixes[] = "bkmgtpe";
    char *end;
    errno = 0;
    while (isspace((unsigned char)*text)) {
        text++;
    }
    if (*text == '-' || *text == '\0') {
        return -1;
    }
    /* whole numbers exactly; fractions only with a suffix, as qemu-img accepts */
    unsigned long long whole = strtoull(text, &end, 10);
    if (errno || end == text) {
        return -1;
    }
    double fraction = 0;
    if (*end == '.') {
        char *frac_end;
        fraction = strtod(end, &frac_end);
        end = frac_end;
    }
    uint64_t multiplier = 1;
    if (*end) {
        const char *s = strchr(suffixes, tolower((unsigned char)*end));
        if (!s || end[1] != '\0') {
            return -1;
        }
        for (int i = 0; i < s - suffixes; i++) {
            multiplier <<= 10;
        }
    } else if (fraction != 0) {
        return -1;
    }
    if (whole > UINT64_MAX / multiplier) {
        return -1;
    }
    uint64_t value = whole * multiplier;
    uint64_t extra = (uint64_t)(fraction * (double)multiplier);
    if (value > INT64_MAX - extra) {
        return -1;
    }
    *out = value + extra;
    return 0;
}

int qdict_get_size(const QDict *d, const char *key, uint64_t def, uint64_t *out, BlockErrorInfo *err)
{
    const char *text = qdict_get(d, key);
    if (!text) {
        *out = def;
        return 0;
    }
    if (parse_size(text, out) < 0) {
        block_error_set(err, "Parameter '%s' expects a non-negative number below 2^63 "
                 "(not '%s'); optional suffix k, M, G, T, P or E", key, text);
        return -1;
    }
    return 0;
}

int qdict_get_bool(const QDict *d, const char *key, bool def, bool *out, BlockErrorInfo *err)
{
    const char *text = qdict_get(d, key);
    if (!text) {
        *out = def;
        return 0;
    }
    if (!strcasecmp(text, "on") || !strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
        !strcmp(text, "1")) {
        *out = true;
    } else if (!strcasecmp(text, "off") || !strcasecmp(text, "false") ||
               !strcasecmp(text, "no") || !strcmp(text, "0")) {
        *out = false;
    } else {
        block_error_set(err, "Parameter '%s' expects 'on' or 'off'", key);
        return -1;
    }
    return 0;
}

/* A JSON string literal (RFC 8259, section 7): quote, backslash and control
 * characters escaped; other bytes (UTF-8 included) as they are. */
void block_print_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

/*
 * The JSON parser, writer and stream splitter of json.h (RFC 8259: grammar in
 * section 2-7; strings must be valid UTF-8, section 8.1). Recursive descent
 * with a depth limit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/json.h"

typedef struct Parser {
    const char *p, *end;
    char *err;
    int depth;
} Parser;

static void *fail(Parser *ps, const char *what)
{
    if (!ps->err && asprintf(&ps->err, "JSON parse error, %s", what) < 0) {
        ps->err = NULL;
    }
    return NULL;
}

static void skip_ws(Parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

static JsonValue *new_value(JsonType t)
{
    JsonValue *v = calloc(1, sizeof(*v));
    v->type = t;
    return v;
}

/* --- strings --- */

typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

static void put(Buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->s = realloc(b->s, b->cap);
    }
    b->s[b->len++] = c;
    b->s[b->len] = 0;
}

static void put_utf8(Buf *b, uint32_t cp)
{
    if (cp < 0x80) {
        put(b, cp);
    } else if (cp < 0x800) {
        put(b, 0xc0 | (cp >> 6));
        put(b, 0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        put(b, 0xe0 | (cp >> 12));
        put(b, 0x80 | ((cp >> 6) & 0x3f));
        put(b, 0x80 | (cp & 0x3f));
    } else {
        put(b, 0xf0 | (cp >> 18));
        put(b, 0x80 | ((cp >> 12) & 0x3f));
        put(b, 0x80 | ((cp >> 6) & 0x3f));
        put(b, 0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* One UTF-8 sequence at p (Unicode 15, table 3-7: shortest form, no
 * surrogates, at most U+10FFFF); its length, or 0 when invalid. */
static int utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!n || end - p < n || (n == 2 && c < 0xc2)) {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    if ((n == 3 && c == 0xe0 && p[1] < 0xa0) || (n == 3 && c == 0xed && p[1] >= 0xa0) ||
        (n == 4 && c == 0xf0 && p[1] < 0x90) || (n == 4 && (c > 0xf4 || (c == 0xf4 && p[1] >= 0x90)))) {
        return 0;
    }
    return n;
}

static bool parse_escape(Parser *ps, Buf *b)
{
    char c = *ps->p++;
    const char *map = strchr("\"\"\\\\//b\bf\fn\nr\rt\t", c);
    if (c && map && ((map - "\"\"\\\\//b\bf\fn\nr\rt\t") % 2 == 0)) {
        put(b, map[1]);
        return true;
    }
    if (c != 'u' || ps->end - ps->p < 4 || hex4(ps->p) < 0) {
        fail(ps, "invalid escape sequence in string");
        return false;
    }
    uint32_t cp = hex4(ps->p);
    ps->p += 4;
    if (cp >= 0xd800 && cp < 0xdc00) {      /* a high surrogate needs its low half */
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2) < 0xdc00 ||
            hex4(ps->p + 2) > 0xdfff) {
            fail(ps, "invalid \\u surrogate pair");
            return false;
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (hex4(ps->p + 2) - 0xdc00);
        ps->p += 6;
    } else if ((cp >= 0xdc00 && cp < 0xe000) || cp == 0) {
        fail(ps, cp ? "lone \\u surrogate" : "\\u0000 is not allowed");
        return false;
    }
    put_utf8(b, cp);
    return true;
}

static char *parse_string_raw(Parser *ps)
{
    Buf b = { calloc(1, 1), 0, 1 };
    ps->p++;    /* the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = *ps->p;
        if (c < 0x20) {
            free(b.s);
            return fail(ps, "control character in string");
        }
        if (c == '\\') {
            ps->p++;
            if (ps->p >= ps->end || !parse_escape(ps, &b)) {
                free(b.s);
                return fail(ps, "invalid escape sequence in string");
            }
            continue;
        }
        int n = utf8_len((const unsigned char *)ps->p, (const unsigned char *)ps->end);
        if (!n) {
            free(b.s);
            return fail(ps, "invalid UTF-8 sequence in string");
        }
        for (int i = 0; i < n; i++) {
            put(&b, ps->p[i]);
        }
        ps->p += n;
    }
    if (ps->p >= ps->end) {
        free(b.s);
        return fail(ps, "unterminated string");
    }
    ps->p++;
    return b.s;
}

/* --- numbers, literals, containers --- */

static bool digit(Parser *ps)
{
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static void digits(Parser *ps)
{
    while (digit(ps)) {
        ps->p++;
    }
}

/* RFC 8259, 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static JsonValue *parse_number(Parser *ps)
{
    const char *s = ps->p;
    bool integral = true;
    if (*ps->p == '-') {
        ps->p++;
    }
    if (!digit(ps)) {
        return fail(ps, "invalid number");
    }
    if (*ps->p++ != '0') {
        digits(ps);
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        integral = false;
        if (!digit(ps)) {
            return fail(ps, "invalid number");
        }
        digits(ps);
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        integral = false;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
            ps->p++;
        }
        if (!digit(ps)) {
            return fail(ps, "invalid number");
        }
        digits(ps);
    }
    char tmp[64];
    size_t n = ps->p - s;
    if (n >= sizeof(tmp)) {
        return fail(ps, "number too long");
    }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    JsonValue *v = new_value(JSON_NUMBER);
    v->number = strtod(tmp, NULL);
    if (!isfinite(v->number)) {
        json_free(v);
        return fail(ps, "number out of range");
    }
    if (integral && v->number >= -9.2e18 && v->number <= 9.2e18) {
        v->is_int = true;
        v->integer = strtoll(tmp, NULL, 10);
    }
    return v;
}

static JsonValue *parse_value(Parser *ps);

static JsonValue *parse_container(Parser *ps, bool object)
{
    if (++ps->depth > JSON_MAX_DEPTH) {
        return fail(ps, "nesting too deep");
    }
    JsonValue *v = new_value(object ? JSON_OBJECT : JSON_ARRAY);
    char close = object ? '}' : ']';
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"' || !(key = parse_string_raw(ps))) {
                json_free(v);
                return fail(ps, "expected a string key");
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                json_free(v);
                return fail(ps, "expected ':'");
            }
            ps->p++;
        }
        JsonValue *item = parse_value(ps);
        if (!item) {
            free(key);
            json_free(v);
            return NULL;
        }
        v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
        v->keys = object ? realloc(v->keys, (v->n + 1) * sizeof(*v->keys)) : NULL;
        if (object) {
            v->keys[v->n] = key;
        }
        v->items[v->n++] = item;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        json_free(v);
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static JsonValue *parse_literal(Parser *ps)
{
    static const struct { const char *word; JsonType t; bool b; } lits[] = {
        { "true", JSON_BOOL, true }, { "false", JSON_BOOL, false }, { "null", JSON_NULL, false },
    };
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lits[i].word);
        if ((size_t)(ps->end - ps->p) >= n && !memcmp(ps->p, lits[i].word, n)) {
            ps->p += n;
            JsonValue *v = new_value(lits[i].t);
            v->boolean = lits[i].b;
            return v;
        }
    }
    return fail(ps, "invalid keyword");
}

static JsonValue *parse_value(Parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end) {
        return fail(ps, "unexpected end of input");
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        return parse_container(ps, c == '{');
    }
    if (c == '"') {
        char *s = parse_string_raw(ps);
        if (!s) {
            return NULL;
        }
        JsonValue *v = new_value(JSON_STRING);
        v->string = s;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        return parse_number(ps);
    }
    return parse_literal(ps);
}

JsonValue *json_parse(const char *text, size_t len, char **err)
{
    Parser ps = { text, text + len, NULL, 0 };
    JsonValue *v = parse_value(&ps);
    skip_ws(&ps);
    if (v && ps.p != ps.end) {
        json_free(v);
        v = fail(&ps, "trailing characters after the value");
    }
    *err = ps.err;
    return v;
}

void json_free(JsonValue *v)
{
    if (!v) {
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const JsonValue *json_get(const JsonValue *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->n; i++) {
        if (!strcmp(obj->keys[i], key)) {
            return obj->items[i];
        }
    }
    return NULL;
}

/* --- writing --- */

void json_write_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(out, "\\u%04x", *p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

void json_write(FILE *out, const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL: fputs("null", out); break;
    case JSON_BOOL: fputs(v->boolean ? "true" : "false", out); break;
    case JSON_NUMBER:
        if (v->is_int) {
            fprintf(out, "%lld", (long long)v->integer);
        } else {
            fprintf(out, "%.17g", v->number);
        }
        break;
    case JSON_STRING: json_write_string(out, v->string); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        fputc(v->type == JSON_ARRAY ? '[' : '{', out);
        for (size_t i = 0; i < v->n; i++) {
            if (i) {
                fputs(", ", out);
            }
            if (v->keys) {
                json_write_string(out, v->keys[i]);
                fputs(": ", out);
            }
            json_write(out, v->items[i]);
        }
        fputc(v->type == JSON_ARRAY ? ']' : '}', out);
        break;
    }
}

/* --- the splitter: tracks strings and bracket depth only; the parser checks
 * the rest --- */

static void keep(JsonSplitter *s, uint8_t byte)
{
    if (s->len >= JSON_MAX_MESSAGE) {
        s->overflow = true;
        return;
    }
    if (s->len + 1 >= s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->buf = realloc(s->buf, s->cap);
    }
    s->buf[s->len++] = byte;
    s->buf[s->len] = 0;
}

int json_splitter_feed(JsonSplitter *s, uint8_t b)
{
    bool ws = b == ' ' || b == '\t' || b == '\n' || b == '\r';
    if (s->depth == 0 && !s->in_string) {
        if (b == '{' || b == '[') {
            if (s->junk) {
                /* report the junk first; the caller feeds this byte again */
                return -2;
            }
            s->depth = 1;
            keep(s, b);
            return 0;
        }
        if (ws) {
            return s->junk ? -1 : 0;
        }
        s->junk = true;         /* a scalar or garbage at the top level */
        keep(s, b);
        return 0;
    }
    keep(s, b);
    if (s->overflow) {
        return -1;
    }
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (b == '\\') {
            s->escape = true;
        } else if (b == '"') {
            s->in_string = false;
        }
        return 0;
    }
    if (b == '"') {
        s->in_string = true;
    } else if (b == '{' || b == '[') {
        s->depth++;
    } else if (b == '}' || b == ']') {
        s->depth--;
    }
    return s->depth == 0 ? 1 : 0;
}

void json_splitter_reset(JsonSplitter *s)
{
    s->len = 0;
    if (s->buf) {
        s->buf[0] = 0;
    }
    s->depth = 0;
    s->in_string = s->escape = s->junk = s->overflow = false;
}

void json_splitter_free(JsonSplitter *s)
{
    free(s->buf);
    s->buf = NULL;
}

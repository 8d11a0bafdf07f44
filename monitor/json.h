/*
 * JSON (RFC 8259) for QMP: a parser for one text into a tree, a splitter that
 * cuts a byte stream into top-level values (QMP sends them back to back), and
 * writers for strings. Our own, small and bounded: QMP input is untrusted, so
 * nesting depth, message size and UTF-8 are checked, and every error is a
 * message, never a crash.
 */
#ifndef MONITOR_JSON_H
#define MONITOR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64
#define JSON_MAX_MESSAGE (1024 * 1024)

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
    JsonType type;
    bool boolean;
    bool is_int;                /* a number without fraction or exponent that fits */
    int64_t integer;
    double number;
    char *string;               /* NUL-terminated; \u0000 is refused */
    size_t n;                   /* array items or object members */
    JsonValue **items;
    char **keys;                /* objects */
};

/* Parses text[0..len) as one JSON value; NULL with a one-line *err (malloc'd). */
JsonValue *json_parse(const char *text, size_t len, char **err);
void json_free(JsonValue *v);
/* The member key of an object, or NULL. */
const JsonValue *json_get(const JsonValue *obj, const char *key);
/* Writes v (compact, QEMU's ": " and ", " spacing) and strings with escapes. */
void json_write(FILE *out, const JsonValue *v);
void json_write_string(FILE *out, const char *s);

/* The stream splitter: feed bytes, get whole top-level values. */
typedef struct JsonSplitter {
    char *buf;
    size_t len, cap;
    int depth;
    bool in_string, escape;
    bool junk;                  /* bytes outside any value: report one error */
    bool overflow;              /* the message passed JSON_MAX_MESSAGE */
} JsonSplitter;
/* Feeds one byte; returns 1 when buf holds a whole value (len bytes), -1 when
 * it holds junk or an oversized message to report as an error, -2 for junk
 * ended by the start of a value (report, reset, feed the byte again), else 0.
 * The caller takes the result, then calls json_splitter_reset. */
int json_splitter_feed(JsonSplitter *s, uint8_t byte);
void json_splitter_reset(JsonSplitter *s);
void json_splitter_free(JsonSplitter *s);

#endif

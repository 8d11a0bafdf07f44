/*
 * The QMP JSON parser (monitor/json.c) under test: reads cases from stdin,
 * each "<length>\n<bytes>", parses each and prints one line: "OK <the value
 * written back>" or "ERR <message>". tests/monitor/json-check.py feeds it
 * random and mutated JSON and compares with Python's json module. With
 * "split" as argument it feeds the bytes through the stream splitter instead
 * and prints one line per message it cuts out (the QMP input path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/json.h"

static void parse_case(const char *buf, size_t len)
{
    char *err = NULL;
    JsonValue *v = json_parse(buf, len, &err);
    if (v) {
        fputs("OK ", stdout);
        json_write(stdout, v);
        fputc('\n', stdout);
        json_free(v);
    } else {
        printf("ERR %s\n", err ? err : "?");
    }
    free(err);
}

static void split_case(const char *buf, size_t len)
{
    JsonSplitter s = { 0 };
    for (size_t i = 0; i < len; i++) {
        int k = json_splitter_feed(&s, (unsigned char)buf[i]);
        if (k == 1) {
            parse_case(s.buf, s.len);
        } else if (k < 0) {
            printf("JUNK\n");
            if (k == -2) {
                i--;
            }
        }
        if (k) {
            json_splitter_reset(&s);
        }
    }
    json_splitter_free(&s);
    printf("END\n");
}

int main(int argc, char **argv)
{
    bool split = argc > 1 && !strcmp(argv[1], "split");
    size_t len;
    while (scanf("%zu", &len) == 1 && getchar() == '\n') {
        char *buf = malloc(len + 1);
        if (fread(buf, 1, len, stdin) != len) {
            free(buf);
            return 1;
        }
        buf[len] = 0;
        if (split) {
            split_case(buf, len);
        } else {
            parse_case(buf, len);
        }
        free(buf);
        fflush(stdout);
    }
    return 0;
}

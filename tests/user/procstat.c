/*
 * The guest's own /proc/self/stat, /proc/PID/stat and /proc/self/cmdline,
 * compared with the native run (tests/check-user.sh): the process name,
 * state and pid fields, startcode <= main < endcode, startstack inside the
 * [stack] line of /proc/self/maps and near a local variable, start_brk at or
 * below the heap's start, and cmdline equal to argv.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (int)n;
}

/* field N (1-based, N >= 3) of a stat line */
static unsigned long long stat_field(const char *line, int n)
{
    const char *s = strrchr(line, ')') + 2;
    for (int i = 3; i < n; i++) {
        s = strchr(s, ' ') + 1;
    }
    return strtoull(s, NULL, 10);
}

int main(int argc, char **argv)
{
    char line[1024], path[64], maps[65536], cmdline[4096];
    int local = 0;
    read_file("/proc/self/stat", line, sizeof(line));
    char *name = strchr(line, '(');
    printf("name %.*s state %c\n", (int)(strrchr(line, ')') - name + 1), name,
           strrchr(line, ')')[2]);
    printf("pid field is getpid: %d\n", atoi(line) == getpid());
    printf("ppid field is getppid: %d\n", (int)stat_field(line, 4) == getppid());
    unsigned long long code0 = stat_field(line, 26), code1 = stat_field(line, 27);
    unsigned long long stack = stat_field(line, 28), brk0 = stat_field(line, 47);
    unsigned long long m = (unsigned long long)(uintptr_t)main;
    printf("startcode <= main < endcode: %d\n", code0 <= m && m < code1);
    unsigned long long lo = 0, hi = 0;
    read_file("/proc/self/maps", maps, sizeof(maps));
    for (char *l = strtok(maps, "\n"); l; l = strtok(NULL, "\n")) {
        if (strstr(l, "[stack]")) {
            sscanf(l, "%llx-%llx", &lo, &hi);
        }
    }
    printf("startstack in [stack]: %d, above a local: %d\n", stack >= lo && stack < hi,
           stack > (unsigned long long)(uintptr_t)&local);
    char *heap = malloc(16);
    printf("start_brk <= a small malloc: %d\n", brk0 && brk0 <= (unsigned long long)(uintptr_t)heap);
    snprintf(path, sizeof(path), "/proc/%d/stat", getpid());
    char line2[1024];
    read_file(path, line2, sizeof(line2));
    printf("/proc/PID/stat has the same name and startstack: %d\n",
           strncmp(strchr(line2, '('), name, (size_t)(strrchr(line, ')') - name)) == 0 &&
           stat_field(line2, 28) == stack);
    int n = read_file("/proc/self/cmdline", cmdline, sizeof(cmdline));
    int off = 0, same = 1;
    for (int i = 0; i < argc; i++) {
        same &= off < n && strcmp(cmdline + off, argv[i]) == 0;
        off += (int)strlen(argv[i]) + 1;
    }
    printf("cmdline is argv: %d (length %d)\n", same && off == n, n == off);
    return 0;
}

/*
 * -strace: one line per system call, "PID name(arg,arg,...) = result", printed
 * on stderr; the argument kinds come from the ABI's system call table.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "linux-user/user.h"

#define STRACE_STRING_MAX 48

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t size, size_t used, const char *fmt, ...)
{
    if (used >= size) {
        return used;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    return n < 0 ? used : used + (size_t)n;
}

static size_t append_string(UserProcess *p, char *buf, size_t size, size_t used,
                            uint64_t addr)
{
    const char *s = addr ? guest_string(p, addr) : NULL;
    if (!s) {
        return append(buf, size, used, addr ? "0x%" PRIx64 : "NULL", addr);
    }
    used = append(buf, size, used, "\"");
    size_t i;
    for (i = 0; s[i] && i < STRACE_STRING_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            used = append(buf, size, used, "\\n");
        } else if (c == '"' || c == '\\') {
            used = append(buf, size, used, "\\%c", c);
        } else if (c < 0x20 || c >= 0x7f) {
            used = append(buf, size, used, "\\%03o", c);
        } else {
            used = append(buf, size, used, "%c", c);
        }
    }
    return append(buf, size, used, s[i] ? "\"..." : "\"");
}

static size_t append_arg(UserProcess *p, char *buf, size_t size, size_t used,
                         int kind, uint64_t value)
{
    switch (kind) {
    case ARG_INT:
        return append(buf, size, used, "%" PRId64,
                      p->abi->is64 ? (int64_t)value : (int64_t)(int32_t)value);
    case ARG_OCT:
        return append(buf, size, used, "0%" PRIo64, value);
    case ARG_STR:
        return append_string(p, buf, size, used, value);
    case ARG_PTR:
        return value ? append(buf, size, used, "0x%" PRIx64, value)
                     : append(buf, size, used, "NULL");
    default:
        return append(buf, size, used, "0x%" PRIx64, value);
    }
}

void strace_format_call(UserProcess *p, const SyscallEntry *entry, uint64_t nr,
                        const uint64_t *args, char *buf, size_t size)
{
    size_t used = append(buf, size, 0, "%d ", (int)getpid());
    if (!entry) {
        append(buf, size, used, "unknown_syscall_%" PRIu64 "()", nr);
        return;
    }
    used = append(buf, size, used, "%s(", entry->name);
    for (int i = 0; i < 6 && entry->args[i] != ARG_NONE; i++) {
        used = append(buf, size, used, i ? "," : "");
        used = append_arg(p, buf, size, used, entry->args[i], args[i]);
    }
    append(buf, size, used, ")");
}

static bool returns_address(const char *call)
{
    const char *name = strchr(call, ' ');
    name = name ? name + 1 : call;
    return strncmp(name, "mmap", 4) == 0 || strncmp(name, "brk(", 4) == 0 ||
           strncmp(name, "mremap(", 7) == 0;
}

void strace_print_result(UserProcess *p, const char *call, int64_t ret)
{
    if (!p->abi->is64) {
        ret = (int64_t)(int32_t)ret;
    }
    if (ret < 0 && ret >= -4095) {
        fprintf(stderr, "%s = -1 errno=%d (%s)\n", call, (int)-ret, strerror((int)-ret));
    } else if (returns_address(call)) {
        fprintf(stderr, "%s = 0x%" PRIx64 "\n", call,
                p->abi->is64 ? (uint64_t)ret : (uint64_t)(uint32_t)ret);
    } else {
        fprintf(stderr, "%s = %" PRId64 "\n", call, ret);
    }
}

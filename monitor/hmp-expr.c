/*
 * HMP expressions (x, xp, print, memsave...): numbers in C syntax (0x hex,
 * leading 0 octal, decimal), $registers, 'c' characters, the C operators
 * ~ - + * / % + - << >> & ^ | with C's precedence, and parentheses.
 * Registers: the general ones by their 64-, 32-, 16- and 8-bit names, $rip,
 * $eip, $pc (CS base + EIP, the linear address of the next instruction, as
 * QEMU's), $eflags, segment selectors, $cr0-$cr4, $efer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/hmp.h"
#include "target-i386/cpu.h"

typedef struct Parser {
    MonitorHost *h;
    const char *p;
    char *err;
    size_t errlen;
    bool failed;
    int depth;
} Parser;

static const char *const reg64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const reg32[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *const reg16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
static const char *const reg8[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const segs[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

static bool general_register(CPUX86State *env, const char *name, uint64_t *v)
{
    for (int i = 0; i < 16; i++) {
        if (!strcmp(name, reg64[i])) {
            *v = env->regs[i];
            return true;
        }
    }
    for (int i = 0; i < 8; i++) {
        if (!strcmp(name, reg32[i])) {
            *v = (uint32_t)env->regs[i];
            return true;
        }
        if (!strcmp(name, reg16[i])) {
            *v = (uint16_t)env->regs[i];
            return true;
        }
        if (!strcmp(name, reg8[i])) {
            *v = (uint8_t)(env->regs[i & 3] >> (i < 4 ? 0 : 8));
            return true;
        }
    }
    return false;
}

bool hmp_register(MonitorHost *h, const char *name, uint64_t *v)
{
    CPUX86State *env = h->v.env;
    if (general_register(env, name, v)) {
        return true;
    }
    for (int i = 0; i < 6; i++) {
        if (!strcmp(name, segs[i])) {
            *v = env->segs[i].selector;
            return true;
        }
    }
    if (!strcmp(name, "rip")) {
        *v = env->rip;
    } else if (!strcmp(name, "eip")) {
        *v = (uint32_t)env->rip;
    } else if (!strcmp(name, "pc")) {
        *v = env->rip + ((env->hflags & HF_CS64) ? 0 : env->segs[1].base);
    } else if (!strcmp(name, "eflags") || !strcmp(name, "rflags")) {
        *v = x86_cpu_get_eflags(env);
    } else if (!strncmp(name, "cr", 2) && name[2] >= '0' && name[2] <= '4' && !name[3]) {
        *v = env->cr[name[2] - '0'];
    } else if (!strcmp(name, "efer")) {
        *v = env->efer;
    } else {
        return false;
    }
    return true;
}

static void fail(Parser *ps, const char *msg, const char *arg)
{
    if (!ps->failed) {
        snprintf(ps->err, ps->errlen, msg, arg);
        ps->failed = true;
    }
}

static void skip(Parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t') {
        ps->p++;
    }
}

/* At an operator after a space: it belongs to the expression unless a word
 * follows it at once ("memsave 0 16 /tmp/f": the file name, not 16 / tmp). */
static bool operator_here(Parser *ps, char op)
{
    const char *p = ps->p;
    skip(ps);
    if (*ps->p != op) {
        ps->p = p;
        return false;
    }
    char next = ps->p[op == '<' || op == '>' ? 2 : 1];
    if (ps->p != p && (isalpha((unsigned char)next) || next == '/' || next == '.' || next == '_')) {
        ps->p = p;
        return false;
    }
    return true;
}

static int64_t parse_or(Parser *ps);

static int64_t parse_primary(Parser *ps)
{
    skip(ps);
    const char *p = ps->p;
    if (*p == '(') {
        ps->p++;
        int64_t v = parse_or(ps);
        skip(ps);
        if (*ps->p != ')') {
            fail(ps, "')' expected%s", "");
            return 0;
        }
        ps->p++;
        return v;
    }
    if (*p == '$') {
        char name[16];
        size_t n = 0;
        for (p++; isalnum((unsigned char)*p) && n < sizeof(name) - 1; p++) {
            name[n++] = tolower((unsigned char)*p);
        }
        name[n] = 0;
        uint64_t v;
        if (!hmp_register(ps->h, name, &v)) {
            fail(ps, "unknown register '$%s'", name);
            return 0;
        }
        ps->p = p;
        return (int64_t)v;
    }
    if (*p == '\'' && p[1] && p[2] == '\'') {
        ps->p += 3;
        return (unsigned char)p[1];
    }
    if (!isdigit((unsigned char)*p)) {
        fail(ps, *p ? "invalid char in expression: '%.1s'" : "expression expected%s", p);
        return 0;
    }
    char *end;
    uint64_t v = strtoull(p, &end, 0);
    ps->p = end;
    return (int64_t)v;
}

static int64_t parse_unary(Parser *ps)
{
    skip(ps);
    char op = *ps->p;
    if (op == '-' || op == '+' || op == '~') {
        if (++ps->depth > 256) {
            fail(ps, "expression too deep%s", "");
            return 0;
        }
        ps->p++;
        int64_t v = parse_unary(ps);
        ps->depth--;
        return op == '-' ? (int64_t)(0 - (uint64_t)v) : op == '~' ? ~v : v;
    }
    return parse_primary(ps);
}

static int64_t parse_mul(Parser *ps)
{
    int64_t v = parse_unary(ps);
    for (;;) {
        char op = operator_here(ps, '*') ? '*' : operator_here(ps, '/') ? '/' :
                  operator_here(ps, '%') ? '%' : 0;
        if (!op) {
            return v;
        }
        ps->p++;
        int64_t r = parse_unary(ps);
        if (op == '*') {
            v = (int64_t)((uint64_t)v * (uint64_t)r);
        } else if (r == 0) {
            fail(ps, "division by zero%s", "");
            return 0;
        } else {
            /* unsigned, as addresses are */
            v = op == '/' ? (int64_t)((uint64_t)v / (uint64_t)r) : (int64_t)((uint64_t)v % (uint64_t)r);
        }
    }
}

static int64_t parse_add(Parser *ps)
{
    int64_t v = parse_mul(ps);
    for (;;) {
        char op = operator_here(ps, '+') ? '+' : operator_here(ps, '-') ? '-' : 0;
        if (!op) {
            return v;
        }
        ps->p++;
        uint64_t r = (uint64_t)parse_mul(ps);
        v = (int64_t)(op == '+' ? (uint64_t)v + r : (uint64_t)v - r);
    }
}

static int64_t parse_shift(Parser *ps)
{
    int64_t v = parse_add(ps);
    for (;;) {
        char op = operator_here(ps, '<') ? '<' : operator_here(ps, '>') ? '>' : 0;
        const char *p = ps->p;
        if (!op || p[1] != op) {
            return v;
        }
        ps->p += 2;
        uint64_t r = (uint64_t)parse_add(ps) & 63;
        v = (int64_t)(p[0] == '<' ? (uint64_t)v << r : (uint64_t)v >> r);
    }
}

static int64_t parse_binary(Parser *ps, char op, int64_t (*sub)(Parser *ps))
{
    int64_t v = sub(ps);
    for (;;) {
        if (!operator_here(ps, op)) {
            return v;
        }
        ps->p++;
        int64_t r = sub(ps);
        v = op == '&' ? v & r : op == '^' ? v ^ r : v | r;
    }
}

static int64_t parse_and(Parser *ps) { return parse_binary(ps, '&', parse_shift); }
static int64_t parse_xor(Parser *ps) { return parse_binary(ps, '^', parse_and); }

static int64_t parse_or(Parser *ps)
{
    if (++ps->depth > 256) {
        fail(ps, "expression too deep%s", "");
        return 0;
    }
    int64_t v = parse_binary(ps, '|', parse_xor);
    ps->depth--;
    return v;
}

bool hmp_eval(MonitorHost *h, const char **text, int64_t *value, char *err, size_t errlen)
{
    Parser ps = { h, *text, err, errlen, false, 0 };
    *value = parse_or(&ps);
    *text = ps.p;
    return !ps.failed;
}

/*
 * in_asm log: one line per guest instruction with its address, bytes and
 * mnemonic (opcode names from Intel SDM vol. 2D, appendix A opcode maps).
 */
#include <stdio.h>
#include "target-i386/translate.h"

static const char *const one_byte_names[256] = {
    [0x00] = "add", [0x01] = "add", [0x02] = "add", [0x03] = "add", [0x04] = "add", [0x05] = "add",
    [0x08] = "or", [0x09] = "or", [0x0a] = "or", [0x0b] = "or", [0x0c] = "or", [0x0d] = "or",
    [0x10] = "adc", [0x11] = "adc", [0x12] = "adc", [0x13] = "adc", [0x14] = "adc", [0x15] = "adc",
    [0x18] = "sbb", [0x19] = "sbb", [0x1a] = "sbb", [0x1b] = "sbb", [0x1c] = "sbb", [0x1d] = "sbb",
    [0x20] = "and", [0x21] = "and", [0x22] = "and", [0x23] = "and", [0x24] = "and", [0x25] = "and",
    [0x28] = "sub", [0x29] = "sub", [0x2a] = "sub", [0x2b] = "sub", [0x2c] = "sub", [0x2d] = "sub",
    [0x30] = "xor", [0x31] = "xor", [0x32] = "xor", [0x33] = "xor", [0x34] = "xor", [0x35] = "xor",
    [0x38] = "cmp", [0x39] = "cmp", [0x3a] = "cmp", [0x3b] = "cmp", [0x3c] = "cmp", [0x3d] = "cmp",
    [0x50] = "push", [0x51] = "push", [0x52] = "push", [0x53] = "push",
    [0x54] = "push", [0x55] = "push", [0x56] = "push", [0x57] = "push",
    [0x58] = "pop", [0x59] = "pop", [0x5a] = "pop", [0x5b] = "pop",
    [0x5c] = "pop", [0x5d] = "pop", [0x5e] = "pop", [0x5f] = "pop",
    [0x63] = "movsxd", [0x68] = "push", [0x69] = "imul", [0x6a] = "push", [0x6b] = "imul",
    [0x70] = "jo", [0x71] = "jno", [0x72] = "jb", [0x73] = "jae", [0x74] = "je", [0x75] = "jne",
    [0x76] = "jbe", [0x77] = "ja", [0x78] = "js", [0x79] = "jns", [0x7a] = "jp", [0x7b] = "jnp",
    [0x7c] = "jl", [0x7d] = "jge", [0x7e] = "jle", [0x7f] = "jg",
    [0x80] = "grp1", [0x81] = "grp1", [0x83] = "grp1", [0x84] = "test", [0x85] = "test",
    [0x86] = "xchg", [0x87] = "xchg", [0x88] = "mov", [0x89] = "mov", [0x8a] = "mov",
    [0x8b] = "mov", [0x8c] = "mov", [0x8d] = "lea", [0x8e] = "mov", [0x8f] = "pop",
    [0x90] = "nop", [0x98] = "cwde", [0x99] = "cdq", [0x9b] = "fwait", [0x9c] = "pushf",
    [0x9d] = "popf", [0x9e] = "sahf", [0x9f] = "lahf",
    [0xa0] = "mov", [0xa1] = "mov", [0xa2] = "mov", [0xa3] = "mov", [0xa4] = "movs",
    [0xa5] = "movs", [0xa6] = "cmps", [0xa7] = "cmps", [0xa8] = "test", [0xa9] = "test",
    [0xaa] = "stos", [0xab] = "stos", [0xac] = "lods", [0xad] = "lods", [0xae] = "scas",
    [0xaf] = "scas", [0xc0] = "shift", [0xc1] = "shift", [0xc2] = "ret", [0xc3] = "ret",
    [0xc6] = "mov", [0xc7] = "mov", [0xc8] = "enter", [0xc9] = "leave", [0xcc] = "int3",
    [0xcd] = "int", [0xd0] = "shift", [0xd1] = "shift", [0xd2] = "shift", [0xd3] = "shift",
    [0xd7] = "xlat", [0xe0] = "loopne", [0xe1] = "loope", [0xe2] = "loop", [0xe3] = "jrcxz",
    [0xe8] = "call", [0xe9] = "jmp", [0xeb] = "jmp", [0xf4] = "hlt", [0xf5] = "cmc",
    [0xf6] = "grp3", [0xf7] = "grp3", [0xf8] = "clc", [0xf9] = "stc", [0xfc] = "cld",
    [0xfd] = "std", [0xfe] = "grp4", [0xff] = "grp5",
};

static const char *const cond_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
};

static const char *const group_names[][8] = {
    { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" },          /* 80-83 */
    { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" },         /* C0 C1 D0-D3 */
    { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" },     /* F6 F7 */
    { "inc", "dec", "call", "lcall", "jmp", "ljmp", "push", "(bad)" },  /* FE FF */
    { "(bad)", "(bad)", "(bad)", "(bad)", "bt", "bts", "btr", "btc" },  /* 0F BA */
};

/* SSE/SSE2 names by opcode for the common no-prefix / 66 / F3 / F2 forms */
static const char *sse_name(unsigned b, unsigned prefix)
{
    static const struct { uint8_t op; const char *name[4]; } table[] = {
        { 0x10, { "movups", "movupd", "movss", "movsd" } },
        { 0x11, { "movups", "movupd", "movss", "movsd" } },
        { 0x28, { "movaps", "movapd", NULL, NULL } },
        { 0x29, { "movaps", "movapd", NULL, NULL } },
        { 0x2a, { "cvtpi2ps", "cvtpi2pd", "cvtsi2ss", "cvtsi2sd" } },
        { 0x2c, { "cvttps2pi", "cvttpd2pi", "cvttss2si", "cvttsd2si" } },
        { 0x2d, { "cvtps2pi", "cvtpd2pi", "cvtss2si", "cvtsd2si" } },
        { 0x2e, { "ucomiss", "ucomisd", NULL, NULL } },
        { 0x2f, { "comiss", "comisd", NULL, NULL } },
        { 0x54, { "andps", "andpd", NULL, NULL } },
        { 0x57, { "xorps", "xorpd", NULL, NULL } },
        { 0x58, { "addps", "addpd", "addss", "addsd" } },
        { 0x59, { "mulps", "mulpd", "mulss", "mulsd" } },
        { 0x5c, { "subps", "subpd", "subss", "subsd" } },
        { 0x5e, { "divps", "divpd", "divss", "divsd" } },
        { 0x60, { NULL, "punpcklbw", NULL, NULL } },
        { 0x6c, { NULL, "punpcklqdq", NULL, NULL } },
        { 0x6e, { NULL, "movd", NULL, NULL } },
        { 0x6f, { NULL, "movdqa", "movdqu", NULL } },
        { 0x70, { NULL, "pshufd", "pshufhw", "pshuflw" } },
        { 0x74, { NULL, "pcmpeqb", NULL, NULL } },
        { 0x7e, { NULL, "movd", "movq", NULL } },
        { 0x7f, { NULL, "movdqa", "movdqu", NULL } },
        { 0xd4, { NULL, "paddq", NULL, NULL } },
        { 0xd6, { NULL, "movq", NULL, NULL } },
        { 0xd7, { NULL, "pmovmskb", NULL, NULL } },
        { 0xda, { NULL, "pminub", NULL, NULL } },
        { 0xdb, { NULL, "pand", NULL, NULL } },
        { 0xeb, { NULL, "por", NULL, NULL } },
        { 0xef, { NULL, "pxor", NULL, NULL } },
        { 0xf8, { NULL, "psubb", NULL, NULL } },
    };
    int column = (prefix & PREFIX_REPNZ) ? 3 : (prefix & PREFIX_REPZ) ? 2 :
                 (prefix & PREFIX_DATA) ? 1 : 0;

    for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].op == b && table[i].name[column]) {
            return table[i].name[column];
        }
    }
    return "(sse)";
}

/* "name" or, with REX.W, "name64" (the 64-bit save-area forms) */
static const char *wide_form(const char *name, bool w, char *buf, size_t size)
{
    if (!w) {
        return name;
    }
    snprintf(buf, size, "%s64", name);
    return buf;
}

/* 0F AE (SDM vol. 2D, table A-6, group 15) */
static const char *group15_name(unsigned prefix, uint8_t modrm, bool w, char *buf, size_t size)
{
    static const char *const memory[8] = {
        "fxsave", "fxrstor", "ldmxcsr", "stmxcsr", "xsave", "xrstor", "xsaveopt", "clflush",
    };
    static const char *const fsgs[4] = { "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase" };
    int reg = (modrm >> 3) & 7;

    if ((modrm >> 6) == 3) {
        if (prefix & PREFIX_REPZ) {
            return reg < 4 ? fsgs[reg] : "(bad)";
        }
        return reg == 5 ? "lfence" : reg == 6 ? "mfence" : reg == 7 ? "sfence" : "(bad)";
    }
    if ((prefix & PREFIX_DATA) && reg >= 6) {
        return reg == 6 ? "clwb" : "clflushopt";
    }
    if ((prefix & PREFIX_REPZ) && reg == 4) {
        return "ptwrite";
    }
    return reg == 2 || reg == 3 || reg == 7 ? memory[reg] : wide_form(memory[reg], w, buf, size);
}

/* 0F C7 (group 9): CMPXCHG8B/16B, the XSAVES family, RDRAND, RDSEED */
static const char *group9_name(unsigned prefix, uint8_t modrm, bool w, char *buf, size_t size)
{
    int reg = (modrm >> 3) & 7;

    if ((modrm >> 6) == 3) {
        if (reg == 7 && (prefix & PREFIX_REPZ)) {
            return "rdpid";
        }
        return reg == 6 ? "rdrand" : reg == 7 ? "rdseed" : "(bad)";
    }
    switch (reg) {
    case 1: return w ? "cmpxchg16b" : "cmpxchg8b";
    case 3: return wide_form("xrstors", w, buf, size);
    case 4: return wide_form("xsavec", w, buf, size);
    case 5: return wide_form("xsaves", w, buf, size);
    case 6: return prefix & PREFIX_DATA ? "vmclear" : prefix & PREFIX_REPZ ? "vmxon" : "vmptrld";
    case 7: return "vmptrst";
    default: return "(bad)";
    }
}

/* 0F 01 (group 7): descriptor tables, XGETBV/XSETBV and the register forms */
static const char *group7_name(uint8_t modrm)
{
    static const char *const memory[8] = {
        "sgdt", "sidt", "lgdt", "lidt", "smsw", "(bad)", "lmsw", "invlpg",
    };
    static const struct { uint8_t modrm; const char *name; } registers[] = {
        { 0xc1, "vmcall" }, { 0xc8, "monitor" }, { 0xc9, "mwait" }, { 0xca, "clac" },
        { 0xcb, "stac" }, { 0xd0, "xgetbv" }, { 0xd1, "xsetbv" }, { 0xd5, "xend" },
        { 0xd6, "xtest" }, { 0xee, "rdpkru" }, { 0xef, "wrpkru" }, { 0xf8, "swapgs" },
        { 0xf9, "rdtscp" },
    };

    if ((modrm >> 6) != 3) {
        return memory[(modrm >> 3) & 7];
    }
    if ((modrm & 0xf8) == 0xe0) {
        return "smsw";
    }
    if ((modrm & 0xf8) == 0xf0) {
        return "lmsw";
    }
    for (unsigned i = 0; i < sizeof(registers) / sizeof(registers[0]); i++) {
        if (registers[i].modrm == modrm) {
            return registers[i].name;
        }
    }
    return "(bad)";
}

static const char *two_byte_name(unsigned b, unsigned prefix, uint8_t modrm, bool w, char *buf,
                                 size_t size)
{
    int reg = (modrm >> 3) & 7;

    if ((b >= 0x40 && b < 0x50) || (b >= 0x80 && b < 0xa0)) {
        const char *base = b < 0x50 ? "cmov" : b < 0x90 ? "j" : "set";
        snprintf(buf, size, "%s%s", base, cond_names[b & 15]);
        return buf;
    }
    if (b >= 0xc8 && b <= 0xcf) {
        return "bswap";
    }
    switch (b) {
    case 0x05: return "syscall";
    case 0x0b: return "ud2";
    case 0x0d: case 0x18: return "prefetch";
    case 0x1e: return prefix & PREFIX_REPZ ? "endbr" : "nop";
    case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1f: return "nop";
    case 0x31: return "rdtsc";
    case 0xa0: case 0xa8: return "push";
    case 0xa1: case 0xa9: return "pop";
    case 0xa2: return "cpuid";
    case 0xa3: return "bt";
    case 0xa4: case 0xa5: return "shld";
    case 0xab: return "bts";
    case 0xac: case 0xad: return "shrd";
    case 0x01: return group7_name(modrm);
    case 0xae: return group15_name(prefix, modrm, w, buf, size);
    case 0xaf: return "imul";
    case 0xb0: case 0xb1: return "cmpxchg";
    case 0xb3: return "btr";
    case 0xb6: case 0xb7: return "movzx";
    case 0xb8: return "popcnt";
    case 0xba: return group_names[4][reg & 7];
    case 0xbb: return "btc";
    case 0xbc: return prefix & PREFIX_REPZ ? "tzcnt" : "bsf";
    case 0xbd: return prefix & PREFIX_REPZ ? "lzcnt" : "bsr";
    case 0xbe: case 0xbf: return "movsx";
    case 0xc0: case 0xc1: return "xadd";
    case 0xc7: return group9_name(prefix, modrm, w, buf, size);
    default: return sse_name(b, prefix);
    }
}

/* x87 escapes by ModRM (SDM vol. 2D, tables) */
static const char *x87_name(unsigned op, uint8_t modrm)
{
    static const char *const memory[8][8] = {
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", NULL, "fst", "fstp", "fldenv", "fldcw", "fnstenv", "fnstcw" },
        { "fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr" },
        { "fild", "fisttp", "fist", "fistp", NULL, "fld", NULL, "fstp" },
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", "fisttp", "fst", "fstp", "frstor", NULL, "fnsave", "fnstsw" },
        { "fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr" },
        { "fild", "fisttp", "fist", "fistp", "fbld", "fild", "fbstp", "fistp" },
    };
    static const char *const registers[8][8] = {
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", "fxch", "fnop", NULL, NULL, NULL, NULL, NULL },
        { "fcmovb", "fcmove", "fcmovbe", "fcmovu", NULL, "fucompp", NULL, NULL },
        { "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu", NULL, "fucomi", "fcomi", NULL },
        { "fadd", "fmul", "fcom", "fcomp", "fsubr", "fsub", "fdivr", "fdiv" },
        { "ffree", NULL, "fst", "fstp", "fucom", "fucomp", NULL, NULL },
        { "faddp", "fmulp", NULL, "fcompp", "fsubrp", "fsubp", "fdivrp", "fdivp" },
        { NULL, NULL, NULL, NULL, "fnstsw", "fucomip", "fcomip", NULL },
    };
    static const char *const d9_group[32] = {
        "fchs", "fabs", NULL, NULL, "ftst", "fxam", NULL, NULL,
        "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
        "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp",
        "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos",
    };
    int reg = (modrm >> 3) & 7;
    const char *name;

    if ((modrm >> 6) != 3) {
        name = memory[op & 7][reg];
    } else if (op == 0xd9 && modrm >= 0xe0) {
        name = d9_group[modrm - 0xe0];
    } else if (op == 0xdb && (modrm == 0xe2 || modrm == 0xe3)) {
        name = modrm == 0xe2 ? "fnclex" : "fninit";
    } else {
        name = registers[op & 7][reg];
    }
    return name ? name : "(bad)";
}

static const char *one_byte_name(DisasContext *s, unsigned op, int reg, char *buf, size_t size)
{
    const char *rep = (s->prefix & PREFIX_REPNZ) ? "repne " : (s->prefix & PREFIX_REPZ) ? "rep " : "";

    if (op >= 0x70 && op < 0x80) {
        snprintf(buf, size, "j%s", cond_names[op & 15]);
        return buf;
    }
    if (op >= 0xa4 && op <= 0xaf && op != 0xa8 && op != 0xa9) {
        snprintf(buf, size, "%s%s", rep, one_byte_names[op]);
        return buf;
    }
    switch (op) {
    case 0x80: case 0x81: case 0x82: case 0x83: return group_names[0][reg];
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: return group_names[1][reg];
    case 0xf6: case 0xf7: return group_names[2][reg];
    case 0xfe: case 0xff: return group_names[3][reg];
    case 0x90: return (s->prefix & PREFIX_REPZ) ? "pause" : s->rex_b ? "xchg" : "nop";
    default:
        if (op >= 0xb0 && op <= 0xbf) {
            return "mov";
        }
        if (op >= 0x91 && op <= 0x97) {
            return "xchg";
        }
        if (op >= 0x40 && op < 0x50 && !s->code64) {
            return op < 0x48 ? "inc" : "dec";
        }

        return one_byte_names[op] ? one_byte_names[op] : "(bad)";
    }
}

void x86_log_insn(DisasContext *s, FILE *out)
{
    uint8_t bytes[16];
    unsigned len = s->pc - s->pc_start, i, op = 0;
    const char *name = s->mnemonic;
    char buf[32];

    if (len > sizeof(bytes)) {
        len = sizeof(bytes);
    }
    /* the bytes are at the linear address CS.base + offset; the line shows that
     * address, as the block key does */
    uint64_t linear = x86_code_linear(s, s->pc_start);
    if (!translator_read_code(s->exec, linear, bytes, len)) {
        len = 0;
    }
    fprintf(out, s->code64 ? "0x%016llx:  " : "0x%08llx:  ", (unsigned long long)linear);
    for (i = 0; i < len; i++) {
        fprintf(out, "%02x ", bytes[i]);
    }
    for (; i < 12; i++) {
        fputs("   ", out);
    }
    /* skip prefixes to find the opcode */
    for (i = 0; i < len; i++) {
        uint8_t b = bytes[i];
        if (b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 ||
            b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
            (s->code64 && (b & 0xf0) == 0x40)) {
            continue;
        }
        op = b;
        break;
    }
    if (!name) {
        if (op >= 0xd8 && op <= 0xdf && i + 1 < len) {
            name = x87_name(op, bytes[i + 1]);
        } else if (op == 0x0f && i + 1 < len) {
            uint8_t modrm = i + 2 < len ? bytes[i + 2] : 0;
            name = two_byte_name(bytes[i + 1], s->prefix, modrm, s->rex_w, buf, sizeof(buf));
        } else {
            int reg = i + 1 < len ? (bytes[i + 1] >> 3) & 7 : 0;
            name = one_byte_name(s, op, reg, buf, sizeof(buf));
        }
    }
    fprintf(out, " %s%s\n", (s->prefix & PREFIX_LOCK) ? "lock " : "", name);
}

/*
 * The guest's /proc/cpuinfo: the emulated CPU as Linux describes one
 * (arch/x86/kernel/cpu/proc.c, show_cpuinfo), from the CPUID the guest sees,
 * with the flag names of arch/x86/include/asm/cpufeatures.h. One processor:
 * the guest runs on one (sched_getaffinity says so too, syscall-proc.c).
 */
#include <string.h>
#include "linux-user/user.h"

typedef struct CpuFlag {
    uint32_t leaf;
    uint8_t reg;                    /* 0 eax, 1 ebx, 2 ecx, 3 edx */
    uint8_t bit;
    const char *name;
} CpuFlag;

/* in Linux's order: leaf 1 EDX, 0x80000001 EDX, leaf 1 ECX, 0x80000001 ECX, leaf 7 */
static const CpuFlag cpu_flags[] = {
    { 1, 3, 0, "fpu" }, { 1, 3, 1, "vme" }, { 1, 3, 2, "de" }, { 1, 3, 3, "pse" },
    { 1, 3, 4, "tsc" }, { 1, 3, 5, "msr" }, { 1, 3, 6, "pae" }, { 1, 3, 7, "mce" },
    { 1, 3, 8, "cx8" }, { 1, 3, 9, "apic" }, { 1, 3, 11, "sep" }, { 1, 3, 12, "mtrr" },
    { 1, 3, 13, "pge" }, { 1, 3, 14, "mca" }, { 1, 3, 15, "cmov" }, { 1, 3, 16, "pat" },
    { 1, 3, 17, "pse36" }, { 1, 3, 19, "clflush" }, { 1, 3, 23, "mmx" }, { 1, 3, 24, "fxsr" },
    { 1, 3, 25, "sse" }, { 1, 3, 26, "sse2" }, { 1, 3, 28, "ht" },
    { 0x80000001, 3, 11, "syscall" }, { 0x80000001, 3, 20, "nx" },
    { 0x80000001, 3, 22, "mmxext" }, { 0x80000001, 3, 26, "pdpe1gb" },
    { 0x80000001, 3, 27, "rdtscp" }, { 0x80000001, 3, 29, "lm" },
    { 1, 2, 0, "pni" }, { 1, 2, 1, "pclmulqdq" }, { 1, 2, 9, "ssse3" }, { 1, 2, 12, "fma" },
    { 1, 2, 13, "cx16" }, { 1, 2, 19, "sse4_1" }, { 1, 2, 20, "sse4_2" }, { 1, 2, 22, "movbe" },
    { 1, 2, 23, "popcnt" }, { 1, 2, 25, "aes" }, { 1, 2, 26, "xsave" }, { 1, 2, 28, "avx" },
    { 1, 2, 29, "f16c" }, { 1, 2, 30, "rdrand" },
    { 0x80000001, 2, 0, "lahf_lm" }, { 0x80000001, 2, 5, "abm" },
    { 0x80000001, 2, 6, "sse4a" }, { 0x80000001, 2, 8, "3dnowprefetch" },
    { 7, 1, 0, "fsgsbase" }, { 7, 1, 3, "bmi1" }, { 7, 1, 5, "avx2" }, { 7, 1, 8, "bmi2" },
    { 7, 1, 9, "erms" }, { 7, 1, 18, "rdseed" }, { 7, 1, 19, "adx" },
    { 7, 1, 23, "clflushopt" }, { 7, 1, 29, "sha_ni" },
    { 7, 2, 22, "rdpid" }, { 7, 3, 4, "fsrm" },
};

/* CPUID as the guest would run it; its registers are left as they were. */
static void guest_cpuid(CPUX86State *env, uint32_t leaf, uint32_t out[4])
{
    uint64_t saved[4] = { env->regs[R_EAX], env->regs[R_EBX], env->regs[R_ECX],
                          env->regs[R_EDX] };
    env->regs[R_EAX] = leaf;
    env->regs[R_ECX] = 0;
    helper_cpuid(env);
    out[0] = (uint32_t)env->regs[R_EAX];
    out[1] = (uint32_t)env->regs[R_EBX];
    out[2] = (uint32_t)env->regs[R_ECX];
    out[3] = (uint32_t)env->regs[R_EDX];
    env->regs[R_EAX] = saved[0];
    env->regs[R_EBX] = saved[1];
    env->regs[R_ECX] = saved[2];
    env->regs[R_EDX] = saved[3];
}

static bool flag_set(CPUX86State *env, const CpuFlag *f, uint32_t max_leaf, uint32_t max_ext)
{
    uint32_t r[4];
    if ((f->leaf < 0x80000000 && f->leaf > max_leaf) ||
        (f->leaf >= 0x80000000 && f->leaf > max_ext)) {
        return false;
    }
    guest_cpuid(env, f->leaf, r);
    return (r[f->reg] >> f->bit) & 1;
}

void procfs_write_cpuinfo(UserProcess *p, FILE *out)
{
    CPUX86State *env = p->env;
    uint32_t r[4], max_ext;
    char vendor[13], brand[49];
    guest_cpuid(env, 0, r);
    uint32_t max_leaf = r[0];
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = '\0';
    guest_cpuid(env, 0x80000000, r);
    max_ext = r[0];
    memset(brand, 0, sizeof(brand));
    for (uint32_t i = 0; i < 3 && 0x80000002 + i <= max_ext; i++) {
        guest_cpuid(env, 0x80000002 + i, r);
        memcpy(brand + 16 * i, r, 16);
    }
    guest_cpuid(env, 1, r);
    unsigned family = (r[0] >> 8) & 0xf, model = (r[0] >> 4) & 0xf, stepping = r[0] & 0xf;
    if (family == 0xf) {
        family += (r[0] >> 20) & 0xff;
    }
    if (family >= 6) {
        model += ((r[0] >> 16) & 0xf) << 4;
    }
    unsigned clflush = ((r[1] >> 8) & 0xff) * 8;
    fprintf(out, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
            "model name\t: %s\nstepping\t: %u\nphysical id\t: 0\nsiblings\t: 1\n"
            "core id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
            "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
            vendor, family, model, brand, stepping, max_leaf);
    for (size_t i = 0; i < sizeof(cpu_flags) / sizeof(cpu_flags[0]); i++) {
        if (flag_set(env, &cpu_flags[i], max_leaf, max_ext)) {
            fprintf(out, " %s", cpu_flags[i].name);
        }
    }
    fprintf(out, "\nclflush size\t: %u\ncache_alignment\t: %u\n", clflush, clflush);
    if (max_ext >= 0x80000008) {
        guest_cpuid(env, 0x80000008, r);
        fprintf(out, "address sizes\t: %u bits physical, %u bits virtual\n", r[0] & 0xff,
                (r[0] >> 8) & 0xff);
    }
    fputc('\n', out);
}

/*
 * The x87 last-instruction pointers (Intel SDM vol. 1, 8.1.8-8.1.10; AMD
 * APM vol. 1, 6.4.4), printed for a native/emulated comparison: FOP, FIP,
 * FCS, FDP and FDS as FNSTENV stores them (32- and 16-bit forms) after
 * x87 instructions with and without memory operands (segment override
 * included), after the control instructions that leave them alone, after
 * FLDENV/FRSTOR of an image with chosen pointers; and as FXSAVE (and
 * FXSAVE64, XSAVE) stores them with and without a pending unmasked
 * exception (an AMD processor saves them only with FSW.ES = 1).
 * The program is static and uses only static data, so code and data
 * addresses are the same natively and emulated.
 * Usage: guest-fpptr
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static double one = 1.0, zero = 0.0, scratch;
static int32_t ival = 3;
static uint32_t env[7];
static uint16_t env16[7];
static uint8_t area[1024] __attribute__((aligned(64)));
__thread double tls_val __attribute__((used)) = 2.0;
static uint16_t cw_unmask_ze = 0x37b;

static void show(const char *what)
{
    printf("%-14s fip=%08x fcs=%04x fop=%03x fdp=%08x fds=%04x high=%04x,%04x\n", what, env[3],
           env[4] & 0xffff, env[4] >> 16, env[5], env[6] & 0xffff, env[6] >> 16,
           env[2] >> 16);
}

/* an x87 sequence, then FNSTENV */
#define AFTER(name, insns) do { \
    __asm__ volatile("fninit\n\t" insns "\n\tfnstenv %0\n\tfninit" \
                     : "=m"(env), "=m"(scratch) : "m"(one), "m"(ival) : "memory"); \
    show(name); \
} while (0)

static void basic(void)
{
    AFTER("fld m64", "fldl %2");
    AFTER("fld then sqrt", "fldl %2\n\tfsqrt");
    AFTER("fiadd m32", "fld1\n\tfiaddl %3");
    AFTER("fadd st", "fldl %2\n\tfld1\n\tfadd %%st(1), %%st");
    AFTER("fstp m64", "fld1\n\tfstpl %1");
    AFTER("fcomp m64", "fld1\n\tfcompl %2");
    AFTER("fucomip", "fld1\n\tfld1\n\tfucomip %%st(1), %%st");
    AFTER("fsin", "fldl %2\n\tfsin");
    AFTER("fxch", "fldl %2\n\tfld1\n\tfxch");
    AFTER("fnclex", "fldl %2\n\tfsqrt\n\tfnclex");
    AFTER("fldcw", "fldl %2\n\tfsqrt\n\tfnstcw %1\n\tfldcw %1");
    AFTER("fnstsw", "fldl %2\n\tfsqrt\n\tfnstsw %%ax");
    AFTER("fwait", "fldl %2\n\tfsqrt\n\tfwait");
    AFTER("fnop", "fldl %2\n\tfsqrt\n\tfnop");
    AFTER("ffree", "fldl %2\n\tfld1\n\tffree %%st(1)");
    AFTER("fincstp", "fldl %2\n\tfsqrt\n\tfincstp");
    AFTER("fdecstp", "fldl %2\n\tfsqrt\n\tfdecstp");
    AFTER("fninit", "fldl %2\n\tfsqrt\n\tfninit");
    AFTER("fbld", "fldl %2\n\tfbld %2");
    AFTER("fisttp", "fldl %2\n\tfisttpl %3");
}

/* a TLS operand: FDP is the offset in the segment, FDS its selector */
static void segment_override(void)
{
#ifdef __x86_64__
    __asm__ volatile("fninit\n\tfldl %%fs:tls_val@tpoff\n\tfnstenv %0\n\tfninit" : "=m"(env));
#else
    __asm__ volatile("fninit\n\tfldl %%gs:tls_val@ntpoff\n\tfnstenv %0\n\tfninit" : "=m"(env));
#endif
    show("fld tls");
}

/* the 16-bit form: FIP and FDP offsets, FCS and FDS, no FOP */
static void env16_form(void)
{
    __asm__ volatile("fninit\n\tfldl %1\n\tfsqrt\n\tdata16 fnstenv %0\n\tfninit"
                     : "=m"(env16) : "m"(one));
    printf("16-bit env     cw=%04x sw=%04x tw=%04x fip=%04x fcs=%04x fdp=%04x fds=%04x\n",
           env16[0], env16[1], env16[2], env16[3], env16[4], env16[5], env16[6]);
}

/* FLDENV and FRSTOR load the pointers from the image */
static void load_image(void)
{
    uint32_t image[7] = { 0xffff037f, 0xffff0000, 0xffffffff, 0x12345678, 0x07ff0000 | 0x1234,
                          0x9abcdef0, 0xffff4321 };
    uint8_t save[108];
    __asm__ volatile("fninit\n\tfldenv %1\n\tfnstenv %0\n\tfninit" : "=m"(env) : "m"(image));
    show("fldenv");
    memset(save, 0, sizeof(save));
    memcpy(save, image, sizeof(image));
    __asm__ volatile("fninit\n\tfrstor %1\n\tfnstenv %0\n\tfninit" : "=m"(env) : "m"(save));
    show("frstor");
    __asm__ volatile("fninit\n\tfldenv %1\n\tfld1\n\tfnstenv %0\n\tfninit" : "=m"(env) : "m"(image));
    show("fldenv fld1");
}

static void show_area(const char *what)
{
    uint32_t w[6];
    memcpy(w, area, sizeof(w));
    printf("%-14s fcw=%04x fsw=%04x ftw=%02x fop=%03x ip=%08x,%08x dp=%08x,%08x\n", what,
           w[0] & 0xffff, w[0] >> 16, w[1] & 0xff, w[1] >> 16, w[2], w[3], w[4], w[5]);
}

/* FXSAVE/XSAVE: with FSW.ES = 0 and = 1 (fdiv by zero with ZE unmasked:
 * no waiting instruction follows before the save, so no #MF) */
#define SAVE(name, setup, save) do { \
    memset(area, 0xa5, sizeof(area)); \
    __asm__ volatile("fninit\n\t" setup "\n\t" save "\n\tfnclex\n\tfninit" \
                     : "=m"(area) : "m"(one), "m"(zero), "m"(cw_unmask_ze) : "rax", "rdx"); \
    show_area(name); \
} while (0)
#define NO_ES "fldl %1\n\tfsqrt"
#define ES "fldcw %3\n\tfld1\n\tfdivl %2"
#define XSAVE(insn) "xor %%edx, %%edx\n\tmov $3, %%eax\n\t" insn " %0"

#ifndef __x86_64__
#define rax eax
#define rdx edx
#endif
static void fxsave_forms(void)
{
    SAVE("fxsave", NO_ES, "fxsave %0");
    SAVE("fxsave ES", ES, "fxsave %0");
    SAVE("xsave", NO_ES, XSAVE("xsave"));
    SAVE("xsave ES", ES, XSAVE("xsave"));
#ifdef __x86_64__
    SAVE("fxsave64", NO_ES, "fxsave64 %0");
    SAVE("fxsave64 ES", ES, "fxsave64 %0");
    SAVE("xsave64 ES", ES, XSAVE("xsave64"));
#endif
    /* FXRSTOR: an image with ES set loads the pointers, without clears them */
    SAVE("fxrstor ES", ES, "fxsave %0\n\tfnclex\n\tfninit\n\tfxrstor %0\n\tfnstenv %0");
    memcpy(env, area, sizeof(env));
    show("fxrstor ES");
    SAVE("fxrstor", NO_ES, "fxsave %0\n\tfxrstor %0\n\tfnstenv %0");
    memcpy(env, area, sizeof(env));
    show("fxrstor");
}

int main(void)
{
    basic();
    segment_override();
    env16_form();
    load_image();
    fxsave_forms();
    return 0;
}

/*
 * x86 CPU state set-up: the user-mode process start state (Linux's, on top of
 * the architectural values of Intel SDM vol. 3A, 9.1.1), the system-mode RESET
 * state (9.1.1), hflags, the INTR/NMI/A20 inputs and the register dump.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "target-i386/translate.h"

void x86_cpu_reset_user(CPUX86State *env, bool long_mode)
{
    CPUExec *exec = env->exec;
    struct X86Globals *globals = env->tcg_globals;

    memset(env, 0, sizeof(*env));
    env->exec = exec;
    env->tcg_globals = globals;
    env->cc_op = CC_OP_EFLAGS;
    env->cc_src = 0;
    env->df = 1;
    env->eflags = 0x202;     /* IF set, bit 1 reserved as 1 */
    env->mxcsr = 0x1f80;
    env->fpuc = 0x37f;
    memset(env->fptags, 1, sizeof(env->fptags));
    for (int i = 0; i < 6; i++) {
        env->segs[i].limit = 0xffffffff;
        env->segs[i].flags = 0x00cf9300;   /* flat 4 GiB data, DPL 3 set below */
    }
    /* Linux user selectors: __USER_CS / __USER_DS (arch/x86/include/asm/segment.h) */
    if (long_mode) {
        env->hflags = HF_CS64 | HF_LMA | HF_CS32 | HF_SS32 | (3u << HF_CPL_SHIFT);
        env->segs[R_CS].selector = 0x33;
        env->segs[R_SS].selector = 0x2b;
        env->segs[R_DS].selector = 0;
        env->segs[R_ES].selector = 0;
    } else {
        env->hflags = HF_CS32 | HF_SS32 | (3u << HF_CPL_SHIFT);
        env->segs[R_CS].selector = 0x23;
        env->segs[R_SS].selector = 0x2b;
        env->segs[R_DS].selector = 0x2b;
        env->segs[R_ES].selector = 0x2b;
    }
    env->cr[0] = 0x80000033;  /* PG, NE, ET, MP, PE */
    env->cr[4] = 0x600;       /* OSFXSR, OSXMMEXCPT */
}

/* ---------------------------------------------------------------- system mode */

int x86_cpu_mmu_index(const CPUX86State *env)
{
    return ((env->hflags & HF_CPL_MASK) >> HF_CPL_SHIFT) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}

static void reset_segment(SegmentCache *sc, uint32_t selector, uint64_t base, uint32_t flags)
{
    sc->selector = selector;
    sc->base = base;
    sc->limit = 0xffff;
    sc->flags = flags;
}

/* the extensions quetzal and max have; qemu64 keeps QEMU's qemu64 set (none
 * of them) */
#define X86_FEATURES_ALL ((1u << X86_FEAT_SSE41) | (1u << X86_FEAT_SSE42) | \
                          (1u << X86_FEAT_AES) | (1u << X86_FEAT_PCLMULQDQ) | \
                          (1u << X86_FEAT_MOVBE) | (1u << X86_FEAT_BMI1) | \
                          (1u << X86_FEAT_BMI2) | (1u << X86_FEAT_ADX) | \
                          (1u << X86_FEAT_SHA) | (1u << X86_FEAT_XSAVE) | \
                          (1u << X86_FEAT_AVX) | (1u << X86_FEAT_AVX2) | \
                          (1u << X86_FEAT_FMA) | (1u << X86_FEAT_F16C))

static const X86CPUModel cpu_models[] = {
    /* family 15, model 107, stepping 1: QEMU's qemu64 */
    { "qemu64", "AuthenticAMD", 0x00060fb1, "Quetzal Virtual CPU (qemu64)", 0 },
    /* family 6, model 1, stepping 0 (SDM vol. 2A, CPUID figure 3-6) */
    { "quetzal", "QuetzalQuetz", 0x00000610, "Quetzal Virtual x86-64 CPU", X86_FEATURES_ALL },
    /* AMD family 6, model 6, stepping 3, as QEMU's TCG "max": glibc reads the
     * feature leaves only for the vendors it knows (an unknown vendor gets no
     * CPUID.1 features and ld.so refuses libc as above the CPU's ISA level) */
    { "max", "AuthenticAMD", 0x00000663, "Quetzal Virtual CPU (max)", X86_FEATURES_ALL },
    { "base", "QuetzalQuetz", 0x00000610, "Quetzal Virtual x86-64 CPU" },
};

/* the extensions as QEMU names them in -cpu MODEL,+NAME,-NAME,NAME=on|off */
static const char *const feature_names[] = {
    [X86_FEAT_SSE41] = "sse4.1", [X86_FEAT_SSE42] = "sse4.2", [X86_FEAT_AES] = "aes",
    [X86_FEAT_PCLMULQDQ] = "pclmulqdq", [X86_FEAT_MOVBE] = "movbe", [X86_FEAT_BMI1] = "bmi1",
    [X86_FEAT_BMI2] = "bmi2", [X86_FEAT_ADX] = "adx", [X86_FEAT_SHA] = "sha-ni",
    [X86_FEAT_AVX] = "avx", [X86_FEAT_AVX2] = "avx2", [X86_FEAT_FMA] = "fma",
    [X86_FEAT_F16C] = "f16c",
    [X86_FEAT_XSAVE] = "xsave",
};

/* the feature called name (len bytes; QEMU also spells sse4.1 as sse4_1), -1 if none */
static int feature_find(const char *name, size_t len)
{
    for (int i = 0; i < (int)(sizeof(feature_names) / sizeof(feature_names[0])); i++) {
        const char *known = feature_names[i];
        bool same = strlen(known) == len;
        for (size_t k = 0; same && k < len; k++) {
            same = name[k] == known[k] || (known[k] == '.' && name[k] == '_');
        }
        if (same) {
            return i;
        }
    }
    return -1;
}

/* applies one ",+name", ",-name", ",name=on" or ",name=off" option; false if unknown */
static bool feature_option(const char *option, size_t len, uint32_t *features)
{
    bool on;
    const char *equals = memchr(option, '=', len);
    if (len > 1 && (option[0] == '+' || option[0] == '-')) {
        on = option[0] == '+';
        option++;
        len--;
    } else if (equals && ((len - (size_t)(equals - option) == 3 && !memcmp(equals, "=on", 3)) ||
                          (len - (size_t)(equals - option) == 4 && !memcmp(equals, "=off", 4)))) {
        on = equals[2] == 'n';
        len = (size_t)(equals - option);
    } else {
        return false;
    }
    int feature = feature_find(option, len);
    if (feature < 0) {
        return false;
    }
    *features = on ? *features | 1u << feature : *features & ~(1u << feature);
    return true;
}

const X86CPUModel *x86_cpu_model_find(const char *name)
{
    const X86CPUModel *model = NULL;
    size_t len;

    if (!name) {
        return &cpu_models[1];
    }
    len = strcspn(name, ",");
    for (size_t i = 0; i < sizeof(cpu_models) / sizeof(cpu_models[0]); i++) {
        if (strlen(cpu_models[i].name) == len && !strncmp(cpu_models[i].name, name, len)) {
            model = &cpu_models[i];
        }
    }
    if (!model || !name[len]) {
        return model;
    }
    /* feature options: a copy of the model with its extensions changed (the
     * caller's, x86_cpu_model_free) */
    uint32_t features = model->features;
    for (const char *option = name + len + 1;; ) {
        size_t option_len = strcspn(option, ",");
        if (!feature_option(option, option_len, &features)) {
            return NULL;
        }
        if (!option[option_len]) {
            break;
        }
        option += option_len + 1;
    }
    X86CPUModel *copy = malloc(sizeof(*copy));
    if (!copy) {
        return NULL;
    }
    *copy = *model;
    copy->features = features;
    return copy;
}

void x86_cpu_model_free(const X86CPUModel *model)
{
    const X86CPUModel *end = cpu_models + sizeof(cpu_models) / sizeof(cpu_models[0]);
    if (model && (model < cpu_models || model >= end)) {
        free((void *)model);
    }
}

/*
 * Power-on / RESET state (Intel SDM vol. 3A, 9.1.1, table 9-1): real mode,
 * CS = F000 with base FFFF0000, IP = FFF0, EFLAGS = 2, CR0 = 60000010, EDX =
 * the processor signature, everything else cleared; what the machine wired in
 * (board hooks, execution state, TLB storage) stays.
 */
void x86_cpu_reset(CPUX86State *env)
{
    CPUExec *exec = env->exec;
    struct X86Globals *globals = env->tcg_globals;
    const struct X86BoardHooks *board = env->board;
    void *board_opaque = env->board_opaque;
    uint32_t apic_id = env->apic_id;
    uint16_t nr_cores = env->nr_cores, nr_threads = env->nr_threads;
    uint32_t system = env->hflags & HF_SYSTEM;
    const X86CPUModel *model = env->model ? env->model : x86_cpu_model_find(NULL);
    const uint32_t data = DESC_P | DESC_S | DESC_W | DESC_A;

    memset(env, 0, offsetof(CPUX86State, tlb));
    env->model = model;
    env->exec = exec;
    env->tcg_globals = globals;
    env->board = board;
    env->board_opaque = board_opaque;
    env->apic_id = apic_id;
    env->nr_cores = nr_cores;
    env->nr_threads = nr_threads;
    env->cc_op = CC_OP_EFLAGS;
    env->df = 1;
    env->eflags = 2;
    env->rip = 0xfff0;
    env->regs[R_EDX] = model->signature;
    env->cr[0] = CR0_CD | CR0_NW | CR0_ET;
    for (int i = 0; i < 6; i++) {
        reset_segment(&env->segs[i], 0, 0, data);
    }
    reset_segment(&env->segs[R_CS], 0xf000, 0xffff0000, data | DESC_CS);
    reset_segment(&env->gdt, 0, 0, 0);
    reset_segment(&env->idt, 0, 0, 0);
    reset_segment(&env->ldt, 0, 0, DESC_P | (2u << DESC_TYPE_SHIFT));
    reset_segment(&env->tr, 0, 0, DESC_P | (11u << DESC_TYPE_SHIFT));
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->fpuc = 0x40;
    memset(env->fptags, 1, sizeof(env->fptags));
    env->mxcsr = 0x1f80;
    env->xcr0 = 1;                       /* x87 only (SDM vol. 1, 13.3) */
    env->pat = 0x0007040600070406ull;
    env->misc_enable = 1;                /* fast strings */
    env->a20_mask_bit = 1;
    env->a20_mask = ~(uint64_t)0;
    env->old_exception = -1;
    env->hflags = system;
    x86_update_hflags(env);
    if (system && exec) {
        tlb_flush(exec);
    }
}

void x86_cpu_init_system(CPUX86State *env, AddressSpace *as)
{
    env->hflags |= HF_SYSTEM;
    cpu_exec_enable_softmmu(env->exec, as, offsetof(CPUX86State, tlb));
    x86_cpu_reset(env);
}

/*
 * hflags from the architectural state. CPL is kept (it changes only through
 * segment loads the helpers make) except where the mode fixes it: 0 in real
 * mode, 3 in virtual-8086 mode (SDM vol. 3A, 5.5, 20.2).
 */
void x86_update_hflags(CPUX86State *env)
{
    uint32_t keep = env->hflags & (HF_SYSTEM | HF_INHIBIT_IRQ | HF_CPL_MASK);
    uint32_t h = keep, cs = env->segs[R_CS].flags;
    uint64_t cr0 = env->cr[0];

    if (!(h & HF_SYSTEM)) {
        return;
    }
    if (env->efer & EFER_LMA) {
        h |= HF_LMA;
    }
    if (cr0 & CR0_PE) {
        h |= HF_PE;
        if (env->eflags & EFL_VM) {
            h = (h & ~HF_CPL_MASK) | HF_VM | (3u << HF_CPL_SHIFT);
        }
    } else {
        h &= ~HF_CPL_MASK;
    }
    if (cr0 & CR0_PG) {
        h |= HF_PG;
    }
    if ((h & HF_LMA) && (cs & DESC_L) && !(h & HF_VM)) {
        h |= HF_CS64 | HF_CS32 | HF_SS32;
    } else {
        if ((h & HF_PE) && !(h & HF_VM)) {
            h |= (cs & DESC_B) ? HF_CS32 : 0;
            h |= (env->segs[R_SS].flags & DESC_B) ? HF_SS32 : 0;
        }
        if (!(h & HF_CS32) || !(h & HF_PE) || (h & HF_VM) ||
            (env->segs[R_DS].base | env->segs[R_ES].base | env->segs[R_SS].base) != 0) {
            h |= HF_ADDSEG;
        }
    }
    h |= ((env->eflags & EFL_IOPL) >> 12) << HF_IOPL_SHIFT;
    h |= (env->eflags & EFL_TF) ? HF_TF : 0;
    h |= (env->cr[4] & CR4_OSFXSR) ? HF_OSFXSR : 0;
    h |= (cr0 & (CR0_EM | CR0_TS)) ? HF_EM_TS : 0;
    h |= (env->cr[4] & CR4_OSXSAVE) && (env->xcr0 & 6) == 6 ? HF_AVX_EN : 0;
    env->hflags = h;
}

void x86_cpu_set_intr(CPUX86State *env, int level)
{
    if (level) {
        cpu_interrupt(env->exec, CPU_INTERRUPT_HARD);
    } else {
        cpu_reset_interrupt(env->exec, CPU_INTERRUPT_HARD);
    }
}

void x86_cpu_nmi(CPUX86State *env)
{
    cpu_interrupt(env->exec, CPU_INTERRUPT_NMI);
}

/* A20 gate: with it off, physical address bit 20 reads as 0 (the 8086 wrap). */
void x86_cpu_set_a20(CPUX86State *env, bool enabled)
{
    if (env->a20_mask_bit == (uint32_t)enabled) {
        return;
    }
    env->a20_mask_bit = enabled;
    env->a20_mask = enabled ? ~(uint64_t)0 : ~(uint64_t)(1u << 20);
    if ((env->hflags & HF_SYSTEM) && env->exec) {
        tlb_flush(env->exec);
    }
}

/* ---------------------------------------------------------------- register dump */

static void dump_seg(FILE *out, const char *name, const SegmentCache *sc, bool wide)
{
    if (wide) {
        fprintf(out, "%-3s=%04x %016llx %08x %08x\n", name, sc->selector & 0xffff,
                (unsigned long long)sc->base, sc->limit, sc->flags);
    } else {
        fprintf(out, "%-3s=%04x %08x %08x %08x\n", name, sc->selector & 0xffff,
                (unsigned)sc->base, sc->limit, sc->flags);
    }
}

static void dump_flags(FILE *out, uint64_t fl)
{
    static const char names[] = "ODITSZ-A-P-C";
    static const int bits[] = { 11, 10, 9, 8, 7, 6, -1, 4, -1, 2, -1, 0 };
    char text[13];

    for (int i = 0; i < 12; i++) {
        text[i] = (bits[i] >= 0 && (fl >> bits[i]) & 1) ? names[i] : '-';
    }
    text[12] = 0;
    fprintf(out, "[%s]", text);
}

void x86_cpu_dump_state(CPUX86State *env, FILE *out)
{
    static const char *const r64[16] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI",
        "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15" };
    static const int order[16] = { 0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15 };
    static const char *const segn[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    bool wide = env->hflags & HF_LMA;
    uint64_t fl = x86_cpu_get_eflags(env);
    int n = wide ? 16 : 8;

    for (int i = 0; i < n; i++) {
        int r = order[i];
        if (wide) {
            fprintf(out, "%-3s=%016llx%s", r64[r], (unsigned long long)env->regs[r],
                    (i & 3) == 3 ? "\n" : " ");
        } else {
            fprintf(out, "E%s=%08x%s", r64[r] + 1, (unsigned)env->regs[r],
                    (i & 3) == 3 ? "\n" : " ");
        }
    }
    fprintf(out, wide ? "RIP=%016llx RFL=%08llx " : "EIP=%08llx EFL=%08llx ",
            (unsigned long long)env->rip, (unsigned long long)fl);
    dump_flags(out, fl);
    fprintf(out, " CPL=%u II=%d A20=%u HLT=%d\n",
            (env->hflags & HF_CPL_MASK) >> HF_CPL_SHIFT, !!(env->hflags & HF_INHIBIT_IRQ),
            env->a20_mask_bit, env->exec ? cpu_is_halted(env->exec) : 0);
    for (int i = 0; i < 6; i++) {
        dump_seg(out, segn[i], &env->segs[i], wide);
    }
    dump_seg(out, "LDT", &env->ldt, wide);
    dump_seg(out, "TR", &env->tr, wide);
    fprintf(out, "GDT=     %016llx %08x\nIDT=     %016llx %08x\n",
            (unsigned long long)env->gdt.base, env->gdt.limit,
            (unsigned long long)env->idt.base, env->idt.limit);
    fprintf(out, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx\n",
            (unsigned long long)env->cr[0], (unsigned long long)env->cr[2],
            (unsigned long long)env->cr[3], (unsigned long long)env->cr[4]);
    for (int i = 0; i < 4; i++) {
        fprintf(out, "DR%d=%016llx ", i, (unsigned long long)env->dr[i]);
    }
    fprintf(out, "\nDR6=%016llx DR7=%016llx\nEFER=%016llx CCO=%u\n",
            (unsigned long long)env->dr[6], (unsigned long long)env->dr[7],
            (unsigned long long)env->efer, env->cc_op);
}

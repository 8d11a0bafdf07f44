/*
 * difftest: the differential CPU test driver. Generates seeded random sequences
 * per instruction group and mode, runs them natively and translated, compares
 * the general registers, the defined arithmetic flags and DF, the xmm registers,
 * the scratch memory and the exception (vector and instruction), and prints one
 * report per failing sequence with its seed and instruction bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "difftest.h"
#include "oracle32.h"
#include "tcg/tcg.h"

typedef struct Options {
    unsigned count;          /* sequences per group and mode */
    unsigned mixed;          /* mixed-group sequences per mode */
    uint64_t seed;
    bool modes[2];           /* [0] 32-bit, [1] 64-bit */
    bool *groups;            /* selected groups */
    bool check_groups;       /* chosen by --groups check (the default) */
    bool *mixed_groups;      /* the groups mixed sequences draw from */
    bool *mixed_groups32;    /* the same less skip32, for 32-bit ones */
    bool replay;
    uint64_t replay_seed;
    int replay_group;
    unsigned max_print;
    bool verbose;
    bool self_check;         /* compare the native side with itself (harness test) */
    bool system;             /* translated side in system mode (a guest at CPL 3) */
    const char *save;        /* write the native results here, compare nothing */
    const char *against;     /* compare with native results saved by another run */
    const char *oracle32;    /* the i386 native side, run under qemu-i386 where the
                              * host cannot run 32-bit code */
    const Runner *native;    /* native_runner, or oracle32_runner */
    unsigned oracle32_lacks; /* FEATURE_* bits qemu-i386's CPU lacks (32-bit groups) */
    bool *skip32;            /* groups left out in 32-bit mode (under qemu-i386) */
    unsigned log_flags;      /* --debug: the translator's log */
} Options;

typedef struct Job {
    int group;               /* -1: mixed */
    bool long_mode;
    uint64_t seed;
} Job;

typedef struct Tally {
    unsigned passed[2], failed[2], printed;
} Tally;

typedef struct Report {
    char text[16384];
    size_t len;
} Report;

static void report_add(Report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_add(Report *r, const char *fmt, ...)
{
    if (r->len >= sizeof(r->text) - 1) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) {
        r->len += (size_t)n;
        if (r->len > sizeof(r->text) - 1) {
            r->len = sizeof(r->text) - 1;
        }
    }
}

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void flag_names(Report *r, uint64_t bits)
{
    static const struct { uint16_t bit; const char *name; } names[] = {
        { FLAG_CF, "CF" }, { FLAG_PF, "PF" }, { FLAG_AF, "AF" }, { FLAG_ZF, "ZF" },
        { FLAG_SF, "SF" }, { FLAG_DF, "DF" }, { FLAG_OF, "OF" },
    };
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (bits & names[i].bit) {
            report_add(r, " %s", names[i].name);
        }
    }
}

static const char *group_name(int group)
{
    return group < 0 ? "mixed" : group_info(group)->name;
}

static void describe_end(Report *r, const char *side, const RunResult *res)
{
    switch (res->status) {
    case RUN_DONE:
        report_add(r, "%s: completed", side);
        break;
    case RUN_EXCEPTION:
        report_add(r, "%s: exception %d at +0x%" PRIx64, side, res->exception, res->fault_offset);
        break;
    case RUN_CRASH:
        if (res->exception == 14) {
            report_add(r, "%s: hung (timeout)", side);
        } else if (res->exception > 0) {
            report_add(r, "%s: crashed with signal %d", side, res->exception);
        } else {
            report_add(r, "%s: child exited with status %d", side, -res->exception);
        }
        break;
    default:
        report_add(r, "%s: did not run", side);
        break;
    }
}

/* the flags undefined where the run ended (before a faulting instruction) */
static uint16_t undefined_at(const Sequence *seq, const RunResult *res)
{
    if (res->status == RUN_EXCEPTION) {
        for (unsigned i = 0; i < seq->n_insns; i++) {
            if (seq->insn_offset[i] == res->fault_offset) {
                return seq->insn_undef[i];
            }
        }
    }
    return seq->end_undef;
}

/* Comparing error codes and CR2 (when the translated side has them: --system,
 * --self-check). */
typedef struct FaultCompare {
    bool enabled;
} FaultCompare;

/* The error code and, for #PF, CR2. */
static bool same_fault_info(const Sequence *seq, const RunResult *nat, const RunResult *tr,
                            FaultCompare *fc, Report *r)
{
    if (!fc->enabled) {
        return true;
    }
    if (nat->error_code == tr->error_code &&
        (nat->exception != 14 /* #PF */ || nat->cr2 == tr->cr2)) {
        return true;
    }
    report_add(r, "  exception %d: native error code 0x%" PRIx64 " cr2 0x%" PRIx64
               "; translated error code 0x%" PRIx64 " cr2 0x%" PRIx64 "\n", nat->exception,
               (uint64_t)nat->error_code, nat->cr2, (uint64_t)tr->error_code, tr->cr2);
    return false;
}

static bool same_end(const Sequence *seq, const RunResult *nat, const RunResult *tr, Report *r,
                     FaultCompare *fc)
{
    bool same = nat->status == tr->status;
    if (same && nat->status == RUN_EXCEPTION) {
        same = nat->exception == tr->exception && nat->fault_offset == tr->fault_offset;
        if (same && !same_fault_info(seq, nat, tr, fc, r)) {
            return false;
        }
    }
    if (same && nat->status == RUN_DONE) {
        /* translated stops at or just after the INT3 terminator */
        same = tr->fault_offset == seq->code_len || tr->fault_offset == seq->code_len + 1;
    }
    if (!same || nat->status == RUN_CRASH) {
        report_add(r, "  end differs: ");
        describe_end(r, "native", nat);
        report_add(r, "; ");
        describe_end(r, "translated", tr);
        report_add(r, "\n");
        return false;
    }
    return true;
}

static bool compare_state(const Sequence *seq, const RunResult *nat, const RunResult *tr,
                          Report *r)
{
    bool ok = true;
    int n_regs = seq->long_mode ? 16 : 8;
    uint64_t mask = seq->long_mode ? ~0ull : 0xffffffffull;
    for (int i = 0; i < n_regs; i++) {
        uint64_t a = nat->state.regs[i] & mask, b = tr->state.regs[i] & mask;
        if (a != b) {
            report_add(r, "  %-4s native 0x%016" PRIx64 " translated 0x%016" PRIx64 "\n",
                       reg_names[i], a, b);
            ok = false;
        }
    }
    uint64_t compared = FLAGS_COMPARED & ~(uint64_t)undefined_at(seq, nat);
    uint64_t fa = nat->state.rflags & compared, fb = tr->state.rflags & compared;
    if (fa != fb) {
        report_add(r, "  flags native 0x%04" PRIx64 " translated 0x%04" PRIx64 " differ in:",
                   fa, fb);
        flag_names(r, fa ^ fb);
        report_add(r, " (not compared, undefined:");
        flag_names(r, FLAGS_ARITH & ~compared);
        report_add(r, ")\n");
        ok = false;
    }
    for (int x = 0; x < n_regs; x++) {
        if (memcmp(nat->state.xmm[x], tr->state.xmm[x], 16) != 0) {
            uint64_t a[2], b[2];
            memcpy(a, nat->state.xmm[x], 16);
            memcpy(b, tr->state.xmm[x], 16);
            report_add(r, "  xmm%-2d native %016" PRIx64 "%016" PRIx64 " translated %016" PRIx64
                       "%016" PRIx64 "\n", x, a[1], a[0], b[1], b[0]);
            ok = false;
        }
    }
    if (seq->group >= 0 && (group_info(seq->group)->features & FEATURE_AVX2)) {
        for (int x = 0; x < n_regs; x++) {
            if (memcmp(nat->state.ymmh[x], tr->state.ymmh[x], 16) != 0) {
                uint64_t a[2], b[2];
                memcpy(a, nat->state.ymmh[x], 16);
                memcpy(b, tr->state.ymmh[x], 16);
                report_add(r, "  ymm%-2d[255:128] native %016" PRIx64 "%016" PRIx64
                           " translated %016" PRIx64 "%016" PRIx64 "\n", x, a[1], a[0], b[1], b[0]);
                ok = false;
            }
        }
        if (nat->state.mxcsr != tr->state.mxcsr) {
            report_add(r, "  mxcsr native 0x%08x translated 0x%08x\n", nat->state.mxcsr,
                       tr->state.mxcsr);
            ok = false;
        }
    }
    unsigned shown = 0;
    for (unsigned off = 0; off < SCRATCH_SIZE; off += 8) {
        if (memcmp(nat->scratch + off, tr->scratch + off, 8) != 0) {
            uint64_t a, b;
            memcpy(&a, nat->scratch + off, 8);
            memcpy(&b, tr->scratch + off, 8);
            if (shown++ < 4) {
                report_add(r, "  mem[0x%08x] native 0x%016" PRIx64 " translated 0x%016" PRIx64
                           "\n", SCRATCH_ADDR + off, a, b);
            }
            ok = false;
        }
    }
    return ok;
}

static void print_sequence(Report *r, const Sequence *seq, int run)
{
    uint8_t placed[MAX_CODE];
    sequence_place(seq, placed, SEQ_ADDR(seq, 0));
    report_add(r, "  code (as placed at 0x%x; a page boundary at 0x%x):\n",
               (unsigned)SEQ_ADDR(seq, 0), (unsigned)SLOT_ADDR(0) + SLOT_SIZE / 2);
    for (unsigned i = 0; i < seq->n_insns; i++) {
        unsigned start = seq->insn_offset[i];
        unsigned end = i + 1 < seq->n_insns ? seq->insn_offset[i + 1] : seq->code_len;
        report_add(r, "    +0x%03x ", start);
        for (unsigned b = start; b < end; b++) {
            report_add(r, " %02x", placed[b]);
        }
        report_add(r, "%*s%s\n", (int)(3 * (12 - (end - start > 12 ? 12 : end - start))) + 2, "",
                   seq->insn_group[i] < 0 ? "(flags set-up)" : group_name(seq->insn_group[i]));
    }
    report_add(r, "  initial state %d:", run + 1);
    for (int i = 0; i < (seq->long_mode ? 16 : 8); i++) {
        report_add(r, "%s %s=0x%" PRIx64, i % 4 ? "" : "\n   ", reg_names[i], seq->init[run].regs[i]);
    }
    report_add(r, "\n    rflags=0x%" PRIx64 "\n", seq->init[run].rflags);
}

/* Compares the translated runs with the native ones (one per initial state);
 * the details of the first difference go to r. */
static bool runs_match(const Sequence *seq, const RunResult *nat, const RunResult *tr,
                       FaultCompare *fc, Report *r, int *failed_run)
{
    for (int run = 0; run < RUNS; run++) {
        if (!same_end(seq, &nat[run], &tr[run], r, fc) ||
            !compare_state(seq, &nat[run], &tr[run], r)) {
            *failed_run = run;
            return false;
        }
    }
    return true;
}

static void place_batch(const Sequence *seqs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        /* INT3 ends the translated run; the rest of the slot too, so that no
         * code of an earlier batch stays there */
        memset((void *)(uintptr_t)SLOT_ADDR(i), 0xcc, SLOT_SIZE);
        sequence_place(&seqs[i], (uint8_t *)(uintptr_t)SEQ_ADDR(&seqs[i], i), SEQ_ADDR(&seqs[i], i));
    }
}

/* Runs the prefixes of a failing sequence and reports the shortest failing one:
 * its last instruction is the first that goes wrong. */
typedef struct Shrinker {
    const Runner *native;
    const Runner *other;
    Sequence *seqs;          /* MAX_INSNS */
    RunResult *native_results;   /* RUNS * MAX_INSNS, shared */
    RunResult *translated;   /* RUNS * MAX_INSNS, shared */
    FaultCompare *fc;
} Shrinker;

/* Runs the prefixes of a failing sequence: the index in sh->seqs of the
 * shortest failing one (its last instruction is the first that goes wrong;
 * its results at RUNS * index in sh->native_results and sh->translated), or
 * -1 when every shorter prefix passes; its differences go to r. */
static int shortest_failing(const Shrinker *sh, const Sequence *seq, Report *r)
{
    unsigned n = 0;
    for (unsigned k = 1; k < seq->n_insns; k++) {
        if (sequence_truncate(seq, k, &sh->seqs[n])) {
            n++;
        }
    }
    place_batch(sh->seqs, n);
    sandbox_run_batch(sh->native, sh->seqs, n, sh->native_results, 0);
    sandbox_run_batch(sh->other, sh->seqs, n, sh->translated, 0);
    for (unsigned i = 0; i < n; i++) {
        int run;
        if (!runs_match(&sh->seqs[i], &sh->native_results[RUNS * i],
                        &sh->translated[RUNS * i], sh->fc, r, &run)) {
            return (int)i;
        }
    }
    return -1;
}

/* Reports the shortest failing prefix of a failing sequence. */
static void shrink(const Shrinker *sh, const Sequence *seq, Report *r)
{
    Report detail = { .len = 0 };
    int i = shortest_failing(sh, seq, &detail);
    if (i < 0) {
        report_add(r, "  every shorter prefix passes: the last instruction goes wrong\n");
        return;
    }
    const Sequence *p = &sh->seqs[i];
    unsigned last = p->n_insns - 1;
    uint8_t placed[MAX_CODE];
    sequence_place(p, placed, SEQ_ADDR(p, i));
    report_add(r, "  shortest failing prefix: %u instruction(s), the last at +0x%03x:",
               p->n_insns, p->insn_offset[last]);
    for (unsigned b = p->insn_offset[last]; b < p->code_len; b++) {
        report_add(r, " %02x", placed[b]);
    }
    report_add(r, "\n%s", detail.text);
}

static bool check_sequence(const Options *o, const Shrinker *sh, const Job *job,
                           const Sequence *seq, const RunResult *nat, const RunResult *tr,
                           Tally *t)
{
    Report r = { .len = 0 };
    Report detail = { .len = 0 };
    int run = 0;
    bool ok = runs_match(seq, nat, tr, sh->fc, &detail, &run);
    if (ok && !o->verbose) {
        return true;
    }
    if (ok) {
        report_add(&r, "ok %s/%d seed 0x%016" PRIx64 " (", group_name(job->group),
                   seq->long_mode ? 64 : 32, job->seed);
        describe_end(&r, "native", nat);
        report_add(&r, ")\n");
    } else {
        report_add(&r, "FAIL %s/%d seed 0x%016" PRIx64 " (initial state %d of 2)\n%s",
                   group_name(job->group), seq->long_mode ? 64 : 32, job->seed, run + 1,
                   detail.text);
    }
    if (ok || o->verbose || t->printed++ < o->max_print) {
        print_sequence(&r, seq, run);
        if (!ok && sh->other) {
            shrink(sh, seq, &r);
        }
        if (job->group >= 0) {
            report_add(&r, "  replay: difftest --replay 0x%016" PRIx64 " --mode %d --group %s%s\n",
                       job->seed, seq->long_mode ? 64 : 32, group_name(job->group),
                       o->system ? " --system" : "");
        }
        fputs(r.text, stdout);
    }
    return ok;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    while (*s) {
        h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
    }
    return h;
}

static uint64_t job_seed(uint64_t seed, int group, bool long_mode, unsigned i)
{
    uint64_t s = seed ^ name_hash(group_name(group)) ^ ((uint64_t)long_mode << 40) ^
                 ((uint64_t)i * 0x9e3779b97f4a7c15ull);
    return splitmix64(&s);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: difftest [--count N] [--mixed N] [--seed S] [--mode 64|32|both]\n"
            "                [--groups check|all|NAME,NAME...] [--max-print N] [--verbose]\n"
            "       difftest --replay SEED --mode 64|32 --group NAME\n"
            "       difftest --list\n"
            "  --self-check compares native runs with native runs (tests the harness)\n"
            "  --system runs the translated side in system mode (a long-mode guest at\n"
            "           CPL 3: page tables, softmmu TLB, exceptions through the IDT)\n"
            "  --debug in_asm,op,op_opt,out_asm,exec logs the translator to stderr\n"
            "  --save FILE writes the native results (e.g. when run under qemu-x86_64)\n"
            "  --against FILE compares the native results with those saved in FILE\n"
            "  --oracle32 PROGRAM: where this host cannot run 32-bit code, the native side\n"
            "           of 32-bit sequences is PROGRAM (difftest-i386) under qemu-i386\n");
    exit(2);
}

static uint64_t parse_number(const char *opt, const char *arg)
{
    char *end;
    uint64_t v = strtoull(arg, &end, 0);
    if (!*arg || *end) {
        fprintf(stderr, "difftest: %s: '%s' is not a number\n", opt, arg);
        exit(2);
    }
    return v;
}

static void select_groups(Options *o, const char *spec)
{
    int n = group_count();
    o->check_groups = strcmp(spec, "check") == 0;
    for (int i = 0; i < n; i++) {
        o->groups[i] = strcmp(spec, "all") == 0 || (strcmp(spec, "check") == 0 &&
                                                     group_info(i)->in_check);
    }
    if (strcmp(spec, "all") == 0 || strcmp(spec, "check") == 0) {
        return;
    }
    char *copy = strdup(spec);
    for (char *name = strtok(copy, ","); name; name = strtok(NULL, ",")) {
        int g = group_find(name);
        if (g < 0) {
            fprintf(stderr, "difftest: --groups: no group named '%s' (see --list)\n", name);
            exit(2);
        }
        o->groups[g] = true;
    }
    free(copy);
}

static unsigned parse_log_flags(const char *spec)
{
    static const struct { const char *name; unsigned flag; } items[] = {
        { "in_asm", TCG_LOG_IN_ASM }, { "op", TCG_LOG_OP }, { "op_opt", TCG_LOG_OP_OPT },
        { "out_asm", TCG_LOG_OUT_ASM }, { "exec", TCG_LOG_EXEC },
    };
    unsigned flags = 0;
    char *copy = strdup(spec);
    for (char *name = strtok(copy, ","); name; name = strtok(NULL, ",")) {
        unsigned i = 0;
        while (i < sizeof(items) / sizeof(items[0]) && strcmp(items[i].name, name) != 0) {
            i++;
        }
        if (i == sizeof(items) / sizeof(items[0])) {
            fprintf(stderr, "difftest: --debug: '%s' is not in_asm, op, op_opt, out_asm "
                    "or exec\n", name);
            exit(2);
        }
        flags |= items[i].flag;
    }
    free(copy);
    return flags;
}

static void parse_mode(Options *o, const char *arg)
{
    o->modes[0] = strcmp(arg, "32") == 0 || strcmp(arg, "both") == 0;
    o->modes[1] = strcmp(arg, "64") == 0 || strcmp(arg, "both") == 0;
    if (!o->modes[0] && !o->modes[1]) {
        fprintf(stderr, "difftest: --mode: '%s' is not 64, 32 or both\n", arg);
        exit(2);
    }
}

static void parse_valued_option(Options *o, const char *opt, const char *arg)
{
    if (strcmp(opt, "--count") == 0) {
        o->count = (unsigned)parse_number(opt, arg);
    } else if (strcmp(opt, "--mixed") == 0) {
        o->mixed = (unsigned)parse_number(opt, arg);
    } else if (strcmp(opt, "--seed") == 0) {
        o->seed = parse_number(opt, arg);
    } else if (strcmp(opt, "--max-print") == 0) {
        o->max_print = (unsigned)parse_number(opt, arg);
    } else if (strcmp(opt, "--mode") == 0) {
        parse_mode(o, arg);
    } else if (strcmp(opt, "--groups") == 0) {
        select_groups(o, arg);
    } else if (strcmp(opt, "--group") == 0) {
        o->replay_group = group_find(arg);
        if (o->replay_group < 0) {
            fprintf(stderr, "difftest: --group: no group named '%s' (see --list)\n", arg);
            exit(2);
        }
    } else if (strcmp(opt, "--debug") == 0) {
        o->log_flags = parse_log_flags(arg);
    } else if (strcmp(opt, "--save") == 0) {
        o->save = arg;
    } else if (strcmp(opt, "--oracle32") == 0) {
        o->oracle32 = arg;
    } else if (strcmp(opt, "--against") == 0) {
        o->against = arg;
    } else if (strcmp(opt, "--replay") == 0) {
        o->replay = true;
        o->replay_seed = parse_number(opt, arg);
    } else {
        usage();
    }
}

static void list_groups(void)
{
    for (int g = 0; g < group_count(); g++) {
        printf("%-16s %s%s%s\n", group_info(g)->name,
               group_info(g)->in_check ? "check" : "slow only",
               group_info(g)->long_only ? ", 64-bit only" : "",
               group_info(g)->system_bug ? ", known to fail with --system" : "");
    }
    exit(0);
}

static void parse_options(Options *o, int argc, char **argv)
{
    o->count = 20;
    o->mixed = 0;
    o->seed = 1;
    o->modes[0] = o->modes[1] = true;
    o->max_print = 3;
    o->replay_group = -1;
    o->groups = calloc((size_t)group_count(), sizeof(bool));
    o->skip32 = calloc((size_t)group_count(), sizeof(bool));
    select_groups(o, "check");
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--list") == 0) {
            list_groups();
        } else if (strcmp(opt, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(opt, "--self-check") == 0) {
            o->self_check = true;
        } else if (strcmp(opt, "--system") == 0) {
            o->system = true;
        } else if (i + 1 >= argc) {
            usage();
        } else {
            parse_valued_option(o, opt, argv[++i]);
        }
    }
    if (o->replay && (o->replay_group < 0 || o->modes[0] == o->modes[1])) {
        fprintf(stderr, "difftest: --replay needs --group and one --mode\n");
        exit(2);
    }
}

static Job *make_jobs(const Options *o, unsigned *n_jobs)
{
    unsigned max = (unsigned)group_count() * 2 * o->count + 2 * o->mixed + 1;
    Job *jobs = calloc(max, sizeof(Job));
    unsigned n = 0;
    if (o->replay) {
        jobs[n++] = (Job){ o->replay_group, o->modes[1], o->replay_seed };
        *n_jobs = n;
        return jobs;
    }
    for (int mode = 1; mode >= 0; mode--) {
        if (!o->modes[mode]) {
            continue;
        }
        for (int g = 0; g < group_count(); g++) {
            if (!o->groups[g] || (mode == 0 && (group_info(g)->long_only || o->skip32[g]))) {
                continue;
            }
            for (unsigned i = 0; i < o->count; i++) {
                jobs[n++] = (Job){ g, mode == 1, job_seed(o->seed, g, mode == 1, i) };
            }
        }
        for (unsigned i = 0; i < o->mixed; i++) {
            jobs[n++] = (Job){ -1, mode == 1, job_seed(o->seed, -1, mode == 1, i) };
        }
    }
    *n_jobs = n;
    return jobs;
}

static void *map_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("difftest: mmap results");
        exit(2);
    }
    return p;
}

static void print_tallies(const Options *o, const Tally *tallies)
{
    int n = group_count();
    for (int g = -1; g < n; g++) {
        const Tally *t = &tallies[g + 1];
        if (t->passed[0] + t->passed[1] + t->failed[0] + t->failed[1] == 0) {
            continue;
        }
        printf("group %-12s", group_name(g));
        for (int mode = 1; mode >= 0; mode--) {
            if (o->modes[mode] && t->passed[mode] + t->failed[mode]) {
                printf("  %d-bit: %u ok, %u failed", mode ? 64 : 32, t->passed[mode],
                       t->failed[mode]);
            }
        }
        printf("%s\n", t->failed[0] + t->failed[1] ? "   <- FAILING" : "");
    }
}

/* The native side of 32-bit sequences where the host cannot run them: the i386
 * program under qemu-i386 (--oracle32), or none (the sequences are skipped).
 * Returns whether there is one. */
static bool choose_native32(Options *o)
{
    char why[256] = "no i386 harness given (--oracle32 tests/difftest/difftest-i386, "
                    "built where gcc -m32 works)";
    unsigned features;
    if (o->oracle32) {
        oracle32_configure(o->oracle32, NULL);
        if (oracle32_probe(&features, why, sizeof(why))) {
            printf("note: this host does not run 32-bit code in a compatibility segment; "
                   "32-bit sequences run natively under qemu-i386 (%s)\n", o->oracle32);
            o->native = &oracle32_runner;
            o->oracle32_lacks = ~features;
            return true;
        }
    }
    printf("note: this host does not run 32-bit code in a compatibility segment (%s); "
           "32-bit sequences skipped\n", why);
    return false;
}

/* Under qemu-i386: leaves out in 32-bit mode the groups whose instructions its
 * CPU lacks or that QEMU 7.2 cannot judge (oracle32_group_differs); returns
 * the sequences left out. */
static unsigned oracle32_limits(Options *o, unsigned per_mode)
{
    unsigned skipped = 0;
    if (o->native != &oracle32_runner) {
        return 0;
    }
    for (int g = 0; g < group_count(); g++) {
        const GroupInfo *gi = group_info(g);
        unsigned missing = gi->features & o->oracle32_lacks;
        const char *differs = oracle32_group_differs(gi->name);
        if (!o->groups[g] || gi->long_only || (!missing && !differs)) {
            continue;
        }
        if (missing) {
            printf("note: qemu-i386's CPU lacks features 0x%x: group %s skipped in 32-bit "
                   "mode\n", missing, gi->name);
        } else {
            printf("note: group %s skipped in 32-bit mode: %s\n", gi->name, differs);
        }
        o->skip32[g] = true;
        skipped += per_mode;
    }
    return skipped;
}

/* Drops what this host cannot run natively: 32-bit mode without a compatibility
 * code segment or a stand-in (choose_native32), groups whose instructions the
 * CPU (or qemu-i386's, for 32-bit) lacks. Returns the number of sequences left
 * out. */
static unsigned host_limits(Options *o)
{
    unsigned skipped = 0;
    unsigned per_mode = o->replay ? 1 : o->count;
    o->native = &native_runner;
    if (o->modes[0] && !native_compat_mode_works() && !choose_native32(o)) {
        o->modes[0] = false;
        for (int g = 0; g < group_count(); g++) {
            skipped += o->groups[g] && !group_info(g)->long_only ? per_mode : 0;
        }
        skipped += o->replay ? 1 : o->mixed;
    }
    unsigned have = native_features();
    for (int g = 0; g < group_count(); g++) {
        unsigned missing = group_info(g)->features & ~have;
        if (o->groups[g] && missing && !o->replay) {
            printf("note: this host CPU lacks features 0x%x: group %s skipped\n", missing,
                   group_info(g)->name);
            o->groups[g] = false;
            skipped += per_mode * (o->modes[0] + o->modes[1]);
        }
    }
    return skipped + oracle32_limits(o, per_mode);
}

/* --system --groups check: leaves out the groups known to fail in system mode
 * (an emulator bug, GroupInfo.system_bug); returns the sequences left out */
static unsigned system_limits(Options *o)
{
    unsigned skipped = 0;
    if (!o->system || !o->check_groups || o->replay) {
        return 0;
    }
    for (int g = 0; g < group_count(); g++) {
        const GroupInfo *gi = group_info(g);
        if (o->groups[g] && gi->system_bug) {
            printf("note: group %s skipped in system mode, known to fail: %s\n", gi->name,
                   gi->system_bug);
            o->groups[g] = false;
            skipped += o->count * (o->modes[1] + (o->modes[0] && !gi->long_only));
        }
    }
    return skipped;
}

/* Mixed sequences draw from the selected groups enabled in check (known to
 * pass), so that a known failure does not spread into them; from all selected
 * ones when none of them is. */
static void choose_mixed_groups(Options *o)
{
    int n = group_count();
    bool any = false;
    o->mixed_groups = calloc((size_t)n, sizeof(bool));
    for (int g = 0; g < n; g++) {
        /* not the AVX groups: mixed sequences run on the default model */
        o->mixed_groups[g] = o->groups[g] && group_info(g)->in_check &&
                             !(group_info(g)->features & FEATURE_AVX2);
        any |= o->mixed_groups[g];
    }
    for (int g = 0; g < n && !any; g++) {
        o->mixed_groups[g] = o->groups[g] && !(group_info(g)->features & FEATURE_AVX2);
    }
    o->mixed_groups32 = calloc((size_t)n, sizeof(bool));
    for (int g = 0; g < n; g++) {
        o->mixed_groups32[g] = o->mixed_groups[g] && !o->skip32[g];
    }
}

/* --save / --against: native results of one run (e.g. under qemu-x86_64) stand
 * in for the translated side of another with the same options */
static FILE *open_results(const Options *o)
{
    const char *name = o->save ? o->save : o->against;
    if (!name) {
        return NULL;
    }
    FILE *f = fopen(name, o->save ? "wb" : "rb");
    if (!f) {
        perror(name);
        exit(2);
    }
    return f;
}

static void results_write(FILE *f, const char *name, const RunResult *res, unsigned n)
{
    if (fwrite(res, sizeof(RunResult), RUNS * n, f) != RUNS * n) {
        fprintf(stderr, "difftest: %s: write error\n", name);
        exit(2);
    }
}

static void results_read(FILE *f, const char *name, RunResult *translated, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (fread(&translated[RUNS * i], sizeof(RunResult), RUNS, f) != RUNS) {
            fprintf(stderr, "difftest: %s: too short for these options\n", name);
            exit(2);
        }
    }
}

/* the buffers and counters of one run of the program */
typedef struct Run {
    const Options *o;
    const Runner *other;     /* the translated side (NULL: results from a file) */
    FILE *saved;
    Sequence *seqs;
    RunResult *native, *translated;
    Shrinker shrinker;
    FaultCompare fc;
    Tally *tallies;
    unsigned passed, failed;
    unsigned qemu_skipped;   /* 32-bit sequences a known QEMU difference explains */
} Run;

#define RESULTS_SIZE(n) (RUNS * (size_t)(n) * sizeof(RunResult))

static void run_init(Run *run, const Options *o)
{
    memset(run, 0, sizeof(*run));
    run->o = o;
    run->other = o->self_check ? &native_runner : o->against ? NULL
                 : o->system ? &system_runner : &translated_runner;
    run->saved = open_results(o);
    run->seqs = calloc(MAX_BATCH, sizeof(Sequence));
    run->native = map_shared(RESULTS_SIZE(MAX_BATCH));
    run->translated = map_shared(RESULTS_SIZE(MAX_BATCH));
    run->shrinker = (Shrinker){
        o->native, run->other, calloc(MAX_INSNS, sizeof(Sequence)), map_shared(RESULTS_SIZE(MAX_INSNS)),
        map_shared(RESULTS_SIZE(MAX_INSNS)),
        &run->fc,
    };
    run->fc.enabled = run->other == &system_runner || run->other == &native_runner;
    run->tallies = calloc((size_t)group_count() + 1, sizeof(Tally));
    if (!run->seqs || !run->shrinker.seqs || !run->tallies) {
        fprintf(stderr, "difftest: out of memory\n");
        exit(2);
    }
}

static void run_free(Run *run)
{
    munmap(run->native, RESULTS_SIZE(MAX_BATCH));
    munmap(run->translated, RESULTS_SIZE(MAX_BATCH));
    munmap(run->shrinker.native_results, RESULTS_SIZE(MAX_INSNS));
    munmap(run->shrinker.translated, RESULTS_SIZE(MAX_INSNS));
    free(run->shrinker.seqs);
    free(run->tallies);
    free(run->seqs);
}

/* The known QEMU 7.2 difference (oracle32.c) that explains all the
 * differences of these runs of seq, or NULL */
static const char *explained(const Sequence *seq, const RunResult *nat, const RunResult *tr,
                             FaultCompare *fc)
{
    static Report discard;
    static RunResult patched[RUNS];
    int bad;
    memcpy(patched, nat, sizeof(patched));
    bool again;
    const char *why = oracle32_explain(seq, patched, tr, &again);
    discard.len = 0;
    if (why && again && !runs_match(seq, patched, tr, fc, &discard, &bad)) {
        return NULL;
    }
    return why;
}

/* A 32-bit sequence whose runs under qemu-i386 differ from the translated ones
 * where QEMU 7.2 is known to differ from the hardware: the difference, counted
 * as skipped; NULL for every other sequence. The first difference decides: the
 * whole sequence, or else its shortest failing prefix, must be explained (what
 * follows inherits QEMU's wrong value). */
static const char *known_difference(const Options *o, const Shrinker *sh, const Sequence *seq,
                                    const RunResult *nat, const RunResult *tr)
{
    static Report discard;
    int bad;
    if (o->native != &oracle32_runner || seq->long_mode) {
        return NULL;
    }
    discard.len = 0;
    if (runs_match(seq, nat, tr, sh->fc, &discard, &bad)) {
        return NULL;
    }
    const char *why = explained(seq, nat, tr, sh->fc);
    if (why || !sh->other) {
        return why;
    }
    discard.len = 0;
    int i = shortest_failing(sh, seq, &discard);
    if (i < 0) {
        return NULL;
    }
    return explained(&sh->seqs[i], &sh->native_results[RUNS * i], &sh->translated[RUNS * i],
                     sh->fc);
}

/* generates, runs on both sides and checks up to MAX_BATCH jobs */
static void run_batch(Run *run, const Job *jobs, unsigned n)
{
    const Options *o = run->o;
    for (unsigned i = 0; i < n; i++) {
        sequence_generate(&run->seqs[i], jobs[i].seed, jobs[i].long_mode, jobs[i].group,
                          jobs[i].long_mode ? o->mixed_groups : o->mixed_groups32);
    }
    place_batch(run->seqs, n);
    sandbox_run_batch(o->native, run->seqs, n, run->native, 0);
    if (o->save) {
        results_write(run->saved, o->save, run->native, n);
        return;
    }
    if (run->other) {
        sandbox_run_batch(run->other, run->seqs, n, run->translated, o->log_flags);
    } else {
        results_read(run->saved, o->against, run->translated, n);
    }
    for (unsigned i = 0; i < n; i++) {
        Tally *t = &run->tallies[jobs[i].group + 1];
        const char *why = known_difference(o, &run->shrinker, &run->seqs[i],
                                           &run->native[RUNS * i], &run->translated[RUNS * i]);
        if (why) {
            printf("skip %s/32 seed 0x%016" PRIx64 ": %s\n", group_name(jobs[i].group),
                   jobs[i].seed, why);
            run->qemu_skipped++;
            continue;
        }
        if (check_sequence(o, &run->shrinker, &jobs[i], &run->seqs[i], &run->native[RUNS * i],
                           &run->translated[RUNS * i], t)) {
            run->passed++;
            t->passed[jobs[i].long_mode]++;
        } else {
            run->failed++;
            t->failed[jobs[i].long_mode]++;
        }
    }
}

int main(int argc, char **argv)
{
    Options o;
    memset(&o, 0, sizeof(o));
    parse_options(&o, argc, argv);
    memory_map_fixed();
    unsigned skipped = host_limits(&o) + system_limits(&o);
    choose_mixed_groups(&o);
    unsigned n_jobs;
    Job *jobs = make_jobs(&o, &n_jobs);
    Run run;
    run_init(&run, &o);
    for (unsigned first = 0; first < n_jobs; first += MAX_BATCH) {
        run_batch(&run, &jobs[first], n_jobs - first < MAX_BATCH ? n_jobs - first : MAX_BATCH);
    }
    int status = run.failed ? 1 : 0;
    if (run.saved && fclose(run.saved) != 0) {
        fprintf(stderr, "difftest: %s: write error\n", o.save ? o.save : o.against);
        status = 2;
    } else if (o.save) {
        printf("saved %u native results to %s\n", n_jobs, o.save);
    } else {
        print_tallies(&o, run.tallies);
        skipped += run.qemu_skipped;
        if (skipped) {
            printf("%u passed, %u failed, %u skipped\n", run.passed, run.failed, skipped);
        } else {
            printf("%u passed, %u failed\n", run.passed, run.failed);
        }
    }
    run_free(&run);
    free(jobs);
    free(o.groups);
    free(o.skip32);
    free(o.mixed_groups);
    free(o.mixed_groups32);
    return status;
}

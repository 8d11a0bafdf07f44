/*
 * The native side on a host that cannot run 32-bit code (no compatibility-mode
 * segment, native.c's native_compat_mode_works): 64-bit sequences still run
 * natively; 32-bit ones go to difftest-i386 (native32.c, the same glue as an
 * i386 program) run under Debian's qemu-i386, which stands in for the
 * hardware. The i386 program is started on the first 32-bit sequence of each
 * sandbox child and fed through pipes (oracle32.h); it dies with the child
 * (PR_SET_PDEATHSIG), so a hang or a crash costs one sequence, as natively.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "difftest.h"
#include "oracle32.h"

typedef struct Oracle32 {
    void *native;            /* native.c's context, for 64-bit sequences */
    pid_t pid;               /* the emulator, -1 until the first 32-bit sequence */
    int to, from;
} Oracle32;

static const char *oracle_program;
static const char *oracle_emulator = "qemu-i386";

void oracle32_configure(const char *program, const char *emulator)
{
    oracle_program = program;
    if (emulator) {
        oracle_emulator = emulator;
    }
}

static void exec_emulator(int in, int out)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in, 0);
    dup2(out, 1);
    execlp(oracle_emulator, oracle_emulator, oracle_program, "--serve", (char *)NULL);
    fprintf(stderr, "difftest: cannot run %s: %s\n", oracle_emulator, strerror(errno));
    _exit(127);
}

/* starts `EMULATOR PROGRAM --serve` and reads its hello */
static bool spawn(Oracle32 *o, unsigned *features, char *why, size_t why_size)
{
    int down[2], up[2];
    if (!oracle_program || pipe2(down, O_CLOEXEC) != 0) {
        snprintf(why, why_size, "no i386 harness given (--oracle32 "
                 "tests/difftest/difftest-i386, built where gcc -m32 works)");
        return false;
    }
    if (pipe2(up, O_CLOEXEC) != 0) {
        snprintf(why, why_size, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    o->pid = fork();
    if (o->pid == 0) {
        exec_emulator(down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    o->to = down[1];
    o->from = up[0];
    Oracle32Hello hello;
    if (o->pid < 0 || !io_full(o->from, &hello, sizeof(hello), false) ||
        hello.magic != ORACLE32_MAGIC) {
        snprintf(why, why_size, "%s %s --serve does not answer", oracle_emulator, oracle_program);
        return false;
    }
    *features = hello.features;
    return true;
}

static void stop(Oracle32 *o)
{
    close(o->to);
    close(o->from);
    if (o->pid > 0) {
        waitpid(o->pid, NULL, 0);
    }
    o->pid = -1;
}

bool oracle32_probe(unsigned *features, char *why, size_t why_size)
{
    Oracle32 o = { NULL, -1, -1, -1 };
    bool ok = spawn(&o, features, why, why_size);
    stop(&o);
    return ok;
}

/* The index of the instruction at offset, or -1 */
static int insn_at(const Sequence *seq, uint64_t offset)
{
    for (unsigned i = 0; i < seq->n_insns; i++) {
        if (seq->insn_offset[i] == offset) {
            return (int)i;
        }
    }
    return -1;
}

/* The bytes of instruction i, its length in *len */
static const uint8_t *insn_bytes(const Sequence *seq, int i, unsigned *len)
{
    unsigned end = (unsigned)i + 1 < seq->n_insns ? seq->insn_offset[i + 1] : seq->code_len;
    *len = end - seq->insn_offset[i];
    return seq->code + seq->insn_offset[i];
}

/* the opcode after the legacy prefixes; *lock when one of them is F0 */
static const uint8_t *skip_prefixes(const uint8_t *p, unsigned len, bool *lock)
{
    *lock = false;
    for (unsigned i = 0; i < len; i++, p++) {
        if (!memchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", *p, 11)) {
            return p;
        }
        *lock |= *p == 0xf0;
    }
    return p;
}

/* qemu-i386 7.2 leaves trapno -1 in the signal frame, and Linux sends #OF
 * (INTO) as SIGSEGV with SI_KERNEL like #GP, so native32.c reports 13: an
 * INTO trap leaves EIP after the INTO with OF set (SDM vol. 2A, INTn/INTO), a
 * #GP at the next instruction points at that one, which INTO with OF set
 * never reaches. */
static void into_trap(const Sequence *seq, RunResult *res)
{
    if (res->status != RUN_EXCEPTION || res->exception != 13 || !(res->state.rflags & FLAG_OF)) {
        return;
    }
    for (unsigned i = 0; i < seq->n_insns; i++) {
        unsigned len;
        bool lock;
        const uint8_t *p = insn_bytes(seq, (int)i, &len);
        if (seq->insn_offset[i] + len == res->fault_offset &&
            *skip_prefixes(p, len, &lock) == 0xce) {
            res->exception = 4;
            res->error_code = -1;
        }
    }
}

static void *oracle_start(unsigned log_flags)
{
    Oracle32 *o = calloc(1, sizeof(*o));
    if (!o) {
        _exit(3);
    }
    o->native = native_runner.start(log_flags);
    o->pid = -1;
    return o;
}

static void oracle_run(void *ctx, const Sequence *seq, unsigned slot, RunResult *results)
{
    Oracle32 *o = ctx;
    if (seq->long_mode) {
        native_runner.run(o->native, seq, slot, results);
        return;
    }
    char why[256];
    unsigned features;
    if (o->pid < 0 && !spawn(o, &features, why, sizeof(why))) {
        fprintf(stderr, "difftest: %s\n", why);
        _exit(4);
    }
    static Oracle32Request rq;
    memset(&rq, 0, sizeof(rq));
    rq.address = (uint32_t)SEQ_ADDR(seq, slot);
    rq.code_len = seq->code_len;
    for (int run = 0; run < RUNS; run++) {
        rq.scratch_seed[run] = seq->scratch_seed[run];
        rq.init[run] = seq->init[run];
    }
    sequence_place(seq, rq.code, rq.address);
    if (!io_full(o->to, &rq, sizeof(rq), true) ||
        !io_full(o->from, results, RUNS * sizeof(RunResult), false)) {
        _exit(4);    /* the emulator died: the sandbox reports the sequence */
    }
    for (int run = 0; run < RUNS; run++) {
        into_trap(seq, &results[run]);
    }
}

const Runner oracle32_runner = { "qemu-i386", oracle_start, oracle_run };


/* --- where QEMU 7.2 is known to differ from the hardware --- */

/* A run that stopped with #UD at an instruction the other side ran past: the
 * instruction's bytes, or NULL. */
static const uint8_t *ud_only_on_one_side(const Sequence *seq, const RunResult *ud,
                                          const RunResult *other, unsigned *len)
{
    if (ud->status != RUN_EXCEPTION || ud->exception != 6 ||
        (other->status == RUN_EXCEPTION && other->fault_offset <= ud->fault_offset)) {
        return NULL;
    }
    int i = insn_at(seq, ud->fault_offset);
    return i < 0 ? NULL : insn_bytes(seq, i, len);
}

/* QEMU 7.2 runs a LOCK prefix on an instruction that cannot take it (MOV,
 * a register destination): SDM vol. 2A, LOCK, "#UD if the LOCK prefix is used
 * with an instruction not listed" or whose destination is not memory. Ours
 * raises #UD there, QEMU's run goes on. */
static bool lock_ud(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    unsigned len;
    bool lock;
    const uint8_t *p = ud_only_on_one_side(seq, tr, nat, &len);
    return p && (skip_prefixes(p, len, &lock), lock);
}

/* A VEX instruction's fields (SDM vol. 2A, 2.3.5): false when p is none */
typedef struct Vex {
    unsigned map, pp, l, reg;
    uint8_t op;
} Vex;

static bool vex_decode(const uint8_t *p, unsigned len, Vex *v)
{
    if (len < 4 || (p[0] != 0xc4 && p[0] != 0xc5)) {
        return false;
    }
    uint8_t last = p[0] == 0xc5 ? p[1] : p[2];
    v->map = p[0] == 0xc5 ? 1 : p[1] & 0x1f;
    v->pp = last & 3;
    v->l = (last >> 2) & 1;
    v->op = p[0] == 0xc5 ? p[2] : p[3];
    v->reg = ((p[0] == 0xc5 ? p[3] : p[4]) >> 3) & 7;
    return true;
}

/* the scalar VEX instructions, encoded VEX.LIG (SDM vol. 2A-2C): map 0F with
 * F3/F2 (VMOVSS/SD, VCVTSI2SS/SD, VSQRTSS.., VADDSS.., VCVTSS2SD/SD2SS,
 * VCMPSS/SD), map 0F38 66 with the scalar FMA forms, map 0F3A 66 VROUNDSS/SD */
static bool vex_scalar(const Vex *v)
{
    static const uint8_t map1[] = { 0x10, 0x11, 0x2a, 0x51, 0x52, 0x53, 0x58, 0x59, 0x5a,
                                    0x5c, 0x5d, 0x5e, 0x5f, 0xc2 };
    static const uint8_t fma[] = { 0x99, 0x9b, 0x9d, 0x9f, 0xa9, 0xab, 0xad, 0xaf, 0xb9,
                                   0xbb, 0xbd, 0xbf };
    if (v->map == 1 && v->pp >= 2) {
        return memchr(map1, v->op, sizeof(map1)) != NULL;
    }
    if (v->map == 2 && v->pp == 1) {
        return memchr(fma, v->op, sizeof(fma)) != NULL;
    }
    return v->map == 3 && v->pp == 1 && (v->op == 0x0a || v->op == 0x0b);
}

/* QEMU 7.2 raises #UD on scalar VEX instructions with VEX.L 1 (VADDSS,
 * VCVTSS2SD, VCMPSD, ...), which the SDM encodes VEX.LIG: L ignored. */
static bool vex_scalar_l1_ud(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    unsigned len;
    Vex v;
    const uint8_t *p = ud_only_on_one_side(seq, nat, tr, &len);
    return p && vex_decode(p, len, &v) && v.l && vex_scalar(&v);
}

/* QEMU 7.2 keeps bits 255:128 of the destination of a scalar FMA with VEX.L 1;
 * the SDM zeroes them (VEX.LIG; "DEST[MAXVL-1:128] := 0"). Patches in the
 * translated side's (zero) upper halves of those destinations; the caller
 * compares again. */
static bool vex_scalar_l1_upper(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    static const uint8_t zero[16];
    bool changed = false;
    for (unsigned i = 0; i < seq->n_insns; i++) {
        unsigned len;
        Vex v;
        const uint8_t *p = insn_bytes(seq, (int)i, &len);
        if (vex_decode(p, len, &v) && v.l && vex_scalar(&v) &&
            memcmp(tr->state.ymmh[v.reg], zero, 16) == 0 &&
            memcmp(nat->state.ymmh[v.reg], zero, 16) != 0) {
            memset(nat->state.ymmh[v.reg], 0, 16);
            changed = true;
        }
    }
    return changed;
}

/* QEMU 7.2's CMPXCHG8B (helper_cmpxchg8b) recomputes CF, PF, AF, SF and OF
 * from a stale flags state after some instructions (a 16-bit OR before it
 * gave CF 1); the SDM: "The CF, PF, AF, SF, and OF flags are unaffected".
 * In a sequence with CMPXCHG8B, patches in the translated side's flags other
 * than ZF; the caller compares again. (64-bit runs check ours natively.) */
static bool cmpxchg8b_flags(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    const uint64_t others = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_SF | FLAG_OF;
    bool has = false;
    for (unsigned i = 0; i < seq->n_insns && !has; i++) {
        unsigned len;
        bool lock;
        const uint8_t *p = insn_bytes(seq, (int)i, &len);
        const uint8_t *op = skip_prefixes(p, len, &lock);
        has = op + 2 < p + len && op[0] == 0x0f && op[1] == 0xc7 && ((op[2] >> 3) & 7) == 1;
    }
    if (!has || ((nat->state.rflags ^ tr->state.rflags) & others) == 0) {
        return false;
    }
    nat->state.rflags = (nat->state.rflags & ~others) | (tr->state.rflags & others);
    return true;
}

/* copies tr's float32 lanes that are the zero of nat's denormal */
static bool take_daz_zeros(uint8_t *nat, const uint8_t *tr, unsigned size)
{
    bool changed = false;
    for (unsigned at = 0; at < size; at += 4) {
        uint32_t a, b;
        memcpy(&a, nat + at, 4);
        memcpy(&b, tr + at, 4);
        if (a != b && (a & 0x7f800000u) == 0 && (a & 0x7fffffu) && b == (a & 0x80000000u)) {
            memcpy(nat + at, &b, 4);
            changed = true;
        }
    }
    return changed;
}

/* QEMU 7.2's MINSS/MAXSS/MINPS.. with MXCSR.DAZ return a denormal source
 * operand as it is; the SDM (vol. 1, 10.2.3.4) treats it as a zero of its
 * sign before the operation. Patches lanes where QEMU's is a float32 denormal
 * and ours the zero of its sign; the caller compares again. */
static bool daz_min_max(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    (void)seq;
    return take_daz_zeros(&nat->state.xmm[0][0], &tr->state.xmm[0][0], 8 * 16) |
           take_daz_zeros(&nat->state.ymmh[0][0], &tr->state.ymmh[0][0], 8 * 16);
}

static bool nan32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return (v & 0x7f800000u) == 0x7f800000u && (v & 0x7fffffu);
}

static bool nan64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return (v & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (v & 0xfffffffffffffull);
}

/* copies tr's vector lanes where both sides hold a NaN (different ones) */
static bool take_nan_lanes(uint8_t *nat, const uint8_t *tr, unsigned size)
{
    bool changed = false;
    for (unsigned at = 0; at < size; at += 8) {
        if (memcmp(nat + at, tr + at, 8) != 0 && nan64(nat + at) && nan64(tr + at)) {
            memcpy(nat + at, tr + at, 8);
            changed = true;
        }
    }
    for (unsigned at = 0; at < size; at += 4) {
        if (memcmp(nat + at, tr + at, 4) != 0 && nan32(nat + at) && nan32(tr + at)) {
            memcpy(nat + at, tr + at, 4);
            changed = true;
        }
    }
    return changed;
}

/* QEMU 7.2 gives SSE/AVX arithmetic with two NaN operands the NaN of larger
 * significand (the x87 rule, SDM vol. 1, table 4-7); the SDM's SSE rule is the
 * first source operand's NaN (vol. 1, table 11-1 and 4.8.3.5). Patches the
 * xmm/ymm lanes where both sides hold different NaNs; the caller compares
 * again. */
static bool nan_choice(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    (void)seq;
    bool changed = take_nan_lanes(&nat->state.xmm[0][0], &tr->state.xmm[0][0], 8 * 16);
    changed |= take_nan_lanes(&nat->state.ymmh[0][0], &tr->state.ymmh[0][0], 8 * 16);
    return changed;
}

/* QEMU 7.2 does not set MXCSR.DE (bit 1) for a denormal source operand with
 * DAZ clear (SDM vol. 1, 11.5.2.2 "Denormal-Operand Exception (#D)"). Patches
 * DE in where only ours has it; the caller compares again. */
static bool denormal_flag(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    (void)seq;
    if (!(nat->state.mxcsr & 2) && (tr->state.mxcsr & 2)) {
        nat->state.mxcsr |= 2;
        return true;
    }
    return false;
}

/* QEMU 7.2's user mode reports a #PF of a read-modify-write memory operand
 * (ADD [mem], reg) as a read: error code W clear in the signal frame; the
 * hardware sets W (it reads the operand for writing; check-sysdifftest checks
 * ours against it in 64-bit mode). Patches W in; the caller compares again. */
static bool rmw_fault_write(const Sequence *seq, RunResult *nat, const RunResult *tr)
{
    (void)seq;
    if (nat->status != RUN_EXCEPTION || nat->exception != 14 || tr->exception != 14 ||
        nat->error_code < 0 || nat->error_code != (tr->error_code & ~2) ||
        nat->error_code == tr->error_code) {
        return false;
    }
    nat->error_code = tr->error_code;
    return true;
}

static const struct {
    const char *name;
    bool compare_again;       /* patched the native result: the caller compares */
    bool (*explains)(const Sequence *seq, RunResult *nat, const RunResult *tr);
} qemu_differences[] = {
    { "QEMU 7.2 runs LOCK on an instruction that cannot take it (SDM: #UD)", false, lock_ud },
    { "QEMU 7.2 raises #UD on scalar VEX with VEX.L=1 (SDM: VEX.LIG)", false, vex_scalar_l1_ud },
    { "QEMU 7.2 keeps bits 255:128 after scalar FMA with VEX.L=1 (SDM: zeroed)", true,
      vex_scalar_l1_upper },
    { "QEMU 7.2's CMPXCHG8B changes flags other than ZF (SDM: unaffected)", true,
      cmpxchg8b_flags },
    { "QEMU 7.2's MIN/MAX return a denormal operand under DAZ (SDM: as zero)", true,
      daz_min_max },
    { "QEMU 7.2 reports a read-modify-write operand's #PF as a read (W clear)", true,
      rmw_fault_write },
    { "QEMU 7.2 picks the larger-significand NaN of two (SDM SSE rule: the first "
      "source's)", true, nan_choice },
    { "QEMU 7.2 does not set MXCSR.DE for denormal operands (SDM vol. 1, 11.5.2.2)", true,
      denormal_flag },
};

const char *oracle32_explain(const Sequence *seq, RunResult *nat, const RunResult *tr,
                             bool *compare_again)
{
    const char *reason = NULL;
    *compare_again = false;
    for (unsigned k = 0; k < sizeof(qemu_differences) / sizeof(qemu_differences[0]); k++) {
        bool hit = false, every = true;
        for (int run = 0; run < RUNS; run++) {
            bool h = qemu_differences[k].explains(seq, &nat[run], &tr[run]);
            hit |= h;
            every &= h;
        }
        /* a #UD on one side explains a run, not the other run's state */
        if (every && !qemu_differences[k].compare_again) {
            *compare_again = false;
            return qemu_differences[k].name;
        }
        if (hit && qemu_differences[k].compare_again) {
            *compare_again = true;
            reason = reason ? "several of QEMU 7.2's known differences" : qemu_differences[k].name;
        }
    }
    return reason;
}

/* Groups that qemu-i386 7.2 cannot judge in 32-bit mode at all: left out
 * there, counted as skipped. */
static const struct {
    const char *group;
    const char *why;
} qemu_wrong_groups[] = {
    /* a 32-bit test program (tests/difftest/README.md) gathers mem[0] four
     * times for indexes 0, 4, 8, 12 with scale 1 (and with scale 4) */
    { "avx-gather", "QEMU 7.2's i386 gathers ignore the VSIB index "
      "(SDM vol. 2, VGATHERDPS: base + index * scale + disp)" },
};

const char *oracle32_group_differs(const char *group)
{
    for (unsigned i = 0; i < sizeof(qemu_wrong_groups) / sizeof(qemu_wrong_groups[0]); i++) {
        if (strcmp(qemu_wrong_groups[i].group, group) == 0) {
            return qemu_wrong_groups[i].why;
        }
    }
    return NULL;
}

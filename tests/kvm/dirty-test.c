/*
 * Dirty-page logging through accel/kvm/kvm.h (kvm_dirty_log_start/sync/stop)
 * with a real vCPU: tests/kvm/dirty-guest.S writes known pages in phases and
 * reports each on port 0xf4; after each phase the log must hold exactly the
 * pages that phase wrote (a sync forgets what it returned), a sync before
 * start and after stop is refused, and the guest's writes reach our RAM.
 * usage: dirty-test KVM-DEVICE GUEST.bin; prints "ok ..."/"FAIL ..." lines
 * and exits 0 when all passed, 77 when the device cannot run a VM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "accel/kvm/kvm.h"
#include "accel/tcg/exec.h"
#include "tcg/tcg.h"

#define RAM_SIZE (2u << 20)

typedef struct Test {
    KVMState *kvm;
    int phase;              /* the guest's last report on port 0xf4 */
    char got[256];          /* the runs a sync reported, as text */
    int fails;
} Test;

static int no_irq(void *o) { (void)o; return -1; }
static bool no_msr_r(void *o, uint32_t m, uint64_t *v) { (void)o; (void)m; (void)v; return false; }
static bool no_msr_w(void *o, uint32_t m, uint64_t v) { (void)o; (void)m; (void)v; return false; }
static int64_t clock0(void *o) { (void)o; return 0; }
static void no_reset(void *o, const char *why) { (void)o; fprintf(stderr, "reset: %s\n", why); }
static uint32_t io_r(void *o, uint16_t p, unsigned n) { (void)o; (void)p; (void)n; return ~0u; }

/* port 0xf4: the phase; the vCPU parks after this exit and kvm_cpu_exec returns */
static void io_w(void *o, uint16_t port, uint32_t v, unsigned n)
{
    Test *t = o;
    (void)n;
    if (port == 0xf4) {
        t->phase = v;
        kvm_kick(t->kvm);
    }
}

static void mark(void *opaque, uint64_t gpa, uint64_t len)
{
    Test *t = opaque;
    size_t l = strlen(t->got);
    snprintf(t->got + l, sizeof(t->got) - l, "%s%llx+%llx", l ? " " : "",
             (unsigned long long)gpa, (unsigned long long)len);
}

static void check(Test *t, const char *name, const char *got, const char *want)
{
    if (!strcmp(got, want)) {
        printf("ok %s: %s\n", name, got);
    } else {
        printf("FAIL %s: got '%s' want '%s'\n", name, got, want);
        t->fails++;
    }
}

/* runs the guest until it reports phase */
static void run_to(Test *t, int phase)
{
    for (int i = 0; i < 100000 && t->phase < phase; i++) {
        int r = kvm_cpu_exec(t->kvm);
        if (r == KVM_EXCP_FATAL || r == EXCP_HLT) {
            break;
        }
    }
}

static void sync_check(Test *t, const char *name, const char *want)
{
    t->got[0] = 0;
    char *e = kvm_dirty_log_sync(t->kvm, mark, t);
    check(t, name, e ? e : t->got, want);
    free(e);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dirty-test KVM-DEVICE GUEST.bin\n");
        return 2;
    }
    static Test t;
    AddressSpace *as = address_space_new();
    uint8_t *ram = memory_region_host(memory_add_ram(as, "ram", 0, RAM_SIZE));
    FILE *f = fopen(argv[2], "rb");
    if (!f || fread(ram + 0x1000, 1, 0x1000, f) == 0) {
        fprintf(stderr, "dirty-test: cannot read %s\n", argv[2]);
        return 2;
    }
    fclose(f);
    size_t env_size = (sizeof(CPUX86State) + 63) & ~(size_t)63;
    CPUX86State *env = aligned_alloc(64, env_size);
    memset(env, 0, env_size);
    TCGContext *tcg = tcg_context_new(1 << 20);
    env->exec = cpu_exec_new(env, &x86_translate_ops, tcg);
    x86_cpu_init_system(env, as);
    X86BoardHooks hooks = { no_irq, no_msr_r, no_msr_w, clock0, no_reset, io_r, io_w };
    env->board = &hooks;
    env->board_opaque = &t;
    x86_cpu_reset(env);
    env->segs[R_CS].base = 0;           /* real mode, CS = 0, at the guest */
    env->segs[R_CS].selector = 0;
    env->rip = 0x1000;
    char *err = NULL;
    if (!(t.kvm = kvm_init(argv[1], as, &env, 1, NULL, &err))) {
        printf("SKIP: %s\n", err ? err : "kvm_init failed");
        return 77;
    }
    kvm_state_changed(t.kvm);
    sync_check(&t, "sync before start", "kvm: KVM_GET_DIRTY_LOG (dirty logging was not started) "
               "failed: Invalid argument");
    err = kvm_dirty_log_start(t.kvm);
    check(&t, "start", err ? err : "started", "started");
    free(err);
    run_to(&t, 1);
    check(&t, "phase 1 reached", t.phase >= 1 ? "yes" : "no", "yes");
    sync_check(&t, "phase 1 pages", "10000+1000 13000+1000 20000+2000");
    sync_check(&t, "sync again: nothing new", "");
    run_to(&t, 2);
    sync_check(&t, "phase 2 pages", "30000+1000");
    kvm_dirty_log_stop(t.kvm);
    run_to(&t, 3);
    sync_check(&t, "sync after stop", "kvm: KVM_GET_DIRTY_LOG (dirty logging was not started) "
               "failed: Invalid argument");
    char mem[64];
    snprintf(mem, sizeof(mem), "%02x %02x %04x %02x", ram[0x10000], ram[0x21800],
             ram[0x30010] | ram[0x30011] << 8, ram[0x40000]);
    check(&t, "the guest's writes in RAM", mem, "01 01 1234 01");
    kvm_free(t.kvm);
    printf("%d failed\n", t.fails);
    return t.fails ? 1 : 0;
}

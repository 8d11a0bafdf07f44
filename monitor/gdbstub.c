/*
 * The gdb stub: GDB's remote serial protocol (GDB manual, appendix "GDB Remote
 * Serial Protocol") on a TCP socket (-gdb tcp::PORT, -s, the monitor's
 * gdbserver). Each vCPU is a thread (CPU index + 1, as QEMU numbers them);
 * Hg picks the one whose registers and memory view g/G/p/P/m/M use, a stop
 * names the CPU that stopped; registers in the order of gdb-target.h;
 * memory at virtual (linear) addresses through the guest's page tables;
 * breakpoints (Z0/Z1, both kept by us, guest memory untouched) and single
 * steps through the execution loop's debug hook; watchpoints (Z2 write, Z3
 * read, Z4 access) on virtual addresses through the softmmu's watch hook
 * (cpu_watch_set), reported after the accessing instruction as a trap-class
 * data breakpoint (Intel SDM vol. 3B 17.2.4); Ctrl-C stops the machine.
 * All-stop: any CPU's stop stops them all. While one CPU steps, the others
 * do what the vCont says, as QEMU's stub does: gdb's default "vCont;s:N;c"
 * lets them run, "vCont;s:N" (set scheduler-locking step/on) keeps them where
 * they are (a thread with no action stays stopped: GDB manual, "vCont").
 * Packets run on the CPU thread between blocks, like the monitor's commands.
 */
#include <stdlib.h>
#include <string.h>
#include "accel/tcg/exec.h"
#include "monitor/gdb-target.h"
#include "monitor/internal.h"
#include "target-i386/cpu.h"
#include "target-i386/sys_helper.h"

#define PACKET_MAX 4096
#define MAX_BREAKPOINTS 64
#define MAX_WATCHPOINTS 16
#define MAX_WATCH_LEN 4096

typedef struct GdbWatch {
    uint64_t addr, len;
    char type;                      /* '2' write, '3' read, '4' access */
} GdbWatch;

struct GdbStub {
    MonitorHost *h;
    CharDev *chr;
    enum { RX_IDLE, RX_DATA, RX_SUM1, RX_SUM2 } rx;
    char pkt[PACKET_MAX + 1];
    size_t len;
    uint8_t sum;
    unsigned got_sum;
    bool overflow;
    bool no_ack;
    bool connected;
    bool waiting;                   /* gdb waits for a stop reply */
    int step;                       /* step_cpu: 1 run one instruction, 2 then stop */
    int step_cpu;
    bool skip[PC_MAX_CPUS];         /* a CPU resumes over the breakpoint at skip_pc */
    uint64_t skip_pc[PC_MAX_CPUS];
    int gcpu;                       /* Hg: registers and memory */
    int ccpu;                       /* Hc: what s steps; -1 any (then gcpu) */
    int stop_cpu;                   /* the thread of the last stop */
    uint64_t bp[MAX_BREAKPOINTS];
    int nbp;
    GdbWatch wp[MAX_WATCHPOINTS];
    int nwp;
    /* a watchpoint hit: its instruction restarts alone (HIT_RESTART), runs
     * (HIT_RUN), then the CPU stops and gdb hears of hit_wp */
    enum { HIT_NONE, HIT_RESTART, HIT_RUN } hit;
    int hit_wp;
    int hit_cpu;
};

static const char hexdigits[] = "0123456789abcdef";

static int ncpus(const GdbStub *g)
{
    return g->h->v.ncpus;
}

/* the CPU Hg selected: its registers, and its page tables for memory */
static CPUX86State *genv(const GdbStub *g)
{
    return pc_cpu_env(g->h->machine, g->gcpu);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void send_packet(GdbStub *g, const char *data, size_t len)
{
    char *buf = malloc(len + 5);
    uint8_t sum = 0;
    buf[0] = '$';
    for (size_t i = 0; i < len; i++) {
        sum += (uint8_t)data[i];
    }
    memcpy(buf + 1, data, len);
    buf[len + 1] = '#';
    buf[len + 2] = hexdigits[sum >> 4];
    buf[len + 3] = hexdigits[sum & 15];
    chardev_write(g->chr, (const uint8_t *)buf, len + 4);
    free(buf);
}

static void send_str(GdbStub *g, const char *s)
{
    send_packet(g, s, strlen(s));
}

static void to_hex(char *out, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hexdigits[buf[i] >> 4];
        out[2 * i + 1] = hexdigits[buf[i] & 15];
    }
    out[2 * len] = 0;
}

static bool from_hex(uint8_t *buf, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        buf[i] = hi << 4 | lo;
    }
    return true;
}

/* --- registers, in gdb-target.h's order --- */

static const int gpr_order[16] = { 0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15 };

static int reg_size(int n)
{
    return n < 17 ? 8 : n < 24 ? 4 : n < 32 ? 10 : n < 40 ? 4 : n < 56 ? 16 : 4;
}

static void reg_read(CPUX86State *env, int n, uint8_t *buf)
{
    uint64_t v = 0;
    memset(buf, 0, 16);
    if (n < 16) {
        v = env->regs[gpr_order[n]];
    } else if (n == 16) {
        v = env->rip;
    } else if (n == 17) {
        v = x86_cpu_get_eflags(env);
    } else if (n < 24) {
        static const int seg[6] = { 1, 2, 3, 0, 4, 5 };    /* cs ss ds es fs gs */
        v = env->segs[seg[n - 18]].selector;
    } else if (n < 32) {
        memcpy(buf, &env->fpregs[(env->fpstt + n - 24) & 7], 10);
        return;
    } else if (n == 32) {
        v = env->fpuc;
    } else if (n == 33) {
        v = (env->fpus & ~0x3800u) | (env->fpstt & 7) << 11;
    } else if (n == 34) {
        for (int i = 0; i < 8; i++) {
            v |= (uint64_t)(env->fptags[i] ? 3 : 0) << (2 * i);   /* 11: empty */
        }
    } else if (n >= 40 && n < 56) {
        memcpy(buf, &env->xmm_regs[n - 40], 16);
        return;
    } else if (n == 56) {
        v = env->mxcsr;
    }
    memcpy(buf, &v, 8);     /* little-endian, as the target */
}

static void reg_write(CPUX86State *env, int n, const uint8_t *buf)
{
    uint64_t v = 0;
    memcpy(&v, buf, reg_size(n) < 8 ? reg_size(n) : 8);
    if (n < 16) {
        env->regs[gpr_order[n]] = v;
    } else if (n == 16) {
        env->rip = v;
    } else if (n == 17) {
        x86_cpu_set_eflags(env, (uint32_t)v);
    } else if (n >= 24 && n < 32) {
        memcpy(&env->fpregs[(env->fpstt + n - 24) & 7], buf, 10);
    } else if (n >= 40 && n < 56) {
        memcpy(&env->xmm_regs[n - 40], buf, 16);
    } else if (n == 56) {
        env->mxcsr = (uint32_t)v;
    }
    /* segment selectors and x87 control words stay (their caches would not follow) */
}

static void read_all_regs(GdbStub *g)
{
    char out[2 * 600 + 1];
    size_t pos = 0;
    uint8_t buf[16];
    for (int n = 0; n < GDB_NUM_REGS; n++) {
        reg_read(genv(g), n, buf);
        to_hex(out + pos, buf, reg_size(n));
        pos += 2 * reg_size(n);
    }
    send_packet(g, out, pos);
}

static void write_all_regs(GdbStub *g, const char *hex)
{
    uint8_t buf[16];
    for (int n = 0; n < GDB_NUM_REGS && *hex; n++) {
        if (strlen(hex) < 2u * reg_size(n) || !from_hex(buf, hex, reg_size(n))) {
            send_str(g, "E01");
            return;
        }
        reg_write(genv(g), n, buf);
        hex += 2 * reg_size(n);
    }
    send_str(g, "OK");
}

/* --- memory --- */

/* Copies between buf and guest virtual memory; false at an unmapped page. */
static bool guest_rw(GdbStub *g, uint64_t addr, uint8_t *buf, size_t len, bool write)
{
    while (len) {
        size_t chunk = 4096 - (addr & 4095);
        chunk = chunk > len ? len : chunk;
        uint64_t pa = x86_cpu_get_phys_addr_debug(genv(g), addr);
        if (pa == (uint64_t)-1 || memory_lookup(g->h->v.as, pa).kind == MEM_UNASSIGNED) {
            return false;
        }
        if (write) {
            address_space_write(g->h->v.as, pa, buf, chunk);
            /* code may live there */
            tb_invalidate_range(pc_cpu_exec(g->h->machine, g->gcpu), pa, pa + chunk);
        } else {
            address_space_read(g->h->v.as, pa, buf, chunk);
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

static void memory_packet(GdbStub *g, const char *args, bool write)
{
    char *end;
    uint64_t addr = strtoull(args, &end, 16);
    size_t len = *end == ',' ? strtoull(end + 1, &end, 16) : 0;
    if (len > PACKET_MAX / 2 - 8 || (write && *end != ':')) {
        send_str(g, "E01");
        return;
    }
    uint8_t *buf = malloc(len + 1);
    char *out = malloc(2 * len + 1);
    if (write) {
        if (strlen(end + 1) < 2 * len || !from_hex(buf, end + 1, len)) {
            send_str(g, "E01");
        } else {
            send_str(g, guest_rw(g, addr, buf, len, true) ? "OK" : "E14");
        }
    } else if (guest_rw(g, addr, buf, len, false)) {
        to_hex(out, buf, len);
        send_packet(g, out, 2 * len);
    } else {
        send_str(g, "E14");
    }
    free(buf);
    free(out);
}

/* --- breakpoints, stepping, stops --- */

static int bp_find(GdbStub *g, uint64_t addr)
{
    for (int i = 0; i < g->nbp; i++) {
        if (g->bp[i] == addr) {
            return i;
        }
    }
    return -1;
}

static bool bp_inside(GdbStub *g, uint64_t start, uint64_t end)
{
    for (int i = 0; i < g->nbp; i++) {
        if (g->bp[i] > start && g->bp[i] < end) {
            return true;
        }
    }
    return false;
}

/* the softmmu asks about an access overlapping a watch range */
static bool watch_hook(void *opaque, uint64_t vaddr, unsigned len, bool is_write)
{
    MonitorCpuHook *c = opaque;
    GdbStub *g = c->h->gdb;
    if (!g || !g->connected || !g->waiting || g->hit != HIT_NONE) {
        return false;       /* no gdb to tell, or the hit instruction's rerun */
    }
    for (int i = 0; i < g->nwp; i++) {
        const GdbWatch *w = &g->wp[i];
        bool kind = w->type == '4' || (w->type == '2') == is_write;
        if (kind && vaddr < w->addr + w->len && w->addr < vaddr + len) {
            g->hit = HIT_RESTART;
            g->hit_wp = i;
            g->hit_cpu = c->index;
            return true;
        }
    }
    return false;
}

static void watch_update(GdbStub *g)
{
    CPUWatchRange r[MAX_WATCHPOINTS];
    for (int i = 0; i < g->nwp; i++) {
        r[i] = (CPUWatchRange) { g->wp[i].addr, g->wp[i].len };
    }
    g->hit = HIT_NONE;
    for (int i = 0; i < ncpus(g); i++) {
        cpu_watch_set(pc_cpu_exec(g->h->machine, i), r, g->nwp, g->nwp ? watch_hook : NULL,
                      &g->h->cpu_hooks[i]);
    }
}

/* Z2/Z3/Z4,ADDR,LEN and z2-z4: a range and kind as gdb gives them */
static void watchpoint_packet(GdbStub *g, const char *pkt)
{
    char *end;
    uint64_t addr = strtoull(pkt + 3, &end, 16);
    uint64_t len = *end == ',' ? strtoull(end + 1, NULL, 16) : 0;
    if (pkt[2] != ',' || *end != ',' || len == 0 || len > MAX_WATCH_LEN || addr + len < addr) {
        send_str(g, "E22");
        return;
    }
    int i = 0;
    while (i < g->nwp && (g->wp[i].addr != addr || g->wp[i].len != len ||
                          g->wp[i].type != pkt[1])) {
        i++;
    }
    if (pkt[0] == 'Z' && i == g->nwp) {
        if (g->nwp == MAX_WATCHPOINTS) {
            send_str(g, "E28");     /* ENOSPC: gdb says it cannot insert it */
            return;
        }
        g->wp[g->nwp++] = (GdbWatch) { addr, len, pkt[1] };
    } else if (pkt[0] == 'z' && i < g->nwp) {
        g->wp[i] = g->wp[--g->nwp];
    }
    watch_update(g);
    send_str(g, "OK");
}

static void breakpoint_packet(GdbStub *g, const char *pkt)
{
    char type = pkt[1];
    uint64_t addr = strtoull(pkt + 3, NULL, 16);
    bool kvm = g->h->v.cfg->accel && strstr(g->h->v.cfg->accel, "kvm");
    if (type >= '2' && type <= '4' && !kvm) {
        watchpoint_packet(g, pkt);
        return;
    }
    if (type != '0' && type != '1') {
        send_str(g, "");
        return;
    }
    int i = bp_find(g, addr);
    if (pkt[0] == 'Z' && i < 0) {
        if (g->nbp == MAX_BREAKPOINTS) {
            send_str(g, "E22");
            return;
        }
        g->bp[g->nbp++] = addr;
    } else if (pkt[0] == 'z' && i >= 0) {
        g->bp[i] = g->bp[--g->nbp];
    }
    send_str(g, "OK");
}

static void report_stop(GdbStub *g, int signal)
{
    char reply[32];
    snprintf(reply, sizeof(reply), "T%02xthread:%02x;", signal, g->stop_cpu + 1);
    g->waiting = false;
    send_str(g, reply);
}

/* T05watch:ADDR; (rwatch, awatch): gdb reads the new value itself */
static void report_watch(GdbStub *g)
{
    static const char *const names[] = { "watch", "rwatch", "awatch" };
    const GdbWatch *w = &g->wp[g->hit_wp];
    char reply[80];
    snprintf(reply, sizeof(reply), "T05thread:%02x;%s:%llx;", g->stop_cpu + 1,
             names[w->type - '2'], (unsigned long long)w->addr);
    g->hit = HIT_NONE;
    g->waiting = false;
    send_str(g, reply);
}

/* cpu stopped: all stop, gdb hears of it with cpu as the thread */
static void stop_at(GdbStub *g, int cpu)
{
    g->step = 0;
    pc_run_only(g->h->machine, -1);
    memset(g->skip, 0, sizeof(g->skip));
    g->stop_cpu = g->gcpu = cpu;
    mc_stop(g->h);
}

/* The execution loop asks before every block of every CPU while gdb is
 * attached (through debug.c). */
int gdb_debug_hook(GdbStub *g, int cpu, uint64_t pc, uint32_t size, unsigned icount)
{
    if (!g->connected || !g->waiting) {
        return DEBUG_RUN;       /* running without gdb waiting (HMP cont) */
    }
    if (g->hit != HIT_NONE && cpu == g->hit_cpu) {
        if (g->hit == HIT_RESTART) {
            g->hit = HIT_RUN;   /* the watched access's instruction, alone */
            return DEBUG_ONE_INSN;
        }
        stop_at(g, cpu);        /* it retired */
        report_watch(g);
        return DEBUG_STOP;
    }
    bool stepping = g->step && cpu == g->step_cpu;
    bool resumed_here = g->skip[cpu] && pc == g->skip_pc[cpu];
    g->skip[cpu] = false;
    if ((stepping && g->step == 2) || (!resumed_here && bp_find(g, pc) >= 0)) {
        stop_at(g, cpu);
        report_stop(g, 5);      /* SIGTRAP */
        return DEBUG_STOP;
    }
    if (stepping) {
        g->step = 2;
        return DEBUG_ONE_INSN;
    }
    return bp_inside(g, pc, pc + size) ? DEBUG_ONE_INSN : DEBUG_RUN;
}

static uint64_t linear_pc(CPUX86State *env)
{
    return env->rip + ((env->hflags & HF_CS64) ? 0 : env->segs[1].base);
}

/* step: the CPU that runs one instruction (-1: none, all continue); alone:
 * the others stay stopped meanwhile */
static void resume(GdbStub *g, int step, bool alone)
{
    for (int i = 0; i < ncpus(g); i++) {
        uint64_t pc = linear_pc(pc_cpu_env(g->h->machine, i));
        g->skip[i] = bp_find(g, pc) >= 0;
        g->skip_pc[i] = pc;
    }
    g->step = step >= 0;
    g->step_cpu = step;
    pc_run_only(g->h->machine, alone ? step : -1);
    g->hit = HIT_NONE;     /* an instruction stopped before its rerun hits again */
    g->waiting = true;
    if (g->h->state == RUN_SHUTDOWN) {
        report_stop(g, 5);
        return;
    }
    mc_cont(g->h);
}

/* A thread id: a CPU index, -1 for "all" (-1) or "any" (0), -2 for none. */
static int parse_thread(const GdbStub *g, const char *s)
{
    char *end;
    long id = strtol(s, &end, 16);
    if (end == s || *end) {
        return -2;
    }
    return id <= 0 ? (id >= -1 ? -1 : -2) : id <= ncpus(g) ? (int)id - 1 : -2;
}

/* the CPU a step without a thread steps: Hc's, or Hg's when Hc said any */
static int step_cpu(const GdbStub *g)
{
    return g->ccpu >= 0 ? g->ccpu : g->gcpu;
}

/* vCont;ACTION[:thread]...: the first action says continue or step, and
 * which CPU steps; the others run on when another action follows (gdb's
 * "vCont;s:N;c"), else stay stopped ("vCont;s:N"). */
static void vcont_packet(GdbStub *g, const char *pkt)
{
    char act = pkt[5] == ';' ? pkt[6] : 0;
    if (!strcmp(pkt, "vCont?")) {
        send_str(g, "vCont;c;C;s;S");
    } else if (act == 's' || act == 'S') {
        char id[20] = "";
        sscanf(pkt + 7, ":%19[^;]", id);
        int cpu = *id ? parse_thread(g, id) : step_cpu(g);
        /* any further action (gdb's ";c") resumes the other threads */
        resume(g, cpu < 0 ? step_cpu(g) : cpu, !strchr(pkt + 7, ';'));
    } else if (act == 'c' || act == 'C') {
        resume(g, -1, false);
    } else {
        send_str(g, "");
    }
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void xfer_packet(GdbStub *g, const char *annex)
{
    static const char xml[] = GDB_TARGET_XML;
    if (strncmp(annex, "target.xml:", 11)) {
        send_str(g, "E00");
        return;
    }
    char *end;
    size_t off = strtoull(annex + 11, &end, 16), len = *end == ',' ? strtoull(end + 1, NULL, 16) : 0;
    size_t total = sizeof(xml) - 1;
    if (off > total) {
        send_str(g, "E00");
        return;
    }
    if (len > PACKET_MAX - 8) {
        len = PACKET_MAX - 8;
    }
    size_t n = total - off < len ? total - off : len;
    char *reply = malloc(n + 2);
    reply[0] = off + n < total ? 'm' : 'l';
    memcpy(reply + 1, xml + off, n);
    send_packet(g, reply, n + 1);
    free(reply);
}

/* qThreadExtraInfo,ID: "CPU#N [running]" or [halted ], hex-encoded, as QEMU's */
static void thread_info_packet(GdbStub *g, const char *id)
{
    int cpu = parse_thread(g, id);
    if (cpu < 0) {
        send_str(g, "E22");
        return;
    }
    char text[40], out[81];
    snprintf(text, sizeof(text), "CPU#%d [%s]", cpu,
             pc_cpu_halted(g->h->machine, cpu) ? "halted " : "running");
    to_hex(out, (const uint8_t *)text, strlen(text));
    send_str(g, out);
}

static void query_packet(GdbStub *g, const char *pkt)
{
    char reply[8 * PC_MAX_CPUS];
    if (!strncmp(pkt, "qSupported", 10)) {
        send_str(g, "PacketSize=1000;qXfer:features:read+;QStartNoAckMode+;vContSupported+");
    } else if (!strncmp(pkt, "qXfer:features:read:", 20)) {
        xfer_packet(g, pkt + 20);
    } else if (!strcmp(pkt, "qAttached")) {
        send_str(g, "1");
    } else if (!strcmp(pkt, "qC")) {
        snprintf(reply, sizeof(reply), "QC%02x", g->gcpu + 1);
        send_str(g, reply);
    } else if (!strcmp(pkt, "qfThreadInfo")) {
        int n = snprintf(reply, sizeof(reply), "m01");
        for (int i = 1; i < ncpus(g); i++) {
            n += snprintf(reply + n, sizeof(reply) - n, ",%02x", i + 1);
        }
        send_str(g, reply);
    } else if (!strncmp(pkt, "qThreadExtraInfo,", 17)) {
        thread_info_packet(g, pkt + 17);
    } else if (!strcmp(pkt, "qsThreadInfo")) {
        send_str(g, "l");
    } else if (!strncmp(pkt, "qSymbol", 7)) {
        send_str(g, "OK");
    } else {
        send_str(g, "");
    }
}

/* D: the machine runs on without gdb; a connection that just ends leaves it
 * as it is (stopped, as QEMU does). */
static void detach(GdbStub *g, bool resume)
{
    g->nbp = 0;
    g->nwp = 0;
    watch_update(g);
    g->step = 0;
    pc_run_only(g->h->machine, -1);
    g->waiting = false;
    g->connected = false;
    monitor_update_debug_hook(g->h);
    if (resume) {
        mc_cont(g->h);
    }
}

/* p N: one register; P N=VALUE: sets it */
static void register_packet(GdbStub *g, const char *pkt)
{
    uint8_t buf[16];
    char out[40], *eq;
    int n = (int)strtol(pkt + 1, &eq, 16);
    if (n < 0 || n >= GDB_NUM_REGS) {
        send_str(g, "E00");
    } else if (pkt[0] == 'p') {
        reg_read(genv(g), n, buf);
        to_hex(out, buf, reg_size(n));
        send_str(g, out);
    } else if (*eq != '=' || strlen(eq + 1) < 2u * reg_size(n) || !from_hex(buf, eq + 1, reg_size(n))) {
        send_str(g, "E00");
    } else {
        reg_write(genv(g), n, buf);
        send_str(g, "OK");
    }
}

/* Hg ID (registers, memory), Hc ID (steps); 0 and -1 keep Hg's CPU */
static void thread_select_packet(GdbStub *g, const char *pkt)
{
    int cpu = parse_thread(g, pkt + 2);
    if ((pkt[1] != 'g' && pkt[1] != 'c') || cpu == -2) {
        send_str(g, "E22");
        return;
    }
    if (pkt[1] == 'g' && cpu >= 0) {
        g->gcpu = cpu;
    } else if (pkt[1] == 'c') {
        g->ccpu = cpu;
    }
    send_str(g, "OK");
}

/* g, G, p, P, m, M: the Hg CPU's registers or memory, read from the
 * accelerator first (m and M too: the page walk reads CR3 and CR4); register
 * writes go back to it before the CPU runs again. */
static void cpu_state_packet(GdbStub *g, char *pkt)
{
    pc_cpu_state_sync(g->h->machine);
    if (pkt[0] == 'g') {
        read_all_regs(g);
    } else if (pkt[0] == 'G') {
        write_all_regs(g, pkt + 1);
    } else if (pkt[0] == 'p' || pkt[0] == 'P') {
        register_packet(g, pkt);
    } else {
        memory_packet(g, pkt + 1, pkt[0] == 'M');
    }
    if (pkt[0] == 'G' || pkt[0] == 'P') {
        pc_cpu_state_changed(g->h->machine);
    }
}

static void handle_packet(GdbStub *g, char *pkt)
{
    switch (pkt[0]) {
    case '?':
        report_stop(g, 5);
        break;
    case 'q':
        query_packet(g, pkt);
        break;
    case 'Q':
        send_str(g, !strcmp(pkt, "QStartNoAckMode") ? "OK" : "");
        g->no_ack |= !strcmp(pkt, "QStartNoAckMode");
        break;
    case 'H':
        thread_select_packet(g, pkt);
        break;
    case 'T':
        send_str(g, parse_thread(g, pkt + 1) >= 0 ? "OK" : "E22");
        break;
    case 'g':
    case 'G':
    case 'p':
    case 'P':
    case 'm':
    case 'M':
        cpu_state_packet(g, pkt);
        break;
    case 'Z':
    case 'z':
        breakpoint_packet(g, pkt);
        break;
    case 'c':
    case 'C':
    case 's':
    case 'S':
        resume(g, pkt[0] == 's' || pkt[0] == 'S' ? step_cpu(g) : -1, false);
        break;
    case 'v':
        if (!strncmp(pkt, "vCont", 5)) {
            vcont_packet(g, pkt);
        } else {
            send_str(g, "");
        }
        break;
    case 'D':
        send_str(g, "OK");
        detach(g, true);
        break;
    case 'k':
        mc_quit(g->h, "host-qmp-quit");
        break;
    default:
        send_str(g, "");
    }
}

/* --- the byte stream --- */

static void interrupt(GdbStub *g)
{
    if (g->waiting) {
        stop_at(g, g->gcpu);
        report_stop(g, 2);      /* SIGINT */
    }
}

static void gdb_byte(GdbStub *g, uint8_t b)
{
    switch (g->rx) {
    case RX_IDLE:
        if (b == '$') {
            g->rx = RX_DATA;
            g->len = 0;
            g->sum = 0;
            g->overflow = false;
        } else if (b == 0x03) {
            interrupt(g);
        }
        break;      /* '+', '-' and noise */
    case RX_DATA:
        if (b == '#') {
            g->rx = RX_SUM1;
        } else {
            g->sum += b;
            if (g->len < PACKET_MAX) {
                g->pkt[g->len++] = b;
            } else {
                g->overflow = true;
            }
        }
        break;
    case RX_SUM1:
        g->got_sum = hexval(b) << 4;
        g->rx = RX_SUM2;
        break;
    case RX_SUM2:
        g->rx = RX_IDLE;
        g->got_sum |= hexval(b);
        if (g->got_sum != g->sum || g->overflow) {
            if (!g->no_ack) {
                chardev_write(g->chr, (const uint8_t *)"-", 1);
            }
            break;
        }
        if (!g->no_ack) {
            chardev_write(g->chr, (const uint8_t *)"+", 1);
        }
        g->pkt[g->len] = 0;
        handle_packet(g, g->pkt);
        break;
    }
}

static int gdb_can_receive(void *opaque)
{
    return 4096;
}

static void gdb_receive(void *opaque, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        gdb_byte(opaque, buf[i]);
    }
}

static void gdb_event(void *opaque, int event)
{
    GdbStub *g = opaque;
    if (event == CHR_EVENT_OPENED) {
        /* gdb finds the machine stopped, as with QEMU */
        g->connected = true;
        g->no_ack = false;
        g->gcpu = g->stop_cpu = 0;
        g->ccpu = -1;
        g->rx = RX_IDLE;
        g->nbp = 0;
        g->nwp = 0;
        watch_update(g);
        mc_stop(g->h);
        monitor_update_debug_hook(g->h);
    } else if (event == CHR_EVENT_CLOSED && g->connected) {
        detach(g, false);
    }
}

char *gdb_start(MonitorHost *h, const char *dev)
{
    if (h->gdb) {
        return strdup("a gdb stub is already listening");
    }
    /* "tcp::1234", "tcp:127.0.0.1:1234" or a bare port */
    bool tcp = !strncmp(dev, "tcp:", 4);
    char *err = NULL;
    if (!tcp && (!*dev || strspn(dev, "0123456789") != strlen(dev))) {
        if (asprintf(&err, "gdbstub: '%s' is not supported (tcp::PORT)", dev) < 0) {
            err = NULL;
        }
        return err;
    }
    char spec[300];
    snprintf(spec, sizeof(spec), tcp ? "%s,server=on,wait=off" : "tcp::%s,server=on,wait=off", dev);
    CharDev *chr = chardev_open(h->v.ml, spec, &err);
    if (!chr) {
        return err;
    }
    GdbStub *g = calloc(1, sizeof(*g));
    g->h = h;
    g->chr = chr;
    h->gdb = g;
    CharFrontEnd fe = { gdb_can_receive, gdb_receive, gdb_event, g };
    chardev_set_front_end(chr, &fe);
    return NULL;
}

void gdb_free(MonitorHost *h)
{
    GdbStub *g = h->gdb;
    if (g) {
        g->nwp = 0;
        watch_update(g);        /* the CPUs stop checking gdb's watch ranges */
        h->gdb = NULL;
        monitor_update_debug_hook(h);
        chardev_close(g->chr);
        free(g);
    }
}

bool gdb_attached(const GdbStub *g)
{
    return g->connected;
}

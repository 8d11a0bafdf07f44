/*
 * The machine-state stream (format in migration/migration.h): writing the
 * clock, RAM, devices and CPUs (one 'C' section per vCPU, instance = its
 * index) of a stopped machine, and loading a stream after checking all of it,
 * so that a bad stream never leaves a half-loaded machine.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "accel/kvm/kvm.h"
#include "accel/tcg/exec.h"
#include "hw/device.h"
#include "migration/migration.h"
#include "system/main-loop.h"
#include "target-i386/cpu.h"
#include "target-i386/machine.h"

static const char *const ram_names[] = { "pc.ram", "pc.ram-above-4g", NULL };

/* CRC-32 (ISO-HDLC, as zlib computes it; zlib is the block layer's anyway) */
uint32_t vmstate_crc32(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        uInt n = len > (1u << 30) ? 1u << 30 : (uInt)len;
        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }
    return crc;
}

static void put_le(uint8_t *b, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        b[i] = v >> (8 * i);
    }
}

static uint64_t get_le(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = n; i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

/* --- writing --- */

static bool put_section_header(FILE *f, char kind, const char *name, uint32_t inst,
                               uint32_t ver, uint64_t len)
{
    uint8_t h[2 + 255 + 16];
    size_t n = strlen(name) > 255 ? 255 : strlen(name);
    h[0] = kind;
    h[1] = n;
    memcpy(h + 2, name, n);
    put_le(h + 2 + n, inst, 4);
    put_le(h + 6 + n, ver, 4);
    put_le(h + 10 + n, len, 8);
    return fwrite(h, 1, 18 + n, f) == 18 + n;
}

static bool put_section(FILE *f, char kind, const char *name, uint32_t inst, uint32_t ver,
                        const void *payload, uint64_t len)
{
    uint8_t crc[4];
    put_le(crc, vmstate_crc32(0, payload, len), 4);
    return put_section_header(f, kind, name, inst, ver, len) &&
           fwrite(payload, 1, len, f) == len && fwrite(crc, 1, 4, f) == 4;
}

char *vmstate_save_header(FILE *f)
{
    uint8_t h[12];
    memcpy(h, VMSTATE_MAGIC, 8);
    put_le(h + 8, VMSTATE_VERSION, 4);
    return fwrite(h, 1, 12, f) == 12 ? NULL : errmsg("cannot write the migration stream");
}

static bool page_is_zero(const uint8_t *p)
{
    static const uint8_t zero[VMSTATE_PAGE];
    return !memcmp(p, zero, VMSTATE_PAGE);
}

/* One RAM section: the pages [start, end) of a region, those whose sel flag
 * is set (sel NULL: all of them). Under KVM the guest may write the pages
 * meanwhile (a live migration's vCPU runs on): whether a page is zero is
 * decided once, and each page is copied before its CRC and its write, so the
 * section stays consistent; a page the guest changes meanwhile is in the
 * dirty log and goes again later. */
static bool save_ram_region(FILE *f, const char *name, const uint8_t *host, uint64_t size,
                            const uint8_t *sel, uint64_t start, uint64_t end, uint64_t *sent)
{
    uint64_t len = 8;
    uint8_t *zero = malloc(end > start ? end - start : 1);
    if (!zero) {
        return false;
    }
    for (uint64_t i = start; i < end; i++) {
        if (!sel || sel[i]) {
            zero[i - start] = page_is_zero(host + i * VMSTATE_PAGE);
            len += 8 + (zero[i - start] ? 0 : VMSTATE_PAGE);
        }
    }
    uint8_t copy[VMSTATE_PAGE];
    uint8_t b[8];
    put_le(b, size, 8);
    uint32_t crc = vmstate_crc32(0, b, 8);
    bool ok = put_section_header(f, 'R', name, 0, 1, len) && fwrite(b, 1, 8, f) == 8;
    for (uint64_t i = start; i < end && ok; i++) {
        if (sel && !sel[i]) {
            continue;
        }
        bool z = zero[i - start];
        put_le(b, i * VMSTATE_PAGE | (z ? 2 : 1), 8);
        crc = vmstate_crc32(crc, b, 8);
        ok = fwrite(b, 1, 8, f) == 8;
        if (!z) {
            memcpy(copy, host + i * VMSTATE_PAGE, VMSTATE_PAGE);
            crc = vmstate_crc32(crc, copy, VMSTATE_PAGE);
            ok = ok && fwrite(copy, 1, VMSTATE_PAGE, f) == VMSTATE_PAGE;
        }
        (*sent)++;
    }
    free(zero);
    put_le(b, crc, 4);
    return ok && fwrite(b, 1, 4, f) == 4;
}

char *vmstate_save_ram_range(FILE *f, const char *name, const uint8_t *host, uint64_t size,
                             const uint8_t *sel, uint64_t start, uint64_t end, uint64_t *sent)
{
    return save_ram_region(f, name, host, size, sel, start, end, sent)
               ? NULL : errmsg("cannot write the migration stream");
}

char *vmstate_save_ram(PCMachine *m, FILE *f, uint64_t *pages_sent)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    uint64_t sent = 0;
    for (int i = 0; ram_names[i]; i++) {
        MemRegion *r = memory_region_by_name(v.as, ram_names[i]);
        uint64_t size = r ? memory_region_size(r) : 0;
        if (r && !save_ram_region(f, ram_names[i], memory_region_host(r), size, NULL, 0,
                                  size / VMSTATE_PAGE, &sent)) {
            return errmsg("cannot write the migration stream");
        }
    }
    if (pages_sent) {
        *pages_sent += sent;
    }
    return NULL;
}

/* d's rank among the devices of its kind before it: hw/pc.c adds one local
 * APIC per CPU in CPU order, so an "apic"'s rank is its CPU's index */
static int kind_rank(Device *list, const Device *d)
{
    int n = 0;
    for (Device *o = list; o && o != d; o = o->next) {
        n += o->ops && d->ops && !strcmp(o->ops->name, d->ops->name);
    }
    return n;
}

/* The body of one section, written into ss; a malloc'd message or NULL. */
typedef char *SectionBody(void *opaque, SaveStream *ss);

/* One section of kind/name/inst/version whose body comes from body(opaque),
 * written into memory first since the section's header holds its length.
 * false with *err NULL when the stream could not be written. */
static bool save_section(FILE *f, char kind, const char *name, int inst, int version,
                         SectionBody *body, void *opaque, char **err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    if (!mf) {
        *err = errmsg("out of memory");
        return false;
    }
    SaveStream ss = { mf, false };
    *err = body(opaque, &ss);
    bool ok = fclose(mf) == 0 && !ss.error && !*err;
    ok = ok && put_section(f, kind, name, inst, version, buf, len);
    free(buf);
    return ok;
}

typedef struct DeviceSave {
    Device *d;
    int cpu;            /* its kind_rank */
    KVMState *kvm;      /* non-NULL: its kernel irqchip may hold the state */
} DeviceSave;

/* under KVM, from the kernel irqchip in the device's layout (accel/kvm/kvm.h) */
static char *device_body(void *opaque, SaveStream *ss)
{
    DeviceSave *ds = opaque;
    const DeviceOps *ops = ds->d->ops;
    if (ds->kvm && kvm_irqchip_owns(ds->kvm, ops->name)) {
        return kvm_irqchip_save(ds->kvm, ops->name, ds->cpu, ops->version, ss);
    }
    ops->save(ds->d, ss);
    return NULL;
}

static char *save_device(Device *d, int inst, int cpu, KVMState *kvm, FILE *f)
{
    if (!d->ops || !d->ops->save) {
        return errmsg("device '%s' cannot be saved", d->ops ? d->ops->name : "?");
    }
    DeviceSave ds = { d, cpu, kvm };
    char *err = NULL;
    if (!save_section(f, 'D', d->ops->name, inst, d->ops->version, device_body, &ds, &err) &&
        !err) {
        err = errmsg("cannot write the state of device '%s'", d->ops->name);
    }
    return err;
}

/* CPU index's accelerator part (target-i386/machine.h); under KVM its vCPU's */
static char *cpu_accel_get(PCMachine *m, int index, X86CPUAccel *a)
{
    KVMState *kvm = pc_kvm(m);
    if (kvm) {
        return kvm_cpu_accel_get(kvm, index, a);
    }
    x86_cpu_accel_get(pc_cpu_env(m, index), a);
    return NULL;
}

typedef struct CpuSave {
    PCMachine *m;
    int index;
} CpuSave;

/* its env, the accelerator's part, its start-up state */
static char *cpu_body(void *opaque, SaveStream *ss)
{
    CpuSave *cs = opaque;
    X86CPUAccel a;
    X86CPUStartup st;
    char *err = cpu_accel_get(cs->m, cs->index, &a);
    if (!err) {
        pc_cpu_startup_get(cs->m, cs->index, &st);
        x86_cpu_save(pc_cpu_env(cs->m, cs->index), &a, &st, ss);
    }
    return err;
}

static char *save_cpu(PCMachine *m, int index, FILE *f)
{
    CpuSave cs = { m, index };
    char *err = NULL;
    if (!save_section(f, 'C', "cpu", index, X86_CPU_SAVE_VERSION, cpu_body, &cs, &err) && !err) {
        err = errmsg("cannot write the state of CPU %d", index);
    }
    return err;
}

/* Clock, last RAM copy, devices, CPU, end: the stopped part of a migration. */
char *vmstate_save_devices(PCMachine *m, FILE *f)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    pc_cpu_state_sync(m);
    uint8_t clk[8];
    put_le(clk, clock_ns(v.ml), 8);
    if (!put_section(f, 'K', "clock", 0, 1, clk, 8)) {
        return errmsg("cannot write the migration stream");
    }
    char *err = NULL;
    int inst = 0;
    for (Device *d = v.devices; d && !err; d = d->next, inst++) {
        err = save_device(d, inst, kind_rank(v.devices, d), pc_kvm(m), f);
    }
    for (int i = 0; !err && i < v.ncpus; i++) {
        err = save_cpu(m, i, f);
    }
    if (!err && (!put_section(f, 'E', "", 0, 0, "", 0) || fflush(f) != 0)) {
        err = errmsg("cannot write the migration stream");
    }
    return err;
}

void vmstate_stopped(PCMachine *m)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    main_loop_run_due_timers(v.ml);
}

char *vmstate_save(PCMachine *m, FILE *f)
{
    vmstate_stopped(m);
    char *err = vmstate_save_header(f);
    if (!err) {
        err = vmstate_save_ram(m, f, NULL);
    }
    if (!err) {
        err = vmstate_save_devices(m, f);
    }
    return err;
}

/* --- reading --- */

typedef struct Section {
    char kind;
    char name[256];
    uint32_t inst, ver;
    const uint8_t *p;
    uint64_t len;
} Section;

static char *next_section(const uint8_t *buf, size_t len, size_t *pos, Section *s)
{
    size_t o = *pos;
    if (len - o < 2 || len - o < 18u + buf[o + 1]) {
        return errmsg("the migration stream is truncated");
    }
    s->kind = buf[o];
    size_t n = buf[o + 1];
    memcpy(s->name, buf + o + 2, n);
    s->name[n] = 0;
    s->inst = get_le(buf + o + 2 + n, 4);
    s->ver = get_le(buf + o + 6 + n, 4);
    s->len = get_le(buf + o + 10 + n, 8);
    o += 18 + n;
    if (s->len > len - o || len - o - s->len < 4) {
        return errmsg("the migration stream is truncated (in section '%s')", s->name);
    }
    s->p = buf + o;
    o += s->len;
    if (get_le(buf + o, 4) != vmstate_crc32(0, s->p, s->len)) {
        return errmsg("the migration stream is damaged (checksum of section '%s')", s->name);
    }
    *pos = o + 4;
    return NULL;
}

static char *check_ram(AddressSpace *as, const Section *s)
{
    MemRegion *r = memory_region_by_name(as, s->name);
    if (!r) {
        return errmsg("the stream's RAM '%s' is not on this machine", s->name);
    }
    uint64_t size = memory_region_size(r);
    if (s->len < 8 || get_le(s->p, 8) != size) {
        return errmsg("the stream's RAM '%s' has another size than this machine's (%llu MiB)",
                       s->name, (unsigned long long)(size >> 20));
    }
    for (uint64_t o = 8; o < s->len;) {
        uint64_t rec = s->len - o >= 8 ? get_le(s->p + o, 8) : 0;
        uint64_t flag = rec & (VMSTATE_PAGE - 1), off = rec - flag;
        uint64_t need = 8 + (flag == 1 ? VMSTATE_PAGE : 0);
        if ((flag != 1 && flag != 2) || off >= size || s->len - o < need) {
            return errmsg("the stream's RAM '%s' is malformed", s->name);
        }
        o += need;
    }
    return NULL;
}

static Device *device_at(Device *list, uint32_t inst)
{
    while (list && inst--) {
        list = list->next;
    }
    return list;
}

/* seen: the devices' instances, then the CPUs' (one each); a stream's CPU
 * count is its highest instance + 1, compared with the machine's at the end */
static char *check_section(PCMachineView *v, const Section *s, int ndev, uint8_t *seen,
                           uint32_t *stream_cpus)
{
    switch (s->kind) {
    case 'K':
        return s->len == 8 ? NULL : errmsg("the migration stream's clock is malformed");
    case 'R':
        return check_ram(v->as, s);
    case 'C':
        if (strcmp(s->name, "cpu") || s->ver < X86_CPU_SAVE_MIN_VERSION ||
            s->ver > X86_CPU_SAVE_VERSION || (s->ver < 3 && s->inst != 0)) {
            return errmsg("the stream's CPU %u (version %u) does not fit this machine",
                           s->inst, s->ver);
        }
        if (s->inst >= *stream_cpus) {
            *stream_cpus = s->inst + 1;
        }
        if (s->inst < (uint32_t)v->ncpus && seen[ndev + s->inst]++) {
            return errmsg("CPU %u appears twice in the migration stream", s->inst);
        }
        return NULL;
    case 'D': {
        Device *d = device_at(v->devices, s->inst);
        if (!d || !d->ops || strcmp(d->ops->name, s->name)) {
            return errmsg("device '%s' (instance %u) of the stream is not on this machine%s%s%s",
                           s->name, s->inst, d ? " (it has '" : "", d && d->ops ? d->ops->name : "",
                           d ? "' there)" : "");
        }
        if (s->ver != d->ops->version || !d->ops->load) {
            return errmsg("device '%s': stream version %u, this machine's %u", s->name, s->ver,
                           d->ops->version);
        }
        if (seen[s->inst]++) {
            return errmsg("device '%s' (instance %u) appears twice in the stream",
                           s->name, s->inst);
        }
        return NULL;
    }
    default:
        return errmsg("unknown section kind 0x%02x in the migration stream", (uint8_t)s->kind);
    }
}

/* The first pass: everything is this machine's and intact. */
static char *check_stream(PCMachineView *v, const uint8_t *buf, size_t len)
{
    if (len < 12 || memcmp(buf, VMSTATE_MAGIC, 8)) {
        return errmsg("not a Quetzal migration stream (bad magic)");
    }
    if (get_le(buf + 8, 4) != VMSTATE_VERSION) {
        return errmsg("migration stream version %u is not %u", (unsigned)get_le(buf + 8, 4),
                       VMSTATE_VERSION);
    }
    int ndev = 0;
    for (Device *d = v->devices; d; d = d->next) {
        ndev++;
    }
    uint8_t *seen = calloc(ndev + v->ncpus, 1);
    if (!seen) {
        return errmsg("out of memory");
    }
    char *err = NULL;
    size_t pos = 12;
    uint32_t cpus = 0;
    Section s;
    char *first = NULL;     /* the first misfit; the CPU count, if it differs, says why */
    while (!(err = next_section(buf, len, &pos, &s)) && s.kind != 'E') {
        char *e = check_section(v, &s, ndev, seen, &cpus);
        if (e && !first) {
            first = e;
        } else {
            free(e);
        }
    }
    if (!err && cpus && cpus != (uint32_t)v->ncpus) {
        err = errmsg("the migration stream has %u CPUs, this machine %d (-smp)", cpus, v->ncpus);
    } else if (!err && !first && !cpus) {
        err = errmsg("the migration stream has no CPU state");
    }
    if (err) {
        free(first);
    } else {
        err = first;
    }
    for (int i = 0; !err && i < ndev + v->ncpus; i++) {
        if (!seen[i]) {
            Device *d = device_at(v->devices, i);
            err = i >= ndev ? errmsg("the state of CPU %d is missing from the stream", i - ndev)
                            : errmsg("device '%s' (instance %d) is missing from the stream",
                                      d->ops ? d->ops->name : "?", i);
        }
    }
    if (!err && pos != len) {
        err = errmsg("the migration stream has %zu bytes after its end", len - pos);
    }
    free(seen);
    return err;
}

static void load_ram(AddressSpace *as, const Section *s)
{
    MemRegion *r = memory_region_by_name(as, s->name);
    uint8_t *host = memory_region_host(r);
    for (uint64_t o = 8; o < s->len;) {
        uint64_t rec = get_le(s->p + o, 8), flag = rec & (VMSTATE_PAGE - 1);
        uint8_t *dst = host + (rec - flag);
        if (flag == 1) {
            memcpy(dst, s->p + o + 8, VMSTATE_PAGE);
            o += 8 + VMSTATE_PAGE;
        } else {
            memset(dst, 0, VMSTATE_PAGE);
            o += 8;
        }
    }
}

static char *load_payload(const Section *s, void (*load)(void *obj, SaveStream *ss), void *obj)
{
    FILE *mf = s->len ? fmemopen((void *)s->p, s->len, "rb") : NULL;
    if (s->len && !mf) {
        return errmsg("out of memory");
    }
    SaveStream ss = { mf, false };
    uint8_t extra;
    if (mf) {
        load(obj, &ss);
        bool rest = fread(&extra, 1, 1, mf) == 1;
        fclose(mf);
        if (ss.error || rest) {
            return errmsg("the state of '%s' in the stream does not fit its device", s->name);
        }
    }
    return NULL;
}

/* a device whose state the kernel's irqchip holds (kernel_irqchip=on) */
typedef struct KernelChipLoad {
    KVMState *kvm;
    const DeviceOps *ops;
    int cpu;
    char *err;
} KernelChipLoad;

static void kernel_chip_load_cb(void *opaque, SaveStream *ss)
{
    KernelChipLoad *k = opaque;
    k->err = kvm_irqchip_load(k->kvm, k->ops->name, k->cpu, k->ops->version, ss);
}

typedef struct CPULoad {
    CPUX86State *env;
    uint32_t ver;
    X86CPUAccel accel;
    X86CPUStartup startup;
} CPULoad;

static void cpu_load_cb(void *opaque, SaveStream *ss)
{
    CPULoad *c = opaque;
    x86_cpu_load(c->env, &c->accel, &c->startup, c->ver, ss);
}

/* the loaded CPU section's accelerator part, to the accelerator */
static char *cpu_accel_put(PCMachine *m, int index, const X86CPUAccel *a)
{
    KVMState *kvm = pc_kvm(m);
    if (kvm) {
        return kvm_cpu_accel_put(kvm, index, a);
    }
    x86_cpu_accel_put(pc_cpu_env(m, index), a);
    return NULL;
}

/* CPU index's section: env, then the accelerator's and the board's parts */
static char *load_cpu(PCMachine *m, const Section *s)
{
    CPULoad c = { .env = pc_cpu_env(m, s->inst), .ver = s->ver };
    char *err = load_payload(s, cpu_load_cb, &c);
    if (!err) {
        err = cpu_accel_put(m, s->inst, &c.accel);
    }
    if (!err) {
        pc_cpu_startup_put(m, s->inst, &c.startup);
    }
    return err;
}

/* The second pass: clock first (devices re-arm timers against it), then RAM,
 * devices and the CPU. */
static char *apply_stream(PCMachine *m, PCMachineView *v, const uint8_t *buf, size_t len)
{
    size_t pos = 12;
    Section s;
    char *err = NULL;
    while (!err && !next_section(buf, len, &pos, &s) && s.kind != 'E') {
        switch (s.kind) {
        case 'K':
            main_loop_set_clock(v->ml, (int64_t)get_le(s.p, 8));
            break;
        case 'R':
            load_ram(v->as, &s);
            break;
        case 'D': {
            Device *d = device_at(v->devices, s.inst);
            KVMState *kvm = pc_kvm(m);
            if (kvm && kvm_irqchip_owns(kvm, d->ops->name)) {
                KernelChipLoad k = { kvm, d->ops, kind_rank(v->devices, d), NULL };
                err = load_payload(&s, kernel_chip_load_cb, &k);
                err = err ? err : k.err;
            } else {
                err = load_payload(&s, d->ops->load, d);
            }
            break;
        }
        case 'C':
            err = load_cpu(m, &s);
            break;
        }
    }
    if (v->cpu) {
        tb_flush(v->cpu);   /* the RAM under the translated code changed */
    }
    pc_cpu_state_changed(m);
    return err;
}

char *vmstate_check(PCMachine *m, const uint8_t *buf, size_t len)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    return check_stream(&v, buf, len);
}

char *vmstate_load(PCMachine *m, const uint8_t *buf, size_t len)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    char *err = vmstate_check(m, buf, len);
    return err ? err : apply_stream(m, &v, buf, len);
}

/* The devices' save functions finish in-flight disk requests first: running
 * them into nowhere leaves no request on a worker thread. */
void vmstate_quiesce(PCMachine *m)
{
    PCMachineView v;
    pc_machine_view(m, &v);
    FILE *null = fopen("/dev/null", "w");
    if (!null) {
        return;
    }
    SaveStream ss = { null, false };
    for (Device *d = v.devices; d; d = d->next) {
        if (d->ops && d->ops->save) {
            d->ops->save(d, &ss);
        }
    }
    fclose(null);
}

uint8_t *vmstate_read_all(FILE *f, size_t *len, char **err)
{
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    if (!buf || ferror(f)) {
        free(buf);
        *err = errmsg("cannot read the migration stream");
        return NULL;
    }
    *len = n;
    return buf;
}

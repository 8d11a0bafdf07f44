/*
 * The physical address space (system/memory.h): regions with priorities, aliases
 * and a flat view of the whole map rebuilt after every change, searched by
 * binary search (the softmmu's TLB fill calls memory_lookup on every miss).
 *
 * The PC's physical map is flat: an address belongs to the highest-priority
 * region covering it (later-added wins ties); nothing covers it -> unassigned,
 * reads all-ones, writes dropped (Intel SDM vol. 3A, 11.11 describes the
 * memory types; the "nothing answers, bus floats high" rule is the ISA/PCI
 * master-abort behaviour, PCI Local Bus Spec. 3.0, 3.3.3.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "system/memory.h"

struct MemRegion {
    AddressSpace *as;
    char *name;
    MemKind kind;               /* RAM, ROM or MMIO; an alias has its target's */
    uint64_t base, size;        /* base UINT64_MAX: not mapped */
    int priority;
    unsigned seq;               /* order of creation, breaks ties */
    bool readonly;
    uint8_t *host;              /* RAM/ROM backing (owned unless alias) */
    bool owns_host;
    const MemOps *ops;
    void *opaque;
    MemRegion *alias;           /* alias: the target region and offset into it */
    uint64_t alias_offset;
};

/* One piece of the flat view: [start, end) served by region at region offset. */
typedef struct FlatRange {
    uint64_t start, end;
    MemRegion *r;
} FlatRange;

#define MAX_LISTENERS 8

struct AddressSpace {
    MemRegion **regions;
    size_t nr, cap;
    unsigned next_seq;
    FlatRange *flat;
    size_t nflat;
    MemListener listeners[MAX_LISTENERS];
    int nlisteners;
};

AddressSpace *address_space_new(void)
{
    return calloc(1, sizeof(AddressSpace));
}

static void region_free(MemRegion *r)
{
    if (r->owns_host) {
        munmap(r->host, r->size);
    }
    free(r->name);
    free(r);
}

void address_space_free(AddressSpace *as)
{
    if (!as) {
        return;
    }
    for (size_t i = 0; i < as->nr; i++) {
        region_free(as->regions[i]);
    }
    free(as->regions);
    free(as->flat);
    free(as);
}

/* --- the flat view --- */

static bool mapped(const MemRegion *r)
{
    return r->base != UINT64_MAX && r->size;
}

static bool beats(const MemRegion *a, const MemRegion *b)
{
    return !b || a->priority > b->priority || (a->priority == b->priority && a->seq > b->seq);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The winner over [s, e) (which no region boundary splits). */
static MemRegion *winner(AddressSpace *as, uint64_t s)
{
    MemRegion *best = NULL;
    for (size_t i = 0; i < as->nr; i++) {
        MemRegion *r = as->regions[i];
        if (mapped(r) && s >= r->base && s - r->base < r->size && beats(r, best)) {
            best = r;
        }
    }
    return best;
}

static void rebuild(AddressSpace *as)
{
    size_t nb = 0;
    uint64_t *b = malloc((2 * as->nr + 1) * sizeof(uint64_t));
    for (size_t i = 0; i < as->nr; i++) {
        MemRegion *r = as->regions[i];
        if (mapped(r)) {
            b[nb++] = r->base;
            b[nb++] = r->base + r->size;   /* 0 when the region ends at 2^64 */
        }
    }
    qsort(b, nb, sizeof(uint64_t), cmp_u64);
    free(as->flat);
    as->flat = malloc((nb + 1) * sizeof(FlatRange));
    as->nflat = 0;
    for (size_t i = 0; i < nb; i++) {
        uint64_t s = b[i], e = i + 1 < nb ? b[i + 1] : 0;
        if (s == e && i + 1 < nb) {
            continue;
        }
        if (e == 0 && s == 0) {
            continue;
        }
        MemRegion *r = winner(as, s);
        if (!r) {
            continue;
        }
        FlatRange *last = as->nflat ? &as->flat[as->nflat - 1] : NULL;
        if (last && last->r == r && last->end == s) {
            last->end = e;
        } else {
            as->flat[as->nflat++] = (FlatRange){ s, e, r };
        }
    }
    free(b);
    for (int i = 0; i < as->nlisteners; i++) {
        if (as->listeners[i].map_changed) {
            as->listeners[i].map_changed(as->listeners[i].opaque);
        }
    }
}

/* end 0 means 2^64 */
static uint64_t range_len(const FlatRange *f, uint64_t paddr)
{
    return f->end - paddr;
}

static const FlatRange *find(const AddressSpace *as, uint64_t paddr, uint64_t *next)
{
    size_t lo = 0, hi = as->nflat;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const FlatRange *f = &as->flat[mid];
        if (paddr < f->start) {
            hi = mid;
        } else if (f->end != 0 && paddr >= f->end) {
            lo = mid + 1;
        } else {
            return f;
        }
    }
    *next = lo < as->nflat ? as->flat[lo].start : 0;
    return NULL;
}

MemSection memory_lookup(AddressSpace *as, uint64_t paddr)
{
    MemSection s = { MEM_UNASSIGNED, NULL, NULL, 0, 0 };
    uint64_t next = 0;
    const FlatRange *f = find(as, paddr, &next);
    if (!f) {
        s.len = next - paddr;
        if (s.len == 0) {
            s.len = UINT64_MAX;   /* nothing above: up to the top */
        }
        return s;
    }
    MemRegion *r = f->r;
    uint64_t off = paddr - r->base;
    bool ro = r->readonly;
    if (r->alias) {
        off += r->alias_offset;
        r = r->alias;
        ro = ro || r->readonly;
    }
    s.region = r;
    s.offset = off;
    s.len = range_len(f, paddr);
    if (s.len == 0) {
        s.len = UINT64_MAX;
    }
    s.kind = r->kind;
    if (r->kind == MEM_RAM || r->kind == MEM_ROM) {
        s.host = r->host + off;
        if (ro) {
            s.kind = MEM_ROM;
        }
    }
    return s;
}

/* --- regions --- */

static MemRegion *region_add(AddressSpace *as, const char *name, MemKind kind,
                             uint64_t base, uint64_t size, int priority)
{
    MemRegion *r = calloc(1, sizeof(*r));
    r->as = as;
    r->name = strdup(name ? name : "?");
    r->kind = kind;
    r->base = base;
    r->size = size;
    r->priority = priority;
    r->seq = as->next_seq++;
    r->readonly = kind == MEM_ROM;
    if (as->nr == as->cap) {
        as->cap = as->cap ? 2 * as->cap : 16;
        as->regions = realloc(as->regions, as->cap * sizeof(*as->regions));
    }
    as->regions[as->nr++] = r;
    return r;
}

static MemRegion *add_backed(AddressSpace *as, const char *name, MemKind kind,
                             uint64_t base, uint64_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "quetzal: cannot allocate %llu bytes for %s\n",
                (unsigned long long)size, name);
        exit(1);
    }
    MemRegion *r = region_add(as, name, kind, base, size, 0);
    r->host = p;
    r->owns_host = true;
    rebuild(as);
    return r;
}

MemRegion *memory_add_ram(AddressSpace *as, const char *name, uint64_t base, uint64_t size)
{
    return add_backed(as, name, MEM_RAM, base, size);
}

MemRegion *memory_add_rom(AddressSpace *as, const char *name, uint64_t base, uint64_t size)
{
    return add_backed(as, name, MEM_ROM, base, size);
}

MemRegion *memory_add_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                           const MemOps *ops, void *opaque, int priority)
{
    MemRegion *r = region_add(as, name, MEM_MMIO, base, size, priority);
    r->ops = ops;
    r->opaque = opaque;
    rebuild(as);
    return r;
}

MemRegion *memory_add_alias(AddressSpace *as, const char *name, uint64_t base,
                            MemRegion *target, uint64_t target_offset, uint64_t size)
{
    while (target->alias) {
        target_offset += target->alias_offset;
        target = target->alias;
    }
    /* priority 1: an alias is laid over whatever lies there (RAM below 1 MiB) */
    MemRegion *r = region_add(as, name, target->kind, base, size, 1);
    r->alias = target;
    r->alias_offset = target_offset;
    r->readonly = false;
    r->host = target->host ? target->host + target_offset : NULL;
    rebuild(as);
    return r;
}

uint8_t *memory_region_host(MemRegion *r)
{
    return r->host;
}

uint64_t memory_region_size(const MemRegion *r)
{
    return r->size;
}

void memory_region_move(MemRegion *r, uint64_t base)
{
    if (r->base != base) {
        r->base = base;
        rebuild(r->as);
    }
}

void memory_region_set_readonly(MemRegion *r, bool readonly)
{
    if (r->readonly != readonly) {
        r->readonly = readonly;
        rebuild(r->as);
    }
}

void memory_region_remove(MemRegion *r)
{
    AddressSpace *as = r->as;
    for (size_t i = 0; i < as->nr; i++) {
        if (as->regions[i] == r) {
            memmove(&as->regions[i], &as->regions[i + 1], (as->nr - i - 1) * sizeof(r));
            as->nr--;
            break;
        }
    }
    region_free(r);
    rebuild(as);
}

void memory_add_listener(AddressSpace *as, const MemListener *l)
{
    if (as->nlisteners < MAX_LISTENERS) {
        as->listeners[as->nlisteners++] = *l;
    }
}

/* --- accesses by physical address --- */

/* Largest naturally aligned power-of-two piece at paddr within len (<= 8). */
static unsigned piece_size(uint64_t paddr, uint64_t len)
{
    unsigned sz = 8;
    while (sz > 1 && ((paddr & (sz - 1)) || sz > len)) {
        sz >>= 1;
    }
    return sz;
}

static void ram_written(AddressSpace *as, uint64_t paddr, uint64_t len)
{
    for (int i = 0; i < as->nlisteners; i++) {
        if (as->listeners[i].ram_written) {
            as->listeners[i].ram_written(as->listeners[i].opaque, paddr, len);
        }
    }
}

static void mmio_read(MemSection *s, uint64_t paddr, uint8_t *buf, uint64_t n)
{
    while (n) {
        unsigned sz = piece_size(paddr, n);
        uint64_t v = UINT64_MAX;
        if (s->region->ops && s->region->ops->read) {
            v = s->region->ops->read(s->region->opaque, s->offset, sz);
        }
        for (unsigned i = 0; i < sz; i++) {
            buf[i] = v >> (8 * i);
        }
        buf += sz;
        paddr += sz;
        s->offset += sz;
        n -= sz;
    }
}

static void mmio_write(MemSection *s, uint64_t paddr, const uint8_t *buf, uint64_t n)
{
    while (n) {
        unsigned sz = piece_size(paddr, n);
        uint64_t v = 0;
        for (unsigned i = 0; i < sz; i++) {
            v |= (uint64_t)buf[i] << (8 * i);
        }
        if (s->region->ops && s->region->ops->write) {
            s->region->ops->write(s->region->opaque, s->offset, v, sz);
        }
        buf += sz;
        paddr += sz;
        s->offset += sz;
        n -= sz;
    }
}

void address_space_read(AddressSpace *as, uint64_t paddr, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len) {
        MemSection s = memory_lookup(as, paddr);
        uint64_t n = s.len < len ? s.len : len;
        switch (s.kind) {
        case MEM_RAM:
        case MEM_ROM:
            memcpy(p, s.host, n);
            break;
        case MEM_MMIO:
            mmio_read(&s, paddr, p, n);
            break;
        default:
            memset(p, 0xff, n);
            break;
        }
        p += n;
        paddr += n;
        len -= n;
    }
}

static void write_common(AddressSpace *as, uint64_t paddr, const void *buf, size_t len,
                         bool rom_too)
{
    const uint8_t *p = buf;
    while (len) {
        MemSection s = memory_lookup(as, paddr);
        uint64_t n = s.len < len ? s.len : len;
        if (s.kind == MEM_RAM || (s.kind == MEM_ROM && rom_too)) {
            memcpy(s.host, p, n);
            ram_written(as, paddr, n);
        } else if (s.kind == MEM_MMIO) {
            mmio_write(&s, paddr, p, n);
        }
        p += n;
        paddr += n;
        len -= n;
    }
}

void address_space_write(AddressSpace *as, uint64_t paddr, const void *buf, size_t len)
{
    write_common(as, paddr, buf, len, false);
}

void address_space_write_rom(AddressSpace *as, uint64_t paddr, const void *buf, size_t len)
{
    write_common(as, paddr, buf, len, true);
}

uint32_t ldl_phys(AddressSpace *as, uint64_t paddr)
{
    uint8_t b[4];
    address_space_read(as, paddr, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t ldq_phys(AddressSpace *as, uint64_t paddr)
{
    uint8_t b[8];
    uint64_t v = 0;
    address_space_read(as, paddr, b, 8);
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | b[i];
    }
    return v;
}

void stl_phys(AddressSpace *as, uint64_t paddr, uint32_t value)
{
    uint8_t b[4] = { value, value >> 8, value >> 16, value >> 24 };
    address_space_write(as, paddr, b, 4);
}

void stq_phys(AddressSpace *as, uint64_t paddr, uint64_t value)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = value >> (8 * i);
    }
    address_space_write(as, paddr, b, 8);
}

/* --- the monitor's view (info mtree, info roms) --- */

void memory_foreach_region(AddressSpace *as,
                           void (*fn)(void *opaque, const char *name, MemKind kind,
                                      uint64_t base, uint64_t size, int priority,
                                      bool readonly, const char *alias_of),
                           void *opaque)
{
    for (size_t i = 0; i < as->nr; i++) {
        const MemRegion *r = as->regions[i];
        if (r->base == UINT64_MAX) {
            continue;   /* not mapped */
        }
        fn(opaque, r->name, r->kind, r->base, r->size, r->priority, r->readonly,
           r->alias ? r->alias->name : NULL);
    }
}

MemRegion *memory_region_by_name(AddressSpace *as, const char *name)
{
    for (size_t i = 0; i < as->nr; i++) {
        if (!as->regions[i]->alias && !strcmp(as->regions[i]->name, name)) {
            return as->regions[i];
        }
    }
    return NULL;
}

uint64_t memory_region_base(const MemRegion *r)
{
    return r->base;
}

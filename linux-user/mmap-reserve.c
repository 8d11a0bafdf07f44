/*
 * Address space reservations of x86-64 guests: large anonymous PROT_NONE
 * mappings (Go's arenas, Java's heap, sanitizers' shadow reserve terabytes this
 * way) are kept as a sorted list of ranges instead of one page flag per page,
 * so that reserving costs the same whatever the size. Their pages have no
 * page flags (the guest cannot access them anyway); mmap.c consults the list
 * where a mapped range counts (munmap, mprotect, MAP_FIXED checks) and cuts
 * ranges out of it when they are mapped over, made accessible or unmapped.
 */
#include <stdlib.h>
#include <string.h>
#include "linux-user/user.h"

typedef struct Range {
    uint64_t start, end;
} Range;

struct GuestReserve {
    Range *ranges;          /* sorted and disjoint */
    size_t count, capacity;
};

static bool reserve_grow(struct GuestReserve *r, size_t need)
{
    if (need <= r->capacity) {
        return true;
    }
    size_t cap = r->capacity ? r->capacity * 2 : 16;
    while (cap < need) {
        cap *= 2;
    }
    Range *n = realloc(r->ranges, cap * sizeof(*n));
    if (!n) {
        return false;
    }
    r->ranges = n;
    r->capacity = cap;
    return true;
}

/* Index of the first range ending after addr. */
static size_t reserve_find(const struct GuestReserve *r, uint64_t addr)
{
    size_t lo = 0, hi = r->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->ranges[mid].end <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void guest_reserve_cut(UserProcess *p, uint64_t start, uint64_t end)
{
    struct GuestReserve *r = p->reserve;
    if (!r || start >= end) {
        return;
    }
    size_t i = reserve_find(r, start);
    while (i < r->count && r->ranges[i].start < end) {
        Range *x = &r->ranges[i];
        if (x->start < start && x->end > end) {
            /* the cut is inside: split in two */
            if (!reserve_grow(r, r->count + 1)) {
                return;
            }
            x = &r->ranges[i];
            memmove(x + 1, x, (r->count - i) * sizeof(*x));
            r->count++;
            x[0].end = start;
            x[1].start = end;
            return;
        }
        if (x->start < start) {
            x->end = start;
            i++;
        } else if (x->end > end) {
            x->start = end;
            return;
        } else {
            memmove(x, x + 1, (r->count - i - 1) * sizeof(*x));
            r->count--;
        }
    }
}

bool guest_reserve_add(UserProcess *p, uint64_t start, uint64_t end)
{
    if (!p->reserve) {
        p->reserve = calloc(1, sizeof(*p->reserve));
        if (!p->reserve) {
            return false;
        }
    }
    guest_reserve_cut(p, start, end);
    struct GuestReserve *r = p->reserve;
    if (!reserve_grow(r, r->count + 1)) {
        return false;
    }
    size_t i = reserve_find(r, start);
    memmove(&r->ranges[i + 1], &r->ranges[i], (r->count - i) * sizeof(Range));
    r->ranges[i] = (Range){ start, end };
    r->count++;
    return true;
}

bool guest_reserve_next(UserProcess *p, uint64_t addr, uint64_t end, uint64_t *rstart,
                        uint64_t *rend)
{
    struct GuestReserve *r = p->reserve;
    if (!r) {
        return false;
    }
    size_t i = reserve_find(r, addr);
    if (i == r->count || r->ranges[i].start >= end) {
        return false;
    }
    *rstart = r->ranges[i].start > addr ? r->ranges[i].start : addr;
    *rend = r->ranges[i].end < end ? r->ranges[i].end : end;
    return true;
}

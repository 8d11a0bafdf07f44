/*
 * qcow2 metadata cache: a small LRU set of cluster-sized tables (L2 tables or
 * refcount blocks) kept in file byte order, so that a table is written exactly
 * as it sits in memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "block/format-common.h"
#include "block/qcow2.h"

int qcow2_cache_init(Qcow2Cache *c, unsigned count, uint32_t table_size)
{
    c->entries = calloc(count, sizeof(*c->entries));
    if (!c->entries) {
        return -ENOMEM;
    }
    c->count = count;
    c->table_size = table_size;
    c->use_counter = 0;
    c->last = NULL;
    c->memory = c->memory_big = NULL;
    return 0;         /* table buffers are allocated when a slot is first used */
}

void qcow2_cache_destroy(Qcow2Cache *c)
{
    free(c->memory);
    free(c->memory_big);
    c->memory = c->memory_big = NULL;
    free(c->entries);
    c->entries = NULL;
    c->count = 0;
}

static Qcow2CacheEntry *cache_lookup(Qcow2Cache *c, uint64_t offset)
{
    if (c->last && c->last->offset == offset) {
        return c->last;
    }
    for (unsigned i = 0; i < c->count; i++) {
        if (c->entries[i].offset == offset) {
            return &c->entries[i];
        }
    }
    return NULL;
}

static int write_entry(BlockDriverState *bs, Qcow2Cache *c, Qcow2CacheEntry *e)
{
    int ret = block_file_pwrite(bs->file, e->offset, c->table_size, e->table);
    if (ret < 0) {
        qcow2_io_error(bs, ret, "writing metadata to");
        return ret;
    }
    e->dirty = false;
    return 0;
}

/* Where a slot's table lives. The first CACHE_SMALL_SLOTS tables are on
 * 4 KiB pages, made when the first slot is used: an image that needs few
 * tables (a guest's disk in system mode, a small convert) has only those in
 * memory. The others, made when the first of them is used, are on huge pages
 * where the kernel gives them: a check or a convert walks every table of a
 * large image through the cache, and the page faults of 4 KiB pages (16 per
 * 64 KiB table) cost more than reading the tables. Slots are taken in order
 * (cache_victim). Returns NULL when out of memory. */
#define CACHE_SMALL_SLOTS 4
#define HUGE_PAGE (2u << 20)
static uint8_t *slot_table(Qcow2Cache *c, unsigned slot)
{
    size_t small = (c->count < CACHE_SMALL_SLOTS ? c->count : CACHE_SMALL_SLOTS);
    if (slot < small) {
        if (!c->memory && posix_memalign((void **)&c->memory, 4096, small * c->table_size)) {
            c->memory = NULL;
        }
        return c->memory ? c->memory + (size_t)slot * c->table_size : NULL;
    }
    size_t bytes = (size_t)(c->count - small) * c->table_size;
    if (bytes >= HUGE_PAGE) {
        /* whole huge pages: a partial one at the end would be 4 KiB pages */
        bytes = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    }
    if (!c->memory_big) {
        if (posix_memalign((void **)&c->memory_big, bytes >= HUGE_PAGE ? HUGE_PAGE : 4096, bytes)) {
            c->memory_big = NULL;
            return NULL;
        }
        if (bytes >= HUGE_PAGE) {
            madvise(c->memory_big, bytes, MADV_HUGEPAGE);   /* a hint: 4 KiB pages work too */
        }
    }
    return c->memory_big + (size_t)(slot - small) * c->table_size;
}

/* Picks a slot to reuse. A dirty victim means L2 tables must be written back,
 * which goes through qcow2_flush_metadata so the ordering rules hold. */
static int cache_victim(BlockDriverState *bs, Qcow2Cache *c, Qcow2CacheEntry **out)
{
    Qcow2CacheEntry *victim = NULL;
    for (unsigned i = 0; i < c->count; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->offset == 0) {
            victim = e;
            break;
        }
        if (!victim || e->last_use < victim->last_use) {
            victim = e;
        }
    }
    if (victim->dirty) {
        int ret = qcow2_flush_metadata(bs);
        if (ret < 0) {
            return ret;
        }
    }
    victim->offset = 0;
    if (!victim->table && !(victim->table = slot_table(c, (unsigned)(victim - c->entries)))) {
        return -ENOMEM;
    }
    *out = victim;
    return 0;
}

int qcow2_cache_get(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, uint8_t **table)
{
    Qcow2CacheEntry *e = cache_lookup(c, offset);
    if (!e) {
        int ret = cache_victim(bs, c, &e);
        if (ret < 0) {
            return ret;
        }
        /* an L2 table past the end of the file is missing metadata: zeros would
         * show its clusters as unallocated, so that is an I/O error (check reads
         * zeros there, as qemu-img check does, and reports what it finds) */
        ret = c == &((Qcow2State *)bs->opaque)->l2_cache && !(bs->open_flags & BDRV_O_CHECK)
              ? format_read_data(bs, bs->file, offset, c->table_size, e->table)
              : block_file_pread(bs->file, offset, c->table_size, e->table);
        if (ret < 0) {
            qcow2_io_error(bs, ret, "reading metadata from");
            return ret;
        }
        e->offset = offset;
        e->dirty = false;
    }
    e->last_use = ++c->use_counter;
    c->last = e;
    *table = e->table;
    return 0;
}

int qcow2_cache_get_empty(BlockDriverState *bs, Qcow2Cache *c, uint64_t offset, uint8_t **table)
{
    Qcow2CacheEntry *e = cache_lookup(c, offset);
    if (!e) {
        int ret = cache_victim(bs, c, &e);
        if (ret < 0) {
            return ret;
        }
        e->offset = offset;
    }
    memset(e->table, 0, c->table_size);
    e->dirty = false;
    e->last_use = ++c->use_counter;
    c->last = e;
    *table = e->table;
    return 0;
}

void qcow2_cache_mark_dirty(Qcow2Cache *c, const uint8_t *table)
{
    for (unsigned i = 0; i < c->count; i++) {
        if (c->entries[i].table == table) {
            c->entries[i].dirty = true;
            return;
        }
    }
}

void qcow2_cache_discard(Qcow2Cache *c, uint64_t offset)
{
    Qcow2CacheEntry *e = cache_lookup(c, offset);
    if (e && offset) {
        e->offset = 0;
        e->dirty = false;
    }
}

void qcow2_cache_clear(Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->count; i++) {
        c->entries[i].offset = 0;
        c->entries[i].dirty = false;
    }
}

bool qcow2_cache_has_dirty(const Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->count; i++) {
        if (c->entries[i].dirty) {
            return true;
        }
    }
    return false;
}

int qcow2_cache_write_dirty(BlockDriverState *bs, Qcow2Cache *c)
{
    for (unsigned i = 0; i < c->count; i++) {
        Qcow2CacheEntry *e = &c->entries[i];
        if (e->dirty && e->offset) {
            int ret = write_entry(bs, c, e);
            if (ret < 0) {
                return ret;
            }
        }
    }
    return 0;
}

/*
 * VirtualBox Disk Image (VDI), version 1.1, static and dynamic.
 *
 * Layout (VirtualBox VDI header, version 1.1; all fields little endian):
 *   0x000  text banner (64 bytes)        0x040  signature 0xbeda107f
 *   0x044  version 0x00010001            0x048  header size (0x180)
 *   0x04c  image type (1 dynamic, 2 static, 3 undo, 4 differencing)
 *   0x050  image flags                   0x054  description (256 bytes)
 *   0x154  block map offset              0x158  data offset
 *   0x15c  legacy geometry C/H/S, sector size (4 x u32)
 *   0x170  disk size (u64)               0x178  block size
 *   0x17c  block extra data              0x180  blocks in image
 *   0x184  blocks allocated              0x188  image, last snapshot, link, parent UUIDs
 *   0x1c8  LCHS geometry C/H/S, sector size
 * The block map holds one u32 per block: the index of its data in the data area,
 * 0xffffffff (never written) or 0xfffffffe (discarded, reads as zeros).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "block/format-common.h"

#define VDI_SIGNATURE       0xbeda107fu
#define VDI_VERSION_1_1     0x00010001u
#define VDI_HEADER_SIZE_V1  0x180u
#define VDI_TYPE_DYNAMIC    1
#define VDI_TYPE_STATIC     2
#define VDI_UNALLOCATED     0xffffffffu
#define VDI_DISCARDED       0xfffffffeu
#define VDI_DEFAULT_BLOCK   (1u << 20)
#define VDI_MAP_OFFSET      512u
#define VDI_MAX_BLOCKS      0x3fffffffu   /* keeps the in-memory block map below 4 GiB */

enum {
    OFF_SIGNATURE = 0x40, OFF_VERSION = 0x44, OFF_HEADER_SIZE = 0x48, OFF_TYPE = 0x4c,
    OFF_MAP = 0x154, OFF_DATA = 0x158, OFF_SECTOR_SIZE = 0x168, OFF_DISK_SIZE = 0x170,
    OFF_BLOCK_SIZE = 0x178, OFF_BLOCK_EXTRA = 0x17c, OFF_BLOCKS = 0x180,
    OFF_ALLOCATED = 0x184, OFF_UUID_IMAGE = 0x188, OFF_UUID_SNAP = 0x198,
    OFF_UUID_LINK = 0x1a8, OFF_UUID_PARENT = 0x1b8,
};

typedef struct VdiState {
    uint8_t header[512];
    uint32_t *block_map;        /* host byte order */
    uint32_t block_count;
    uint32_t block_size;
    uint64_t map_offset, data_offset;
    uint32_t blocks_allocated;  /* as recorded in the header */
    uint32_t next_free_block;   /* next index of the data area to hand out */
    uint64_t disk_size;
} VdiState;

static const char vdi_banner[] = "<<< Quetzal VM Virtual Disk Image >>>\n";

static int vdi_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    (void)filename;
    if (buf_size < OFF_VERSION + 4) {
        return 0;
    }
    return load_le32(buf + OFF_SIGNATURE) == VDI_SIGNATURE ? 100 : 0;
}

static bool uuid_is_null(const uint8_t *uuid)
{
    return buffer_is_zero(uuid, 16);
}

static int vdi_check_header(BlockDriverState *bs, VdiState *s, int64_t file_len)
{
    const uint8_t *h = s->header;
    uint32_t extra = load_le32(h + OFF_BLOCK_EXTRA);
    uint64_t map_bytes;

    if (load_le32(h + OFF_SIGNATURE) != VDI_SIGNATURE) {
        bdrv_set_error(bs, "not a VDI image (bad signature)");
        return -EINVAL;
    }
    if (load_le32(h + OFF_VERSION) != VDI_VERSION_1_1) {
        bdrv_set_error(bs, "unsupported VDI version 0x%08x",
                       load_le32(h + OFF_VERSION));
        return -ENOTSUP;
    }
    if (load_le32(h + OFF_HEADER_SIZE) < VDI_HEADER_SIZE_V1) {
        bdrv_set_error(bs, "VDI header too small");
        return -EINVAL;
    }
    /* Only the parent UUIDs make an image depend on another; the type field
     * (dynamic, static, undo, differencing) does not change the layout. */
    if (!uuid_is_null(h + OFF_UUID_LINK) || !uuid_is_null(h + OFF_UUID_PARENT)) {
        bdrv_set_error(bs, "unsupported VDI image (it has a parent image)");
        return -ENOTSUP;
    }
    if (load_le32(h + OFF_SECTOR_SIZE) != 512) {
        bdrv_set_error(bs, "unsupported VDI sector size %u",
                       load_le32(h + OFF_SECTOR_SIZE));
        return -ENOTSUP;
    }
    if (extra != 0) {
        bdrv_set_error(bs, "unsupported VDI image (block extra data %u)", extra);
        return -ENOTSUP;
    }
    if (s->block_size < 512 || s->block_size % 512 || s->block_size > (256u << 20)) {
        bdrv_set_error(bs, "invalid VDI block size %u", s->block_size);
        return -EINVAL;
    }
    if (s->block_count > VDI_MAX_BLOCKS ||
        s->disk_size > (uint64_t)s->block_count * s->block_size) {
        bdrv_set_error(bs, "VDI disk size %llu does not fit its %u blocks",
                       (unsigned long long)s->disk_size, s->block_count);
        return -EINVAL;
    }
    map_bytes = (uint64_t)s->block_count * 4;
    if (s->map_offset < 0x1c8 || s->map_offset % 512 || s->data_offset % 512 ||
        s->map_offset + map_bytes > s->data_offset) {
        bdrv_set_error(bs, "invalid VDI block map or data offset");
        return -EINVAL;
    }
    if (s->map_offset + map_bytes > (uint64_t)file_len) {
        bdrv_set_error(bs, "VDI block map extends past the end of the file");
        return -EINVAL;
    }
    return 0;
}

static int vdi_read_map(BlockDriverState *bs, VdiState *s)
{
    uint32_t highest = 0;
    int ret = format_read_table32(bs, s->map_offset, s->block_count, false, "VDI block map",
                                  &s->block_map);
    if (ret < 0) {
        return ret;
    }
    for (uint32_t i = 0; i < s->block_count; i++) {
        if (s->block_map[i] < VDI_DISCARDED && s->block_map[i] + 1 > highest) {
            highest = s->block_map[i] + 1;
        }
    }
    /* A crash between writing a map entry and the header's count leaves the count
     * low; handing out an index that is already mapped would alias two blocks. */
    s->next_free_block = highest > s->blocks_allocated ? highest : s->blocks_allocated;
    return 0;
}

static int vdi_open(BlockDriverState *bs, QDict *options, int flags)
{
    VdiState *s = bs->opaque;
    int64_t file_len = block_file_length(bs->file);
    int ret;

    (void)options; (void)flags;
    if (file_len < 0) {
        bdrv_set_error(bs, "cannot get the file size: %s", strerror((int)-file_len));
        return (int)file_len;
    }
    if (file_len < 512) {
        bdrv_set_error(bs, "file too short for a VDI header");
        return -EINVAL;
    }
    ret = block_file_pread(bs->file, 0, 512, s->header);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the VDI header: %s", strerror(-ret));
        return ret;
    }
    s->block_size = load_le32(s->header + OFF_BLOCK_SIZE);
    s->block_count = load_le32(s->header + OFF_BLOCKS);
    s->blocks_allocated = load_le32(s->header + OFF_ALLOCATED);
    s->map_offset = load_le32(s->header + OFF_MAP);
    s->data_offset = load_le32(s->header + OFF_DATA);
    s->disk_size = load_le64(s->header + OFF_DISK_SIZE);
    ret = vdi_check_header(bs, s, file_len);
    if (ret < 0) {
        return ret;
    }
    ret = vdi_read_map(bs, s);
    if (ret < 0) {
        free(s->block_map);
        s->block_map = NULL;
        return ret;
    }
    bs->total_size = s->disk_size;
    return 0;
}

static void vdi_close(BlockDriverState *bs)
{
    VdiState *s = bs->opaque;
    free(s->block_map);
    s->block_map = NULL;
}

static uint64_t vdi_block_host_offset(const VdiState *s, uint32_t entry)
{
    return s->data_offset + (uint64_t)entry * s->block_size;
}

static bool vdi_entry_allocated(const VdiState *s, uint32_t entry)
{
    return entry < VDI_DISCARDED && entry < s->block_count;
}

static int vdi_bad_entry(BlockDriverState *bs, uint32_t block, uint32_t entry)
{
    bdrv_set_error(bs, "%s: VDI block map entry %u points outside the image (%u)",
                   bs->filename, block, entry);
    return -EIO;
}

static int vdi_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    VdiState *s = bs->opaque;
    uint8_t *out = buf;

    while (bytes > 0) {
        uint32_t block = offset / s->block_size;
        uint64_t in_block = offset % s->block_size;
        uint64_t n = s->block_size - in_block < bytes ? s->block_size - in_block : bytes;
        uint32_t entry = s->block_map[block];
        int ret = 0;

        if (entry >= VDI_DISCARDED) {
            memset(out, 0, n);
        } else if (!vdi_entry_allocated(s, entry)) {
            return vdi_bad_entry(bs, block, entry);
        } else {
            ret = format_read_data(bs, bs->file, vdi_block_host_offset(s, entry) + in_block, n,
                                   out);
            if (ret < 0) {
                return ret;
            }
        }
        offset += n;
        bytes -= n;
        out += n;
    }
    return 0;
}

static int vdi_write_header_count(BlockDriverState *bs, VdiState *s)
{
    uint8_t field[4];
    store_le32(field, s->blocks_allocated);
    store_le32(s->header + OFF_ALLOCATED, s->blocks_allocated);
    return block_file_pwrite(bs->file, OFF_ALLOCATED, 4, field);
}

static int vdi_write_map_entry(BlockDriverState *bs, VdiState *s, uint32_t block)
{
    uint8_t field[4];
    store_le32(field, s->block_map[block]);
    return block_file_pwrite(bs->file, s->map_offset + (uint64_t)block * 4, 4, field);
}

/* Gives a block its data area. Order for crash safety: the data first, then the
 * map entry that makes it visible, then the header's count (a crash before the
 * count is rewritten leaves a count that check reports and repairs). */
static int vdi_allocate_block(BlockDriverState *bs, VdiState *s, uint32_t block,
                              uint64_t in_block, uint64_t n, const uint8_t *data)
{
    uint32_t entry = s->next_free_block;
    uint64_t host = vdi_block_host_offset(s, entry);
    int ret = 0;

    if (entry >= s->block_count) {
        bdrv_set_error(bs, "%s: VDI data area is full (block map inconsistent)", bs->filename);
        return -EIO;
    }
    /* stale bytes may lie there (a block written before a crash): zeros first */
    if (n != s->block_size) {
        ret = block_file_write_zeroes(bs->file, host, s->block_size, false);
    }
    if (ret == 0) {
        ret = block_file_pwrite(bs->file, host + in_block, n, data);
    }
    if (ret < 0) {
        goto fail;
    }
    s->next_free_block = entry + 1;
    s->block_map[block] = entry;
    ret = vdi_write_map_entry(bs, s, block);
    if (ret < 0) {
        goto fail;
    }
    if (s->blocks_allocated < s->next_free_block) {
        s->blocks_allocated = s->next_free_block;
        ret = vdi_write_header_count(bs, s);
        if (ret < 0) {
            goto fail;
        }
    }
    return 0;
fail:
    bdrv_set_error(bs, "%s: write error: %s", bs->filename, strerror(-ret));
    return ret;
}

static int vdi_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                      int flags)
{
    VdiState *s = bs->opaque;
    const uint8_t *in = buf;
    int ret;

    (void)flags;
    while (bytes > 0) {
        uint32_t block = offset / s->block_size;
        uint64_t in_block = offset % s->block_size;
        uint64_t n = s->block_size - in_block < bytes ? s->block_size - in_block : bytes;
        uint32_t entry = s->block_map[block];

        if (vdi_entry_allocated(s, entry)) {
            ret = block_file_pwrite(bs->file, vdi_block_host_offset(s, entry) + in_block, n, in);
            if (ret < 0) {
                bdrv_set_error(bs, "%s: write error: %s", bs->filename, strerror(-ret));
                return ret;
            }
        } else if (entry < VDI_DISCARDED) {
            return vdi_bad_entry(bs, block, entry);
        } else if (!buffer_is_zero(in, n)) {
            /* zeros need no data area: an unallocated block already reads as zeros */
            ret = vdi_allocate_block(bs, s, block, in_block, n, in);
            if (ret < 0) {
                return ret;
            }
        }
        offset += n;
        bytes -= n;
        in += n;
    }
    return 0;
}

static int vdi_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    VdiState *s = bs->opaque;

    /* unallocated blocks already read as zeros */
    while (bytes > 0) {
        uint64_t in_block = offset % s->block_size;
        uint64_t n = s->block_size - in_block < bytes ? s->block_size - in_block : bytes;
        uint32_t entry = s->block_map[offset / s->block_size];
        if (vdi_entry_allocated(s, entry)) {
            int ret = block_file_write_zeroes(bs->file, vdi_block_host_offset(s, entry) + in_block,
                                              n, false);
            if (ret < 0) {
                bdrv_set_error(bs, "%s: write error: %s", bs->filename, strerror(-ret));
                return ret;
            }
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int vdi_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                            uint64_t *pnum, uint64_t *map)
{
    VdiState *s = bs->opaque;
    uint32_t block = offset / s->block_size;
    uint64_t in_block = offset % s->block_size;
    uint32_t entry = s->block_map[block];
    bool allocated = vdi_entry_allocated(s, entry);
    uint64_t n = s->block_size - in_block;

    /* an entry past the blocks the image has is damage, not a hole (as pread) */
    if (!allocated && entry < VDI_DISCARDED) {
        return vdi_bad_entry(bs, block, entry);
    }

    /* merge following blocks with the same status (contiguous data for allocated) */
    for (uint32_t next = block + 1; n < bytes && next < s->block_count; next++) {
        uint32_t e = s->block_map[next];
        if (allocated ? e != entry + (next - block) : e < VDI_DISCARDED) {
            break;
        }
        n += s->block_size;
    }
    *pnum = n < bytes ? n : bytes;
    if (!allocated) {
        /* VDI has no backing file: an unallocated block is this layer's zeros */
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    }
    *map = vdi_block_host_offset(s, entry) + in_block;
    return format_data_status(bs, bs->file, *map, pnum);
}

/* nothing cached: bdrv_flush forces the host file unless cache=unsafe */
static int vdi_flush(BlockDriverState *bs)
{
    return 0;
}

static int vdi_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    VdiState *s = bs->opaque;
    bdi->cluster_size = s->block_size;
    bdi->is_dirty = false;
    return 0;
}

/* Copies data block from to data block to (repairs only). */
static int vdi_copy_data(BlockDriverState *bs, VdiState *s, uint32_t from, uint32_t to)
{
    uint32_t chunk = s->block_size < (1u << 20) ? s->block_size : (1u << 20);
    uint8_t *buf = malloc(chunk);
    int ret = buf ? 0 : -ENOMEM;

    for (uint64_t done = 0; ret == 0 && done < s->block_size; done += chunk) {
        ret = block_file_pread(bs->file, vdi_block_host_offset(s, from) + done, chunk, buf);
        if (ret == 0) {
            ret = block_file_pwrite(bs->file, vdi_block_host_offset(s, to) + done, chunk, buf);
        }
    }
    free(buf);
    return ret;
}

/* Points block at data block target, holding a copy of its current data (data
 * first, then the map entry). owner[i] is 1 + the block using data block i. */
static int vdi_move_block(BlockDriverState *bs, VdiState *s, uint32_t block, uint32_t target,
                          uint32_t *owner)
{
    int ret = vdi_copy_data(bs, s, s->block_map[block], target);
    uint32_t old = s->block_map[block];

    if (ret == 0) {
        s->block_map[block] = target;
        ret = vdi_write_map_entry(bs, s, block);
    }
    if (ret == 0) {
        if (owner[old] == block + 1) {
            owner[old] = 0;
        }
        owner[target] = block + 1;
    }
    return ret;
}

/* The lowest data block nobody uses, or block_count. */
static uint32_t vdi_lowest_hole(const VdiState *s, const uint32_t *owner)
{
    uint32_t i = 0;
    while (i < s->block_count && owner[i]) {
        i++;
    }
    return i;
}

/* One past the highest data block in use. */
static uint32_t vdi_highest_used(const VdiState *s, const uint32_t *owner)
{
    uint32_t highest = s->block_count;
    while (highest > 0 && !owner[highest - 1]) {
        highest--;
    }
    return highest;
}

/* Repairs: a block sharing its data gets its own copy in the lowest hole; then
 * the highest data blocks move down into the holes left, so that the indices in
 * use are 0..count-1 again (VirtualBox allocates at the count). */
static void vdi_repair_data_blocks(BlockDriverState *bs, VdiState *s, uint32_t *owner,
                                   BlockCheckResult *res)
{
    for (uint32_t i = 0; i < s->block_count; i++) {
        uint32_t entry = s->block_map[i];
        if (entry < s->block_count && owner[entry] != i + 1) {
            uint32_t hole = vdi_lowest_hole(s, owner);
            int ret = hole < s->block_count ? vdi_move_block(bs, s, i, hole, owner) : -ENOSPC;
            if (ret == 0) {
                res->corruptions_fixed++;
            } else {
                res->check_errors++;
            }
        }
    }
    for (;;) {
        uint32_t hole = vdi_lowest_hole(s, owner), top = vdi_highest_used(s, owner);
        if (hole >= top || vdi_move_block(bs, s, owner[top - 1] - 1, hole, owner) < 0) {
            break;
        }
    }
}

static void vdi_count_fix(BlockCheckResult *res, int ret)
{
    if (ret == 0) {
        res->corruptions_fixed++;
    } else {
        res->check_errors++;
    }
}

/* Map entries out of range or shared by two blocks are corruptions, and so is a
 * header count that disagrees with the number of mapped entries (messages and
 * counting as qemu-img's check). Repairs: out-of-range entries are unmapped,
 * shared data is copied, the count is rewritten. */
static int vdi_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    VdiState *s = bs->opaque;
    uint32_t *owner = calloc(s->block_count ? s->block_count : 1, sizeof(*owner));
    uint32_t counted = 0, highest = 0;
    bool repair = fix & BDRV_CHECK_FIX_ERRORS;

    if (!owner) {
        res->check_errors++;
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < s->block_count; i++) {
        uint32_t entry = s->block_map[i];
        if (entry >= VDI_DISCARDED) {
            continue;
        }
        if (entry >= s->block_count) {
            fprintf(stderr, "ERROR: block index %u too large, is %u\n", i, entry);
            res->corruptions++;
            if (repair) {
                s->block_map[i] = VDI_UNALLOCATED;
                vdi_count_fix(res, vdi_write_map_entry(bs, s, i));
            }
            continue;
        }
        counted++;
        if (owner[entry]) {
            fprintf(stderr, "ERROR: block index %u also used by %u\n", entry, owner[entry] - 1);
            res->corruptions++;
        } else {
            owner[entry] = i + 1;
        }
    }
    if (repair) {
        vdi_repair_data_blocks(bs, s, owner, res);
    }
    highest = vdi_highest_used(s, owner);
    free(owner);
    bool mismatch = counted != s->blocks_allocated;
    if (mismatch) {
        fprintf(stderr, "ERROR: allocated blocks mismatch, is %u, should be %u\n", counted,
                s->blocks_allocated);
        res->corruptions++;
    }
    if (repair && (mismatch || highest > s->blocks_allocated)) {
        /* never below an index in use */
        s->blocks_allocated = highest > counted ? highest : counted;
        s->next_free_block = s->blocks_allocated;
        int ret = vdi_write_header_count(bs, s);
        if (mismatch) {
            vdi_count_fix(res, ret);
        } else if (ret < 0) {
            res->check_errors++;
        }
    }
    return block_file_flush(bs->file);
}

static void vdi_make_uuid(uint8_t *uuid)
{
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(uuid, 16, 1, f) != 1) {
        uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)uuid;
        memcpy(uuid, &t, 8);
        memcpy(uuid + 8, &t, 8);
    }
    if (f) {
        fclose(f);
    }
    uuid[7] = (uuid[7] & 0x0f) | 0x40;    /* RFC 4122 version 4, stored little endian */
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

static void vdi_fill_header(uint8_t *header, uint64_t size, uint32_t blocks,
                            uint64_t data_offset, bool is_static)
{
    memset(header, 0, 512);
    memcpy(header, vdi_banner, sizeof(vdi_banner) - 1);
    store_le32(header + OFF_SIGNATURE, VDI_SIGNATURE);
    store_le32(header + OFF_VERSION, VDI_VERSION_1_1);
    store_le32(header + OFF_HEADER_SIZE, VDI_HEADER_SIZE_V1);
    store_le32(header + OFF_TYPE, is_static ? VDI_TYPE_STATIC : VDI_TYPE_DYNAMIC);
    store_le32(header + OFF_MAP, VDI_MAP_OFFSET);
    store_le32(header + OFF_DATA, data_offset);
    store_le32(header + OFF_SECTOR_SIZE, 512);
    store_le64(header + OFF_DISK_SIZE, size);
    store_le32(header + OFF_BLOCK_SIZE, VDI_DEFAULT_BLOCK);
    store_le32(header + OFF_BLOCKS, blocks);
    store_le32(header + OFF_ALLOCATED, is_static ? blocks : 0);
    vdi_make_uuid(header + OFF_UUID_IMAGE);
    vdi_make_uuid(header + OFF_UUID_SNAP);
}

/* Header, block map (a static image maps block i to data block i) and, for a
 * static image, the data area's size. */
static int vdi_write_new_image(BlockFile *file, const uint8_t *header, uint32_t blocks,
                               uint64_t map_bytes, bool is_static)
{
    uint8_t *map = malloc(map_bytes);
    int ret;

    if (!map) {
        return -ENOMEM;
    }
    memset(map, 0, map_bytes);
    for (uint32_t i = 0; i < blocks; i++) {
        store_le32(map + (uint64_t)i * 4, is_static ? i : VDI_UNALLOCATED);
    }
    ret = block_file_pwrite(file, 0, 512, header);
    if (ret == 0) {
        ret = block_file_pwrite(file, VDI_MAP_OFFSET, map_bytes, map);
    }
    if (ret == 0 && is_static) {
        ret = block_file_truncate(file, VDI_MAP_OFFSET + map_bytes +
                                        (uint64_t)blocks * VDI_DEFAULT_BLOCK);
    }
    if (ret == 0) {
        ret = block_file_flush(file);
    }
    free(map);
    return ret;
}

static int vdi_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    uint8_t header[512];
    uint64_t size, map_bytes;
    uint32_t blocks;
    bool is_static;
    BlockFile *file;
    int ret;

    ret = format_get_create_size(options, "vdi", (uint64_t)VDI_MAX_BLOCKS * VDI_DEFAULT_BLOCK,
                                 &size, err);
    if (ret < 0) {
        return ret;
    }
    if (qdict_get_bool(options, "static", false, &is_static, err) < 0) {
        return -EINVAL;
    }
    size = round_up_u64(size, 512);
    blocks = div_round_up_u64(size, VDI_DEFAULT_BLOCK);
    map_bytes = round_up_u64((uint64_t)blocks * 4, 512);
    vdi_fill_header(header, size, blocks, VDI_MAP_OFFSET + map_bytes, is_static);

    ret = format_create_file(filename, &file, err);
    if (ret < 0) {
        return ret;
    }
    ret = vdi_write_new_image(file, header, blocks, map_bytes, is_static);
    if (ret < 0) {
        block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
    }
    block_file_close(file);
    return ret;
}

static const BlockOptionDesc vdi_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "static", OPT_BOOL, "Create a static (preallocated) image" },
    { NULL, OPT_STRING, NULL },
};

const BlockDriver bdrv_vdi = {
    .format_name = "vdi",
    .instance_size = sizeof(VdiState),
    .probe = vdi_probe,
    .open = vdi_open,
    .close = vdi_close,
    .create = vdi_create,
    .create_opts = vdi_create_opts,
    .pread = vdi_pread,
    .pwrite = vdi_pwrite,
    .pwrite_zeroes = vdi_pwrite_zeroes,
    .flush = vdi_flush,
    .block_status = vdi_block_status,
    .check = vdi_check,
    .get_info = vdi_get_info,
};

/*
 * Virtual PC / Hyper-V "VHD" images: fixed and dynamic disks.
 *
 * Microsoft Virtual Hard Disk Image Format Specification (2006), all fields big
 * endian. Every image ends with a 512-byte footer ("Hard Disk Footer Format");
 * a dynamic disk also keeps a copy of it at offset 0, then a dynamic disk header
 * ("Dynamic Disk Header Format") that locates the Block Allocation Table. Each BAT
 * entry is the sector of a block: a sector bitmap (one bit per sector, padded to
 * 512 bytes) followed by the block's data; 0xffffffff means not allocated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "block/format-common.h"

#define VHD_FOOTER_SIZE        512
#define VHD_DYN_HEADER_SIZE    1024
#define VHD_TYPE_FIXED         2
#define VHD_TYPE_DYNAMIC       3
#define VHD_TYPE_DIFFERENCING  4
#define VHD_BAT_UNUSED         0xffffffffu
#define VHD_DEFAULT_BLOCK      (2u << 20)
#define VHD_MAX_CHS_SECTORS    (65535ull * 16 * 255)
#define VHD_MAX_SECTORS        0xff000000ull      /* 2040 GiB, as other tools limit it */
#define VHD_EPOCH              946684800          /* 2000-01-01 00:00:00 UTC */

/* "Hard Disk Footer Format" field offsets */
enum {
    FOOT_COOKIE = 0, FOOT_FEATURES = 8, FOOT_VERSION = 12, FOOT_DATA_OFFSET = 16,
    FOOT_TIMESTAMP = 24, FOOT_CREATOR_APP = 28, FOOT_CREATOR_VERSION = 32,
    FOOT_CREATOR_OS = 36, FOOT_ORIGINAL_SIZE = 40, FOOT_CURRENT_SIZE = 48,
    FOOT_CYLINDERS = 56, FOOT_HEADS = 58, FOOT_SECTORS = 59, FOOT_DISK_TYPE = 60,
    FOOT_CHECKSUM = 64, FOOT_UUID = 68,
};
/* "Dynamic Disk Header Format" field offsets */
enum {
    DYN_COOKIE = 0, DYN_DATA_OFFSET = 8, DYN_TABLE_OFFSET = 16, DYN_VERSION = 24,
    DYN_MAX_ENTRIES = 28, DYN_BLOCK_SIZE = 32, DYN_CHECKSUM = 36,
};

typedef struct VpcState {
    uint8_t footer[VHD_FOOTER_SIZE];
    bool is_fixed;
    uint64_t data_end;          /* fixed: bytes of disk data before the footer */
    uint32_t *bat;              /* dynamic: host byte order */
    uint32_t bat_entries;
    uint64_t bat_offset;
    uint32_t block_size;
    uint32_t bitmap_size;
    uint64_t next_block_offset; /* where the next block goes; the footer follows it */
} VpcState;

static int vpc_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size >= 8 && memcmp(buf, "conectix", 8) == 0) {
        return 100;
    }
    return 0;
}

/* "Hard Disk Footer Format", Checksum: one's complement of the byte sum with the
 * checksum field taken as zero. */
static uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_offset)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        if (i < checksum_offset || i >= checksum_offset + 4) {
            sum += buf[i];
        }
    }
    return ~sum;
}

/* Which size field to trust. Virtual PC derives the size from the CHS geometry,
 * Hyper-V and most converters from current_size (their creator applications are
 * listed below); a geometry at its maximum cannot express the size at all. */
static uint64_t vpc_disk_size(const uint8_t *footer)
{
    static const char current_size_creators[][4] = {
        { 'q', 'e', 'm', '2' }, { 'w', 'i', 'n', ' ' }, { 'd', '2', 'v', ' ' },
        { 't', 'a', 'p', 0 }, { 'C', 'T', 'X', 'S' }
    };
    uint64_t chs_sectors = (uint64_t)load_be16(footer + FOOT_CYLINDERS) *
                           footer[FOOT_HEADS] * footer[FOOT_SECTORS];
    uint64_t current = load_be64(footer + FOOT_CURRENT_SIZE) / 512 * 512;
    bool use_current = chs_sectors == VHD_MAX_CHS_SECTORS;

    for (size_t i = 0; i < sizeof(current_size_creators) / 4; i++) {
        if (memcmp(footer + FOOT_CREATOR_APP, current_size_creators[i], 4) == 0) {
            use_current = true;
        }
    }
    return use_current ? current : chs_sectors * 512;
}

/* The footer: a dynamic disk's copy at offset 0 (as other readers take it), or
 * the one at the end (fixed disks have no copy); either must carry its checksum.
 * *footer_at_end tells whether the end holds one (new blocks go over it). */
static int vpc_read_footer(BlockDriverState *bs, VpcState *s, int64_t file_len,
                           bool *footer_at_end)
{
    uint8_t end[VHD_FOOTER_SIZE];
    int ret = block_file_pread(bs->file, file_len - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE, end);

    if (ret == 0) {
        ret = block_file_pread(bs->file, 0, VHD_FOOTER_SIZE, s->footer);
    }
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the VHD footer: %s", strerror(-ret));
        return ret;
    }
    *footer_at_end = memcmp(end, "conectix", 8) == 0;
    if (memcmp(s->footer, "conectix", 8) != 0) {
        if (!*footer_at_end) {
            bdrv_set_error(bs, "no VHD footer found (bad cookie)");
            return -EINVAL;
        }
        memcpy(s->footer, end, sizeof(end));
    }
    if (load_be32(s->footer + FOOT_CHECKSUM) !=
        vhd_checksum(s->footer, VHD_FOOTER_SIZE, FOOT_CHECKSUM)) {
        bdrv_set_error(bs, "incorrect VHD footer checksum");
        return -EINVAL;
    }
    return 0;
}

/* The BAT, in host byte order; *end is past the last block it uses. */
static int vpc_read_bat(BlockDriverState *bs, VpcState *s, uint64_t *end)
{
    int ret = format_read_table32(bs, s->bat_offset, s->bat_entries, true,
                                  "VHD block allocation table", &s->bat);
    if (ret < 0) {
        return ret;
    }
    *end = round_up_u64(s->bat_offset + (uint64_t)s->bat_entries * 4, 512);
    for (uint32_t i = 0; i < s->bat_entries; i++) {
        if (s->bat[i] != VHD_BAT_UNUSED) {
            uint64_t block_end = (uint64_t)s->bat[i] * 512 + s->bitmap_size + s->block_size;
            *end = block_end > *end ? block_end : *end;
        }
    }
    return 0;
}

static int vpc_open_dynamic(BlockDriverState *bs, VpcState *s, int64_t file_len,
                            bool footer_at_end)
{
    uint8_t dyn[VHD_DYN_HEADER_SIZE];
    uint64_t dyn_offset = load_be64(s->footer + FOOT_DATA_OFFSET);
    uint64_t bat_bytes, highest_end;
    int ret;

    if (dyn_offset > (uint64_t)file_len || file_len - dyn_offset < VHD_DYN_HEADER_SIZE) {
        bdrv_set_error(bs, "VHD dynamic disk header offset %llu is outside the file",
                       (unsigned long long)dyn_offset);
        return -EINVAL;
    }
    ret = block_file_pread(bs->file, dyn_offset, VHD_DYN_HEADER_SIZE, dyn);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the VHD dynamic disk header: %s", strerror(-ret));
        return ret;
    }
    if (memcmp(dyn + DYN_COOKIE, "cxsparse", 8) != 0) {
        bdrv_set_error(bs, "invalid VHD dynamic disk header (bad cookie)");
        return -EINVAL;
    }
    s->block_size = load_be32(dyn + DYN_BLOCK_SIZE);
    s->bat_entries = load_be32(dyn + DYN_MAX_ENTRIES);
    s->bat_offset = load_be64(dyn + DYN_TABLE_OFFSET);
    if (s->block_size < 512 || s->block_size % 512 || s->block_size > (256u << 20)) {
        bdrv_set_error(bs, "invalid VHD block size %u", s->block_size);
        return -EINVAL;
    }
    if ((uint64_t)s->bat_entries * s->block_size < bs->total_size) {
        bdrv_set_error(bs, "VHD block allocation table too small for the disk size");
        return -EINVAL;
    }
    bat_bytes = (uint64_t)s->bat_entries * 4;
    if (s->bat_offset > (uint64_t)file_len || bat_bytes > file_len - s->bat_offset) {
        bdrv_set_error(bs, "VHD block allocation table extends past the end of the file");
        return -EINVAL;
    }
    s->bitmap_size = round_up_u64(s->block_size / 512 / 8, 512);
    ret = vpc_read_bat(bs, s, &highest_end);
    if (ret < 0) {
        return ret;
    }
    /* Every block the BAT lists must be in the file: one past its end would
     * read as zeros in place of its data (qemu-img refuses such a file too). */
    if (highest_end > (uint64_t)file_len) {
        bdrv_set_error(bs, "VHD image truncated: its block allocation table points past the "
                       "end of the file (expecting at least %llu bytes, the file has %lld)",
                       (unsigned long long)highest_end, (long long)file_len);
        return -EINVAL;
    }
    /* New blocks go where the footer is now: everything past it is fresh space. */
    s->next_block_offset = (uint64_t)file_len - (footer_at_end ? VHD_FOOTER_SIZE : 0);
    if (highest_end > s->next_block_offset) {
        s->next_block_offset = highest_end;
    }
    s->next_block_offset = round_up_u64(s->next_block_offset, 512);
    return 0;
}

static int vpc_open(BlockDriverState *bs, QDict *options, int flags)
{
    VpcState *s = bs->opaque;
    int64_t file_len = block_file_length(bs->file);
    uint32_t type;
    bool footer_at_end;
    int ret;

    if (file_len < 0) {
        bdrv_set_error(bs, "cannot get the file size: %s", strerror((int)-file_len));
        return (int)file_len;
    }
    if (file_len < VHD_FOOTER_SIZE) {
        bdrv_set_error(bs, "file too small for a VHD footer");
        return -EINVAL;
    }
    ret = vpc_read_footer(bs, s, file_len, &footer_at_end);
    if (ret < 0) {
        return ret;
    }
    type = load_be32(s->footer + FOOT_DISK_TYPE);
    bs->total_size = vpc_disk_size(s->footer);
    if (bs->total_size > VHD_MAX_SECTORS * 512) {
        bdrv_set_error(bs, "VHD disk size %llu is too large",
                       (unsigned long long)bs->total_size);
        return -EFBIG;
    }
    if (type == VHD_TYPE_FIXED) {
        s->is_fixed = true;
        s->data_end = file_len - VHD_FOOTER_SIZE;
        if (bs->total_size > s->data_end) {
            bdrv_set_error(bs, "fixed VHD file is shorter than its disk size");
            return -EINVAL;
        }
        return 0;
    }
    if (type == VHD_TYPE_DIFFERENCING) {
        bdrv_set_error(bs, "differencing VHD images are not supported");
        return -ENOTSUP;
    }
    if (type != VHD_TYPE_DYNAMIC) {
        bdrv_set_error(bs, "unknown VHD disk type %u", type);
        return -EINVAL;
    }
    ret = vpc_open_dynamic(bs, s, file_len, footer_at_end);
    if (ret < 0) {
        free(s->bat);
        s->bat = NULL;
    }
    return ret;
}

static void vpc_close(BlockDriverState *bs)
{
    VpcState *s = bs->opaque;
    free(s->bat);
    s->bat = NULL;
}

/* Host offset of the byte at offset, and how many bytes from there stay in the
 * same block; 0 when the block is not allocated. */
static uint64_t vpc_host_offset(VpcState *s, uint64_t offset, uint64_t bytes, uint64_t *pnum)
{
    uint64_t in_block = offset % s->block_size;
    uint32_t entry = s->bat[offset / s->block_size];

    *pnum = s->block_size - in_block < bytes ? s->block_size - in_block : bytes;
    if (entry == VHD_BAT_UNUSED) {
        return 0;
    }
    return (uint64_t)entry * 512 + s->bitmap_size + in_block;
}

static int vpc_io_error(BlockDriverState *bs, const char *what, int ret)
{
    bdrv_set_error(bs, "%s: %s error: %s", bs->filename, what, strerror(-ret));
    return ret;
}

static int vpc_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    VpcState *s = bs->opaque;
    uint8_t *out = buf;
    int ret;

    if (s->is_fixed) {
        ret = block_file_pread(bs->file, offset, bytes, buf);
        return ret < 0 ? vpc_io_error(bs, "read", ret) : 0;
    }
    while (bytes > 0) {
        uint64_t n, host = vpc_host_offset(s, offset, bytes, &n);
        if (host == 0) {
            memset(out, 0, n);
        } else {
            ret = format_read_data(bs, bs->file, host, n, out);
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

static void vpc_update_footer_checksum(uint8_t *footer)
{
    store_be32(footer + FOOT_CHECKSUM, 0);
    store_be32(footer + FOOT_CHECKSUM, vhd_checksum(footer, VHD_FOOTER_SIZE, FOOT_CHECKSUM));
}

/* Gives the block holding offset its space at the end of the file. Crash-safe
 * order: the footer moves to the new end first (the file stays a valid VHD whose
 * tail is unused space), then the bitmap and data, then the BAT entry. */
static int vpc_allocate_block(BlockDriverState *bs, VpcState *s, uint64_t offset)
{
    uint32_t block = offset / s->block_size;
    uint64_t block_start = s->next_block_offset;
    uint64_t new_footer = block_start + s->bitmap_size + s->block_size;
    uint8_t *bitmap, entry[4];
    int ret;

    if (block_start / 512 >= VHD_BAT_UNUSED) {
        bdrv_set_error(bs, "%s: VHD file too large for another block", bs->filename);
        return -EFBIG;
    }
    ret = block_file_pwrite(bs->file, new_footer, VHD_FOOTER_SIZE, s->footer);
    if (ret < 0) {
        return vpc_io_error(bs, "write", ret);
    }
    bitmap = malloc(s->bitmap_size);
    if (!bitmap) {
        return -ENOMEM;
    }
    /* every sector present: the data area of a fresh block is zeros */
    memset(bitmap, 0xff, s->bitmap_size);
    ret = block_file_pwrite(bs->file, block_start, s->bitmap_size, bitmap);
    free(bitmap);
    if (ret < 0) {
        return vpc_io_error(bs, "write", ret);
    }
    /* the old footer (or stale bytes) may lie inside the data area: clear it */
    ret = block_file_write_zeroes(bs->file, block_start + s->bitmap_size, s->block_size, false);
    if (ret < 0) {
        return vpc_io_error(bs, "write", ret);
    }
    store_be32(entry, block_start / 512);
    ret = block_file_pwrite(bs->file, s->bat_offset + (uint64_t)block * 4, 4, entry);
    if (ret < 0) {
        return vpc_io_error(bs, "write", ret);
    }
    s->bat[block] = block_start / 512;
    s->next_block_offset = new_footer;
    return 0;
}

static int vpc_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                      int flags)
{
    VpcState *s = bs->opaque;
    const uint8_t *in = buf;
    int ret;

    if (s->is_fixed) {
        ret = block_file_pwrite(bs->file, offset, bytes, buf);
        return ret < 0 ? vpc_io_error(bs, "write", ret) : 0;
    }
    while (bytes > 0) {
        uint64_t n, host = vpc_host_offset(s, offset, bytes, &n);
        if (host == 0 && !buffer_is_zero(in, n)) {
            ret = vpc_allocate_block(bs, s, offset);
            if (ret < 0) {
                return ret;
            }
            host = vpc_host_offset(s, offset, bytes, &n);
        }
        if (host != 0) {
            ret = block_file_pwrite(bs->file, host, n, in);
            if (ret < 0) {
                return vpc_io_error(bs, "write", ret);
            }
        }
        offset += n;
        bytes -= n;
        in += n;
    }
    return 0;
}

static int vpc_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    VpcState *s = bs->opaque;
    int ret;

    if (s->is_fixed) {
        ret = block_file_write_zeroes(bs->file, offset, bytes, false);
        return ret < 0 ? vpc_io_error(bs, "write", ret) : 0;
    }
    while (bytes > 0) {
        uint64_t n, host = vpc_host_offset(s, offset, bytes, &n);
        if (host != 0) {
            ret = block_file_write_zeroes(bs->file, host, n, false);
            if (ret < 0) {
                return vpc_io_error(bs, "write", ret);
            }
        }
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int vpc_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                            uint64_t *pnum, uint64_t *map)
{
    VpcState *s = bs->opaque;
    uint64_t n, host;

    if (s->is_fixed) {
        *pnum = bytes;
        *map = offset;
        return format_data_status(bs, bs->file, offset, pnum);
    }
    host = vpc_host_offset(s, offset, bytes, &n);
    *pnum = n;
    /* extend over following blocks with the same status, contiguous on the host */
    while (*pnum < bytes) {
        uint64_t next_n, next = vpc_host_offset(s, offset + *pnum, bytes - *pnum, &next_n);
        if ((host == 0) != (next == 0) || (host != 0 && next != host + *pnum)) {
            break;
        }
        *pnum += next_n;
    }
    if (host == 0) {
        return BDRV_BLOCK_ZERO;
    }
    /* unlike fixed disks, blocks are reported as data without looking for holes
     * (as qemu-img does: blocks are written whole) */
    *map = host;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
}

static int vpc_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    VpcState *s = bs->opaque;
    bdi->cluster_size = s->is_fixed ? 0 : s->block_size;
    bdi->is_dirty = false;
    return 0;
}

/* The CHS geometry for a number of sectors: the algorithm of the VHD specification,
 * appendix "CHS Calculation". */
static void vhd_geometry(uint64_t total_sectors, uint16_t *cylinders, uint8_t *heads,
                         uint8_t *sectors_per_track)
{
    uint64_t cylinder_times_heads;
    uint32_t h, spt;

    if (total_sectors > VHD_MAX_CHS_SECTORS) {
        total_sectors = VHD_MAX_CHS_SECTORS;
    }
    if (total_sectors >= 65535ull * 16 * 63) {
        spt = 255;
        h = 16;
        cylinder_times_heads = total_sectors / spt;
    } else {
        spt = 17;
        cylinder_times_heads = total_sectors / spt;
        h = (cylinder_times_heads + 1023) / 1024;
        if (h < 4) {
            h = 4;
        }
        if (cylinder_times_heads >= h * 1024ull || h > 16) {
            spt = 31;
            h = 16;
            cylinder_times_heads = total_sectors / spt;
        }
        if (cylinder_times_heads >= h * 1024ull) {
            spt = 63;
            h = 16;
            cylinder_times_heads = total_sectors / spt;
        }
    }
    *cylinders = cylinder_times_heads / h;
    *heads = h;
    *sectors_per_track = spt;
}

/* The smallest geometry covering the requested sectors (sizes are then the
 * geometry's, since Virtual PC reads the size from it), or the maximum geometry
 * with current_size holding the exact size when that cannot be expressed. */
static void vpc_fill_size(uint8_t *footer, uint64_t size, bool force_size)
{
    uint64_t sectors = size / 512;
    uint16_t c = 65535;
    uint8_t h = 16, spt = 255;

    if (!force_size && sectors <= VHD_MAX_CHS_SECTORS) {
        for (uint64_t extra = 0;; extra++) {
            vhd_geometry(sectors + extra, &c, &h, &spt);
            if ((uint64_t)c * h * spt >= sectors || (uint64_t)c * h * spt == VHD_MAX_CHS_SECTORS) {
                break;
            }
        }
        if ((uint64_t)c * h * spt != VHD_MAX_CHS_SECTORS) {
            size = (uint64_t)c * h * spt * 512;
        }
    }
    if (force_size) {
        c = 65535; h = 16; spt = 255;
    }
    store_be64(footer + FOOT_ORIGINAL_SIZE, size);
    store_be64(footer + FOOT_CURRENT_SIZE, size);
    store_be16(footer + FOOT_CYLINDERS, c);
    footer[FOOT_HEADS] = h;
    footer[FOOT_SECTORS] = spt;
}

static void vpc_make_uuid(uint8_t *uuid)
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
    uuid[6] = (uuid[6] & 0x0f) | 0x40;
    uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

static void vpc_fill_footer(uint8_t *footer, uint64_t size, bool fixed, bool force_size)
{
    time_t now = time(NULL);

    memset(footer, 0, VHD_FOOTER_SIZE);
    memcpy(footer + FOOT_COOKIE, "conectix", 8);
    store_be32(footer + FOOT_FEATURES, 2);                  /* "reserved", always set */
    store_be32(footer + FOOT_VERSION, 0x00010000);
    store_be64(footer + FOOT_DATA_OFFSET, fixed ? UINT64_MAX : VHD_FOOTER_SIZE);
    store_be32(footer + FOOT_TIMESTAMP, now > VHD_EPOCH ? (uint32_t)(now - VHD_EPOCH) : 0);
    /* A creator other readers do not know makes them size the disk by geometry,
     * which vpc_fill_size made exact; with a forced size the geometry is maximal,
     * which tells them to use current_size instead. */
    memcpy(footer + FOOT_CREATOR_APP, "qtzl", 4);
    store_be32(footer + FOOT_CREATOR_VERSION, 0x00010000);
    memcpy(footer + FOOT_CREATOR_OS, "Wi2k", 4);
    vpc_fill_size(footer, size, force_size);
    store_be32(footer + FOOT_DISK_TYPE, fixed ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC);
    vpc_make_uuid(footer + FOOT_UUID);
    vpc_update_footer_checksum(footer);
}

static int vpc_write_dynamic(BlockFile *file, const uint8_t *footer, uint64_t size)
{
    uint8_t dyn[VHD_DYN_HEADER_SIZE];
    uint32_t entries = div_round_up_u64(size, VHD_DEFAULT_BLOCK);
    uint64_t bat_offset = VHD_FOOTER_SIZE + VHD_DYN_HEADER_SIZE;
    uint64_t bat_bytes = round_up_u64((uint64_t)entries * 4, 512);
    uint8_t *bat;
    int ret;

    memset(dyn, 0, sizeof(dyn));
    memcpy(dyn + DYN_COOKIE, "cxsparse", 8);
    store_be64(dyn + DYN_DATA_OFFSET, UINT64_MAX);
    store_be64(dyn + DYN_TABLE_OFFSET, bat_offset);
    store_be32(dyn + DYN_VERSION, 0x00010000);
    store_be32(dyn + DYN_MAX_ENTRIES, entries);
    store_be32(dyn + DYN_BLOCK_SIZE, VHD_DEFAULT_BLOCK);
    store_be32(dyn + DYN_CHECKSUM, vhd_checksum(dyn, sizeof(dyn), DYN_CHECKSUM));

    bat = malloc(bat_bytes);
    if (!bat) {
        return -ENOMEM;
    }
    memset(bat, 0xff, bat_bytes);
    ret = block_file_pwrite(file, 0, VHD_FOOTER_SIZE, footer);
    if (ret == 0) {
        ret = block_file_pwrite(file, VHD_FOOTER_SIZE, sizeof(dyn), dyn);
    }
    if (ret == 0) {
        ret = block_file_pwrite(file, bat_offset, bat_bytes, bat);
    }
    if (ret == 0) {
        ret = block_file_pwrite(file, bat_offset + bat_bytes, VHD_FOOTER_SIZE, footer);
    }
    free(bat);
    return ret;
}

static int vpc_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    uint8_t footer[VHD_FOOTER_SIZE];
    const char *subformat = options ? qdict_get(options, "subformat") : NULL;
    bool fixed = false, force_size;
    uint64_t size;
    BlockFile *file;
    int ret;

    ret = format_get_create_size(options, "vpc", VHD_MAX_SECTORS * 512, &size, err);
    if (ret < 0) {
        return ret;
    }
    if (subformat && strcmp(subformat, "fixed") == 0) {
        fixed = true;
    } else if (subformat && strcmp(subformat, "dynamic") != 0) {
        block_error_set(err, "%s: invalid subformat '%s' (dynamic or fixed)",
                 filename, subformat);
        return -EINVAL;
    }
    if (qdict_get_bool(options, "force_size", false, &force_size, err) < 0) {
        return -EINVAL;
    }
    size = round_up_u64(size, 512);
    vpc_fill_footer(footer, size, fixed, force_size);
    size = load_be64(footer + FOOT_CURRENT_SIZE);

    ret = format_create_file(filename, &file, err);
    if (ret < 0) {
        return ret;
    }
    if (fixed) {
        ret = block_file_pwrite(file, size, VHD_FOOTER_SIZE, footer);
    } else {
        ret = vpc_write_dynamic(file, footer, size);
    }
    if (ret == 0) {
        ret = block_file_flush(file);
    }
    if (ret < 0) {
        block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
    }
    block_file_close(file);
    return ret;
}

static const BlockOptionDesc vpc_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "subformat", OPT_STRING, "Type of virtual hard disk file. Allowed values are 'dynamic' "
      "(default) and 'fixed'" },
    { "force_size", OPT_BOOL, "Enforce the given size exactly instead of rounding it to the "
      "disk geometry" },
    { NULL, OPT_STRING, NULL },
};

const BlockDriver bdrv_vpc = {
    .format_name = "vpc",
    .instance_size = sizeof(VpcState),
    .probe = vpc_probe,
    .open = vpc_open,
    .close = vpc_close,
    .create = vpc_create,
    .create_opts = vpc_create_opts,
    .pread = vpc_pread,
    .pwrite = vpc_pwrite,
    .pwrite_zeroes = vpc_pwrite_zeroes,
    .block_status = vpc_block_status,
    .get_info = vpc_get_info,
};

/*
 * Creating VMDK images: monolithicSparse and streamOptimized (one sparse extent
 * with an embedded descriptor) and monolithicFlat (a descriptor file and a flat
 * extent), VMware Virtual Disk Format 1.1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "block/vmdk.h"

typedef struct VmdkCreateParams {
    uint64_t sectors;
    const char *subformat;
    const char *adapter_type;
    const char *hwversion;
    const char *toolsversion;
    bool zeroed_grain;
    bool stream;
    uint32_t cid, parent_cid;
    const char *backing;
} VmdkCreateParams;

uint32_t vmdk_random_cid(void)
{
    uint32_t cid = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&cid, sizeof(cid), 1, f) != 1) {
        cid = (uint32_t)time(NULL) * 2654435761u;
    }
    if (f) {
        fclose(f);
    }
    return cid == UINT32_MAX ? 1 : cid;
}

/* The descriptor text ("Descriptor File"): header, one extent line, disk database. */
static char *vmdk_make_descriptor(const VmdkCreateParams *p, const char *extent_line)
{
    bool ide = strcmp(p->adapter_type, "ide") == 0;
    unsigned heads = ide ? 16 : 255, sectors_per_track = 63;
    uint64_t cylinders = p->sectors / (heads * sectors_per_track);
    char parent[4200] = "";
    char *text = NULL;

    if (p->backing) {
        snprintf(parent, sizeof(parent), "parentFileNameHint=\"%s\"\n", p->backing);
    }
    if (asprintf(&text,
                 "# Disk DescriptorFile\nversion=1\nCID=%08x\nparentCID=%08x\n"
                 "createType=\"%s\"\n%s\n# Extent description\n%s\n\n"
                 "# The Disk Data Base\n#DDB\n\n"
                 "ddb.virtualHWVersion = \"%s\"\nddb.geometry.cylinders = \"%" PRIu64 "\"\n"
                 "ddb.geometry.heads = \"%u\"\nddb.geometry.sectors = \"%u\"\n"
                 "ddb.adapterType = \"%s\"\nddb.toolsVersion = \"%s\"\n",
                 p->cid, p->parent_cid, p->subformat, parent, extent_line, p->hwversion,
                 cylinders, heads, sectors_per_track, p->adapter_type, p->toolsversion) < 0) {
        return NULL;
    }
    return text;
}

/* The file name as the descriptor records it: its last path component. */
static const char *vmdk_base_name(const char *filename)
{
    const char *slash = strrchr(filename, '/');
    return slash ? slash + 1 : filename;
}

/* Sparse extent layout as VMware lays it out: header, embedded descriptor (20
 * sectors), redundant GD, redundant GTs, GD, GTs, padded to a whole grain. */
static int vmdk_write_sparse_extent(BlockFile *file, const VmdkCreateParams *p, uint64_t capacity,
                                    const char *desc)
{
    const uint64_t grain = 128, gtes = 512, desc_offset = 1, desc_sectors = 20;
    uint64_t gd_entries = div_round_up_u64(capacity, grain * gtes);
    uint64_t gd_sectors = div_round_up_u64(gd_entries * 4, 512);
    uint64_t gt_sectors = gtes * 4 / 512;
    uint64_t rgd = desc_offset + desc_sectors, rgt = rgd + gd_sectors;
    uint64_t gd = rgt + gd_entries * gt_sectors, gt = gd + gd_sectors;
    uint64_t overhead = round_up_u64(gt + gd_entries * gt_sectors, grain);
    uint8_t h[512];
    uint8_t *tables;
    int ret;

    memset(h, 0, sizeof(h));
    store_le32(h + HDR_MAGIC, VMDK4_MAGIC);
    store_le32(h + HDR_VERSION, p->stream ? 3 : p->zeroed_grain ? 2 : 1);
    store_le32(h + HDR_FLAGS, VMDK_FLAG_NL_DETECT | VMDK_FLAG_RGD |
               (p->zeroed_grain ? VMDK_FLAG_ZERO_GRAIN : 0) |
               (p->stream ? VMDK_FLAG_COMPRESSED | VMDK_FLAG_MARKERS : 0));
    store_le64(h + HDR_CAPACITY, capacity);
    store_le64(h + HDR_GRAIN_SIZE, grain);
    store_le64(h + HDR_DESC_OFFSET, desc_offset);
    store_le64(h + HDR_DESC_SIZE, desc_sectors);
    store_le32(h + HDR_GTES_PER_GT, gtes);
    store_le64(h + HDR_RGD_OFFSET, rgd);
    store_le64(h + HDR_GD_OFFSET, gd);
    store_le64(h + HDR_OVERHEAD, overhead);
    memcpy(h + HDR_NL_CHARS, "\n \r\n", 4);
    store_le16(h + HDR_COMPRESS_ALGORITHM, p->stream ? 1 : 0);

    tables = calloc(overhead - rgd, 512);
    if (!tables) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < gd_entries; i++) {
        store_le32(tables + i * 4, rgt + i * gt_sectors);
        store_le32(tables + (gd - rgd) * 512 + i * 4, gt + i * gt_sectors);
    }
    ret = block_file_pwrite(file, 0, sizeof(h), h);
    if (ret == 0 && desc) {
        ret = block_file_pwrite(file, desc_offset * 512, strlen(desc), desc);
    }
    if (ret == 0) {
        ret = block_file_pwrite(file, rgd * 512, (overhead - rgd) * 512, tables);
    }
    free(tables);
    return ret;
}

/* The name of extent number index (from 1) of a descriptor-file image. */
static void vmdk_extent_name(const char *filename, const char *subformat, int index, char *out,
                             size_t size)
{
    size_t len = strlen(filename);
    int stem = len > 5 && strcmp(filename + len - 5, ".vmdk") == 0 ? (int)(len - 5) : (int)len;

    if (strcmp(subformat, "monolithicFlat") == 0) {
        snprintf(out, size, "%.*s-flat.vmdk", stem, filename);
    } else {
        snprintf(out, size, "%.*s-%c%03d.vmdk", stem, filename,
                 strcmp(subformat, "twoGbMaxExtentFlat") == 0 ? 'f' : 's', index);
    }
}

static int vmdk_create_extent_file(const char *name, VmdkCreateParams *p, bool flat,
                                   uint64_t sectors, BlockErrorInfo *err)
{
    BlockFile *file;
    int ret = format_create_file(name, &file, err);

    if (ret < 0) {
        return ret;
    }
    ret = flat ? block_file_truncate(file, sectors * 512)
               : vmdk_write_sparse_extent(file, p, sectors, NULL);
    if (ret == 0) {
        ret = block_file_flush(file);
    }
    block_file_close(file);
    if (ret < 0) {
        block_error_set(err, "%s: cannot write: %s", name, strerror(-ret));
    }
    return ret;
}

/* Images described by a descriptor file of their own: monolithicFlat (one flat
 * extent) and the twoGbMaxExtent sets (extents of at most 2 GiB each, for hosts
 * whose file systems limit file sizes). */
static int vmdk_create_described(const char *filename, VmdkCreateParams *p, BlockErrorInfo *err)
{
    bool flat = strcmp(p->subformat, "twoGbMaxExtentSparse") != 0;
    uint64_t extent_max = strcmp(p->subformat, "monolithicFlat") == 0 ? UINT64_MAX : 4194304;
    char name[4096], *lines = NULL, *desc;
    uint64_t done = 0;
    BlockFile *file;
    int ret = 0;

    for (int index = 1; ret == 0 && (done < p->sectors || index == 1); index++) {
        uint64_t n = p->sectors - done < extent_max ? p->sectors - done : extent_max;
        char *grown;
        vmdk_extent_name(filename, p->subformat, index, name, sizeof(name));
        ret = vmdk_create_extent_file(name, p, flat, n, err);
        if (ret == 0 && asprintf(&grown, "%s%sRW %" PRIu64 " %s \"%s\"%s", lines ? lines : "",
                                 lines ? "\n" : "", n, flat ? "FLAT" : "SPARSE",
                                 vmdk_base_name(name), flat ? " 0" : "") < 0) {
            ret = -ENOMEM;
            grown = lines;
        }
        if (ret == 0) {
            free(lines);
            lines = grown;
        }
        done += n;
    }
    desc = ret == 0 ? vmdk_make_descriptor(p, lines) : NULL;
    free(lines);
    if (ret < 0 || !desc) {
        if (ret == 0) {
            block_error_set(err, "%s: out of memory", filename);
        }
        return ret < 0 ? ret : -ENOMEM;
    }
    ret = format_create_file(filename, &file, err);
    if (ret == 0) {
        ret = block_file_pwrite(file, 0, strlen(desc), desc);
        if (ret == 0) {
            ret = block_file_flush(file);
        }
        block_file_close(file);
        if (ret < 0) {
            block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
        }
    }
    free(desc);
    return ret;
}

static int vmdk_create_monolithic(const char *filename, VmdkCreateParams *p, BlockErrorInfo *err)
{
    char line[4400];
    BlockFile *file;
    char *desc;
    int ret;

    snprintf(line, sizeof(line), "RW %" PRIu64 " SPARSE \"%s\"", p->sectors,
             vmdk_base_name(filename));
    desc = vmdk_make_descriptor(p, line);
    if (!desc) {
        block_error_set(err, "%s: out of memory", filename);
        return -ENOMEM;
    }
    if (strlen(desc) > 20 * 512) {
        free(desc);
        block_error_set(err, "%s: VMDK descriptor too long", filename);
        return -EINVAL;
    }
    ret = format_create_file(filename, &file, err);
    if (ret == 0) {
        ret = vmdk_write_sparse_extent(file, p, p->sectors, desc);
        if (ret == 0) {
            ret = block_file_flush(file);
        }
        block_file_close(file);
        if (ret < 0) {
            block_error_set(err, "%s: cannot write: %s", filename, strerror(-ret));
        }
    }
    free(desc);
    return ret;
}

/* The parent's CID, which a child records as parentCID (VMDK 1.1, "parentCID"). */
static int vmdk_parent_cid(const char *filename, const char *backing, const char *backing_fmt,
                           uint32_t *cid, BlockErrorInfo *err)
{
    char path[4096];
    BlockDriverState *parent;

    bdrv_resolve_backing_name(filename, backing, path, sizeof(path));
    parent = bdrv_open(path, backing_fmt && backing_fmt[0] ? backing_fmt : NULL, NULL,
                       BDRV_O_NO_BACKING, err);
    if (!parent) {
        return -ENOENT;
    }
    /* a VMDK child names its parent by file name and CID only: a VMDK parent */
    if (parent->drv != &bdrv_vmdk) {
        bdrv_close(parent);
        block_error_set(err, "%s: backing_file must be a vmdk image", filename);
        return -EINVAL;
    }
    *cid = ((VmdkState *)parent->opaque)->cid;
    bdrv_close(parent);
    return 0;
}

static int vmdk_parse_create_options(const char *filename, QDict *options, VmdkCreateParams *p,
                                     BlockErrorInfo *err)
{
    static const char *const adapters[] = { "ide", "buslogic", "lsilogic", "legacyESX" };
    bool compat6 = false, known = false;
    uint64_t size;
    int ret = format_get_create_size(options, "vmdk", (1ull << 41) * 512, &size, err);

    if (ret < 0) {
        return ret;
    }
    p->sectors = div_round_up_u64(size, 512);
    p->subformat = qdict_get(options, "subformat") ? qdict_get(options, "subformat")
                                                   : "monolithicSparse";
    p->adapter_type = qdict_get(options, "adapter_type") ? qdict_get(options, "adapter_type")
                                                         : "ide";
    p->toolsversion = qdict_get(options, "toolsversion") ? qdict_get(options, "toolsversion")
                                                         : "2147483647";
    p->backing = qdict_get(options, "backing_file");
    if (qdict_get_bool(options, "compat6", false, &compat6, err) < 0 ||
        qdict_get_bool(options, "zeroed_grain", false, &p->zeroed_grain, err) < 0) {
        return -EINVAL;
    }
    p->hwversion = qdict_get(options, "hwversion") ? qdict_get(options, "hwversion")
                                                   : compat6 ? "6" : "4";
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++) {
        known |= strcmp(p->adapter_type, adapters[i]) == 0;
    }
    if (!known) {
        block_error_set(err, "Unknown adapter type: '%s'", p->adapter_type);
        return -EINVAL;
    }
    p->stream = strcmp(p->subformat, "streamOptimized") == 0;
    if (strcmp(p->subformat, "monolithicSparse") != 0 && !p->stream &&
        strcmp(p->subformat, "monolithicFlat") != 0 &&
        strcmp(p->subformat, "twoGbMaxExtentSparse") != 0 &&
        strcmp(p->subformat, "twoGbMaxExtentFlat") != 0) {
        block_error_set(err, "%s: unsupported VMDK subformat '%s' (monolithicSparse, "
                 "monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat or streamOptimized)",
                 filename, p->subformat);
        return -ENOTSUP;
    }
    p->cid = vmdk_random_cid();
    p->parent_cid = UINT32_MAX;
    if (p->backing) {
        ret = vmdk_parent_cid(filename, p->backing, qdict_get(options, "backing_fmt"),
                              &p->parent_cid, err);
    }
    return ret;
}

int vmdk_create(const char *filename, QDict *options, BlockErrorInfo *err)
{
    VmdkCreateParams p;
    int ret;

    memset(&p, 0, sizeof(p));
    if (!options) {
        block_error_set(err, "vmdk: image size is required");
        return -EINVAL;
    }
    ret = vmdk_parse_create_options(filename, options, &p, err);
    if (ret < 0) {
        return ret;
    }
    if (strcmp(p.subformat, "monolithicSparse") != 0 && !p.stream) {
        return vmdk_create_described(filename, &p, err);
    }
    return vmdk_create_monolithic(filename, &p, err);
}

const BlockOptionDesc vmdk_create_opts[] = {
    { "size", OPT_SIZE, "Virtual disk size" },
    { "adapter_type", OPT_STRING, "Virtual adapter type, can be one of ide (default), lsilogic, "
      "buslogic or legacyESX" },
    { "backing_file", OPT_STRING, "File name of a base image" },
    { "backing_fmt", OPT_STRING, "Format of the base image" },
    { "compat6", OPT_BOOL, "VMDK version 6 image" },
    { "hwversion", OPT_STRING, "VMDK hardware version" },
    { "toolsversion", OPT_STRING, "VMware guest tools version" },
    { "subformat", OPT_STRING, "VMDK flat extent format, can be one of {monolithicSparse (default) "
      "| monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | streamOptimized}" },
    { "zeroed_grain", OPT_BOOL, "Enable efficient zero writes using the zeroed-grain GTE feature" },
    { NULL, OPT_STRING, NULL },
};

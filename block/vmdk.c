/*
 * VMware virtual disks (VMDK): monolithicSparse, monolithicFlat,
 * streamOptimized and twoGbMaxExtentSparse/Flat, read, write and create; other
 * descriptor-described sets of FLAT, SPARSE and ZERO extents read and written.
 *
 * VMware Virtual Disk Format 1.1. A disk is a text descriptor ("Descriptor
 * File") listing extents, either in its own file or embedded in a sparse
 * extent. A sparse extent starts with a little-endian header ("Hosted Sparse
 * Extent Header"): magic "KDMV", version, flags, capacity, grainSize,
 * descriptorOffset/Size, numGTEsPerGT, rgdOffset, gdOffset, overHead,
 * uncleanShutdown, four newline-check characters, compressAlgorithm (sizes and
 * offsets in sectors). The grain directory (GD) points to grain tables (GT) whose
 * entries (GTEs) hold each grain's sector: 0 not allocated, 1 a zeroed grain when
 * flag bit 2 is set. A redundant GD/GT copy is kept in step when flag bit 1 is
 * set. streamOptimized extents ("Stream-Optimized Compressed Sparse Extents")
 * hold DEFLATE-compressed grains (zlib format), each behind a marker {u64 lba,
 * u32 size}; a marker of size 0 is metadata, all-zero is end-of-stream; a
 * gdOffset of ~0 means the real header is the footer near the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "block/vmdk.h"

static int vmdk_probe(const uint8_t *buf, int buf_size, const char *filename)
{
    if (buf_size >= 4 && load_le32(buf) == VMDK4_MAGIC) {
        return 100;
    }
    /* a text descriptor: "# Disk DescriptorFile" and createType (VMDK 1.1, 4) */
    if (buf_size >= 21 && memcmp(buf, "# Disk DescriptorFile", 21) == 0) {
        return 100;
    }
    if (buf && buf_size > 0 && memmem(buf, buf_size, "createType=", 11) &&
        memmem(buf, buf_size, "version=", 8)) {
        return 50;
    }
    return 0;
}

/* ---- descriptor ---- */

/* The value of key="value" or key = "value" (quotes optional) on its own line. */
static bool descriptor_get(const char *desc, const char *key, char *out, size_t size)
{
    size_t key_len = strlen(key);
    for (const char *line = desc; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *p = line;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, key, key_len) != 0) {
            continue;
        }
        p += key_len;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p++ != '=') {
            continue;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        bool quoted = *p == '"';
        p += quoted;
        size_t n = 0;
        while (p[n] && p[n] != '\n' && p[n] != '\r' && (quoted ? p[n] != '"' : p[n] != ' ')) {
            n++;
        }
        if (n >= size) {
            return false;
        }
        memcpy(out, p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static void vmdk_parse_cids(VmdkState *s, const char *desc)
{
    char value[64];

    s->cid = descriptor_get(desc, "CID", value, sizeof(value)) ? strtoul(value, NULL, 16) : 0;
    s->parent_cid = descriptor_get(desc, "parentCID", value, sizeof(value))
                    ? strtoul(value, NULL, 16) : UINT32_MAX;
}

/* One extent line: ACCESS SIZE TYPE ["FILENAME" [OFFSET]] (VMDK 1.1, "Extent
 * Descriptions"); 1 when parsed, 0 when the line is not an extent, -1 if bad. */
static int parse_extent_line(const char *line, char *access, char *type, uint64_t *sectors,
                             char *name, size_t name_size, uint64_t *offset)
{
    int used = 0;

    if (sscanf(line, "%15s %" SCNu64 " %15s %n", access, sectors, type, &used) < 3) {
        return 0;
    }
    if (strcmp(access, "RW") != 0 && strcmp(access, "RDONLY") != 0 &&
        strcmp(access, "NOACCESS") != 0) {
        return 0;
    }
    name[0] = '\0';
    *offset = 0;
    line += used;
    if (*line == '"') {
        const char *end = strchr(line + 1, '"');
        if (!end || (size_t)(end - line - 1) >= name_size) {
            return -1;
        }
        memcpy(name, line + 1, end - line - 1);
        name[end - line - 1] = '\0';
        line = end + 1;
        if (sscanf(line, " %" SCNu64, offset) < 1) {
            *offset = 0;
        }
    }
    return 1;
}

static VmdkExtent *vmdk_find_extent(VmdkState *s, uint64_t offset)
{
    for (int i = 0; i < s->extent_count; i++) {
        if (offset - s->extents[i].start < s->extents[i].length) {
            return &s->extents[i];
        }
    }
    return NULL;
}

/* The bytes from rel to the end of its grain (sparse) or extent (others). */
static uint64_t vmdk_chunk(const VmdkExtent *e, uint64_t rel, uint64_t bytes)
{
    uint64_t n = e->length - rel;
    if (e->type == EXTENT_SPARSE && e->grain_size - rel % e->grain_size < n) {
        n = e->grain_size - rel % e->grain_size;
    }
    return n < bytes ? n : bytes;
}

static int vmdk_pread(BlockDriverState *bs, uint64_t offset, uint64_t bytes, void *buf)
{
    VmdkState *s = bs->opaque;
    uint8_t *out = buf;
    int ret = 0;

    while (bytes > 0) {
        VmdkExtent *e = vmdk_find_extent(s, offset);
        if (!e) {
            bdrv_set_error(bs, "%s: offset %" PRIu64 " is in no extent", bs->filename, offset);
            return -EIO;
        }
        uint64_t rel = offset - e->start, n = vmdk_chunk(e, rel, bytes);
        if (e->access == EXTENT_NOACCESS) {
            bdrv_set_error(bs, "%s: extent '%s' is marked NOACCESS", bs->filename, e->filename);
            return -EACCES;
        } else if (e->type == EXTENT_ZERO) {
            memset(out, 0, n);
        } else if (e->type == EXTENT_FLAT) {
            ret = format_read_data(bs, e->file, e->flat_offset + rel, n, out);
        } else {
            ret = vmdk_read_sparse(bs, s, e, rel, n, out);
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
        out += n;
    }
    return 0;
}

/* The descriptor with its CID line replaced by cid (NULL without a CID line). */
static char *vmdk_descriptor_with_cid(const char *desc, uint32_t cid)
{
    for (const char *line = desc; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        if (strncmp(line, "CID=", 4) == 0) {
            const char *rest = line + 4 + strspn(line + 4, "0123456789abcdefABCDEF");
            char *out = NULL;
            if (asprintf(&out, "%.*sCID=%08x%s", (int)(line - desc), desc, cid, rest) < 0) {
                return NULL;
            }
            return out;
        }
    }
    return NULL;
}

/* The first write gives the image a new CID ("Descriptor File", CID: it changes
 * when the disk is modified, so that children notice). */
static int vmdk_update_cid(BlockDriverState *bs, VmdkState *s)
{
    size_t old_len, new_len;
    char *text;
    int ret;

    if (s->cid_updated || !s->descriptor) {
        return 0;
    }
    s->cid_updated = true;
    text = vmdk_descriptor_with_cid(s->descriptor, vmdk_random_cid());
    if (!text) {
        return 0;                   /* no CID line: nothing records one */
    }
    old_len = strlen(s->descriptor);
    new_len = strlen(text);
    if (new_len > s->descriptor_space) {
        free(text);
        return 0;
    }
    ret = block_file_pwrite(bs->file, s->descriptor_offset, new_len, text);
    if (ret == 0 && new_len < old_len) {
        ret = s->descriptor_space == UINT64_MAX ? block_file_truncate(bs->file, new_len)
              : block_file_write_zeroes(bs->file, s->descriptor_offset + new_len,
                                        old_len - new_len, false);
    }
    if (ret < 0) {
        free(text);
        bdrv_set_error(bs, "%s: cannot update the VMDK descriptor: %s", bs->filename,
                       strerror(-ret));
        return ret;
    }
    vmdk_parse_cids(s, text);
    free(s->descriptor);
    s->descriptor = text;
    return 0;
}

int vmdk_check_parent_cid(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;

    if (s->parent_cid_ok == 0) {
        s->parent_cid_ok = 1;
        if (bs->backing && bs->backing->drv == &bdrv_vmdk && s->parent_cid != UINT32_MAX &&
            ((VmdkState *)bs->backing->opaque)->cid != s->parent_cid) {
            s->parent_cid_ok = -1;
        }
    }
    if (s->parent_cid_ok < 0) {
        bdrv_set_error(bs, "%s: its parent '%s' was modified after it was created (parent CID "
                       "%08x, recorded %08x)", bs->filename, bs->backing->filename,
                       ((VmdkState *)bs->backing->opaque)->cid, s->parent_cid);
        return -EINVAL;
    }
    return 0;
}

static int vmdk_pwrite(BlockDriverState *bs, uint64_t offset, uint64_t bytes, const void *buf,
                       int flags)
{
    VmdkState *s = bs->opaque;
    const uint8_t *in = buf;
    int ret = vmdk_update_cid(bs, s);

    if (ret < 0) {
        return ret;
    }

    while (bytes > 0) {
        VmdkExtent *e = vmdk_find_extent(s, offset);
        if (!e) {
            bdrv_set_error(bs, "%s: offset %" PRIu64 " is in no extent", bs->filename, offset);
            return -EIO;
        }
        uint64_t rel = offset - e->start, n = vmdk_chunk(e, rel, bytes);
        if (e->type == EXTENT_ZERO || e->access != EXTENT_RW) {
            bdrv_set_error(bs, "%s: extent '%s' is read-only (%s)", bs->filename, e->filename,
                           e->type == EXTENT_ZERO ? "ZERO" : "RDONLY");
            return -EACCES;
        } else if (e->type == EXTENT_FLAT) {
            ret = block_file_pwrite(e->file, e->flat_offset + rel, n, in);
            ret = ret < 0 ? vmdk_io_error(bs, e, "write", ret) : 0;
        } else {
            uint64_t done = 0, left = bytes < e->length - rel ? bytes : e->length - rel;
            ret = e->compressed ? vmdk_write_stream_run(bs, e, rel, left, in, &done)
                                : vmdk_write_sparse_run(bs, e, rel, left, in, &done);
            if (ret == 0 && done) {
                n = done;
            } else if (ret == 0) {
                ret = vmdk_write_sparse(bs, s, e, rel, n, in);
            }
        }
        if (ret < 0) {
            return ret;
        }
        offset += n;
        bytes -= n;
        in += n;
    }
    return 0;
}

/* Zeros written as data (a grain that only partly becomes zero needs it). */
static int vmdk_write_zero_buffers(BlockDriverState *bs, uint64_t offset, uint64_t bytes)
{
    uint64_t chunk = bytes < (1u << 20) ? bytes : (1u << 20);
    uint8_t *zeros = calloc(1, chunk ? chunk : 1);
    int ret = 0;

    if (!zeros) {
        return -ENOMEM;
    }
    while (bytes > 0 && ret == 0) {
        uint64_t n = bytes < chunk ? bytes : chunk;
        ret = vmdk_pwrite(bs, offset, n, zeros, 0);
        offset += n;
        bytes -= n;
    }
    free(zeros);
    return ret;
}

/* Whole grains of extents with zeroed-grain GTEs become GTE 1; anything else is
 * written as zeros (which leaves unallocated grains alone when nothing is below). */
static int vmdk_pwrite_zeroes(BlockDriverState *bs, uint64_t offset, uint64_t bytes, int flags)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);
    uint64_t rel = e ? offset - e->start : 0;
    int ret = vmdk_update_cid(bs, s);

    if (ret < 0) {
        return ret;
    }

    if (!e || e->type != EXTENT_SPARSE || !(e->flags & VMDK_FLAG_ZERO_GRAIN) ||
        rel % e->grain_size || bytes % e->grain_size || bytes > e->length - rel) {
        return vmdk_write_zero_buffers(bs, offset, bytes);
    }
    for (uint64_t done = 0; done < bytes; done += e->grain_size) {
        uint64_t gd_index = (rel + done) / e->grain_size / e->gtes_per_gt;
        if (gd_index >= e->gd_entries || e->gd[gd_index] == 0) {
            return vmdk_write_zero_buffers(bs, offset + done, bytes - done);
        }
        ret = vmdk_set_gte(bs, e, rel + done, VMDK_GTE_ZEROED);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

/* convert -c: only stream-optimized extents hold compressed grains, and they
 * compress every grain anyway. */
static int vmdk_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                                  const void *buf)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);

    if (!e || e->type != EXTENT_SPARSE || !e->compressed) {
        bdrv_set_error(bs, "%s: compression is only supported for streamOptimized VMDK images",
                       bs->filename);
        return -ENOTSUP;
    }
    return vmdk_pwrite(bs, offset, bytes, buf, 0);
}

static int vmdk_flush(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;
    int ret;

    for (int i = 0; i < s->extent_count; i++) {
        VmdkExtent *e = &s->extents[i];
        if (e->stream_needs_eos && (ret = vmdk_write_eos(bs, e)) < 0) {
            return ret;
        }
        /* extent files are forced here (bdrv_flush forces the descriptor's),
         * except under cache=unsafe */
        if (e->owns_file && !bs->read_only && !(bs->open_flags & BDRV_O_NO_FLUSH) &&
            (ret = block_file_flush(e->file)) < 0) {
            return vmdk_io_error(bs, e, "flush", ret);
        }
    }
    return 0;
}

/* ---- opening ---- */

static void vmdk_free_extent(VmdkExtent *e)
{
    free(e->gd);
    free(e->rgd);
    if (e->owns_file && e->file) {
        block_file_close(e->file);
    }
}

static void vmdk_close(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;

    if (!bs->read_only) {
        for (int i = 0; i < s->extent_count; i++) {
            if (s->extents[i].stream_needs_eos) {
                vmdk_write_eos(bs, &s->extents[i]);
            }
        }
    }
    for (int i = 0; i < s->extent_count; i++) {
        vmdk_free_extent(&s->extents[i]);
    }
    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        free(s->gt_cache[i].table);
    }
    free(s->extents);
    free(s->descriptor);
    free(s->grain_buf);
    free(s->compressed_buf);
    memset(s, 0, sizeof(*s));
}

static VmdkExtent *vmdk_add_extent(BlockDriverState *bs, VmdkState *s)
{
    VmdkExtent *grown;

    if (s->extent_count >= VMDK_MAX_EXTENTS) {
        bdrv_set_error(bs, "too many VMDK extents");
        return NULL;
    }
    grown = realloc(s->extents, (s->extent_count + 1) * sizeof(*grown));
    if (!grown) {
        bdrv_set_error(bs, "out of memory");
        return NULL;
    }
    s->extents = grown;
    memset(&grown[s->extent_count], 0, sizeof(*grown));
    /* the extents moved: forget what the caches know by address */
    for (int i = 0; i < VMDK_GT_CACHE_SIZE; i++) {
        s->gt_cache[i].extent = NULL;
    }
    s->grain_buf_extent = NULL;
    return &grown[s->extent_count++];
}

static int vmdk_extent_type(BlockDriverState *bs, const char *type, VmdkExtentType *out)
{
    if (strcmp(type, "FLAT") == 0 || strcmp(type, "VMFS") == 0) {
        *out = EXTENT_FLAT;
    } else if (strcmp(type, "SPARSE") == 0) {
        *out = EXTENT_SPARSE;
    } else if (strcmp(type, "ZERO") == 0) {
        *out = EXTENT_ZERO;
    } else {
        bdrv_set_error(bs, "unsupported VMDK extent type '%s'", type);
        return -ENOTSUP;
    }
    return 0;
}

/* Opens the file of extent e, named relative to the descriptor's folder. */
static int vmdk_open_extent_file(BlockDriverState *bs, VmdkExtent *e)
{
    char path[4096];
    BlockErrorInfo err = { "" };
    int ret;

    /* A descriptor is text anyone can write: an image opened for writing may only
     * reach extent files in its own folder, never absolute or ".." paths. */
    if ((bs->open_flags & BDRV_O_RDWR) && e->access == EXTENT_RW &&
        (e->filename[0] == '/' || strcmp(e->filename, "..") == 0 ||
         strncmp(e->filename, "../", 3) == 0 || strstr(e->filename, "/../") ||
         (strlen(e->filename) >= 3 && strcmp(e->filename + strlen(e->filename) - 3, "/..") == 0))) {
        bdrv_set_error(bs, "extent file '%s' is outside the image's folder (open it read-only)",
                       e->filename);
        return -EPERM;
    }
    bdrv_resolve_backing_name(bs->filename, e->filename, path, sizeof(path));
    int aio = BDRV_O_NATIVE_AIO | BDRV_O_IO_URING;
    ret = block_file_open(path, bs->open_flags & (BDRV_O_NOCACHE | aio |
                                                  (e->access == EXTENT_RW ? BDRV_O_RDWR : 0)),
                          &e->file, &err);
    if (ret < 0) {
        bdrv_set_error(bs, "cannot open extent file: %s", err.msg);
        return ret;
    }
    snprintf(e->filename, sizeof(e->filename), "%s", path);
    e->owns_file = true;
    return 0;
}

static int vmdk_add_described_extent(BlockDriverState *bs, VmdkState *s, const char *line,
                                     bool embedded)
{
    char access[16], type_name[16], name[1024];
    uint64_t sectors, offset;
    VmdkExtentType type;
    VmdkExtent *e;
    int ret = parse_extent_line(line, access, type_name, &sectors, name, sizeof(name), &offset);

    if (ret <= 0) {
        if (ret < 0) {
            bdrv_set_error(bs, "invalid VMDK extent line");
            return -EINVAL;
        }
        return 0;
    }
    if (vmdk_extent_type(bs, type_name, &type) < 0) {
        return -ENOTSUP;
    }
    if (sectors > (1ull << 50) || (type != EXTENT_ZERO && !name[0])) {
        bdrv_set_error(bs, "invalid VMDK extent line");
        return -EINVAL;
    }
    if (embedded && (type != EXTENT_SPARSE || s->extent_count > 0)) {
        bdrv_set_error(bs, "unsupported extents in an embedded VMDK descriptor");
        return -ENOTSUP;
    }
    e = vmdk_add_extent(bs, s);
    if (!e) {
        return -ENOMEM;
    }
    e->type = type;
    e->access = strcmp(access, "RW") == 0 ? EXTENT_RW : strcmp(access, "RDONLY") == 0
                ? EXTENT_RDONLY : EXTENT_NOACCESS;
    e->start = s->extent_count > 1 ? e[-1].start + e[-1].length : 0;
    e->length = sectors * 512;
    e->flat_offset = offset * 512;
    snprintf(e->filename, sizeof(e->filename), "%s", name);
    if (type == EXTENT_ZERO) {
        return 0;
    }
    if (embedded) {
        e->file = bs->file;
        snprintf(e->filename, sizeof(e->filename), "%s", bs->filename);
    } else if ((ret = vmdk_open_extent_file(bs, e)) < 0) {
        return ret;
    }
    return type == EXTENT_SPARSE ? vmdk_open_sparse(bs, s, e, false) : 0;
}

static void vmdk_parse_ids(BlockDriverState *bs, VmdkState *s, const char *desc)
{
    vmdk_parse_cids(s, desc);
    if (!descriptor_get(desc, "createType", s->create_type, sizeof(s->create_type))) {
        s->create_type[0] = '\0';
    }
    /* a VMDK parent is always a VMDK image */
    if (descriptor_get(desc, "parentFileNameHint", bs->backing_file, sizeof(bs->backing_file))) {
        snprintf(bs->backing_format, sizeof(bs->backing_format), "vmdk");
    } else {
        bs->backing_file[0] = '\0';
    }
}

static int vmdk_open_descriptor(BlockDriverState *bs, VmdkState *s, const char *desc, bool embedded)
{
    int ret;

    vmdk_parse_ids(bs, s, desc);
    if (strcmp(s->create_type, "vmfsSparse") == 0 || strcmp(s->create_type, "seSparse") == 0) {
        bdrv_set_error(bs, "unsupported VMDK create type '%s'", s->create_type);
        return -ENOTSUP;
    }
    for (const char *line = desc; *line;) {
        const char *end = strchr(line, '\n');
        char copy[2048];
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len < sizeof(copy)) {
            memcpy(copy, line, len);
            copy[len] = '\0';
            ret = vmdk_add_described_extent(bs, s, copy, embedded);
            if (ret < 0) {
                return ret;
            }
        }
        line += len + (end != NULL);
    }
    if (s->extent_count == 0) {
        bdrv_set_error(bs, "VMDK descriptor lists no extents");
        return -EINVAL;
    }
    return 0;
}

/* A descriptor of at most VMDK_MAX_DESCRIPTOR bytes at offset, NUL-terminated. */
static int vmdk_read_text(BlockDriverState *bs, uint64_t offset, uint64_t size, char **out)
{
    char *text;
    int ret;

    if (size > VMDK_MAX_DESCRIPTOR) {
        bdrv_set_error(bs, "VMDK descriptor too large (%" PRIu64 " bytes)", size);
        return -EFBIG;
    }
    text = malloc(size + 1);
    if (!text) {
        return -ENOMEM;
    }
    ret = block_file_pread(bs->file, offset, size, text);
    if (ret < 0) {
        free(text);
        bdrv_set_error(bs, "cannot read the VMDK descriptor: %s", strerror(-ret));
        return ret;
    }
    text[size] = '\0';
    *out = text;
    return 0;
}

static int vmdk_open_layout(BlockDriverState *bs, VmdkState *s, int64_t file_len)
{
    uint8_t h[512];
    char *desc = NULL;
    int ret = block_file_pread(bs->file, 0, file_len < 512 ? file_len : 512, h);

    if (ret < 0) {
        bdrv_set_error(bs, "cannot read the VMDK header: %s", strerror(-ret));
        return ret;
    }
    if (file_len >= 4 && load_le32(h) == VMDK4_MAGIC) {
        uint64_t desc_offset = load_le64(h + HDR_DESC_OFFSET);
        uint64_t desc_size = load_le64(h + HDR_DESC_SIZE);
        if (desc_offset == 0 || desc_size == 0) {
            VmdkExtent *e = vmdk_add_extent(bs, s);
            if (!e) {
                return -ENOMEM;
            }
            e->type = EXTENT_SPARSE;
            e->file = bs->file;
            snprintf(e->filename, sizeof(e->filename), "%s", bs->filename);
            snprintf(s->create_type, sizeof(s->create_type), "monolithicSparse");
            s->parent_cid = UINT32_MAX;
            return vmdk_open_sparse(bs, s, e, true);
        }
        if (desc_size > VMDK_MAX_DESCRIPTOR / 512) {
            bdrv_set_error(bs, "VMDK descriptor too large");
            return -EFBIG;
        }
        ret = vmdk_read_text(bs, desc_offset * 512, desc_size * 512, &desc);
        if (ret == 0) {
            s->descriptor_offset = desc_offset * 512;
            s->descriptor_space = desc_size * 512;
            ret = vmdk_open_descriptor(bs, s, desc, true);
        }
    } else {
        ret = vmdk_read_text(bs, 0, file_len, &desc);
        /* the text ends at the first NUL: other tools pad descriptors with NULs,
         * and qemu-img leaves a NUL and old bytes after a rewritten one */
        if (ret == 0) {
            s->descriptor_offset = 0;
            s->descriptor_space = UINT64_MAX;
            ret = vmdk_open_descriptor(bs, s, desc, false);
        }
    }
    s->descriptor = desc;
    return ret;
}

static int vmdk_open(BlockDriverState *bs, QDict *options, int flags)
{
    VmdkState *s = bs->opaque;
    int64_t file_len = block_file_length(bs->file);
    uint64_t max_grain = 512;
    int ret;

    if (file_len < 0) {
        bdrv_set_error(bs, "cannot get the file size: %s", strerror((int)-file_len));
        return (int)file_len;
    }
    ret = vmdk_open_layout(bs, s, file_len);
    if (ret < 0) {
        vmdk_close(bs);
        return ret;
    }
    bs->total_size = 0;
    for (int i = 0; i < s->extent_count; i++) {
        VmdkExtent *e = &s->extents[i];
        e->start = bs->total_size;
        bs->total_size += e->length;
        if (e->type == EXTENT_SPARSE && e->grain_size > max_grain) {
            max_grain = e->grain_size;
        }
    }
    s->grain_buf = malloc(max_grain);
    if (!s->grain_buf) {
        vmdk_close(bs);
        bdrv_set_error(bs, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* ---- status, info, check ---- */

static int vmdk_sparse_status(BlockDriverState *bs, VmdkExtent *e, uint64_t rel, uint64_t bytes,
                              uint64_t *pnum, uint64_t *map)
{
    uint64_t in_grain = rel % e->grain_size;
    uint64_t gt_span = e->grain_size * e->gtes_per_gt;
    uint64_t limit = gt_span - rel % gt_span;
    uint32_t first, gte;
    int ret = vmdk_get_gte(bs, e, rel, &first);

    if (ret < 0) {
        return ret;
    }
    *pnum = e->grain_size - in_grain;
    bool plain = first > VMDK_GTE_ZEROED && !e->compressed;
    while (*pnum < bytes && *pnum < limit && (plain || first == 0 || vmdk_gte_is_zeroed(e, first))) {
        ret = vmdk_get_gte(bs, e, rel + *pnum, &gte);
        if (ret < 0) {
            return ret;
        }
        if (plain ? (uint64_t)gte * 512 != (uint64_t)first * 512 + in_grain + *pnum : gte != first) {
            break;
        }
        *pnum += e->grain_size;
    }
    if (first == 0) {
        return bs->backing ? 0 : BDRV_BLOCK_ZERO;
    }
    if (vmdk_gte_is_zeroed(e, first)) {
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    }
    if (e->compressed) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED | BDRV_BLOCK_COMPRESSED;
    }
    if (e->file != bs->file) {
        return BDRV_BLOCK_DATA | BDRV_BLOCK_ALLOCATED;
    }
    if (*pnum > bytes) {
        *pnum = bytes;
    }
    *map = (uint64_t)first * 512 + in_grain;
    return format_data_status(bs, bs->file, *map, pnum);
}

static int vmdk_block_status(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                             uint64_t *pnum, uint64_t *map)
{
    VmdkState *s = bs->opaque;
    VmdkExtent *e = vmdk_find_extent(s, offset);
    uint64_t rel;
    int ret;

    if (!e) {
        *pnum = bytes;
        return BDRV_BLOCK_ZERO;
    }
    rel = offset - e->start;
    if (bytes > e->length - rel) {
        bytes = e->length - rel;
    }
    switch (e->type) {
    case EXTENT_ZERO:
        *pnum = bytes;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_ALLOCATED;
    case EXTENT_FLAT:
        *pnum = bytes;
        ret = format_data_status(bs, e->file, e->flat_offset + rel, pnum);
        if (ret < 0 || e->file == bs->file) {
            *map = e->flat_offset + rel;
            return ret;
        }
        /* the offset would be in another file than the one map names */
        return ret & ~BDRV_BLOCK_OFFSET_VALID;
    default:
        ret = vmdk_sparse_status(bs, e, rel, bytes, pnum, map);
        if (*pnum > bytes) {
            *pnum = bytes;
        }
        return ret;
    }
}

/* The descriptor file and every extent file, as qemu-img counts them. */
static int64_t vmdk_get_allocated_file_size(BlockDriverState *bs)
{
    VmdkState *s = bs->opaque;
    int64_t total = block_file_allocated_size(bs->file);

    for (int i = 0; i < s->extent_count && total >= 0; i++) {
        const VmdkExtent *e = &s->extents[i];
        if (e->owns_file) {
            int64_t size = block_file_allocated_size(e->file);
            total = size < 0 ? size : total + size;
        }
    }
    return total;
}

static int vmdk_get_info(BlockDriverState *bs, BlockDriverInfo *bdi)
{
    VmdkState *s = bs->opaque;
    bdi->cluster_size = 0;
    for (int i = 0; i < s->extent_count; i++) {
        if (s->extents[i].type == EXTENT_SPARSE) {
            bdi->cluster_size = s->extents[i].grain_size;
            break;
        }
    }
    bdi->is_dirty = false;
    return 0;
}

static const char *vmdk_extent_format(const VmdkState *s, const VmdkExtent *e)
{
    if (e->type == EXTENT_ZERO) {
        return "ZERO";
    }
    if (e->type == EXTENT_FLAT) {
        return "FLAT";
    }
    return e->owns_file ? "SPARSE" : "";
}

static void vmdk_dump_extent(const VmdkState *s, const VmdkExtent *e, FILE *out, bool json)
{
    if (json) {
        fprintf(out, "                {\n");
        if (e->compressed) {
            fprintf(out, "                    \"compressed\": true,\n");
        }
        fprintf(out, "                    \"virtual-size\": %" PRIu64 ",\n", e->length);
        fprintf(out, "                    \"filename\": ");
        block_print_json_string(out, e->filename);
        if (e->type == EXTENT_SPARSE) {
            fprintf(out, ",\n                    \"cluster-size\": %" PRIu64, e->grain_size);
        }
        fprintf(out, ",\n                    \"format\": \"%s\"\n                }",
                vmdk_extent_format(s, e));
        return;
    }
    if (e->compressed) {
        fprintf(out, "            compressed: true\n");
    }
    fprintf(out, "            virtual size: %" PRIu64 "\n", e->length);
    fprintf(out, "            filename: %s\n", e->filename);
    if (e->type == EXTENT_SPARSE) {
        fprintf(out, "            cluster size: %" PRIu64 "\n", e->grain_size);
    }
    fprintf(out, "            format: %s\n", vmdk_extent_format(s, e));
}

static void vmdk_dump_info(BlockDriverState *bs, FILE *out, bool json)
{
    VmdkState *s = bs->opaque;

    if (json) {
        fprintf(out, "{\n        \"type\": \"vmdk\",\n        \"data\": {\n");
        fprintf(out, "            \"cid\": %u,\n            \"parent-cid\": %u,\n", s->cid,
                s->parent_cid);
        fprintf(out, "            \"create-type\": ");
        block_print_json_string(out, s->create_type);
        fprintf(out, ",\n            \"extents\": [\n");
        for (int i = 0; i < s->extent_count; i++) {
            vmdk_dump_extent(s, &s->extents[i], out, true);
            fprintf(out, "%s\n", i + 1 < s->extent_count ? "," : "");
        }
        fprintf(out, "            ]\n        }\n    }");
        return;
    }
    fprintf(out, "Format specific information:\n    cid: %u\n    parent cid: %u\n", s->cid,
            s->parent_cid);
    fprintf(out, "    create type: %s\n    extents:\n", s->create_type);
    for (int i = 0; i < s->extent_count; i++) {
        fprintf(out, "        [%d]:\n", i);
        vmdk_dump_extent(s, &s->extents[i], out, false);
    }
}

/* Every allocated grain must lie inside its extent's file; like qemu-img, the
 * check stops at the first that does not (the image cannot be trusted further). */
static int vmdk_check_extent(BlockDriverState *bs, VmdkExtent *e, BlockCheckResult *res)
{
    int64_t file_len = block_file_length(e->file);
    uint32_t gte;

    for (uint64_t rel = 0; rel < e->length; rel += e->grain_size) {
        uint64_t gd_index = rel / e->grain_size / e->gtes_per_gt;
        if (gd_index < e->gd_entries && e->gd[gd_index] != 0 &&
            (uint64_t)e->gd[gd_index] * 512 + (uint64_t)e->gtes_per_gt * 4 > (uint64_t)file_len) {
            fprintf(stderr, "ERROR: grain table for sector %" PRIu64 " points after EOF\n",
                    (e->start + rel) / 512);
            res->corruptions++;
            return -EINVAL;
        }
        if (vmdk_get_gte(bs, e, rel, &gte) < 0) {
            res->check_errors++;
            return -EIO;
        }
        if (gte > VMDK_GTE_ZEROED && (uint64_t)gte * 512 + (e->compressed ? 0 : e->grain_size - 1) >=
                                     (uint64_t)file_len) {
            fprintf(stderr, "ERROR: cluster offset for sector %" PRIu64 " points after EOF\n",
                    (e->start + rel) / 512);
            res->corruptions++;
            return -EINVAL;
        }
    }
    return 0;
}

static int vmdk_check(BlockDriverState *bs, BlockCheckResult *res, int fix)
{
    VmdkState *s = bs->opaque;

    for (int i = 0; i < s->extent_count; i++) {
        if (s->extents[i].type == EXTENT_SPARSE) {
            int ret = vmdk_check_extent(bs, &s->extents[i], res);
            if (ret == -EINVAL) {
                /* the check stops at a grain past the end; qemu-img says just this */
                bdrv_set_error(bs, "%s", strerror(EINVAL));
            }
            if (ret < 0) {
                return ret;
            }
        }
    }
    return 0;
}

const BlockDriver bdrv_vmdk = {
    .format_name = "vmdk",
    .instance_size = sizeof(VmdkState),
    .probe = vmdk_probe,
    .open = vmdk_open,
    .close = vmdk_close,
    .create = vmdk_create,
    .create_opts = vmdk_create_opts,
    .pread = vmdk_pread,
    .pwrite = vmdk_pwrite,
    .pwrite_zeroes = vmdk_pwrite_zeroes,
    .pwrite_compressed = vmdk_pwrite_compressed,
    .flush = vmdk_flush,
    .block_status = vmdk_block_status,
    .check = vmdk_check,
    .get_info = vmdk_get_info,
    .dump_info = vmdk_dump_info,
    .get_allocated_file_size = vmdk_get_allocated_file_size,
    .supports_backing = true,
};

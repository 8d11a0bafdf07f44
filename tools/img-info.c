/*
 * Commands that report on an image: info, check, map, measure.
 * The human and JSON layouts follow qemu-img's so outputs can be compared.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/quetzal-img.h"
#include "block/block_int.h"

/* exit status of check when the format has no check (qemu-img's) */
#define CHECK_EXIT_UNSUPPORTED 63

enum {
    OPTION_OUTPUT = 256, OPTION_BACKING_CHAIN, OPTION_START_OFFSET, OPTION_MAX_LENGTH,
    OPTION_SIZE, OPTION_OBJECT, OPTION_IMAGE_OPTS,
};

/* "2026-11-22 02:09:23" and "00:00:00.000" columns of the snapshot table */
static void print_snapshot_row(FILE *out, const BlockSnapshotInfo *sn)
{
    char size[32], date[32], clock[32];
    img_format_size(sn->vm_state_size, size, sizeof(size));
    time_t seconds = (time_t)sn->date_sec;
    struct tm tm;
    localtime_r(&seconds, &tm);
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
    uint64_t ms = sn->vm_clock_nsec / 1000000;
    snprintf(clock, sizeof(clock), "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64,
             ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
    fprintf(out, "%-9s %-17s %7s%20s%13s%11" PRIu64 "\n", sn->id, sn->name, size, date, clock,
            sn->icount);
}

void img_print_snapshot_table(FILE *out, const BlockSnapshotInfo *list, int count)
{
    fprintf(out, "%-9s %-17s %7s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
            "ICOUNT");
    for (int i = 0; i < count; i++) {
        print_snapshot_row(out, &list[i]);
    }
}

static void print_info_human(BlockDriverState *bs, BlockSnapshotInfo *snapshots, int count)
{
    char size[32];
    BlockDriverInfo bdi;
    printf("image: %s\nfile format: %s\n", bs->filename, bdrv_format_name(bs));
    img_format_size(bdrv_getlength(bs), size, sizeof(size));
    printf("virtual size: %s (%" PRIu64 " bytes)\n", size, bdrv_getlength(bs));
    int64_t allocated = bdrv_get_allocated_file_size(bs);
    if (allocated >= 0) {
        img_format_size(allocated, size, sizeof(size));
        printf("disk size: %s\n", size);
    } else {
        printf("disk size: unavailable\n");
    }
    if (bdrv_get_info(bs, &bdi) == 0) {
        if (bdi.cluster_size) {
            printf("cluster_size: %u\n", bdi.cluster_size);
        }
        if (bdi.is_dirty) {
            printf("cleanly shut down: no\n");
        }
    }
    if (bs->backing_file[0]) {
        char full[4096];
        bdrv_resolve_backing_name(bs->filename, bs->backing_file, full, sizeof(full));
        printf("backing file: %s", bs->backing_file);
        if (strcmp(full, bs->backing_file)) {
            printf(" (actual path: %s)", full);
        }
        printf("\n");
        if (bs->backing_format[0]) {
            printf("backing file format: %s\n", bs->backing_format);
        }
    }
    if (count > 0) {
        printf("Snapshot list:\n");
        img_print_snapshot_table(stdout, snapshots, count);
    }
    if (bs->drv->dump_info) {
        fflush(stdout);
        bs->drv->dump_info(bs, stdout, false);
    }
}

static void print_snapshots_json(const BlockSnapshotInfo *list, int count)
{
    printf("    \"snapshots\": [\n");
    for (int i = 0; i < count; i++) {
        const BlockSnapshotInfo *sn = &list[i];
        printf("        {\n            \"icount\": %" PRIu64 ",\n", sn->icount);
        printf("            \"vm-clock-nsec\": %" PRIu64 ",\n", sn->vm_clock_nsec % 1000000000);
        printf("            \"name\": ");
        block_print_json_string(stdout, sn->name);
        printf(",\n            \"date-sec\": %" PRIu64 ",\n", sn->date_sec);
        printf("            \"date-nsec\": %" PRIu64 ",\n", sn->date_nsec);
        printf("            \"vm-clock-sec\": %" PRIu64 ",\n", sn->vm_clock_nsec / 1000000000);
        printf("            \"id\": ");
        block_print_json_string(stdout, sn->id);
        printf(",\n            \"vm-state-size\": %" PRIu64 "\n        }%s\n", sn->vm_state_size,
               i + 1 < count ? "," : "");
    }
    printf("    ],\n");
}

static void print_info_json(BlockDriverState *bs, BlockSnapshotInfo *snapshots, int count)
{
    BlockDriverInfo bdi;
    printf("{\n");
    if (count > 0) {
        print_snapshots_json(snapshots, count);
    }
    printf("    \"virtual-size\": %" PRIu64 ",\n    \"filename\": ", bdrv_getlength(bs));
    block_print_json_string(stdout, bs->filename);
    printf(",\n");
    bool have_info = bdrv_get_info(bs, &bdi) == 0;
    if (have_info && bdi.cluster_size) {
        printf("    \"cluster-size\": %u,\n", bdi.cluster_size);
    }
    printf("    \"format\": ");
    block_print_json_string(stdout, bdrv_format_name(bs));
    int64_t allocated = bdrv_get_allocated_file_size(bs);
    if (allocated >= 0) {
        printf(",\n    \"actual-size\": %" PRId64, allocated);
    }
    if (bs->drv->dump_info) {
        printf(",\n    \"format-specific\": ");
        fflush(stdout);
        bs->drv->dump_info(bs, stdout, true);
    }
    if (bs->backing_file[0]) {
        char full[4096];
        bdrv_resolve_backing_name(bs->filename, bs->backing_file, full, sizeof(full));
        if (bs->backing_format[0]) {
            printf(",\n    \"backing-filename-format\": ");
            block_print_json_string(stdout, bs->backing_format);
        }
        printf(",\n    \"full-backing-filename\": ");
        block_print_json_string(stdout, full);
        printf(",\n    \"backing-filename\": ");
        block_print_json_string(stdout, bs->backing_file);
    }
    printf(",\n    \"dirty-flag\": %s\n}", have_info && bdi.is_dirty ? "true" : "false");
}

int img_info(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, OPTION_OUTPUT },
        { "backing-chain", no_argument, NULL, OPTION_BACKING_CHAIN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL;
    bool json = false, chain = false;
    int c;
    while ((c = getopt_long(argc, argv, ":f:hU", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'U': break;
        case OPTION_OUTPUT:
            if (!img_parse_output_format(optarg, &json)) {
                return IMG_EXIT_ERROR;
            }
            break;
        case OPTION_BACKING_CHAIN: chain = true; break;
        case 'h':
        default:
            img_error("usage: info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename");
            return IMG_EXIT_ERROR;
        }
    }
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *top = img_open(argv[optind], format, chain ? 0 : BDRV_O_NO_BACKING);
    if (!top) {
        return IMG_EXIT_ERROR;
    }
    if (json && chain) {
        printf("[");
    }
    for (BlockDriverState *bs = top; bs; bs = chain ? bs->backing : NULL) {
        BlockSnapshotInfo *snapshots;
        int count = bdrv_snapshot_list(bs, &snapshots);
        if (json) {
            print_info_json(bs, snapshots, count);
            printf("%s", chain && bs->backing ? ", " : "\n");
        } else {
            if (bs != top) {
                printf("\n");
            }
            print_info_human(bs, snapshots, count);
        }
        free(snapshots);
    }
    if (json && chain) {
        printf("]\n");
    }
    bdrv_close(top);
    return 0;
}

static void print_check_human(const char *filename, const BlockCheckResult *r, int ret)
{
    if (ret == 0 && !r->corruptions && !r->leaks && !r->check_errors) {
        printf("No errors were found on the image.\n");
    } else {
        if (r->corruptions) {
            printf("\n%d errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   r->corruptions);
        }
        if (r->leaks) {
            printf("\n%d leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n", r->leaks);
        }
        if (r->check_errors) {
            printf("\n%d internal errors have occurred during the check.\n", r->check_errors);
        }
    }
    if (r->total_clusters && r->allocated_clusters) {
        printf("%" PRIu64 "/%" PRIu64 " = %0.2f%% allocated, %0.2f%% fragmented, "
               "%0.2f%% compressed clusters\n", r->allocated_clusters, r->total_clusters,
               r->allocated_clusters * 100.0 / r->total_clusters,
               r->fragmented_clusters * 100.0 / r->allocated_clusters,
               r->compressed_clusters * 100.0 / r->allocated_clusters);
    }
    if (r->image_end_offset) {
        printf("Image end offset: %" PRIu64 "\n", r->image_end_offset);
    }
}

static void print_check_json(BlockDriverState *bs, const BlockCheckResult *r)
{
    printf("{\n");
    if (r->image_end_offset) {
        printf("    \"image-end-offset\": %" PRIu64 ",\n", r->image_end_offset);
    }
    if (r->total_clusters) {
        printf("    \"total-clusters\": %" PRIu64 ",\n", r->total_clusters);
    }
    if (r->corruptions) {
        printf("    \"corruptions\": %d,\n", r->corruptions);
    }
    if (r->leaks) {
        printf("    \"leaks\": %d,\n", r->leaks);
    }
    if (r->corruptions_fixed) {
        printf("    \"corruptions-fixed\": %d,\n", r->corruptions_fixed);
    }
    if (r->leaks_fixed) {
        printf("    \"leaks-fixed\": %d,\n", r->leaks_fixed);
    }
    printf("    \"check-errors\": %d,\n", r->check_errors);
    if (r->allocated_clusters) {
        printf("    \"allocated-clusters\": %" PRIu64 ",\n", r->allocated_clusters);
    }
    if (r->fragmented_clusters) {
        printf("    \"fragmented-clusters\": %" PRIu64 ",\n", r->fragmented_clusters);
    }
    if (r->compressed_clusters) {
        printf("    \"compressed-clusters\": %" PRIu64 ",\n", r->compressed_clusters);
    }
    printf("    \"filename\": ");
    block_print_json_string(stdout, bs->filename);
    printf(",\n    \"format\": ");
    block_print_json_string(stdout, bdrv_format_name(bs));
    printf("\n}\n");
}

/* Runs the check (and the repair, then a second check of the result, as qemu-img does). */
static int run_check(BlockDriverState *bs, int fix, bool quiet, bool json, BlockCheckResult *r)
{
    int ret = bdrv_check(bs, r, fix);
    if (ret == -ENOTSUP) {
        img_error("This image format does not support checks");
        return ret;
    }
    if (fix && ret == 0 && (r->corruptions_fixed || r->leaks_fixed)) {
        BlockCheckResult fixed = *r;
        if (!quiet && !json) {
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %d leaked clusters\n    %d corruptions\n\n"
                   "Double checking the fixed image now...\n", fixed.leaks_fixed,
                   fixed.corruptions_fixed);
        }
        ret = bdrv_check(bs, r, 0);
        r->leaks_fixed = fixed.leaks_fixed;
        r->corruptions_fixed = fixed.corruptions_fixed;
    }
    return ret;
}

int img_check(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "repair", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, OPTION_OUTPUT },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL;
    bool json = false, quiet = false;
    int fix = 0, flags = 0, c;
    while ((c = getopt_long(argc, argv, ":hf:r:T:qU", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'q': quiet = true; break;
        case 'U': break;
        case 'T':
            if (img_cache_flags(optarg, &flags) < 0) {
                return IMG_EXIT_ERROR;
            }
            break;
        case 'r':
            if (!strcmp(optarg, "leaks")) {
                fix = BDRV_CHECK_FIX_LEAKS;
            } else if (!strcmp(optarg, "all")) {
                fix = BDRV_CHECK_FIX_LEAKS | BDRV_CHECK_FIX_ERRORS;
            } else {
                img_error("Unknown option value for -r (expecting 'leaks' or 'all'): %s", optarg);
                return IMG_EXIT_ERROR;
            }
            flags |= BDRV_O_RDWR;
            break;
        case OPTION_OUTPUT:
            if (!img_parse_output_format(optarg, &json)) {
                return IMG_EXIT_ERROR;
            }
            break;
        default:
            img_error("usage: check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] filename");
            return IMG_EXIT_ERROR;
        }
    }
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *bs = img_open(argv[optind], format,
                                    flags | BDRV_O_CHECK);
    if (!bs) {
        return IMG_EXIT_ERROR;
    }
    BlockCheckResult result;
    int ret = run_check(bs, fix, quiet, json, &result);
    if (ret == -ENOTSUP) {
        bdrv_close(bs);
        return CHECK_EXIT_UNSUPPORTED;
    }
    if (ret < 0) {
        img_error("Check failed: %s", bdrv_last_error(bs));
    } else if (json) {
        print_check_json(bs, &result);
    } else if (!quiet) {
        print_check_human(bs->filename, &result, ret);
    }
    bdrv_close(bs);
    if (ret < 0 || result.check_errors) {
        return 1;
    }
    return result.corruptions ? 2 : result.leaks ? 3 : 0;
}

typedef struct MapEntry {
    uint64_t start, length, offset;
    int flags, depth;
    BlockDriverState *layer;
} MapEntry;

static int print_map_entry(const MapEntry *e, bool json, bool first, bool last)
{
    bool data = e->flags & BDRV_BLOCK_DATA, zero = e->flags & BDRV_BLOCK_ZERO;
    bool has_offset = e->flags & BDRV_BLOCK_OFFSET_VALID;
    if (!json) {
        /* the human layout has no way to show data without a host offset */
        if (data && !has_offset) {
            img_error("File contains external, encrypted or compressed clusters.");
            return -ENOTSUP;
        }
        if (data && !zero) {
            printf("%#-16" PRIx64 "%#-16" PRIx64 "%#-16" PRIx64 "%s\n", e->start, e->length,
                   e->offset, e->layer ? e->layer->filename : "");
        }
        return 0;
    }
    printf("%s{ \"start\": %" PRIu64 ", \"length\": %" PRIu64 ", \"depth\": %d, "
           "\"present\": %s, \"zero\": %s, \"data\": %s", first ? "[" : "", e->start, e->length,
           e->depth, (e->flags & BDRV_BLOCK_ALLOCATED) ? "true" : "false",
           zero ? "true" : "false", data ? "true" : "false");
    if (has_offset) {
        printf(", \"offset\": %" PRIu64, e->offset);
    }
    printf("}%s\n", last ? "]" : ",");
    return 0;
}

static bool map_entries_merge(MapEntry *a, const MapEntry *b)
{
    if (a->flags != b->flags || a->depth != b->depth || a->layer != b->layer) {
        return false;
    }
    if ((a->flags & BDRV_BLOCK_OFFSET_VALID) && a->offset + a->length != b->offset) {
        return false;
    }
    a->length += b->length;
    return true;
}

static int run_map(BlockDriverState *bs, uint64_t start, uint64_t end, bool json)
{
    MapEntry current = { 0 };
    bool have_current = false, first = true;
    if (!json) {
        printf("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File");
    }
    for (uint64_t offset = start; offset < end;) {
        MapEntry next = { .start = offset };
        uint64_t pnum;
        int ret = bdrv_block_status_chain(bs, NULL, offset, end - offset, &pnum, &next.offset,
                                          &next.depth, &next.layer);
        if (ret < 0) {
            img_error("Could not read file metadata: %s", bdrv_last_error(bs));
            return ret;
        }
        /* the layer that answered tells whether the range is present */
        next.flags = ret & (BDRV_BLOCK_DATA | BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID |
                            BDRV_BLOCK_ALLOCATED);
        next.length = pnum;
        if (ret & BDRV_BLOCK_COMPRESSED) {
            next.flags &= ~BDRV_BLOCK_OFFSET_VALID;
        }
        offset += pnum;
        if (have_current && map_entries_merge(&current, &next)) {
            continue;
        }
        if (have_current && print_map_entry(&current, json, first, false) < 0) {
            return -ENOTSUP;
        }
        first = !have_current;
        current = next;
        have_current = true;
    }
    if (have_current) {
        return print_map_entry(&current, json, first, true);
    }
    if (json) {
        printf("[]\n");
    }
    return 0;
}

int img_map(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, OPTION_OUTPUT },
        { "start-offset", required_argument, NULL, OPTION_START_OFFSET },
        { "max-length", required_argument, NULL, OPTION_MAX_LENGTH },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL;
    bool json = false;
    uint64_t start = 0, max_length = UINT64_MAX;
    int c;
    while ((c = getopt_long(argc, argv, ":f:hU", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'U': break;
        case OPTION_OUTPUT:
            if (!img_parse_output_format(optarg, &json)) {
                return IMG_EXIT_ERROR;
            }
            break;
        case OPTION_START_OFFSET:
            if (parse_size(optarg, &start) < 0) {
                img_error("Invalid start offset specified! You may use k, M, G, T, P or E "
                          "suffixes for ");
                return IMG_EXIT_ERROR;
            }
            break;
        case OPTION_MAX_LENGTH:
            if (parse_size(optarg, &max_length) < 0) {
                img_error("Invalid length specified! You may use k, M, G, T, P or E suffixes");
                return IMG_EXIT_ERROR;
            }
            break;
        default:
            img_error("usage: map [-f fmt] [--start-offset=offset] [--max-length=len] "
                      "[--output=ofmt] filename");
            return IMG_EXIT_ERROR;
        }
    }
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *bs = img_open(argv[optind], format, 0);
    if (!bs) {
        return IMG_EXIT_ERROR;
    }
    uint64_t size = bdrv_getlength(bs);
    uint64_t end = start >= size ? start : (max_length < size - start ? start + max_length : size);
    int ret = run_map(bs, start, end, json);
    bdrv_close(bs);
    return ret < 0 ? IMG_EXIT_ERROR : 0;
}

typedef struct MeasureOptions {
    const char *format, *out_format;
    bool json, have_size;
    uint64_t size;
    QDict *opts;
} MeasureOptions;

static bool parse_measure_options(int argc, char **argv, MeasureOptions *m)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "output", required_argument, NULL, OPTION_OUTPUT },
        { "size", required_argument, NULL, OPTION_SIZE },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long(argc, argv, ":hf:O:o:l:U", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': m->format = optarg; break;
        case 'O': m->out_format = optarg; break;
        case 'U': break;
        case 'l':
            img_error("--measure does not support snapshots with -l");
            return false;
        case 'o':
            if (!img_add_options(m->opts, optarg)) {
                return false;
            }
            break;
        case OPTION_OUTPUT:
            if (!img_parse_output_format(optarg, &m->json)) {
                return false;
            }
            break;
        case OPTION_SIZE:
            if (!img_parse_size_arg(optarg, &m->size)) {
                return false;
            }
            m->have_size = true;
            break;
        default:
            img_error("usage: measure [--output=ofmt] [-O output_fmt] [-o options] "
                      "[--size N | [-f fmt] filename]");
            return false;
        }
    }
    if (m->have_size && optind < argc) {
        img_error("--size N cannot be used together with a filename.");
        return false;
    }
    if (m->have_size == (optind < argc) || optind + 1 < argc) {
        img_error("Either --size N or one filename must be specified.");
        return false;
    }
    return true;
}

int img_measure(int argc, char **argv)
{
    MeasureOptions m = { .out_format = "raw", .opts = qdict_new() };
    int status = IMG_EXIT_ERROR;
    BlockDriverState *in = NULL;
    if (!parse_measure_options(argc, argv, &m)) {
        goto out;
    }
    if (img_options_help(m.out_format, m.opts)) {
        status = 0;
        goto out;
    }
    uint64_t required, fully_allocated;
    BlockErrorInfo err = { "" };
    /* refused before the source is opened or anything printed, as qemu-img does */
    if (bdrv_check_create_options(m.out_format, m.opts, &err) < 0) {
        img_error("%s", err.msg);
        goto out;
    }
    if (!m.have_size && !(in = img_open(argv[optind], m.format, 0))) {
        goto out;
    }
    if (bdrv_measure(m.out_format, m.opts, in, m.size, &required, &fully_allocated, &err) < 0) {
        img_error("%s", err.msg);
        goto out;
    }
    if (m.json) {
        printf("{\n");
        if (in && !strcmp(m.out_format, "qcow2")) {
            printf("    \"bitmaps\": 0,\n");
        }
        printf("    \"required\": %" PRIu64 ",\n    \"fully-allocated\": %" PRIu64 "\n}\n",
               required, fully_allocated);
    } else {
        printf("required size: %" PRIu64 "\nfully allocated size: %" PRIu64 "\n", required,
               fully_allocated);
    }
    status = 0;
out:
    bdrv_close(in);
    qdict_free(m.opts);
    return status;
}

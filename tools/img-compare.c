/*
 * Commands that work across a backing chain or two images: compare, commit, rebase.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/quetzal-img.h"

#define COMPARE_CHUNK (1024 * 1024)
#define COPY_CHUNK (1024 * 1024)
/* compare reports mismatches at 512-byte sector granularity, as qemu-img does */
#define SECTOR_SIZE 512

/* compare's exit statuses (qemu-img's) */
#define COMPARE_IDENTICAL 0
#define COMPARE_DIFFERENT 1
#define COMPARE_ERROR 2            /* opening, usage */
#define COMPARE_STATUS_ERROR 3     /* allocation status of a range */
#define COMPARE_READ_ERROR 4       /* reading data */

typedef struct CompareState {
    BlockDriverState *a, *b;
    bool strict, quiet;
    ImgProgress progress;
    uint8_t *buf_a, *buf_b;
} CompareState;

static uint64_t first_difference(const uint8_t *a, const uint8_t *b, uint64_t bytes)
{
    uint64_t i = 0;
    while (i < bytes && a[i] == b[i]) {
        i++;
    }
    return i;
}

static int read_error(BlockDriverState *bs, uint64_t offset)
{
    img_error("Error while reading offset %" PRIu64 " of %s: %s", offset, bs->filename,
              bdrv_last_error(bs));
    return COMPARE_READ_ERROR;
}

static int status_error(BlockDriverState *bs, uint64_t offset)
{
    img_error("Sector allocation test failed for %s at offset %" PRIu64 ": %s", bs->filename,
              offset, bdrv_last_error(bs));
    return COMPARE_STATUS_ERROR;
}

/* Compares [offset, offset+bytes) of both images; COMPARE_* status. */
static int compare_range(CompareState *s, uint64_t offset, uint64_t bytes)
{
    if (bdrv_pread(s->a, offset, bytes, s->buf_a) < 0) {
        return read_error(s->a, offset);
    }
    if (bdrv_pread(s->b, offset, bytes, s->buf_b) < 0) {
        return read_error(s->b, offset);
    }
    uint64_t same = first_difference(s->buf_a, s->buf_b, bytes);
    if (same < bytes) {
        if (!s->quiet) {
            printf("Content mismatch at offset %" PRIu64 "!\n",
                   (offset + same) / SECTOR_SIZE * SECTOR_SIZE);
        }
        return COMPARE_DIFFERENT;
    }
    return COMPARE_IDENTICAL;
}

static int compare_common(CompareState *s, uint64_t size)
{
    for (uint64_t offset = 0; offset < size;) {
        uint64_t n_a, n_b, map;
        uint64_t want = size - offset < COMPARE_CHUNK ? size - offset : COMPARE_CHUNK;
        int st_a = bdrv_block_status_above(s->a, NULL, offset, want, &n_a, &map);
        if (st_a < 0) {
            return status_error(s->a, offset);
        }
        int st_b = bdrv_block_status_above(s->b, NULL, offset, want, &n_b, &map);
        if (st_b < 0) {
            return status_error(s->b, offset);
        }
        uint64_t n = n_a < n_b ? n_a : n_b;
        if (s->strict && (st_a & BDRV_BLOCK_ALLOCATED) != (st_b & BDRV_BLOCK_ALLOCATED)) {
            if (!s->quiet) {
                printf("Strict mode: Offset %" PRIu64 " block status mismatch!\n", offset);
            }
            return COMPARE_DIFFERENT;
        }
        bool both_zero = (st_a & BDRV_BLOCK_ZERO) && (st_b & BDRV_BLOCK_ZERO);
        if (!both_zero) {
            int ret = compare_range(s, offset, n);
            if (ret != COMPARE_IDENTICAL) {
                return ret;
            }
        }
        offset += n;
        img_progress_update(&s->progress, offset, size);
    }
    return COMPARE_IDENTICAL;
}

/* The tail of the longer image must read as zeros. */
static int compare_tail(CompareState *s, BlockDriverState *longer, uint64_t start)
{
    uint64_t size = bdrv_getlength(longer);
    for (uint64_t offset = start; offset < size;) {
        uint64_t n, map;
        uint64_t want = size - offset < COMPARE_CHUNK ? size - offset : COMPARE_CHUNK;
        int st = bdrv_block_status_above(longer, NULL, offset, want, &n, &map);
        if (st < 0) {
            return status_error(longer, offset);
        }
        if (!(st & BDRV_BLOCK_ZERO)) {
            if (bdrv_pread(longer, offset, n, s->buf_a) < 0) {
                return read_error(longer, offset);
            }
            if (!img_is_zero(s->buf_a, n)) {
                uint64_t at = 0;
                while (!s->buf_a[at]) {
                    at++;
                }
                if (!s->quiet) {
                    printf("Content mismatch at offset %" PRIu64 "!\n",
                           (offset + at) / SECTOR_SIZE * SECTOR_SIZE);
                }
                return COMPARE_DIFFERENT;
            }
        }
        offset += n;
    }
    return COMPARE_IDENTICAL;
}

/* The common part, then (not in strict mode) the longer image's tail. */
static int compare_images(CompareState *s)
{
    uint64_t size_a = bdrv_getlength(s->a), size_b = bdrv_getlength(s->b);
    uint64_t common = size_a < size_b ? size_a : size_b;
    int ret;
    if (s->strict && size_a != size_b) {
        if (!s->quiet) {
            printf("Strict mode: Image size mismatch!\n");
        }
        return COMPARE_DIFFERENT;
    }
    ret = compare_common(s, common);
    if (ret == COMPARE_IDENTICAL && size_a != size_b) {
        ret = compare_tail(s, size_a > size_b ? s->a : s->b, common);
    }
    if (ret == COMPARE_IDENTICAL) {
        img_progress_finish(&s->progress);
        if (!s->quiet) {
            printf("Images are identical.\n");
        }
    }
    return ret;
}

int img_compare(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    const char *format_a = NULL, *format_b = NULL;
    CompareState s = { .progress.last_shown = -1 };
    int c, flags = 0;
    while ((c = getopt_long(argc, argv, ":hf:F:T:pqsU", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format_a = optarg; break;
        case 'F': format_b = optarg; break;
        case 'p': s.progress.enabled = true; break;
        case 'q': s.quiet = true; break;
        case 's': s.strict = true; break;
        case 'U': break;
        case 'T':
            if (img_cache_flags(optarg, &flags) < 0) {
                return COMPARE_ERROR;
            }
            break;
        default:
            img_error("usage: compare [-f fmt] [-F fmt] [-T src_cache] [-p] [-q] [-s] "
                      "filename1 filename2");
            return IMG_EXIT_ERROR;      /* qemu-img: 1 for usage errors, 2 for failures */
        }
    }
    s.progress.enabled &= !s.quiet;
    if (optind != argc - 2) {
        img_error("Expecting two image file names");
        return IMG_EXIT_ERROR;
    }
    s.a = img_open(argv[optind], format_a, flags);
    if (!s.a) {
        return COMPARE_ERROR;
    }
    s.b = img_open(argv[optind + 1], format_b, flags);
    if (!s.b) {
        bdrv_close(s.a);
        return COMPARE_ERROR;
    }
    s.buf_a = malloc(COMPARE_CHUNK);
    s.buf_b = malloc(COMPARE_CHUNK);
    if (!s.buf_a || !s.buf_b) {
        abort();
    }
    int ret = compare_images(&s);
    free(s.buf_a);
    free(s.buf_b);
    bdrv_close(s.a);
    bdrv_close(s.b);
    return ret;
}

/* Copies what the chain above base holds into target (an open, writable base). */
static int copy_above(BlockDriverState *top, BlockDriverState *base, BlockDriverState *target,
                      ImgProgress *progress)
{
    uint64_t size = bdrv_getlength(top);
    uint8_t *buf = malloc(COPY_CHUNK);
    int ret = 0;
    if (!buf) {
        abort();
    }
    for (uint64_t offset = 0; offset < size && ret == 0;) {
        uint64_t n, map;
        uint64_t want = size - offset < COPY_CHUNK ? size - offset : COPY_CHUNK;
        int st = bdrv_block_status_above(top, base, offset, want, &n, &map);
        if (st < 0) {
            img_error("Error while reading the block status of '%s': %s", top->filename,
                      bdrv_last_error(top));
            ret = st;
        } else if (st & BDRV_BLOCK_ALLOCATED) {
            if (bdrv_pread(top, offset, n, buf) < 0) {
                img_error("Error while reading '%s': %s", top->filename, bdrv_last_error(top));
                ret = -EIO;
            } else if ((img_is_zero(buf, n) ? bdrv_pwrite_zeroes(target, offset, n, 0)
                                            : bdrv_pwrite(target, offset, n, buf, 0)) < 0) {
                img_error("Error while writing '%s': %s", target->filename,
                          bdrv_last_error(target));
                ret = -EIO;
            }
        }
        offset += n;
        img_progress_update(progress, offset, size);
    }
    free(buf);
    return ret;
}

/* The image commit writes into: -b's (somewhere down the chain) or the backing file. */
static BlockDriverState *find_commit_base(BlockDriverState *top, const char *base_name)
{
    BlockDriverState *base = top->backing;
    if (!base_name) {
        if (!base) {
            img_error("Image does not have a backing file");
        }
        return base;
    }
    while (base && !img_same_file(base->filename, base_name)) {
        base = base->backing;
    }
    if (!base) {
        img_error("Did not find '%s' in the backing chain of '%s'", base_name, top->filename);
    }
    return base;
}

/* Copies what lies above base into it, then (unless drop) empties the top. */
static int commit_into(BlockDriverState *top, BlockDriverState *base, int flags, bool drop,
                       ImgProgress *progress)
{
    /* the base is read-only in the chain: write through a second, writable handle;
     * the chain only reads the base for ranges copy_above skips */
    BlockDriverState *target = img_open(base->filename, bdrv_format_name(base),
                                        BDRV_O_RDWR | BDRV_O_NO_BACKING | flags);
    if (!target) {
        return -EIO;
    }
    int ret = -EIO;
    if (bdrv_getlength(target) < bdrv_getlength(top) &&
        bdrv_truncate(target, bdrv_getlength(top), false, BDRV_PREALLOC_OFF) < 0) {
        img_error("Could not resize '%s': %s", target->filename, bdrv_last_error(target));
    } else if (copy_above(top, base, target, progress) < 0) {
        /* copy_above said why */
    } else if (bdrv_flush(target) < 0) {
        img_error("Could not flush '%s': %s", target->filename, bdrv_last_error(target));
    } else {
        img_progress_finish(progress);
        ret = 0;
        /* the data is safe in the base now: the top may read through to it again
         * (formats that cannot empty an image keep an identical copy) */
        if (!drop && bdrv_make_empty(top) == 0 && bdrv_flush(top) < 0) {
            img_error("Could not empty '%s': %s", top->filename, bdrv_last_error(top));
            ret = -EIO;
        }
    }
    bdrv_close(target);
    return ret;
}

int img_commit(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL, *base_name = NULL;
    bool quiet = false, drop = false;
    ImgProgress progress = { .last_shown = -1 };
    int c, flags = 0;
    while ((c = getopt_long(argc, argv, ":f:ht:b:dpqr:", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'b': base_name = optarg; drop = true; break;
        case 'd': drop = true; break;
        case 'r': break;
        case 'p': progress.enabled = true; break;
        case 'q': quiet = true; break;
        case 't':
            if (img_cache_flags(optarg, &flags) < 0) {
                return IMG_EXIT_ERROR;
            }
            break;
        default:
            img_error("usage: commit [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename");
            return IMG_EXIT_ERROR;
        }
    }
    progress.enabled &= !quiet;
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *top = img_open(argv[optind], format, flags | (drop ? 0 : BDRV_O_RDWR));
    if (!top) {
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *base = find_commit_base(top, base_name);
    int status = IMG_EXIT_ERROR;
    if (base && commit_into(top, base, flags, drop, &progress) == 0) {
        status = 0;
        if (!quiet) {
            printf("Image committed.\n");
        }
    }
    bdrv_close(top);
    return status;
}

/* Safe rebase: where top does not hold data itself and the old and new backing
 * files differ, copy the old content into top. */
static int rebase_copy(BlockDriverState *top, BlockDriverState *new_backing, ImgProgress *progress)
{
    uint64_t size = bdrv_getlength(top);
    uint64_t new_size = new_backing ? bdrv_getlength(new_backing) : 0;
    uint8_t *old_buf = malloc(COPY_CHUNK), *new_buf = malloc(COPY_CHUNK);
    int ret = 0;
    if (!old_buf || !new_buf) {
        abort();
    }
    for (uint64_t offset = 0; offset < size && ret == 0;) {
        uint64_t n, map;
        uint64_t want = size - offset < COPY_CHUNK ? size - offset : COPY_CHUNK;
        int st = bdrv_block_status(top, offset, want, &n, &map);
        if (st < 0) {
            ret = st;
            break;
        }
        if (!(st & BDRV_BLOCK_ALLOCATED)) {
            memset(new_buf, 0, n);
            uint64_t from_new = offset >= new_size ? 0 : new_size - offset < n ? new_size - offset : n;
            if (bdrv_pread(top, offset, n, old_buf) < 0 ||
                (from_new && bdrv_pread(new_backing, offset, from_new, new_buf) < 0)) {
                ret = -EIO;
            } else if (memcmp(old_buf, new_buf, n) && bdrv_pwrite(top, offset, n, old_buf, 0) < 0) {
                ret = -EIO;
            }
        }
        offset += n;
        img_progress_update(progress, offset, size);
    }
    free(old_buf);
    free(new_buf);
    if (ret < 0) {
        img_error("Could not copy the old backing content into '%s': %s", top->filename,
                  bdrv_last_error(top));
    }
    return ret;
}

int img_rebase(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL, *backing = NULL, *backing_fmt = NULL;
    bool quiet = false, unsafe = false;
    ImgProgress progress = { .last_shown = -1 };
    int c, flags = 0;
    while ((c = getopt_long(argc, argv, ":hf:F:b:upt:T:qU", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'b': backing = optarg; break;
        case 'F': backing_fmt = optarg; break;
        case 'u': unsafe = true; break;
        case 'p': progress.enabled = true; break;
        case 'q': quiet = true; break;
        case 'U': case 'T': break;
        case 't':
            if (img_cache_flags(optarg, &flags) < 0) {
                return IMG_EXIT_ERROR;
            }
            break;
        default:
            img_error("usage: rebase [-q] [-f fmt] [-t cache] [-p] [-u] -b backing_file "
                      "[-F backing_fmt] filename");
            return IMG_EXIT_ERROR;
        }
    }
    progress.enabled &= !quiet;
    if (optind != argc - 1 || !backing) {
        img_error("Expecting one image file name and -b backing_file");
        return IMG_EXIT_ERROR;
    }
    int open_flags = BDRV_O_RDWR | flags | (unsafe ? BDRV_O_NO_BACKING : 0);
    BlockDriverState *top = img_open(argv[optind], format, open_flags);
    if (!top) {
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *new_backing = NULL;
    int status = IMG_EXIT_ERROR;
    if (!unsafe && backing[0]) {
        char path[4096];
        bdrv_resolve_backing_name(top->filename, backing, path, sizeof(path));
        new_backing = img_open(path, backing_fmt, 0);
        if (!new_backing) {
            goto out;
        }
        if (!backing_fmt) {
            backing_fmt = bdrv_format_name(new_backing);
        }
    }
    if (!unsafe && rebase_copy(top, new_backing, &progress) < 0) {
        goto out;
    }
    if (bdrv_change_backing_file(top, backing, backing[0] ? backing_fmt : NULL) < 0 ||
        bdrv_flush(top) < 0) {
        img_error("Could not change the backing file to '%s': %s", backing, bdrv_last_error(top));
        goto out;
    }
    img_progress_finish(&progress);
    status = 0;
out:
    bdrv_close(new_backing);
    bdrv_close(top);
    return status;
}

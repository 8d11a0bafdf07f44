/*
 * bench: times a run of reads or writes of one buffer size on an image.
 * Requests are issued in batches of `depth` (bdrv_submit): on raw images they
 * run in parallel on the aio=threads pool, through libaio (aio=native) or on an
 * io_uring (aio=io_uring).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/quetzal-img.h"

enum { OPTION_PATTERN = 256, OPTION_FLUSH_INTERVAL, OPTION_NO_DRAIN };

typedef struct BenchOptions {
    uint64_t count, depth, offset, buffer_size, step, flush_interval;
    bool write, quiet, have_step;
    int pattern;
    int flags;
    const char *format;
} BenchOptions;

static bool parse_number(const char *text, const char *what, uint64_t *out)
{
    if (parse_size(text, out) < 0) {
        img_error("Invalid %s specified: %s", what, text);
        return false;
    }
    return true;
}

static bool parse_bench_options(int argc, char **argv, BenchOptions *o)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "flush-interval", required_argument, NULL, OPTION_FLUSH_INTERVAL },
        { "pattern", required_argument, NULL, OPTION_PATTERN },
        { "no-drain", no_argument, NULL, OPTION_NO_DRAIN },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long(argc, argv, ":hc:d:f:ni:o:qs:S:t:wU", long_options, NULL)) != -1) {
        switch (c) {
        case 'c': if (!parse_number(optarg, "request count", &o->count)) return false; break;
        case 'd': if (!parse_number(optarg, "queue depth", &o->depth)) return false; break;
        case 'o': if (!parse_number(optarg, "offset", &o->offset)) return false; break;
        case 's': if (!parse_number(optarg, "buffer size", &o->buffer_size)) return false; break;
        case 'S':
            if (!parse_number(optarg, "step size", &o->step)) {
                return false;
            }
            o->have_step = true;
            break;
        case 'f': o->format = optarg; break;
        case 'n': o->flags |= BDRV_O_NATIVE_AIO; break;
        case 'q': o->quiet = true; break;
        case 'w': o->write = true; o->flags |= BDRV_O_RDWR; break;
        case 'U': case OPTION_NO_DRAIN: break;
        case 'i': {
            int ret = bdrv_parse_aio(optarg, &o->flags);
            if (ret == -ENOTSUP) {
                img_error("aio=%s is not built in (liburing was not found when building)",
                          optarg);
                return false;
            }
            if (ret < 0) {
                img_error("Invalid aio option: %s", optarg);
                return false;
            }
            break;
        }
        case 't':
            if (img_cache_flags(optarg, &o->flags) < 0) {
                return false;
            }
            break;
        case OPTION_PATTERN: {
            /* a C number: decimal, 0x hex or 0 octal, as qemu-img reads it */
            char *end;
            errno = 0;
            unsigned long value = strtoul(optarg, &end, 0);
            if (errno || end == optarg || *end || value > 0xff || optarg[0] == '-') {
                img_error("Invalid pattern byte specified: %s", optarg);
                return false;
            }
            o->pattern = (int)value;
            break;
        }
        case OPTION_FLUSH_INTERVAL:
            if (!parse_number(optarg, "flush interval", &o->flush_interval)) {
                return false;
            }
            break;
        default:
            img_error("usage: bench [-c count] [-d depth] [-f fmt] [-i aio] [-n] [-o offset] "
                      "[--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-t cache] [-w] "
                      "filename");
            return false;
        }
    }
    return true;
}

/* Issues the requests in batches of `depth`, each request with its own buffer. */
static int bench_run(BlockDriverState *bs, const BenchOptions *o, uint8_t *buffers)
{
    uint64_t size = bdrv_getlength(bs), offset = o->offset, done = 0, since_flush = 0;
    BdrvRequest *reqs = calloc(o->depth, sizeof(*reqs));
    int ret = 0;
    if (!reqs) {
        abort();
    }
    while (done < o->count && ret == 0) {
        unsigned batch = o->count - done < o->depth ? (unsigned)(o->count - done)
                                                    : (unsigned)o->depth;
        for (unsigned i = 0; i < batch; i++) {
            if (offset + o->buffer_size > size) {
                offset = 0;
            }
            reqs[i] = (BdrvRequest){ offset, o->buffer_size, buffers + i * o->buffer_size,
                                     o->write, 0 };
            offset += o->step;
        }
        ret = bdrv_submit(bs, reqs, batch);
        if (ret < 0) {
            img_error("Failed request: %s", bdrv_last_error(bs));
        }
        done += batch;
        since_flush += batch;
        if (ret == 0 && o->flush_interval && o->write && since_flush >= o->flush_interval) {
            since_flush = 0;
            if ((ret = bdrv_flush(bs)) < 0) {
                img_error("Failed flush request: %s", bdrv_last_error(bs));
            }
        }
    }
    free(reqs);
    return ret == 0 && o->write ? bdrv_flush(bs) : ret;
}

int img_bench(int argc, char **argv)
{
    BenchOptions o = { .count = 75000, .depth = 64, .buffer_size = 4096 };
    if (!parse_bench_options(argc, argv, &o)) {
        return IMG_EXIT_ERROR;
    }
    if (!o.have_step) {
        o.step = o.buffer_size;
    }
    if (optind != argc - 1 || o.buffer_size == 0 || o.depth == 0) {
        img_error("Expecting one image file name (and non-zero -s and -d)");
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *bs = img_open(argv[optind], o.format, o.flags);
    if (!bs) {
        return IMG_EXIT_ERROR;
    }
    if (o.buffer_size > bdrv_getlength(bs)) {
        img_error("Buffer size %" PRIu64 " is larger than the image", o.buffer_size);
        bdrv_close(bs);
        return IMG_EXIT_ERROR;
    }
    if (o.depth > 1024 || o.buffer_size > (256u << 20) / o.depth) {
        img_error("Queue depth %" PRIu64 " of %" PRIu64 "-byte buffers needs too much memory",
                  o.depth, o.buffer_size);
        bdrv_close(bs);
        return IMG_EXIT_ERROR;
    }
    uint8_t *buf;
    if (posix_memalign((void **)&buf, 4096, o.buffer_size * o.depth)) {
        abort();
    }
    memset(buf, o.pattern, o.buffer_size * o.depth);
    if (!o.quiet) {
        printf("Sending %" PRIu64 " %s requests, %" PRIu64 " bytes each, %" PRIu64 " in parallel "
               "(starting at offset %" PRIu64 ", step size %" PRIu64 ")\n", o.count,
               o.write ? "write" : "read", o.buffer_size, o.depth, o.offset, o.step);
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int ret = bench_run(bs, &o, buf);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (ret == 0 && !o.quiet) {
        printf("Run completed in %3.3f seconds.\n",
               (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
    }
    free(buf);
    bdrv_close(bs);
    return ret < 0 ? IMG_EXIT_ERROR : 0;
}

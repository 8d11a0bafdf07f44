/*
 * Commands that make or reshape an image: create, resize, amend, snapshot.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/quetzal-img.h"

enum { OPTION_SHRINK = 256, OPTION_PREALLOCATION, OPTION_FORCE };

/* "Formatting 'x', fmt=qcow2 size=... backing_file=..." as qemu-img announces it */
static void print_formatting(const char *filename, const char *format, QDict *opts)
{
    printf("Formatting '%s', fmt=%s", filename, format);
    for (size_t i = 0; i < qdict_count(opts); i++) {
        const char *key = qdict_key_at(opts, i);
        printf(" %s=%s", key, qdict_get(opts, key));
    }
    printf("\n");
    fflush(stdout);
}

/* Without a size, a new image takes its backing file's size; with -u the
 * backing file need not exist (then a size is required). */
static bool backing_size(const char *filename, const char *backing, const char *backing_fmt,
                         bool unsafe, bool have_size, uint64_t *size)
{
    char path[4096];
    bdrv_resolve_backing_name(filename, backing, path, sizeof(path));
    if (unsafe) {
        /* -u: the backing file is not opened, so it cannot give the size */
        if (!have_size) {
            img_error("%s: Image creation needs a size parameter", filename);
        }
        return have_size;
    }
    BlockErrorInfo err = { "" };
    BlockDriverState *bs = bdrv_open(path, backing_fmt, NULL, 0, &err);
    if (!bs) {
        img_error("%s: Could not open backing image: %s", filename, err.msg);
        return false;
    }
    if (!have_size) {
        *size = bdrv_getlength(bs);
    }
    bdrv_close(bs);
    return true;
}

typedef struct CreateOptions {
    const char *format, *backing, *backing_fmt;
    bool quiet, unsafe;
    QDict *opts;
} CreateOptions;

static bool parse_create_options(int argc, char **argv, CreateOptions *c)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "object", required_argument, NULL, 256 },
        { NULL, 0, NULL, 0 }
    };
    int opt;
    while ((opt = getopt_long(argc, argv, ":F:b:f:ho:qu", long_options, NULL)) != -1) {
        switch (opt) {
        case 'f': c->format = optarg; break;
        case 'b': c->backing = optarg; break;
        case 'F': c->backing_fmt = optarg; break;
        case 'q': c->quiet = true; break;
        case 'u': c->unsafe = true; break;
        case 'o':
            if (!img_add_options(c->opts, optarg)) {
                return false;
            }
            break;
        default:
            img_error("usage: create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
                      "[-o options] filename [size]");
            return false;
        }
    }
    if (!bdrv_find_format(c->format)) {
        img_error("Unknown file format '%s'", c->format);
        return false;
    }
    return true;
}

/* Puts -b/-F into the options, checks them, and settles the size: the given
 * one, else the backing file's. */
static bool settle_size(CreateOptions *c, const char *filename, bool have_size, uint64_t size)
{
    if (c->backing) {
        qdict_put(c->opts, "backing_file", c->backing);
    }
    if (c->backing_fmt) {
        qdict_put(c->opts, "backing_fmt", c->backing_fmt);
    }
    const char *backing = qdict_get(c->opts, "backing_file");
    const char *backing_fmt = qdict_get(c->opts, "backing_fmt");
    BlockErrorInfo err = { "" };
    if (backing_fmt && !backing) {
        img_error("%s: Backing format cannot be used without backing file", filename);
        return false;
    }
    /* nothing is printed or written for options the format refuses */
    if (bdrv_check_create_options(c->format, c->opts, &err) < 0) {
        img_error("%s: %s", filename, err.msg);
        return false;
    }
    if (backing && !backing_fmt) {
        img_error("%s: Backing file specified without backing format", filename);
        return false;
    }
    bool sized = have_size || qdict_get(c->opts, "size");   /* argument or -o size */
    if (backing && !backing_size(filename, backing, backing_fmt, c->unsafe, sized, &size)) {
        return false;
    }
    if (!backing && !sized) {
        img_error("%s: Image creation needs a size parameter", filename);
        return false;
    }
    if (have_size || (backing && !sized)) {
        char text[32];
        snprintf(text, sizeof(text), "%" PRIu64, size);
        qdict_put(c->opts, "size", text);
    }
    return true;
}

int img_create(int argc, char **argv)
{
    CreateOptions c = { .format = "raw", .opts = qdict_new() };
    int status = IMG_EXIT_ERROR;
    uint64_t size = 0;
    bool have_size = false;
    if (!parse_create_options(argc, argv, &c)) {
        goto out;
    }
    if (img_options_help(c.format, c.opts)) {
        status = 0;
        goto out;
    }
    if (optind >= argc) {
        img_error("Expecting image file name");
        goto out;
    }
    const char *filename = argv[optind++];
    if (optind < argc) {
        if (!img_parse_size_arg(argv[optind++], &size)) {
            goto out;
        }
        have_size = true;
    }
    if (optind != argc) {
        img_error("Unexpected argument: %s", argv[optind]);
        goto out;
    }
    if (!settle_size(&c, filename, have_size, size)) {
        goto out;
    }
    if (!c.quiet) {
        print_formatting(filename, c.format, c.opts);
    }
    BlockErrorInfo err = { "" };
    if (bdrv_create(c.format, filename, c.opts, &err) < 0) {
        /* "file: reason", as qemu-img words creation errors */
        size_t n = strlen(filename);
        if (!strncmp(err.msg, filename, n) && err.msg[n] == ':') {
            img_error("%s", err.msg);
        } else {
            img_error("%s: %s", filename, err.msg);
        }
        goto out;
    }
    status = 0;
out:
    qdict_free(c.opts);
    return status;
}

/* "[+|-]size": sign 1 grows by, -1 shrinks by, 0 sets the size ("-" arrives as
 * "~", see img_resize) */
static bool parse_resize_amount(const char *text, int *sign, uint64_t *amount)
{
    const char *given = text;
    *sign = 0;
    if (*text == '+' || *text == '~') {
        *sign = *text == '+' ? 1 : -1;
        text++;
    }
    if (parse_size(text, amount) < 0 || *amount > INT64_MAX) {
        img_error("Invalid image size specified: '%s%s'. You may use k, M, G, T, P or E "
                  "suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes and "
                  "exabytes.", *given == '~' ? "-" : "", *given == '~' ? given + 1 : given);
        return false;
    }
    return true;
}

int img_resize(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "shrink", no_argument, NULL, OPTION_SHRINK },
        { "preallocation", required_argument, NULL, OPTION_PREALLOCATION },
        { "object", required_argument, NULL, 257 },
        { "image-opts", no_argument, NULL, 258 },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL;
    bool quiet = false, shrink = false;
    int prealloc = BDRV_PREALLOC_OFF, c;
    /* "-1G" is a size, not an option: stop option parsing at it */
    if (argc >= 2 && argv[argc - 1][0] == '-' && argv[argc - 1][1] >= '0' &&
        argv[argc - 1][1] <= '9') {
        argv[argc - 1][0] = '~';
    }
    while ((c = getopt_long(argc, argv, ":f:hq", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'q': quiet = true; break;
        case OPTION_SHRINK: shrink = true; break;
        case OPTION_PREALLOCATION:
            prealloc = bdrv_parse_prealloc(optarg);
            if (prealloc < 0) {
                img_error("Invalid preallocation mode '%s'", optarg);
                return IMG_EXIT_ERROR;
            }
            break;
        default:
            img_error("usage: resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] "
                      "filename [+ | -]size");
            return IMG_EXIT_ERROR;
        }
    }
    if (optind != argc - 2) {
        img_error("Expecting image file name and size");
        return IMG_EXIT_ERROR;
    }
    const char *filename = argv[optind];
    int sign;
    uint64_t amount;
    if (!parse_resize_amount(argv[optind + 1], &sign, &amount)) {
        return IMG_EXIT_ERROR;
    }
    BlockDriverState *bs = img_open(filename, format, BDRV_O_RDWR | BDRV_O_NO_BACKING);
    if (!bs) {
        return IMG_EXIT_ERROR;
    }
    uint64_t current = bdrv_getlength(bs);
    uint64_t size = sign > 0 ? current + amount : sign < 0 ? current - amount : amount;
    if (sign < 0 && amount > current) {
        img_error("New image size must be positive");
        bdrv_close(bs);
        return IMG_EXIT_ERROR;
    }
    int status = 0;
    if (size < current && prealloc != BDRV_PREALLOC_OFF) {
        img_error("Preallocation can only be used for growing images");
        status = IMG_EXIT_ERROR;
    } else if (bdrv_truncate(bs, size, shrink, prealloc) < 0 || bdrv_flush(bs) < 0) {
        img_error("%s", bdrv_last_error(bs));
        status = IMG_EXIT_ERROR;
    } else if (!quiet) {
        printf("Image resized.\n");
    }
    bdrv_close(bs);
    return status;
}

int img_amend(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "force", no_argument, NULL, OPTION_FORCE },
        { NULL, 0, NULL, 0 }
    };
    const char *format = NULL;
    QDict *opts = qdict_new();
    int c, flags = BDRV_O_RDWR | BDRV_O_NO_BACKING, status = IMG_EXIT_ERROR;
    bool have_options = false;
    while ((c = getopt_long(argc, argv, ":ho:f:t:pq", long_options, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'p': case 'q': case OPTION_FORCE: break;
        case 't':
            if (img_cache_flags(optarg, &flags) < 0) {
                goto out;
            }
            break;
        case 'o':
            if (!img_add_options(opts, optarg)) {
                goto out;
            }
            have_options = true;
            break;
        default:
            img_error("usage: amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename");
            goto out;
        }
    }
    if (!have_options) {
        img_error("Must specify options (-o)");
        goto out;
    }
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        goto out;
    }
    BlockDriverState *bs = img_open(argv[optind], format, flags);
    if (!bs) {
        goto out;
    }
    BlockErrorInfo err = { "" };
    if (img_options_help(bdrv_format_name(bs), opts)) {
        status = 0;
    } else if (bdrv_check_create_options(bdrv_format_name(bs), opts, &err) < 0) {
        img_error("%s", err.msg);       /* nothing changed for an unknown option */
    } else if (bdrv_amend(bs, opts) < 0 || bdrv_flush(bs) < 0) {
        img_error("Error while amending options: %s", bdrv_last_error(bs));
    } else {
        status = 0;
    }
    bdrv_close(bs);
out:
    qdict_free(opts);
    return status;
}

int img_snapshot(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "force-share", no_argument, NULL, 'U' },
        { NULL, 0, NULL, 0 }
    };
    char action = 0;
    const char *name = NULL;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, ":la:c:d:hqU", long_options, NULL)) != -1) {
        switch (c) {
        case 'l': case 'a': case 'c': case 'd':
            if (action) {
                img_error("Cannot mix '-l', '-a', '-c', '-d'");
                return IMG_EXIT_ERROR;
            }
            action = (char)c;
            name = c == 'l' ? NULL : optarg;
            break;
        case 'q': quiet = true; break;
        case 'U': break;
        default:
            img_error("usage: snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] "
                      "filename");
            return IMG_EXIT_ERROR;
        }
    }
    if (optind != argc - 1) {
        img_error("Expecting one image file name");
        return IMG_EXIT_ERROR;
    }
    if (!action) {
        action = 'l';
    }
    int flags = action == 'l' ? 0 : BDRV_O_RDWR;
    BlockDriverState *bs = img_open(argv[optind], NULL, flags | BDRV_O_NO_BACKING);
    if (!bs) {
        return IMG_EXIT_ERROR;
    }
    int ret = 0;
    const char *what = "";
    switch (action) {
    case 'l': {
        BlockSnapshotInfo *list;
        int count = bdrv_snapshot_list(bs, &list);
        if (count > 0 && !quiet) {
            printf("Snapshot list:\n");
            img_print_snapshot_table(stdout, list, count);
        }
        free(list);
        break;
    }
    case 'c': ret = bdrv_snapshot_create(bs, name); what = "create"; break;
    case 'a': ret = bdrv_snapshot_goto(bs, name); what = "apply"; break;
    case 'd': ret = bdrv_snapshot_delete(bs, name); what = "delete"; break;
    }
    if (ret == 0 && action != 'l') {
        ret = bdrv_flush(bs);
    }
    if (ret < 0) {
        img_error("Could not %s snapshot '%s': %s", what, name, bdrv_last_error(bs));
    }
    bdrv_close(bs);
    return ret < 0 ? IMG_EXIT_ERROR : 0;
}

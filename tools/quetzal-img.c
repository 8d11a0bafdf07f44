/*
 * quetzal-img: main, the command table and helpers shared by the commands.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/quetzal-img.h"

typedef struct ImgCommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *syntax;
} ImgCommand;

static const ImgCommand commands[] = {
    { "amend", img_amend, "amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename" },
    { "bench", img_bench, "bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] "
      "[-i aio] [-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] [-s buffer_size] "
      "[-S step_size] [-t cache] [-w] [-U] filename" },
    { "check", img_check, "check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-T src_cache] "
      "[-U] filename" },
    { "commit", img_commit, "commit [-q] [-f fmt] [-t cache] [-b base] [-r rate_limit] [-d] [-p] "
      "filename" },
    { "compare", img_compare, "compare [-f fmt] [-F fmt] [-T src_cache] [-p] [-q] [-s] [-U] "
      "filename1 filename2" },
    { "convert", img_convert, "convert [--target-is-zero] [-U] [-C] [-c] [-p] [-q] [-n] "
      "[-f fmt] [-t cache] [-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] "
      "[-o options] [-S sparse_size] [-r rate_limit] [-m num_coroutines] [-W] [--salvage] "
      "filename [filename2 [...]] output_filename" },
    { "create", img_create, "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] "
      "[-o options] filename [size]" },
    { "dd", img_dd, "dd [-U] [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] "
      "[skip=blocks] if=input of=output" },
    { "info", img_info, "info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename" },
    { "map", img_map, "map [-f fmt] [--start-offset=offset] [--max-length=len] [--output=ofmt] "
      "[-U] filename" },
    { "measure", img_measure, "measure [--output=ofmt] [-O output_fmt] [-o options] "
      "[--size N | [-f fmt] filename]" },
    { "snapshot", img_snapshot, "snapshot [-U] [-q] [-l | -a snapshot | -c snapshot | "
      "-d snapshot] filename" },
    { "rebase", img_rebase, "rebase [-U] [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] "
      "-b backing_file [-F backing_fmt] filename" },
    { "resize", img_resize, "resize [-f fmt] [--preallocation=prealloc] [-q] [--shrink] "
      "filename [+ | -]size" },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
    printf("usage: quetzal-img [standard options] command [command options]\n"
           "Disk image utility, compatible with qemu-img's command syntax\n\n"
           "    '-h', '--help'       display this help and exit\n"
           "    '-V', '--version'    output version information and exit\n\n"
           "Command syntax:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        printf("  %s\n", commands[i].syntax);
    }
    printf("\n'size' takes the optional suffixes k, M, G, T, P and E (binary units).\n"
           "Image formats are recognized by content; -f overrides that.\n\n"
           "Supported formats: ");
    bdrv_list_formats(stdout);
    printf("\n");
}

void img_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("quetzal-img: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

BlockDriverState *img_open(const char *filename, const char *format, int flags)
{
    BlockErrorInfo err = { "" };
    BlockDriverState *bs = bdrv_open(filename, format, NULL, flags, &err);
    if (!bs) {
        img_error("%s", err.msg);
    }
    return bs;
}

int img_cache_flags(const char *mode, int *flags)
{
    *flags &= ~(BDRV_O_NOCACHE | BDRV_O_NO_FLUSH);
    if (!strcmp(mode, "none") || !strcmp(mode, "directsync")) {
        *flags |= BDRV_O_NOCACHE;
    } else if (!strcmp(mode, "unsafe")) {
        *flags |= BDRV_O_NO_FLUSH;
    } else if (strcmp(mode, "writeback") && strcmp(mode, "writethrough")) {
        img_error("Invalid cache option: %s", mode);
        return -1;
    }
    return 0;
}

bool img_add_options(QDict *opts, const char *text)
{
    BlockErrorInfo err = { "" };
    if (qdict_parse_opts(opts, text, &err) < 0) {
        img_error("%s", err.msg);
        return false;
    }
    return true;
}

static int compare_option_names(const void *a, const void *b)
{
    const BlockOptionDesc *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

bool img_options_help(const char *format, QDict *opts)
{
    if (!qdict_get(opts, "help") && !qdict_get(opts, "?")) {
        return false;
    }
    static const char *const type_names[] = {
        [OPT_STRING] = "str", [OPT_BOOL] = "bool (on/off)", [OPT_NUMBER] = "num",
        [OPT_SIZE] = "size",
    };
    const BlockOptionDesc *desc = bdrv_create_options(format);
    size_t count = 0;
    while (desc && desc[count].name) {
        count++;
    }
    /* listed alphabetically, as qemu-img lists them */
    const BlockOptionDesc **sorted = calloc(count ? count : 1, sizeof(*sorted));
    if (!sorted) {
        abort();
    }
    for (size_t i = 0; i < count; i++) {
        sorted[i] = &desc[i];
    }
    qsort(sorted, count, sizeof(*sorted), compare_option_names);
    printf("Supported options:\n");
    for (size_t i = 0; i < count; i++) {
        char name[128];
        snprintf(name, sizeof(name), "%s=<%s>", sorted[i]->name, type_names[sorted[i]->type]);
        printf("  %-22s - %s\n", name, sorted[i]->help ? sorted[i]->help : "");
    }
    free(sorted);
    return true;
}

void img_format_size(uint64_t size, char *out, size_t out_size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int unit = 0;
    double value = size;
    while (value >= 1000 && unit < 6) {   /* 1000 B is shown as 0.977 KiB */
        value /= 1024;
        unit++;
    }
    /* three significant digits, as qemu-img prints sizes */
    snprintf(out, out_size, "%0.3g %s", value, units[unit]);
}

bool img_parse_size_arg(const char *text, uint64_t *size)
{
    if (parse_size(text, size) < 0 || *size > INT64_MAX) {
        img_error("Invalid image size specified: '%s'. You may use k, M, G, T, P or E suffixes "
                  "for kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.", text);
        return false;
    }
    return true;
}

bool img_parse_output_format(const char *text, bool *json)
{
    if (!strcmp(text, "json")) {
        *json = true;
    } else if (!strcmp(text, "human")) {
        *json = false;
    } else {
        img_error("--output must be used with human or json as argument.");
        return false;
    }
    return true;
}

void img_progress_update(ImgProgress *progress, uint64_t done, uint64_t total)
{
    if (!progress->enabled) {
        return;
    }
    double percent = total ? 100.0 * done / total : 100.0;
    if (percent - progress->last_shown >= 1.0 || progress->last_shown < 0) {
        printf("    (%0.2f/100%%)\r", percent);
        fflush(stdout);
        progress->last_shown = percent;
    }
}

void img_progress_finish(ImgProgress *progress)
{
    if (progress->enabled) {
        printf("    (100.00/100%%)\n");
        fflush(stdout);
    }
}

bool img_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) < 0 || stat(b, &sb) < 0) {
        return strcmp(a, b) == 0;
    }
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool img_is_zero(const void *buf, size_t bytes)
{
    const uint8_t *p = buf;
    size_t i = 0;
    /* word at a time once aligned; callers pass large aligned buffers */
    for (; i < bytes && ((uintptr_t)(p + i) & 7); i++) {
        if (p[i]) {
            return false;
        }
    }
    for (; i + 32 <= bytes; i += 32) {
        const uint64_t *w = (const uint64_t *)(p + i);
        if (w[0] | w[1] | w[2] | w[3]) {
            return false;
        }
    }
    for (; i < bytes; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        img_error("Not enough arguments\nTry 'quetzal-img --help' for more information");
        return IMG_EXIT_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_help();
        return 0;
    }
    if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
        printf("quetzal-img version 0.1\n");
        return 0;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    img_error("Command not found: %s", argv[1]);
    return IMG_EXIT_ERROR;
}

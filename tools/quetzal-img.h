/*
 * quetzal-img: the disk image tool, with qemu-img's command syntax and output.
 * quetzal-img.c holds main, the command table and the helpers below; each
 * img-*.c file holds one group of commands.
 */
#ifndef TOOLS_QUETZAL_IMG_H
#define TOOLS_QUETZAL_IMG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "block/block.h"

/* exit status of a command that failed (qemu-img's) */
#define IMG_EXIT_ERROR 1

/* the commands: each gets argv with argv[0] the command name, returns the exit status */
int img_create(int argc, char **argv);
int img_resize(int argc, char **argv);
int img_amend(int argc, char **argv);
int img_snapshot(int argc, char **argv);
int img_info(int argc, char **argv);
int img_check(int argc, char **argv);
int img_map(int argc, char **argv);
int img_measure(int argc, char **argv);
int img_convert(int argc, char **argv);
int img_dd(int argc, char **argv);
int img_compare(int argc, char **argv);
int img_commit(int argc, char **argv);
int img_rebase(int argc, char **argv);
int img_bench(int argc, char **argv);

/* "quetzal-img: <message>" on stderr */
void img_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* opens an image and prints the one-line reason when that fails */
BlockDriverState *img_open(const char *filename, const char *format, int flags);
/* -t/-T cache modes: "none" and "directsync" bypass the host cache, "unsafe"
 * lets formats skip their ordering flushes (the image is flushed once at the end);
 * returns -1 (after an error message) for an unknown mode */
int img_cache_flags(const char *mode, int *flags);
/* appends -o text to opts (several -o add up); false after an error message */
bool img_add_options(QDict *opts, const char *text);
/* -o help: prints the creation options of format; true when help was asked */
bool img_options_help(const char *format, QDict *opts);
/* size with a binary unit as qemu-img prints it: "10 MiB", "1.5 GiB", "0 B" */
void img_format_size(uint64_t size, char *out, size_t out_size);
/* a size argument (suffixes k M G T P E); false after an error message */
bool img_parse_size_arg(const char *text, uint64_t *size);
bool img_parse_output_format(const char *text, bool *json);

/* progress bar for -p: prints "    (x.xx/100%)" when the percentage moves */
typedef struct ImgProgress {
    bool enabled;
    double last_shown;
} ImgProgress;
void img_progress_update(ImgProgress *progress, uint64_t done, uint64_t total);
void img_progress_finish(ImgProgress *progress);

/* the snapshot table of `info` and `snapshot -l` (img-info.c) */
void img_print_snapshot_table(FILE *out, const BlockSnapshotInfo *list, int count);

/* true when both names are the same file (or, for names that do not exist, equal) */
bool img_same_file(const char *a, const char *b);

/* true when all bytes are zero */
bool img_is_zero(const void *buf, size_t bytes);

#endif

/*
 * libFuzzer target for the format drivers' open, read, status and check paths.
 * The format comes from --format=NAME on the command line (or the environment
 * variable QUETZAL_FUZZ_FORMAT). Each input is put in a memory file and opened
 * as an image of that format; everything the driver then does stays inside
 * that memory file. Reads are bounded so huge virtual sizes cost nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/block.h"

#define MAX_STATUS_CALLS 2048
#define READ_SIZE 65536

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the format under test: set once at start-up, read-only afterwards */
static const char *fuzz_format = "raw";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *env = getenv("QUETZAL_FUZZ_FORMAT");
    if (env) {
        fuzz_format = env;
    }
    for (int i = 1; i < *argc; i++) {
        if (!strncmp((*argv)[i], "--format=", 9)) {
            fuzz_format = (*argv)[i] + 9;
        }
    }
    if (!bdrv_find_format(fuzz_format)) {
        fprintf(stderr, "img-fuzz: unknown format '%s'\n", fuzz_format);
        exit(1);
    }
    return 0;
}

/* Walks the block status and reads some of what it reports, bounded. */
static void exercise_reads(BlockDriverState *bs, uint8_t *buf)
{
    uint64_t size = bdrv_getlength(bs), offset = 0;
    for (int calls = 0; offset < size && calls < MAX_STATUS_CALLS; calls++) {
        uint64_t pnum = 0, map;
        int ret = bdrv_block_status_above(bs, NULL, offset, size - offset, &pnum, &map);
        if (ret < 0 || pnum == 0) {
            break;
        }
        uint64_t n = pnum < READ_SIZE ? pnum : READ_SIZE;
        bdrv_pread(bs, offset, n, buf);
        offset += pnum;
    }
    if (size) {
        uint64_t tail = size < READ_SIZE ? size : READ_SIZE;
        bdrv_pread(bs, size - tail, tail, buf);
        bdrv_pread(bs, size / 2, size - size / 2 < 4096 ? size - size / 2 : 4096, buf);
    }
}

/* Writes into the image: allocation and metadata updates on hostile tables. */
static void exercise_writes(BlockDriverState *bs, uint8_t *buf)
{
    uint64_t size = bdrv_getlength(bs);
    memset(buf, 0xa5, READ_SIZE);
    if (size >= 4096) {
        bdrv_pwrite(bs, 0, 4096, buf, 0);
        bdrv_pwrite(bs, size / 2 / 512 * 512, size - size / 2 / 512 * 512 < 4096 ? 512 : 4096,
                    buf, 0);
        bdrv_pwrite_zeroes(bs, 0, 512, 0);
        bdrv_flush(bs);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("img-fuzz", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    uint8_t *buf = malloc(READ_SIZE);
    if (!buf) {
        abort();
    }
    for (int pass = 0; pass < 2; pass++) {
        BlockErrorInfo err = { "" };
        int flags = BDRV_O_NO_BACKING | (pass ? BDRV_O_RDWR : 0);
        BlockDriverState *bs = bdrv_open(path, fuzz_format, NULL, flags, &err);
        if (!bs) {
            if (err.msg[0] == '\0') {
                abort();             /* a failed open must say why */
            }
            break;
        }
        exercise_reads(bs, buf);
        if (pass) {
            exercise_writes(bs, buf);
        }
        /* the repair path too: its writes stay in the memory file */
        BlockCheckResult result;
        bdrv_check(bs, &result, pass ? BDRV_CHECK_FIX_LEAKS | BDRV_CHECK_FIX_ERRORS : 0);
        BlockSnapshotInfo *snapshots;
        bdrv_snapshot_list(bs, &snapshots);
        free(snapshots);
        bdrv_close(bs);
    }
    free(buf);
    close(fd);
    return 0;
}

/*
 * The block layer's public interface: open an image of any supported format,
 * read and write it at byte granularity, query allocation, create and check.
 * block/ knows no machine and no CPU; quetzal-img and (later) the emulated disks
 * use this header only.
 */
#ifndef BLOCK_BLOCK_H
#define BLOCK_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct BlockDriverState BlockDriverState;
typedef struct QDict QDict;          /* string key -> string value options (block/options.c) */

/* open flags */
#define BDRV_O_RDWR       0x0002
#define BDRV_O_NOCACHE    0x0020     /* O_DIRECT (cache=none) */
#define BDRV_O_NATIVE_AIO 0x0080     /* aio=native (libaio) */
#define BDRV_O_NO_BACKING 0x0100
#define BDRV_O_UNSAFE_BACKING 0x0200 /* open even if the backing file is missing */

/* write request flags */
#define BDRV_REQ_FUA       0x1
#define BDRV_REQ_MAY_UNMAP 0x2

/* block_status bits */
#define BDRV_BLOCK_DATA         0x01
#define BDRV_BLOCK_ZERO         0x02
#define BDRV_BLOCK_OFFSET_VALID 0x04
#define BDRV_BLOCK_ALLOCATED    0x10   /* this layer holds it (not the backing file) */
#define BDRV_BLOCK_COMPRESSED   0x20

typedef struct BlockErrorInfo {
    char msg[512];
} BlockErrorInfo;

typedef struct BlockOptionDesc {
    const char *name;
    enum { OPT_STRING, OPT_BOOL, OPT_NUMBER, OPT_SIZE } type;
    const char *help;
} BlockOptionDesc;

typedef struct BlockCheckResult {
    int corruptions, leaks, check_errors;
    int corruptions_fixed, leaks_fixed;
    uint64_t image_end_offset;
    uint64_t allocated_clusters, total_clusters, fragmented_clusters, compressed_clusters;
} BlockCheckResult;

typedef struct BlockDriverInfo {
    uint32_t cluster_size;
    bool is_dirty;
} BlockDriverInfo;

typedef struct BlockSnapshotInfo {
    char id[32];
    char name[256];
    uint64_t vm_state_size;
    uint64_t date_sec, date_nsec, vm_clock_nsec;
    uint64_t icount;
} BlockSnapshotInfo;

#define BDRV_CHECK_FIX_LEAKS  1
#define BDRV_CHECK_FIX_ERRORS 2

struct BlockDriverState {
    const struct BlockDriver *drv;
    void *opaque;                    /* driver state */
    char filename[4096];
    char backing_file[4096];         /* as recorded in the image */
    char backing_format[32];
    BlockDriverState *backing;       /* opened backing image, or NULL */
    struct BlockFile *file;          /* the host file holding the image (block/file.c) */
    uint64_t total_size;             /* virtual disk size in bytes */
    int open_flags;
    bool read_only;
    BlockErrorInfo err;              /* last error's one-line reason */
};

#endif

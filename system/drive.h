/*
 * The command line's drives, as qemu-system-x86_64 spells them: -hda/-hdb/
 * -hdc/-hdd FILE, -cdrom FILE, -drive file=,format=,if=ide|virtio|none,index=,
 * media=disk|cdrom,readonly=on,cache=,aio=,snapshot=on,id=, -snapshot and
 * -boot [order=]LETTERS[,once=LETTERS][,menu=on|off]. system/drive.c parses
 * them, opens the images through the block layer (block/block.h) and hands the
 * IDE slots and the boot order to the machine (hw/pc.h).
 */
#ifndef SYSTEM_DRIVE_H
#define SYSTEM_DRIVE_H

#include <stdbool.h>
#include "hw/pc.h"
#include "system/drive-stats.h"

#define MAX_DRIVES 16

typedef struct DriveDef {
    char *opts;                 /* the -drive string (normalized from -hda etc.) */
    const char *option;         /* for messages: "-drive", "-hda", "-cdrom" */
} DriveDef;

/* One drive as the monitor shows it (info block, query-block) and changes it
 * (change, eject, commit): QEMU's device name, where it is attached, the
 * medium now in it and its accounting. */
typedef enum { DRIVE_IDE, DRIVE_FLOPPY, DRIVE_VIRTIO, DRIVE_NONE } DriveBus;

typedef struct DriveInfo {
    char name[64];              /* ide0-hd0, ide1-cd0, floppy0, virtio0, or the id= */
    char qdev[80];              /* QOM-style path of the device ("" for if=none) */
    char node[32];              /* "#blockNNN" or the given name: the medium's node name */
    DriveBus bus;
    int unit;                   /* IDE slot 0-3, floppy 0-1, virtio ordinal */
    bool cdrom, removable, read_only, snapshot;
    bool tray_open;             /* floppy: the monitor ejected it (IDE: the drive knows) */
    char *file;                 /* the image as given (NULL: no medium) */
    const char *cache;          /* cache= mode */
    int open_flags;             /* BDRV_O_* for a new medium */
    BlockDriverState *bs;       /* the medium (closed at exit), NULL when empty */
    DriveStats stats;
} DriveInfo;

typedef struct DriveSet {
    DriveDef defs[MAX_DRIVES];
    int n;
    bool snapshot;              /* -snapshot */
    const char *boot;           /* -boot's argument */
    char *devices[MAX_DRIVES];  /* -device virtio-blk-pci,drive=ID: the IDs */
    int ndevices;
    BlockDriverState *opened[MAX_DRIVES];
    DriveInfo *info[MAX_DRIVES + 2];    /* in QEMU's order: the options, then the defaults */
    int ninfo;
    int next_node;
} DriveSet;

/* Options with an argument / without: true when name is one of ours (a bad
 * value exits with a one-line message, as the other options do). */
bool drive_option(DriveSet *ds, const char *name, const char *arg);
bool drive_flag(DriveSet *ds, const char *name);
/* -device virtio-blk-pci,drive=ID: true when arg names that device */
bool drive_device(DriveSet *ds, const char *arg);
/* Opens every image and fills pc's IDE slots and boot settings; exits with a
 * one-line message naming the image and the reason on failure. */
void drive_setup(DriveSet *ds, PCConfig *pc);
void drive_close_all(DriveSet *ds);

/* The monitor's side. */
DriveInfo *drive_find(DriveSet *ds, const char *name);
/* Opens file (format NULL: probed) as a new medium for d: read-only for a
 * CD-ROM; NULL with QEMU's message in err. */
BlockDriverState *drive_open_medium(DriveSet *ds, DriveInfo *d, const char *file,
                                    const char *format, BlockErrorInfo *err);
/* Records bs (opened by drive_open_medium, or NULL) as d's medium, closing the
 * old one; the caller has told the device first. */
void drive_set_medium(DriveSet *ds, DriveInfo *d, BlockDriverState *bs, const char *file);
/* commit: writes the top image's own data into its backing file (the image
 * under -snapshot's overlay, or a qcow2's backing file) and empties the top;
 * negative errno with err set. */
int drive_commit(DriveInfo *d, BlockErrorInfo *err);
/* blockdev-snapshot-sync: d's medium (drained by the caller) becomes the
 * backing file of file, a new format image (existing: opened as it is) that
 * takes its place for the devices; node NULL gets a "#blockN" name; negative
 * errno with QEMU's message in err. */
int drive_snapshot(DriveSet *ds, DriveInfo *d, const char *file, const char *format,
                   const char *node, bool existing, BlockErrorInfo *err);

#endif

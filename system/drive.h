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

#define MAX_DRIVES 16

typedef struct DriveDef {
    char *opts;                 /* the -drive string (normalized from -hda etc.) */
    const char *option;         /* for messages: "-drive", "-hda", "-cdrom" */
} DriveDef;

typedef struct DriveSet {
    DriveDef defs[MAX_DRIVES];
    int n;
    bool snapshot;              /* -snapshot */
    const char *boot;           /* -boot's argument */
    char *devices[MAX_DRIVES];  /* -device virtio-blk-pci,drive=ID: the IDs */
    int ndevices;
    BlockDriverState *opened[MAX_DRIVES];
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

#endif

/*
 * The machine-state area of qcow2 images (block/qcow2-vmstate.c): savevm
 * keeps the VM state of an internal snapshot in the image's guest address
 * space past the virtual disk, as QEMU does, so that the snapshot table's
 * vm_state_size says how much there is (qemu-img snapshot -l, VM SIZE).
 */
#ifndef BLOCK_QCOW2_VMSTATE_H
#define BLOCK_QCOW2_VMSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block.h"

bool qcow2_vmstate_supported(BlockDriverState *bs);
/* Writes len bytes of state, then takes the internal snapshot name with them
 * (vm_state_size = len) and drops them from the active image. 0 or -errno. */
int qcow2_vmstate_snapshot(BlockDriverState *bs, const char *name, const void *buf,
                           uint64_t len, uint64_t vm_clock_nsec);
/* The state of snapshot name, read through the snapshot's own tables (the
 * active image is not touched): malloc'd *buf of *len bytes (0: none).
 * 0, -ENOENT when there is no such snapshot, or -errno. */
int qcow2_vmstate_read(BlockDriverState *bs, const char *name, uint8_t **buf, uint64_t *len);

#endif

/*
 * The formats linked into the block layer. Each format adds its own line here
 * when its driver lands; probing asks every driver, so order does not matter.
 */
#include "block/block_int.h"

const BlockDriver *const block_driver_list[] = {
    &bdrv_raw,
    &bdrv_qcow,
    &bdrv_vdi,
    &bdrv_vpc,
    &bdrv_vmdk,
    &bdrv_qcow2,
    NULL
};

/*
 * Virtio 1.x devices over PCI (OASIS "Virtual I/O Device (VIRTIO) Version
 * 1.1", 4.1 "Virtio Over PCI Bus" and 2.6 "Split Virtqueues"): the modern
 * transport in hw/virtio-pci.c (vendor capabilities pointing into one memory
 * BAR: common, ISR, notify and device configuration; INTx interrupts, no
 * MSI-X) and its split virtqueues; the devices (hw/virtio-blk.c) plug into it.
 */
#ifndef HW_VIRTIO_H
#define HW_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>
#include "block/block.h"
#include "hw/pci.h"

#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_RING_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_MAX_QUEUE 256
/* device status bits (2.1) */
enum { VIRTIO_S_ACK = 1, VIRTIO_S_DRIVER = 2, VIRTIO_S_DRIVER_OK = 4,
       VIRTIO_S_FEATURES_OK = 8, VIRTIO_S_NEEDS_RESET = 0x40, VIRTIO_S_FAILED = 0x80 };

typedef struct VirtioPCI VirtioPCI;

typedef struct VirtQueue {
    uint16_t size;
    bool enabled;
    uint64_t desc, avail, used;
    uint16_t last_avail;
    uint16_t used_idx;
} VirtQueue;

/* One buffer segment of a request. */
typedef struct VirtSeg {
    uint64_t addr;
    uint32_t len;
} VirtSeg;

/* A request popped from a queue: the device-readable segments first (out),
 * then the device-writable ones (in). */
typedef struct VirtQueueElement {
    uint16_t head;
    unsigned n_out, n_in;
    VirtSeg seg[VIRTIO_MAX_QUEUE];
} VirtQueueElement;

typedef struct VirtioDeviceOps {
    uint16_t device_id;               /* virtio device type (5: 2 = block) */
    uint32_t class_code;
    uint64_t features;                /* offered, besides VERSION_1 and INDIRECT_DESC */
    uint32_t config_size;
    void (*read_config)(void *opaque, uint8_t *config);   /* fills config_size bytes */
    void (*notify)(void *opaque, int queue);
    void (*reset)(void *opaque);
    void (*free)(void *opaque);
    /* optional: finish in-flight requests before a snapshot (the rings then
     * say it all), and the device's own part of it after the transport's */
    void (*quiesce)(void *opaque);
    void (*save)(void *opaque, struct SaveStream *s);
    void (*load)(void *opaque, struct SaveStream *s);
} VirtioDeviceOps;

VirtioPCI *virtio_pci_new(PCIBus *bus, int devfn, AddressSpace *as, const VirtioDeviceOps *ops,
                          void *opaque, int nqueues);
PCIDevice *virtio_pci_device(VirtioPCI *v);
VirtQueue *virtio_queue(VirtioPCI *v, int n);
AddressSpace *virtio_as(VirtioPCI *v);
uint64_t virtio_driver_features(VirtioPCI *v);
bool virtio_driver_ok(VirtioPCI *v);
/* 1 with *e filled, 0 when the queue is empty, -1 when the driver broke the
 * rules (a loop, a chain longer than the queue, an indirect table in an
 * indirect table...): the device then needs a reset (status bit 6). */
int virtqueue_pop(VirtioPCI *v, VirtQueue *q, VirtQueueElement *e);
void virtqueue_push(VirtioPCI *v, VirtQueue *q, uint16_t head, uint32_t len);
/* Several used elements made visible at once (a merged receive buffer,
 * 5.1.6.4): fill idx 0, 1, ... then flush their count. */
void virtqueue_fill(VirtioPCI *v, VirtQueue *q, unsigned idx, uint16_t head, uint32_t len);
void virtqueue_flush(VirtioPCI *v, VirtQueue *q, unsigned count);
bool virtqueue_has_avail(VirtioPCI *v, VirtQueue *q);  /* a buffer to pop */
bool virtqueue_no_interrupt(VirtioPCI *v, VirtQueue *q);  /* the driver asks for none */
void virtio_notify(VirtioPCI *v);           /* used buffers: ISR bit 0, INTx */
/* the device configuration changed (virtio 1.1, 2.4.1 and 4.1.4.5): a new
 * config_generation and, once the driver is up, ISR bit 1 and INTx */
void virtio_config_changed(VirtioPCI *v);
void virtio_set_needs_reset(VirtioPCI *v);

/* --- hw/virtio-blk.c: virtio-blk-pci (1af4:1042) --- */
typedef struct VirtioBlkConfig {
    BlockDriverState *bs;
    bool read_only, writethrough;
    struct DriveStats *stats;      /* the monitor's accounting (system/drive-stats.h), or NULL */
} VirtioBlkConfig;
PCIDevice *virtio_blk_new(PCIBus *bus, int devfn, AddressSpace *as, MainLoop *ml,
                          const VirtioBlkConfig *cfg);

#endif

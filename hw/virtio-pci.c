/*
 * The virtio 1.x PCI transport (virtio 1.1, 4.1): a modern-only function
 * (vendor 1AF4h, device 1040h + type, revision 1) whose vendor-specific
 * capabilities (4.1.4) place the common configuration, ISR status, notify
 * and device-specific configuration structures in BAR 4 (16 KiB of memory
 * space, 4 KiB each). Interrupts are INTx: the ISR register says why (bit 0
 * used buffers, bit 1 configuration change) and reading it deasserts the line
 * (4.1.4.5). Split virtqueues (2.6) with indirect descriptors (2.6.5.3).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/virtio.h"

enum { CAP_COMMON = 1, CAP_NOTIFY = 2, CAP_ISR = 3, CAP_DEVICE = 4 };
enum { OFF_COMMON = 0x0000, OFF_ISR = 0x1000, OFF_DEVICE = 0x2000, OFF_NOTIFY = 0x3000,
       BAR_SIZE = 0x4000 };
enum { DESC_F_NEXT = 1, DESC_F_WRITE = 2, DESC_F_INDIRECT = 4 };
#define MAX_QUEUES 4

struct VirtioPCI {
    PCIDevice pci;
    AddressSpace *as;
    const VirtioDeviceOps *ops;
    void *opaque;
    int nqueues;
    VirtQueue vq[MAX_QUEUES];
    uint32_t dev_feature_sel, drv_feature_sel;
    uint64_t driver_features;
    uint8_t status, isr, config_gen;
    uint16_t queue_sel;
};

PCIDevice *virtio_pci_device(VirtioPCI *v) { return &v->pci; }
VirtQueue *virtio_queue(VirtioPCI *v, int n) { return &v->vq[n]; }
AddressSpace *virtio_as(VirtioPCI *v) { return v->as; }
uint64_t virtio_driver_features(VirtioPCI *v) { return v->driver_features; }
bool virtio_driver_ok(VirtioPCI *v) { return v->status & VIRTIO_S_DRIVER_OK; }

static uint64_t offered(VirtioPCI *v)
{
    return v->ops->features | VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC;
}

static void update_irq(VirtioPCI *v)
{
    pci_set_irq(&v->pci, v->isr != 0);
}

void virtio_notify(VirtioPCI *v)
{
    v->isr |= 1;
    update_irq(v);
}

void virtio_config_changed(VirtioPCI *v)
{
    v->config_gen++;
    if (v->status & VIRTIO_S_DRIVER_OK) {
        v->isr |= 2;
        update_irq(v);
    }
}

void virtio_set_needs_reset(VirtioPCI *v)
{
    v->status |= VIRTIO_S_NEEDS_RESET;
    if (v->status & VIRTIO_S_DRIVER_OK) {
        v->isr |= 2;
        update_irq(v);
    }
}

static void device_reset(VirtioPCI *v)
{
    if (v->ops->reset) {
        v->ops->reset(v->opaque);
    }
    v->status = 0;
    v->isr = 0;
    v->driver_features = 0;
    v->dev_feature_sel = v->drv_feature_sel = 0;
    v->queue_sel = 0;
    for (int i = 0; i < MAX_QUEUES; i++) {
        v->vq[i] = (VirtQueue){ .size = i < v->nqueues ? VIRTIO_MAX_QUEUE : 0 };
    }
    update_irq(v);
}

/* --- split virtqueues (2.6) --- */

static uint16_t lduw(VirtioPCI *v, uint64_t a)
{
    uint8_t b[2];
    address_space_read(v->as, a, b, 2);
    return b[0] | b[1] << 8;
}

static void stuw(VirtioPCI *v, uint64_t a, uint16_t val)
{
    uint8_t b[2] = { val, val >> 8 };
    address_space_write(v->as, a, b, 2);
}

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} Desc;

static Desc read_desc(VirtioPCI *v, uint64_t table, unsigned i)
{
    uint8_t b[16];
    address_space_read(v->as, table + 16ull * i, b, 16);
    Desc d;
    d.addr = 0;
    for (int k = 7; k >= 0; k--) {
        d.addr = d.addr << 8 | b[k];
    }
    d.len = b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24;
    d.flags = b[12] | b[13] << 8;
    d.next = b[14] | b[15] << 8;
    return d;
}

/* Walks one chain of table (size entries) from i into e; false on a bad chain. */
static bool walk_chain(VirtioPCI *v, VirtQueueElement *e, uint64_t table, unsigned size,
                       unsigned i, bool indirect_ok)
{
    for (;;) {
        if (i >= size) {
            return false;
        }
        Desc d = read_desc(v, table, i);
        if (d.flags & DESC_F_INDIRECT) {
            /* an indirect table: the whole chain lives there (2.6.5.3.1) */
            if (!indirect_ok || (d.flags & DESC_F_NEXT) || d.len % 16 || !d.len ||
                d.len / 16 > VIRTIO_MAX_QUEUE) {
                return false;
            }
            return walk_chain(v, e, d.addr, d.len / 16, 0, false);
        }
        unsigned n = e->n_out + e->n_in;
        if (n >= VIRTIO_MAX_QUEUE) {
            return false;                  /* longer than the queue: a loop */
        }
        if (d.flags & DESC_F_WRITE) {
            e->seg[n] = (VirtSeg){ d.addr, d.len };
            e->n_in++;
        } else {
            if (e->n_in) {
                return false;              /* readable after writable (2.6.4.2) */
            }
            e->seg[n] = (VirtSeg){ d.addr, d.len };
            e->n_out++;
        }
        if (!(d.flags & DESC_F_NEXT)) {
            return true;
        }
        i = d.next;
    }
}

int virtqueue_pop(VirtioPCI *v, VirtQueue *q, VirtQueueElement *e)
{
    if (!q->enabled || !q->size || (v->status & VIRTIO_S_NEEDS_RESET)) {
        return 0;
    }
    uint16_t avail_idx = lduw(v, q->avail + 2);
    if (avail_idx == q->last_avail) {
        return 0;
    }
    if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
        virtio_set_needs_reset(v);
        return -1;
    }
    uint16_t head = lduw(v, q->avail + 4 + 2u * (q->last_avail % q->size));
    q->last_avail++;
    e->head = head;
    e->n_out = e->n_in = 0;
    bool indirect = v->driver_features & VIRTIO_RING_F_INDIRECT_DESC;
    if (!walk_chain(v, e, q->desc, q->size, head, indirect)) {
        virtio_set_needs_reset(v);
        return -1;
    }
    return 1;
}

void virtqueue_fill(VirtioPCI *v, VirtQueue *q, unsigned idx, uint16_t head, uint32_t len)
{
    uint64_t slot = q->used + 4 + 8ull * ((uint16_t)(q->used_idx + idx) % q->size);
    stl_phys(v->as, slot, head);
    stl_phys(v->as, slot + 4, len);
}

void virtqueue_flush(VirtioPCI *v, VirtQueue *q, unsigned count)
{
    q->used_idx += count;
    stuw(v, q->used + 2, q->used_idx);     /* after the elements (2.6.8.2) */
}

void virtqueue_push(VirtioPCI *v, VirtQueue *q, uint16_t head, uint32_t len)
{
    virtqueue_fill(v, q, 0, head, len);
    virtqueue_flush(v, q, 1);
}

bool virtqueue_has_avail(VirtioPCI *v, VirtQueue *q)
{
    return q->enabled && q->size && !(v->status & VIRTIO_S_NEEDS_RESET) &&
           lduw(v, q->avail + 2) != q->last_avail;
}

bool virtqueue_no_interrupt(VirtioPCI *v, VirtQueue *q)
{
    return lduw(v, q->avail) & 1;          /* VIRTQ_AVAIL_F_NO_INTERRUPT (2.6.7) */
}

/* --- the BAR --- */

static uint64_t common_read(VirtioPCI *v, uint64_t off, unsigned size)
{
    VirtQueue *q = v->queue_sel < MAX_QUEUES ? &v->vq[v->queue_sel] : NULL;
    uint64_t f = offered(v);
    switch (off) {
    case 0x00: return v->dev_feature_sel;
    case 0x04: return v->dev_feature_sel < 2 ? (uint32_t)(f >> (32 * v->dev_feature_sel)) : 0;
    case 0x08: return v->drv_feature_sel;
    case 0x0c: return v->drv_feature_sel < 2 ? (uint32_t)(v->driver_features >> (32 * v->drv_feature_sel)) : 0;
    case 0x10: return 0xffff;              /* msix_config: no vector */
    case 0x12: return v->nqueues;
    case 0x14: return v->status;
    case 0x15: return v->config_gen;
    case 0x16: return v->queue_sel;
    case 0x18: return q ? q->size : 0;
    case 0x1a: return 0xffff;
    case 0x1c: return q ? q->enabled : 0;
    case 0x1e: return 0;                   /* queue_notify_off */
    case 0x20: return q ? (size == 8 ? q->desc : (uint32_t)q->desc) : 0;
    case 0x24: return q ? q->desc >> 32 : 0;
    case 0x28: return q ? (size == 8 ? q->avail : (uint32_t)q->avail) : 0;
    case 0x2c: return q ? q->avail >> 32 : 0;
    case 0x30: return q ? (size == 8 ? q->used : (uint32_t)q->used) : 0;
    case 0x34: return q ? q->used >> 32 : 0;
    }
    return 0;
}

static void set_addr(uint64_t *a, uint64_t off, uint64_t val, unsigned size)
{
    if (size == 8) {
        *a = val;
    } else if (off & 4) {
        *a = (*a & 0xffffffffu) | val << 32;
    } else {
        *a = (*a & ~0xffffffffull) | (uint32_t)val;
    }
}

static void common_write(VirtioPCI *v, uint64_t off, uint64_t val, unsigned size)
{
    VirtQueue *q = v->queue_sel < MAX_QUEUES ? &v->vq[v->queue_sel] : NULL;
    switch (off) {
    case 0x00: v->dev_feature_sel = val; break;
    case 0x08: v->drv_feature_sel = val; break;
    case 0x0c:
        if (v->drv_feature_sel < 2 && !(v->status & VIRTIO_S_FEATURES_OK)) {
            unsigned sh = 32 * v->drv_feature_sel;
            v->driver_features = (v->driver_features & ~(0xffffffffull << sh)) |
                                 ((uint64_t)(uint32_t)val << sh);
            v->driver_features &= offered(v);
        }
        break;
    case 0x14:
        if (val == 0) {
            device_reset(v);
        } else if ((val & VIRTIO_S_FEATURES_OK) && !(v->driver_features & VIRTIO_F_VERSION_1)) {
            v->status = val & ~VIRTIO_S_FEATURES_OK;   /* a legacy driver: refused */
        } else {
            v->status = val;
        }
        break;
    case 0x16: v->queue_sel = val; break;
    case 0x18:
        /* a power of two up to the maximum (2.6: Queue Size) */
        if (q && val && val <= VIRTIO_MAX_QUEUE && !(val & (val - 1))) {
            q->size = val;
        }
        break;
    case 0x1c:
        if (q && val == 1) {
            q->enabled = true;
            q->last_avail = q->used_idx = 0;
        }
        break;
    case 0x20: case 0x24: if (q) { set_addr(&q->desc, off, val, size); } break;
    case 0x28: case 0x2c: if (q) { set_addr(&q->avail, off, val, size); } break;
    case 0x30: case 0x34: if (q) { set_addr(&q->used, off, val, size); } break;
    }
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioPCI *v = opaque;
    if (off < OFF_COMMON + 0x38) {
        return common_read(v, off, size);
    }
    if (off == OFF_ISR) {
        uint8_t isr = v->isr;
        v->isr = 0;                        /* reading acknowledges (4.1.4.5.1) */
        update_irq(v);
        return isr;
    }
    if (off >= OFF_DEVICE && off + size <= OFF_DEVICE + v->ops->config_size) {
        uint8_t cfg[256];
        v->ops->read_config(v->opaque, cfg);
        uint64_t val = 0;
        for (unsigned i = 0; i < size; i++) {
            val |= (uint64_t)cfg[off - OFF_DEVICE + i] << (8 * i);
        }
        return val;
    }
    return 0;
}

static void bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    VirtioPCI *v = opaque;
    if (off < OFF_COMMON + 0x38) {
        common_write(v, off, val, size);
    } else if (off >= OFF_NOTIFY && off < OFF_NOTIFY + 4) {
        if (val < (uint64_t)v->nqueues && (v->status & VIRTIO_S_DRIVER_OK)) {
            v->ops->notify(v->opaque, val);
        }
    }
}

static const MemOps bar_ops = { bar_read, bar_write };

/* One virtio PCI capability (4.1.4): cfg_type, BAR 4, offset, length. */
static uint8_t add_cap(VirtioPCI *v, uint8_t at, uint8_t next, uint8_t type, uint32_t offset,
                       uint32_t length, uint8_t len)
{
    uint8_t *c = v->pci.config + at;
    c[0] = 0x09;                           /* vendor specific */
    c[1] = next;
    c[2] = len;
    c[3] = type;
    c[4] = 4;
    for (int i = 0; i < 4; i++) {
        c[8 + i] = offset >> (8 * i);
        c[12 + i] = length >> (8 * i);
    }
    return at;
}

static void virtio_pci_reset(void *opaque)
{
    VirtioPCI *v = opaque;
    pci_device_reset(&v->pci);
    device_reset(v);
}

static void virtio_pci_free(void *opaque)
{
    VirtioPCI *v = opaque;
    if (v->ops->free) {
        v->ops->free(v->opaque);
    }
    free(v);
}

/* The transport: PCI config, feature and status registers, every queue's
 * addresses and indexes; then the device's part (VirtioDeviceOps.save). */
static void virtio_pci_save(void *opaque, SaveStream *f)
{
    VirtioPCI *v = opaque;
    if (v->ops->quiesce) {
        v->ops->quiesce(v->opaque);   /* in-flight requests end in the rings */
    }
    save_u16(f, v->ops->device_id);
    save_u8(f, v->nqueues);
    pci_device_save(&v->pci, f);
    save_u32(f, v->dev_feature_sel); save_u32(f, v->drv_feature_sel);
    save_u64(f, v->driver_features);
    save_u8(f, v->status); save_u8(f, v->isr); save_u8(f, v->config_gen);
    save_u16(f, v->queue_sel);
    for (int i = 0; i < v->nqueues; i++) {
        VirtQueue *q = &v->vq[i];
        save_u16(f, q->size); save_u8(f, q->enabled);
        save_u64(f, q->desc); save_u64(f, q->avail); save_u64(f, q->used);
        save_u16(f, q->last_avail); save_u16(f, q->used_idx);
    }
    if (v->ops->save) {
        v->ops->save(v->opaque, f);
    }
}

static void virtio_pci_load(void *opaque, SaveStream *f)
{
    VirtioPCI *v = opaque;
    if (load_u16(f) != v->ops->device_id || load_u8(f) != v->nqueues) {
        f->error = true;        /* another kind of virtio device in this slot */
        return;
    }
    pci_device_load(&v->pci, f);
    v->dev_feature_sel = load_u32(f); v->drv_feature_sel = load_u32(f);
    v->driver_features = load_u64(f) & offered(v);
    v->status = load_u8(f); v->isr = load_u8(f); v->config_gen = load_u8(f);
    v->queue_sel = load_u16(f);
    for (int i = 0; i < v->nqueues; i++) {
        VirtQueue *q = &v->vq[i];
        q->size = load_u16(f); q->enabled = load_u8(f);
        q->desc = load_u64(f); q->avail = load_u64(f); q->used = load_u64(f);
        q->last_avail = load_u16(f); q->used_idx = load_u16(f);
        /* a size the driver could not have written: refuse the stream */
        if (q->size > VIRTIO_MAX_QUEUE || (q->size & (q->size - 1))) {
            f->error = true;
        }
    }
    if (v->ops->load) {
        v->ops->load(v->opaque, f);
    }
    if (f->error) {
        virtio_pci_reset(v);
        return;
    }
    update_irq(v);
}

static const DeviceOps virtio_pci_dev_ops = {
    .name = "virtio-pci", .reset = virtio_pci_reset, .free = virtio_pci_free,
    .save = virtio_pci_save, .load = virtio_pci_load, .version = 1,
};

VirtioPCI *virtio_pci_new(PCIBus *bus, int devfn, AddressSpace *as, const VirtioDeviceOps *ops,
                          void *opaque, int nqueues)
{
    VirtioPCI *v = calloc(1, sizeof(*v));
    if (!v) {
        abort();
    }
    v->pci.dev.ops = &virtio_pci_dev_ops;
    v->as = as;
    v->ops = ops;
    v->opaque = opaque;
    v->nqueues = nqueues < MAX_QUEUES ? nqueues : MAX_QUEUES;
    pci_device_init(&v->pci, bus, devfn, "virtio-pci", 0x1af4, 0x1040 + ops->device_id, 1,
                    ops->class_code, 0);
    uint8_t *c = v->pci.config;
    c[PCI_SUBSYSTEM_VENDOR_ID] = 0xf4;
    c[PCI_SUBSYSTEM_VENDOR_ID + 1] = 0x1a;
    c[PCI_SUBSYSTEM_ID] = 0x40;            /* >= 40h: modern (4.1.2.1) */
    c[PCI_INTERRUPT_PIN] = 1;
    c[PCI_STATUS] |= 0x10;                 /* capabilities list */
    c[PCI_CAPABILITY_LIST] = 0x40;
    add_cap(v, 0x40, 0x50, CAP_COMMON, OFF_COMMON, 0x38, 16);
    add_cap(v, 0x50, 0x60, CAP_ISR, OFF_ISR, 1, 16);
    add_cap(v, 0x60, 0x70, CAP_DEVICE, OFF_DEVICE, ops->config_size, 16);
    add_cap(v, 0x70, 0x00, CAP_NOTIFY, OFF_NOTIFY, 4, 20);   /* multiplier 0: one address */
    pci_register_bar(&v->pci, 4, BAR_SIZE, false, &bar_ops, v);
    virtio_pci_reset(v);
    return v;
}

/*
 * The PIIX3 IDE function (8086:7010) at 00:01.1 (Intel 82371SB PIIX3
 * datasheet, 2.5 and 2.7): two channels in compatibility mode (primary
 * 0x1F0-0x1F7 and 0x3F6 on IRQ 14, secondary 0x170-0x177 and 0x376 on IRQ 15,
 * programming interface 80h: fixed legacy addresses, bus master capable) and
 * the bus master IDE registers in BAR4 (16 I/O ports: command, status and
 * descriptor table pointer of each channel), as in SFF-8038i / "Programming
 * Interface for Bus Master IDE Controller" rev 1.0: a physical region
 * descriptor (PRD) table of 8-byte entries (base, byte count with 0 meaning
 * 64 KiB, bit 31 of the second dword marks the last entry).
 *
 * A DMA transfer starts when both the drive has a DMA command pending and the
 * Start bit is set, in either order. The whole transfer goes through one
 * bounce buffer (gathered from guest memory before a disk write, scattered
 * after a read) so the disk I/O runs on the worker thread.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/ide.h"

enum { BM_CMD_START = 0x01, BM_CMD_READ = 0x08 };       /* READ: writes to memory */
enum { BM_ST_ACTIVE = 0x01, BM_ST_ERROR = 0x02, BM_ST_INTR = 0x04, BM_ST_CAP = 0x60 };
#define PRD_MAX_ENTRIES 4096

typedef struct BMChannel {
    struct PIIXIDEState *s;
    IDEBus *bus;
    uint8_t cmd, status;
    uint32_t prd_addr;
    bool busy;                       /* a transfer is on the worker */
    uint8_t *bounce;
    uint32_t bounce_len;
    bool to_memory;
} BMChannel;

typedef struct PIIXIDEState {
    PCIDevice pci;
    IOSpace *io;
    AddressSpace *as;
    BMChannel ch[2];
} PIIXIDEState;

/* --- the legacy ports --- */

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
    return ide_cmd_read(((BMChannel *)opaque)->bus, off, size);
}

static void cmd_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    ide_cmd_write(((BMChannel *)opaque)->bus, off, val, size);
}

static uint64_t ctrl_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off, (void)size;
    return ide_ctrl_read(((BMChannel *)opaque)->bus);
}

static void ctrl_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)off, (void)size;
    ide_ctrl_write(((BMChannel *)opaque)->bus, val);
}

static const MemOps cmd_ops = { cmd_read, cmd_write };
static const MemOps ctrl_ops = { ctrl_read, ctrl_write };

/* --- bus master DMA --- */

typedef struct PRD {
    uint32_t addr, len;
} PRD;

/* Reads the PRD table; returns the entries (at most max bytes in all). */
static size_t read_prds(BMChannel *c, PRD *prd, uint32_t max, uint32_t *total)
{
    size_t n = 0;
    *total = 0;
    for (uint32_t a = c->prd_addr; n < PRD_MAX_ENTRIES && *total < max; a += 8) {
        uint32_t base = ldl_phys(c->s->as, a) & ~1u;
        uint32_t w1 = ldl_phys(c->s->as, a + 4);
        uint32_t len = w1 & 0xfffe;
        if (!len) {
            len = 0x10000;
        }
        if (len > max - *total) {
            len = max - *total;
        }
        prd[n++] = (PRD){ base, len };
        *total += len;
        if (w1 & 0x80000000u) {
            break;
        }
    }
    return n;
}

static void copy_prds(BMChannel *c, uint8_t *buf, uint32_t len, bool to_memory)
{
    PRD *prd = malloc(PRD_MAX_ENTRIES * sizeof(*prd));
    uint32_t total;
    size_t n = read_prds(c, prd, len, &total);
    uint32_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (to_memory) {
            address_space_write(c->s->as, prd[i].addr, buf + off, prd[i].len);
        } else {
            address_space_read(c->s->as, prd[i].addr, buf + off, prd[i].len);
        }
        off += prd[i].len;
    }
    free(prd);
}

static void bm_done(void *opaque, bool ok, uint32_t len)
{
    BMChannel *c = opaque;
    if (ok && c->to_memory) {
        copy_prds(c, c->bounce, len, true);
    }
    free(c->bounce);
    c->bounce = NULL;
    c->busy = false;
    /* the PRD table covered the transfer exactly: Active clears (SFF-8038i 3.1.2) */
    if (c->bounce_len == len) {
        c->status &= ~BM_ST_ACTIVE;
    }
    if (!ok) {
        c->status |= BM_ST_ERROR;
    }
    c->status |= BM_ST_INTR;
}

static void bm_try_start(BMChannel *c)
{
    bool to_memory;
    uint32_t bytes;
    if (c->busy || !(c->cmd & BM_CMD_START) || !(c->status & BM_ST_ACTIVE) ||
        !(c->s->pci.config[PCI_COMMAND] & PCI_COMMAND_MASTER) ||
        !ide_dma_pending(c->bus, &to_memory, &bytes)) {
        return;
    }
    PRD *prd = malloc(PRD_MAX_ENTRIES * sizeof(*prd));
    uint32_t total;
    read_prds(c, prd, bytes, &total);
    free(prd);
    if (total < bytes || to_memory != !!(c->cmd & BM_CMD_READ)) {
        /* the table ends before the transfer does, or the direction is wrong */
        c->status = (c->status & ~BM_ST_ACTIVE) | BM_ST_ERROR | BM_ST_INTR;
        ide_dma_abort(c->bus);
        return;
    }
    c->busy = true;
    c->to_memory = to_memory;
    c->bounce_len = total;
    c->bounce = malloc(bytes ? bytes : 1);
    if (!to_memory) {
        copy_prds(c, c->bounce, bytes, false);
    }
    ide_dma_start(c->bus, c->bounce, bytes, bm_done, c);
}

static void dma_notify(void *opaque)
{
    bm_try_start(opaque);
}

static uint64_t bm_read(void *opaque, uint64_t off, unsigned size)
{
    PIIXIDEState *s = opaque;
    BMChannel *c = &s->ch[off >> 3];
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned r = (off & 7) + i;
        uint8_t b = r == 0 ? c->cmd : r == 2 ? c->status
                  : r >= 4 ? (uint8_t)(c->prd_addr >> (8 * (r - 4))) : 0;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void bm_write_byte(PIIXIDEState *s, BMChannel *c, unsigned r, uint8_t b)
{
    (void)s;
    if (r == 0) {
        uint8_t old = c->cmd;
        c->cmd = b & (BM_CMD_START | BM_CMD_READ);
        if ((b & BM_CMD_START) && !(old & BM_CMD_START)) {
            c->status |= BM_ST_ACTIVE;
            bm_try_start(c);
        } else if (!(b & BM_CMD_START) && (old & BM_CMD_START) && !c->busy) {
            c->status &= ~BM_ST_ACTIVE;    /* stopped by the host */
        }
    } else if (r == 2) {
        c->status = (c->status & ~(b & (BM_ST_ERROR | BM_ST_INTR)) & ~BM_ST_CAP) |
                    (b & BM_ST_CAP);
    } else if (r >= 4) {
        unsigned sh = 8 * (r - 4);
        c->prd_addr = (c->prd_addr & ~(0xffu << sh)) | (uint32_t)b << sh;
        c->prd_addr &= ~3u;
    }
}

static void bm_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PIIXIDEState *s = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned r = (off & 7) + i;
        if (r < 8) {
            bm_write_byte(s, &s->ch[off >> 3], r, val >> (8 * i));
        }
    }
}

static const MemOps bm_ops = { bm_read, bm_write };

/* --- the PCI function --- */

static void piix_ide_reset(void *opaque)
{
    PIIXIDEState *s = opaque;
    pci_device_reset(&s->pci);
    s->pci.config[PCI_COMMAND] = 0;
    s->pci.config[PCI_STATUS] = 0x80;      /* fast back-to-back */
    s->pci.config[PCI_STATUS + 1] = 0x02;
    for (int i = 0; i < 2; i++) {
        BMChannel *c = &s->ch[i];
        ide_bus_reset(c->bus);
        free(c->bounce);
        c->bounce = NULL;
        c->busy = false;
        c->cmd = 0;
        c->status = 0;
        c->prd_addr = 0;
    }
}

static void piix_ide_free(void *opaque)
{
    PIIXIDEState *s = opaque;
    for (int i = 0; i < 2; i++) {
        ide_bus_free(s->ch[i].bus);      /* drains the worker first */
        free(s->ch[i].bounce);
    }
    free(s);
}

/* In-flight transfers are finished first (the worker drained until neither
 * channel has one), so the stream holds registers only. */
static void piix_ide_save(void *opaque, SaveStream *f)
{
    PIIXIDEState *s = opaque;
    for (int i = 0; i < 2; i++) {
        do {
            ide_bus_drain(s->ch[i].bus);
        } while (s->ch[i].busy);
    }
    pci_device_save(&s->pci, f);
    for (int i = 0; i < 2; i++) {
        BMChannel *c = &s->ch[i];
        save_u8(f, c->cmd);
        save_u8(f, c->status);
        save_u32(f, c->prd_addr);
        ide_bus_save(c->bus, f);
    }
}

static void piix_ide_load(void *opaque, SaveStream *f)
{
    PIIXIDEState *s = opaque;
    for (int i = 0; i < 2; i++) {
        ide_bus_drain(s->ch[i].bus);
    }
    pci_device_load(&s->pci, f);
    for (int i = 0; i < 2; i++) {
        BMChannel *c = &s->ch[i];
        c->cmd = load_u8(f);
        c->status = load_u8(f);
        c->prd_addr = load_u32(f);
        c->busy = false;
        ide_bus_load(c->bus, f);
    }
}

static const DeviceOps piix_ide_ops = {
    .name = "piix3-ide", .reset = piix_ide_reset, .free = piix_ide_free,
    .save = piix_ide_save, .load = piix_ide_load, .version = 1,
};

PCIDevice *piix3_ide_new(PCIBus *bus, IOSpace *io, AddressSpace *as, MainLoop *ml,
                         IRQ irq14, IRQ irq15, const IDEDriveConfig drives[4])
{
    PIIXIDEState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->pci.dev.ops = &piix_ide_ops;
    s->io = io;
    s->as = as;
    pci_device_init(&s->pci, bus, PCI_DEVFN(1, 1), "piix3-ide", 0x8086, 0x7010, 0x00,
                    0x010180, 0x00);
    for (int a = 0x40; a < 0x48; a++) {
        s->pci.wmask[a] = 0xff;            /* IDETIM, SIDETIM: timings, decode enable */
    }
    pci_register_bar(&s->pci, 4, 16, true, &bm_ops, s);
    static const uint16_t cmd_base[2] = { 0x1f0, 0x170 }, ctrl_base[2] = { 0x3f6, 0x376 };
    for (int i = 0; i < 2; i++) {
        BMChannel *c = &s->ch[i];
        c->s = s;
        c->bus = ide_bus_new(i ? irq15 : irq14, ml);
        for (int u = 0; u < 2; u++) {
            if (drives && drives[2 * i + u].present) {
                ide_bus_attach(c->bus, u, &drives[2 * i + u]);
            }
        }
        ide_bus_set_dma_notify(c->bus, dma_notify, c);
        ioport_register(io, i ? "ide1" : "ide0", cmd_base[i], 8, &cmd_ops, c);
        ioport_register(io, i ? "ide1-ctrl" : "ide0-ctrl", ctrl_base[i], 1, &ctrl_ops, c);
    }
    piix_ide_reset(s);
    return &s->pci;
}

IDEBus *piix3_ide_bus(PCIDevice *d, int channel)
{
    return ((PIIXIDEState *)d)->ch[channel & 1].bus;
}

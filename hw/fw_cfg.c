/*
 * QEMU's firmware configuration device on the x86 I/O ports (QEMU
 * docs/specs/fw_cfg.rst): selector 0x510 (16-bit write), data 0x511 (byte
 * reads advancing the offset), DMA address 0x514-0x51B (big-endian; a write
 * of its last byte starts the FWCfgDmaAccess transfer; reading it gives the
 * signature "QEMU CFG"). Items past their end read as zeros; no item is
 * writable, so DMA writes set the error bit.
 */
#include <stdlib.h>
#include <string.h>
#include "hw/fw_cfg.h"

enum {
    FW_CFG_ENTRIES = 0x100,            /* keys 0x00-0xff in each of the two ranges */
    DMA_ERROR = 1, DMA_READ = 2, DMA_SKIP = 4, DMA_SELECT = 8, DMA_WRITE = 16,
};

typedef struct FWCfgItem {
    uint8_t *data;
    uint32_t len;
    char name[FW_CFG_MAX_FILE_PATH];   /* files only */
} FWCfgItem;

struct FWCfgState {
    Device dev;
    IOSpace *io;
    AddressSpace *as;
    FWCfgItem items[2][FW_CFG_ENTRIES];   /* [arch-local][key & 0xff] */
    uint16_t next_file;
    uint16_t cur;
    uint32_t offset;
    uint8_t dma_addr[8];                  /* big-endian, as written */
};

static FWCfgItem *item(FWCfgState *s, uint16_t key)
{
    uint16_t k = key & 0x3fff;
    if (key == 0xffff || k >= FW_CFG_ENTRIES) {
        return NULL;
    }
    return &s->items[(key & FW_CFG_ARCH_LOCAL) ? 1 : 0][k];
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    FWCfgItem *it = item(s, key);
    if (!it) {
        abort();
    }
    free(it->data);
    it->data = malloc(len ? len : 1);
    if (!it->data) {
        abort();
    }
    memcpy(it->data, data, len);
    it->len = len;
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str)
{
    fw_cfg_add_bytes(s, key, str, strlen(str) + 1);
}

static void add_le(FWCfgState *s, uint16_t key, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) {
        b[i] = v >> (8 * i);
    }
    fw_cfg_add_bytes(s, key, b, n);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t v) { add_le(s, key, v, 2); }
void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t v) { add_le(s, key, v, 4); }
void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t v) { add_le(s, key, v, 8); }

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = v >> (8 * (n - 1 - i));
    }
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static int cmp_by_name(const void *a, const void *b)
{
    return strcmp((const char *)a + 8, (const char *)b + 8);
}

/* The directory: big-endian count, then 64-byte entries sorted by name. */
static void rebuild_dir(FWCfgState *s)
{
    uint32_t n = s->next_file - FW_CFG_FILE_FIRST;
    uint8_t *dir = calloc(1, 4 + 64 * (size_t)n);
    if (!dir) {
        abort();
    }
    put_be(dir, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        FWCfgItem *it = &s->items[0][FW_CFG_FILE_FIRST + i];
        uint8_t *e = dir + 4 + 64 * i;
        put_be(e, it->len, 4);
        put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
        memcpy(e + 8, it->name, FW_CFG_MAX_FILE_PATH);
    }
    qsort(dir + 4, n, 64, cmp_by_name);
    fw_cfg_add_bytes(s, FW_CFG_FILE_DIR, dir, 4 + 64 * (size_t)n);
    free(dir);
}

uint16_t fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len)
{
    uint16_t key;
    for (key = FW_CFG_FILE_FIRST; key < s->next_file; key++) {
        if (strncmp(s->items[0][key].name, name, FW_CFG_MAX_FILE_PATH) == 0) {
            break;
        }
    }
    if (key == s->next_file) {
        if (key >= FW_CFG_ENTRIES || strlen(name) >= FW_CFG_MAX_FILE_PATH) {
            abort();
        }
        s->next_file++;
        strncpy(s->items[0][key].name, name, FW_CFG_MAX_FILE_PATH - 1);
    }
    fw_cfg_add_bytes(s, key, data, len);
    rebuild_dir(s);
    return key;
}

static void select_item(FWCfgState *s, uint16_t key)
{
    s->cur = key;
    s->offset = 0;
}

static uint8_t read_byte(FWCfgState *s)
{
    FWCfgItem *it = item(s, s->cur);
    if (!it || !it->data || s->offset >= it->len) {
        return 0;
    }
    return it->data[s->offset++];
}

/* One FWCfgDmaAccess at paddr (big-endian control, length, address). */
static void dma_transfer(FWCfgState *s, uint64_t paddr)
{
    uint8_t desc[16];
    address_space_read(s->as, paddr, desc, sizeof(desc));
    uint32_t control = get_be(desc, 4);
    uint32_t length = get_be(desc + 4, 4);
    uint64_t addr = get_be(desc + 8, 8);
    if (control & DMA_SELECT) {
        select_item(s, control >> 16);
    }
    FWCfgItem *it = item(s, s->cur);
    uint32_t avail = it && it->data && s->offset < it->len ? it->len - s->offset : 0;
    uint32_t status = 0;
    if (control & DMA_READ) {
        uint32_t n = length < avail ? length : avail;
        if (n) {
            address_space_write(s->as, addr, it->data + s->offset, n);
        }
        for (uint32_t done = n; done < length;) {
            static const uint8_t zeros[256];
            uint32_t k = length - done < sizeof(zeros) ? length - done : sizeof(zeros);
            address_space_write(s->as, addr + done, zeros, k);
            done += k;
        }
        s->offset += length;
    } else if (control & DMA_WRITE) {
        status = DMA_ERROR;
    } else if (control & DMA_SKIP) {
        s->offset += length;
    }
    uint8_t out[4];
    put_be(out, status, 4);
    address_space_write(s->as, paddr, out, 4);
}

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
    FWCfgState *s = opaque;
    uint64_t v = 0;
    if (off != 1) {
        return 0;                       /* the selector is write-only */
    }
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)read_byte(s) << (8 * i);
    }
    return v;
}

static void port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)size;
    if (off == 0) {
        select_item(opaque, (uint16_t)val);
    }
}

static const MemOps port_ops = { port_read, port_write };

static uint64_t dma_read(void *opaque, uint64_t off, unsigned size)
{
    static const char sig[8] = "QEMU CFG";
    uint64_t v = 0;
    (void)opaque;
    for (unsigned i = 0; i < size && off + i < 8; i++) {
        v |= (uint64_t)(uint8_t)sig[off + i] << (8 * i);
    }
    return v;
}

static void dma_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;
    for (unsigned i = 0; i < size && off + i < 8; i++) {
        s->dma_addr[off + i] = val >> (8 * i);
    }
    if (off + size == 8) {
        uint64_t paddr = get_be(s->dma_addr, 8);
        memset(s->dma_addr, 0, 8);
        dma_transfer(s, paddr);
    }
}

static const MemOps dma_ops = { dma_read, dma_write };

static void fw_cfg_reset(void *opaque)
{
    FWCfgState *s = opaque;
    select_item(s, 0);
    memset(s->dma_addr, 0, 8);
}

static void fw_cfg_save(void *opaque, SaveStream *ss)
{
    FWCfgState *s = opaque;
    save_u16(ss, s->cur);
    save_u32(ss, s->offset);
    save_bytes(ss, s->dma_addr, 8);
}

static void fw_cfg_load(void *opaque, SaveStream *ss)
{
    FWCfgState *s = opaque;
    s->cur = load_u16(ss);
    s->offset = load_u32(ss);
    load_bytes(ss, s->dma_addr, 8);
}

static void fw_cfg_free(void *opaque)
{
    FWCfgState *s = opaque;
    for (int r = 0; r < 2; r++) {
        for (int k = 0; k < FW_CFG_ENTRIES; k++) {
            free(s->items[r][k].data);
        }
    }
    free(s);
}

static const DeviceOps fw_cfg_ops = {
    .name = "fw_cfg_io", .reset = fw_cfg_reset, .save = fw_cfg_save,
    .load = fw_cfg_load, .free = fw_cfg_free,
};

FWCfgState *fw_cfg_new(IOSpace *io, AddressSpace *as)
{
    FWCfgState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->dev.ops = &fw_cfg_ops;
    s->io = io;
    s->as = as;
    s->next_file = FW_CFG_FILE_FIRST;
    ioport_register(io, "fw_cfg", FW_CFG_IO_BASE, 2, &port_ops, s);
    ioport_register(io, "fw_cfg-dma", FW_CFG_IO_BASE + 4, 8, &dma_ops, s);
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, 3);
    rebuild_dir(s);
    return s;
}

Device *fw_cfg_device(FWCfgState *s)
{
    return &s->dev;
}

/*
 * The i440FX host bridge (PMC, 8086:1237) at 00:00.0, as on QEMU's "pc":
 * a header-type-0 bridge whose PAM registers 0x59-0x5F (Intel 82441FX PMC
 * datasheet, 3.2 "PAM[6:0]") select, per segment of 0xC0000-0xFFFFF, whether
 * reads and writes go to DRAM; SMRAM control at 0x72. The memory map follows the
 * PAM registers through the machine's PAMHandler.
 */
#include <stdlib.h>
#include "hw/pci.h"

enum { I440FX_PAM = 0x59, I440FX_PAM_COUNT = 7, I440FX_SMRAM = 0x72 };

typedef struct I440FXState {
    PCIDevice pci;
    PAMHandler *pam;
    void *pam_opaque;
} I440FXState;

/* PAM register r (0..6), nibble h: start address and size of its segment.
 * PAM0 high nibble: 0xF0000-0xFFFFF; PAMn (n>=1): two 16 KiB segments from
 * 0xC0000 + (n - 1) * 0x8000. PAM0's low nibble is reserved. */
static bool pam_segment(int r, int h, uint32_t *start, uint32_t *size)
{
    if (r == 0) {
        *start = 0xF0000;
        *size = 0x10000;
        return h == 1;
    }
    *start = 0xC0000 + (r - 1) * 0x8000 + h * 0x4000;
    *size = 0x4000;
    return true;
}

static void pam_update(I440FXState *s, int r)
{
    uint8_t v = s->pci.config[I440FX_PAM + r];
    uint32_t start, size;
    if (!s->pam) {
        return;
    }
    for (int h = 0; h < 2; h++) {
        if (pam_segment(r, h, &start, &size)) {
            int mode = (v >> (4 * h)) & 3;
            s->pam(s->pam_opaque, start, size, mode & 1, mode & 2);
        }
    }
}

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned size)
{
    I440FXState *s = (I440FXState *)d;
    (void)val;
    for (uint32_t a = addr; a < addr + size; a++) {
        if (a >= I440FX_PAM && a < I440FX_PAM + I440FX_PAM_COUNT) {
            pam_update(s, a - I440FX_PAM);
        }
    }
}

static void i440fx_reset(void *opaque)
{
    I440FXState *s = opaque;
    pci_device_reset(&s->pci);
    for (int r = 0; r < I440FX_PAM_COUNT; r++) {
        s->pci.config[I440FX_PAM + r] = 0;
        pam_update(s, r);
    }
    s->pci.config[I440FX_SMRAM] = 0x02;
}

static void i440fx_save(void *opaque, SaveStream *ss)
{
    pci_device_save(opaque, ss);
}

static void i440fx_load(void *opaque, SaveStream *ss)
{
    I440FXState *s = opaque;
    pci_device_load(&s->pci, ss);
    for (int r = 0; r < I440FX_PAM_COUNT; r++) {
        pam_update(s, r);
    }
}

static void i440fx_free(void *opaque)
{
    free(opaque);
}

static const DeviceOps i440fx_ops = {
    .name = "i440FX-pcihost", .reset = i440fx_reset, .save = i440fx_save,
    .load = i440fx_load, .free = i440fx_free,
};

PCIDevice *i440fx_new(PCIBus *bus, PAMHandler *pam, void *pam_opaque)
{
    I440FXState *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->pci.dev.ops = &i440fx_ops;
    pci_device_init(&s->pci, bus, PCI_DEVFN(0, 0), "i440FX", 0x8086, 0x1237, 0x02,
                    0x060000, 0x00);
    s->pci.config_write = i440fx_config_write;
    for (int r = 0; r < I440FX_PAM_COUNT; r++) {
        s->pci.wmask[I440FX_PAM + r] = r == 0 ? 0x30 : 0x33;
    }
    s->pci.wmask[I440FX_SMRAM] = 0x78;   /* D_OPEN, D_CLS, D_LCK, G_SMRAME */
    s->pam = pam;
    s->pam_opaque = pam_opaque;
    i440fx_reset(s);
    return &s->pci;
}
